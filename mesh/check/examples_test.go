package check_test

import (
	"slices"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

// TestExamplesTriggerTheirCode holds each example docs/checks.md shows to
// its code: the input reports the code, and no code but the ones the
// example names.
func TestExamplesTriggerTheirCode(t *testing.T) {
	for _, ex := range check.Examples {
		t.Run(ex.Code, func(t *testing.T) {
			fs, err := ex.Run()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Code)
				if f.Code != ex.Code && !slices.Contains(ex.Also, f.Code) {
					t.Errorf("finding %s; want only %s and %v", f, ex.Code, ex.Also)
				}
			}
			for _, c := range append([]string{ex.Code}, ex.Also...) {
				if !slices.Contains(got, c) {
					t.Errorf("findings %v; want %s among them", got, c)
				}
			}
		})
	}
}

// TestEveryCheckHasAnExample: every code of check.All has exactly one
// example but BG013, which the Istio settings report (internal/docgen
// runs its example).
func TestEveryCheckHasAnExample(t *testing.T) {
	n := map[string]int{}
	for _, ex := range check.Examples {
		n[ex.Code]++
		if ex.Input == "" {
			t.Errorf("example %s has no input description", ex.Code)
		}
	}
	for _, d := range check.All {
		want := 1
		if d.Code == "BG013" {
			want = 0
		}
		if n[d.Code] != want {
			t.Errorf("check %s has %d examples, want %d", d.Code, n[d.Code], want)
		}
		delete(n, d.Code)
	}
	for c := range n {
		t.Errorf("example %s has no entry in check.All", c)
	}
}

// TestHealthyEchoHasNoFindings: what an echo example reports comes from
// the one thing it changes.
func TestHealthyEchoHasNoFindings(t *testing.T) {
	m, err := check.HealthyEcho()
	if err != nil {
		t.Fatal(err)
	}
	if got := check.Run(m); len(got) != 0 {
		t.Errorf("the healthy echo has findings: %v", got)
	}
}
