package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// AllowlistFile is the allowlist's name at the root of the module.
const AllowlistFile = "analyzer-allowlist.json"

// Entry allows the findings it matches to pass a check.
type Entry struct {
	// Code is the analyzer message code, such as "IST0101". Required.
	Code string `json:"code"`
	// Resource matches Finding.Resource ("<Kind> <namespace>/<name>", such
	// as "Gateway istio-ingress/web"): exactly, or as a pattern in which *
	// stands for any run of characters. Default: every resource.
	Resource string `json:"resource,omitempty"`
	// Message matches Finding.Message the same way. Default: every message.
	Message string `json:"message,omitempty"`
	// Reason says why the finding is acceptable. Required.
	Reason string `json:"reason"`
}

// String names the entry by what it matches.
func (e Entry) String() string {
	s := e.Code
	if e.Resource != "" {
		s += fmt.Sprintf(" resource %q", e.Resource)
	}
	if e.Message != "" {
		s += fmt.Sprintf(" message %q", e.Message)
	}
	return s
}

// Matches reports whether the entry matches the finding.
func (e Entry) Matches(f Finding) bool {
	return e.Code == f.Code && match(e.Resource, f.Resource) && match(e.Message, f.Message)
}

// Allowlist is the list of findings allowed to pass a check, each with its
// reason. It is read from a JSON list of entries:
//
//	[{"code": "IST0132", "resource": "VirtualService shop/*", "reason": "..."}]
type Allowlist []Entry

var codePattern = regexp.MustCompile(`^IST[0-9]{4}$`)

// Validate reports every entry without a code of the form IST<4 digits> or
// without a reason, naming each by its position (from 1) and what it
// matches.
func (a Allowlist) Validate() error {
	var errs []error
	for i, e := range a {
		if !codePattern.MatchString(e.Code) {
			errs = append(errs, fmt.Errorf("allowlist entry %d (%s): code %q: must be an analyzer message code such as \"IST0101\"", i+1, e, e.Code))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("allowlist entry %d (%s): reason is required: say why the finding is acceptable", i+1, e))
		}
	}
	return errors.Join(errs...)
}

// ReadAllowlist reads and validates an allowlist file. Members other than
// those of Entry are rejected, so a misspelt "reason" is caught.
func ReadAllowlist(file string) (Allowlist, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var a Allowlist
	if err := d.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", file)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return a, nil
}

// Match returns the first valid entry that matches the finding. Entries
// that fail Validate never match.
func (a Allowlist) Match(f Finding) (Entry, bool) {
	for _, e := range a {
		if e.valid() && e.Matches(f) {
			return e, true
		}
	}
	return Entry{}, false
}

// Unused returns the entries that match none of the findings: allowances
// that no longer allow anything, to be removed.
func (a Allowlist) Unused(findings []Finding) []Entry {
	var out []Entry
	for _, e := range a {
		used := false
		for _, f := range findings {
			if e.Matches(f) {
				used = true
				break
			}
		}
		if !used {
			out = append(out, e)
		}
	}
	return out
}

func (e Entry) valid() bool {
	return codePattern.MatchString(e.Code) && strings.TrimSpace(e.Reason) != ""
}

// Filter splits findings into those that fail a check (Error or Warning,
// matched by no entry) and those an entry allows. Info findings never fail;
// they are in allowed only when an entry matches them. Entries that fail
// Validate allow nothing.
func Filter(findings []Finding, a Allowlist) (failing, allowed []Finding) {
	for _, f := range findings {
		if _, ok := a.Match(f); ok {
			allowed = append(allowed, f)
		} else if f.fails() {
			failing = append(failing, f)
		}
	}
	return failing, allowed
}

// match reports whether s matches pattern: an empty pattern matches
// everything; * stands for any run of characters; every other character
// stands for itself.
func match(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
