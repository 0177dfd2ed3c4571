package docgen_test

import (
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/docgen"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

// TestEveryCheckHasAnExampleSection: docs/checks.md has a section per
// code whose example block holds only that code's findings, as check
// prints them ("BG004 error: ...") or, for a warning of the settings, as
// synth does ("warning: ... (BG013)").
func TestEveryCheckHasAnExampleSection(t *testing.T) {
	page, err := docgen.Checks()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range check.All {
		_, section, ok := strings.Cut(string(page), "\n### "+d.Code+"\n")
		if !ok {
			t.Errorf("no section ### %s", d.Code)
			continue
		}
		_, block, _ := strings.Cut(section, "```text\n")
		block, _, ok = strings.Cut(block, "\n```")
		if !ok || block == "" {
			t.Errorf("section %s has no example block:\n%s", d.Code, section)
			continue
		}
		for _, l := range strings.Split(block, "\n") {
			if !strings.HasPrefix(l, d.Code+" ") && !(strings.HasPrefix(l, "warning: ") && strings.HasSuffix(l, " ("+d.Code+")")) {
				t.Errorf("section %s shows %q; want a finding of %s", d.Code, l, d.Code)
			}
		}
	}
}
