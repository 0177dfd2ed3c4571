package mesh_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// fullMatch applies a pattern as Envoy does (mesh.FullMatch: RE2, the
// whole value).
func fullMatch(t *testing.T, pattern, value string) bool {
	t.Helper()
	re, err := mesh.FullMatch(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return re.MatchString(value)
}

func TestCookieRegex(t *testing.T) {
	re := mesh.CookieRegex("x-version", "v2")
	for _, tc := range []struct {
		cookie string
		want   bool
	}{
		{"x-version=v2", true},
		{"x-version=v2;", true},
		{"session=abc; x-version=v2", true},
		{"session=abc;x-version=v2", true},
		{"session=abc;  x-version=v2", true},
		{"x-version=v2; session=abc", true},
		{"x-version=v2;session=abc", true},
		{"a=1; x-version=v2; b=2", true},
		{"a=1;x-version=v2;b=2", true},
		{"x-version=v2 ; b=2", true},
		{"x-version=v20", false},
		{"x-version=v2x; a=1", false},
		{"my-x-version=v2", false},
		{"a=1; my-x-version=v2", false},
		{"x-version=v1", false},
		{"x-version=v1; x-versionv2", false},
		{"X-Version=v2", false},
		{"a=x-version=v2", false},
		{"x-version=", false},
		{"x-versions=v2", false},
		{"", false},
		{"x-version=v1; x-version=v2", true},
	} {
		if got := fullMatch(t, re, tc.cookie); got != tc.want {
			t.Errorf("cookie %q: got match %v, want %v (pattern %s)", tc.cookie, got, tc.want, re)
		}
	}
}

func TestCookieRegexEscapes(t *testing.T) {
	re := mesh.CookieRegex("a.b", "1+1")
	for _, tc := range []struct {
		cookie string
		want   bool
	}{
		{"a.b=1+1", true},
		{"axb=1+1", false},
		{"a.b=11", false},
		{"a.b=111", false},
	} {
		if got := fullMatch(t, re, tc.cookie); got != tc.want {
			t.Errorf("cookie %q: got match %v, want %v (pattern %s)", tc.cookie, got, tc.want, re)
		}
	}
}
