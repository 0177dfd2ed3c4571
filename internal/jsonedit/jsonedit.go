// Package jsonedit reads JSON files, and changes one member of a JSON
// document in place, leaving every other byte as it was, so a reviewed
// config change is a one-line diff.
package jsonedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ReadFile decodes the JSON file at path into v; a document that does not
// decode is an error naming the file.
func ReadFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return Locate(path, b, err)
	}
	return nil
}

// member is where a path led in a document.
type member struct {
	// depth is how many path elements exist.
	depth int
	// valueStart and valueEnd delimit the value of the full path, when it
	// exists.
	valueStart, valueEnd int
	// open is the offset just after the '{' of the deepest existing object
	// on the path; closeBrace is the offset of its '}'.
	open, closeBrace int
}

// locate walks data along path (object member names).
func locate(data []byte, path []string) (member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var m member
	tok, err := dec.Token()
	if err != nil {
		return m, err
	}
	if tok != json.Delim('{') {
		return m, errors.New("the document is not a JSON object")
	}
	m.open = int(dec.InputOffset())
	for depth := 0; ; {
		if !dec.More() {
			// The wanted member is not in this object.
			end, err := dec.Token() // '}'
			if err != nil || end != json.Delim('}') {
				return m, fmt.Errorf("malformed object: %v", err)
			}
			m.closeBrace = int(dec.InputOffset()) - 1
			return m, nil
		}
		keyTok, err := dec.Token()
		if err != nil {
			return m, err
		}
		key := keyTok.(string)
		afterKey := int(dec.InputOffset())
		if key != path[depth] {
			if err := skipValue(dec); err != nil {
				return m, err
			}
			continue
		}
		start := afterKey + bytes.IndexFunc(data[afterKey:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n:", r) })
		if depth == len(path)-1 {
			if err := skipValue(dec); err != nil {
				return m, err
			}
			m.depth = len(path)
			m.valueStart, m.valueEnd = start, int(dec.InputOffset())
			return m, nil
		}
		tok, err := dec.Token()
		if err != nil {
			return m, err
		}
		if tok != json.Delim('{') {
			return m, fmt.Errorf("%s is not an object", strings.Join(path[:depth+1], "."))
		}
		depth++
		m.depth = depth
		m.open = int(dec.InputOffset())
	}
}

// skipValue consumes one value (scalar, object or array).
func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// Get returns the raw JSON value at path, and whether it exists.
func Get(data []byte, path ...string) (json.RawMessage, bool, error) {
	m, err := locate(data, path)
	if err != nil || m.depth < len(path) {
		return nil, false, err
	}
	return json.RawMessage(data[m.valueStart:m.valueEnd]), true, nil
}

// Set returns data with the member at path set to value (any JSON-encodable
// Go value). An existing value is replaced where it stands; a missing
// member is added as the first member of the deepest object that exists,
// indented like that object's members, with the missing objects around it.
func Set(data []byte, value any, path ...string) ([]byte, error) {
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	enc, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	m, err := locate(data, path)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if m.depth == len(path) {
		out.Write(data[:m.valueStart])
		out.Write(enc)
		out.Write(data[m.valueEnd:])
		return out.Bytes(), nil
	}
	// Build {"a": {"b": value}} for the missing part of the path.
	member := enc
	for i := len(path) - 1; i > m.depth; i-- {
		key, _ := json.Marshal(path[i])
		member = []byte("{" + string(key) + ": " + string(member) + "}")
	}
	key, _ := json.Marshal(path[m.depth])
	indent, empty := memberIndent(data, m)
	out.Write(data[:m.open])
	if empty {
		out.WriteString(" " + string(key) + ": " + string(member) + " ")
		out.Write(data[m.closeBrace:])
		return out.Bytes(), nil
	}
	out.WriteString(indent + string(key) + ": " + string(member) + ",")
	out.Write(data[m.open:])
	return out.Bytes(), nil
}

// memberIndent returns the whitespace before the first member of the object
// that opens at m.open (such as "\n        "), and whether it is empty.
func memberIndent(data []byte, m member) (string, bool) {
	rest := data[m.open:]
	i := bytes.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) })
	if i < 0 || rest[i] == '}' {
		return "", true
	}
	return string(rest[:i]), false
}
