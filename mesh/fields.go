package mesh

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// NotEvaluatedPrefix starts every answer an evaluator gives instead of a
// route when the objects hold something it does not model: it says what,
// and does not guess.
const NotEvaluatedPrefix = "not evaluated: "

// Fields is an explicit list of the field paths of an API object that an
// evaluator models, in the object's JSON names: "http[].match[].uri" for
// the uri of any match of any HTTP route, with "*" standing for any key of
// a map (such as a header name). A path admits every field below it.
type Fields []string

// Unmodelled returns the path of the first field set in v that f does not
// list, such as "http[1].fault.abort.grpcStatus" (root prefixed, with list
// indexes), or "" when f lists every field set. v is an API object of Go
// type: a proto message (Istio's types, read as protojson writes them) or
// a struct that encoding/json writes (the Gateway API's); the walk is over
// the fields the object sets, so no field can be passed over because
// nobody thought of it.
func (f Fields) Unmodelled(root string, v any) (string, error) {
	var b []byte
	var err error
	if m, ok := v.(proto.Message); ok {
		b, err = protojson.Marshal(m)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return "", err
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return "", err
	}
	return f.walk(tree, "", root), nil
}

// NotEvaluated returns the answer of an evaluator on an object (what, such
// as "VirtualService ns/name") whose spec sets a field f does not list:
// "not evaluated: <what> spec.<field path>"; "" when f lists every field
// set.
func (f Fields) NotEvaluated(what string, spec any) string {
	bad, err := f.Unmodelled("spec", spec)
	switch {
	case err != nil:
		return NotEvaluatedPrefix + what + ": " + err.Error()
	case bad != "":
		return NotEvaluatedPrefix + what + " " + bad
	}
	return ""
}

// walk returns the first unmodelled path below node, whose pattern (with
// "[]" for indexes and "*" for map keys) is pattern and whose concrete
// path is path.
func (f Fields) walk(node any, pattern, path string) string {
	switch n := node.(type) {
	case map[string]any:
		for _, k := range sortedKeys(n) {
			if isUnset(n[k]) {
				continue
			}
			p := join(pattern, k)
			switch {
			case f.covers(p):
				continue
			case f.within(p):
			case f.covers(join(pattern, "*")):
				continue
			case f.within(join(pattern, "*")):
				p = join(pattern, "*")
			default:
				return join(path, k)
			}
			if bad := f.walk(n[k], p, join(path, k)); bad != "" {
				return bad
			}
		}
	case []any:
		for i, e := range n {
			if bad := f.walk(e, pattern+"[]", fmt.Sprintf("%s[%d]", path, i)); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// covers reports whether f lists pattern itself (and so all below it).
func (f Fields) covers(pattern string) bool { return slices.Contains(f, pattern) }

// within reports whether f lists a field below pattern.
func (f Fields) within(pattern string) bool {
	return slices.ContainsFunc(f, func(s string) bool {
		return strings.HasPrefix(s, pattern+".") || strings.HasPrefix(s, pattern+"[]")
	})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isUnset reports whether a JSON value says nothing: null, or an empty
// list or object.
func isUnset(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
