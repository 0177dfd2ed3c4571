package jsonedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a JSON document that does not decode, with the place it
// goes wrong: a hand-edited 600-line file is fixed from the line and column,
// not by bisecting it.
type SyntaxError struct {
	// Path names the file.
	Path string
	// Line and Column are where the mistake is, both counted from 1; Column
	// counts characters, not bytes.
	Line, Column int
	// Text is that line, without its line ending.
	Text string
	// Hint names the usual cause of this mistake, or is empty.
	Hint string
	// Err is encoding/json's error.
	Err error
}

func (e *SyntaxError) Error() string {
	msg := e.Err.Error()
	if te, ok := e.Err.(*json.UnmarshalTypeError); ok {
		msg = fmt.Sprintf("%s: got a JSON %s, must be %s", fieldOr(te.Field), te.Value, kindOf(te.Type.Kind().String()))
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	num := fmt.Sprint(e.Line)
	pad := strings.Repeat(" ", len(num))
	// The caret sits under the column; tabs are kept so that it lines up.
	var under strings.Builder
	for i, r := range []rune(e.Text) {
		if i >= e.Column-1 {
			break
		}
		if r == '\t' {
			under.WriteRune('\t')
		} else {
			under.WriteRune(' ')
		}
	}
	return fmt.Sprintf("%s:%d:%d: not valid JSON: %s\n  %s | %s\n  %s | %s^", e.Path, e.Line, e.Column, msg, num, e.Text, pad, under.String())
}

func (e *SyntaxError) Unwrap() error { return e.Err }

func fieldOr(f string) string {
	if f == "" {
		return "the document"
	}
	return f
}

func kindOf(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "a " + k
}

// Locate returns err, an error from decoding the JSON document data, as a
// *SyntaxError naming path, the line and the column of the mistake (for a
// trailing comma, the comma; for a document that ends too early, its end).
// Any other error is returned as it is.
func Locate(path string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var off int
	hint := ""
	switch {
	case errors.As(err, &syn):
		off = int(syn.Offset) - 1
		if off >= len(data) || syn.Offset == int64(len(data)) && strings.Contains(syn.Error(), "unexpected end") {
			// The document ends too early: point just after its last
			// character.
			off = len(bytes.TrimRight(data, " \t\r\n"))
			hint = "the file ends before every { and [ is closed"
			break
		}
		off = max(off, 0)
		switch data[off] {
		case '/', '#':
			hint = "JSON has no comments; remove it"
		case '\'':
			hint = `JSON strings take double quotes`
		case '}', ']':
			prev := bytes.TrimRight(data[:off], " \t\r\n")
			if len(prev) > 0 && prev[len(prev)-1] == ',' {
				hint = fmt.Sprintf("a trailing comma: JSON allows no ',' before '%c'", data[off])
				off = len(prev) - 1
			}
		case '"':
			prev := bytes.TrimRight(data[:off], " \t\r\n")
			if len(prev) > 0 && (prev[len(prev)-1] == '"' || prev[len(prev)-1] == '}' || prev[len(prev)-1] == ']' || isScalarEnd(prev[len(prev)-1])) {
				hint = "a ',' is missing before this member"
			}
		}
	case errors.As(err, &typ):
		off = max(int(typ.Offset)-1, 0)
		// Point at the start of the value, not its end.
		if typ.Field != "" {
			if m, err := locate(data, strings.Split(typ.Field, ".")); err == nil && m.depth == len(strings.Split(typ.Field, ".")) {
				off = m.valueStart
			}
		}
	default:
		return err
	}
	line, col, text := position(data, off)
	return &SyntaxError{Path: path, Line: line, Column: col, Text: text, Hint: hint, Err: err}
}

func isScalarEnd(b byte) bool {
	return b >= '0' && b <= '9' || b == 'e' || b == 'l' // true, false, null
}

// position returns the line and column (from 1, in characters) of byte
// offset off in data, and the text of that line.
func position(data []byte, off int) (line, col int, text string) {
	off = min(off, len(data))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := bytes.IndexByte(data[start:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += start
	}
	line = bytes.Count(data[:start], []byte("\n")) + 1
	col = utf8.RuneCount(data[start:off]) + 1
	return line, col, strings.TrimRight(string(data[start:end]), "\r")
}

// Line returns the line (from 1) of byte offset off in data.
func Line(data []byte, off int) int {
	l, _, _ := position(data, off)
	return l
}
