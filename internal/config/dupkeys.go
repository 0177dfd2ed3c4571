package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
)

// members indexes where each object member of a JSON document is: the
// line of every occurrence of its key, by field path.
type members map[string][]int

// pathIndexRE matches one [key] or [index] of a field path.
var pathIndexRE = regexp.MustCompile(`\[([^\]]*)\]`)

// memberKey is the index key of a field path: context.environments[dev]
// and context.environments.dev are the same member, as are
// app.releases[blue] and app.releases.blue.
func memberKey(path string) string {
	return pathIndexRE.ReplaceAllString(path, ".$1")
}

// line returns the line of the first occurrence of the member at path in
// the document; for a member of an environment that the file does not have
// (a default, or a required member that is missing), the line of its
// nearest ancestor in the file; otherwise 0.
func (m members) line(path string) int {
	for k := memberKey(path); strings.HasPrefix(k, "context.environments."); k = k[:strings.LastIndexByte(k, '.')] {
		// A member the file does not have is reported at the nearest
		// one it has, the environment at least.
		if ls := m[k]; len(ls) > 0 {
			return ls[0]
		}
	}
	if ls := m[memberKey(path)]; len(ls) > 0 {
		return ls[0]
	}
	return 0
}

// scanMembers reports every object member of the JSON document data whose
// key appeared before in the same object, with its line, and indexes every
// member. encoding/json keeps the last of a repeated key silently, so
// "live": "blue" followed by "live": "green" would deploy green without a
// word. Paths follow the rest of the errors: environments are keys under
// context.environments, every other member a child.
func scanMembers(data []byte) (field.ErrorList, []int, members) {
	s := &scanner{data: data, index: members{}}
	s.dec = json.NewDecoder(bytes.NewReader(data))
	s.dec.UseNumber()
	if err := s.walk(nil); err != nil {
		return nil, nil, members{} // Not valid JSON: Parse reports that.
	}
	return s.errs, s.lines, s.index
}

type scanner struct {
	data  []byte
	dec   *json.Decoder
	errs  field.ErrorList
	lines []int
	index members
}

// walk reads one JSON value at path p, recording its members and a problem
// for every duplicate key inside it.
func (s *scanner) walk(p *field.Path) error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for s.dec.More() {
			kt, err := s.dec.Token()
			if err != nil {
				return err
			}
			key, ok := kt.(string)
			if !ok {
				return fmt.Errorf("object key %v is not a string", kt)
			}
			child := childPath(p, key)
			line := jsonedit.Line(s.data, int(s.dec.InputOffset())-1)
			k := memberKey(child.String())
			s.index[k] = append(s.index[k], line)
			if seen[key] {
				s.errs = append(s.errs, field.Invalid(child, key, "duplicate key: this object names it more than once and only the last would count; keep one"))
				s.lines = append(s.lines, line)
			}
			seen[key] = true
			if err := s.walk(child); err != nil {
				return err
			}
		}
		_, err = s.dec.Token() // '}'
		return err
	case json.Delim('['):
		for i := 0; s.dec.More(); i++ {
			child := p.Index(i)
			k := memberKey(child.String())
			at := int(s.dec.InputOffset())
			at += len(s.data[at:]) - len(bytes.TrimLeft(s.data[at:], " \t\r\n,"))
			s.index[k] = append(s.index[k], jsonedit.Line(s.data, at))
			if err := s.walk(child); err != nil {
				return err
			}
		}
		_, err = s.dec.Token() // ']'
		return err
	}
	return nil
}

// childPath is the path of member key of the object at p.
func childPath(p *field.Path, key string) *field.Path {
	switch {
	case p == nil:
		return field.NewPath(key)
	case p.String() == "context.environments":
		return p.Key(key)
	}
	return p.Child(key)
}
