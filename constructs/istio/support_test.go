package istio_test

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// TestDefaultVersionIsSupported checks that the default Istio release is
// the patched 1.31.1 and that its minor release is supported, without a
// warning, on 2026-12-07 (a fixed day, so the test does not change with
// the calendar; move the day with DefaultVersion).
func TestDefaultVersionIsSupported(t *testing.T) {
	day := time.Date(2026, time.December, 7, 0, 0, 0, 0, time.UTC)
	p := istio.Props{}.WithDefaults()
	if p.Version != "1.31.1" {
		t.Errorf("default version: got %q, want 1.31.1 (the newest patch of Istio 1.31, released 2026-09-21)", p.Version)
	}
	s, ok := istio.SupportEnds[istio.Minor(p.Version)]
	if !ok {
		t.Fatalf("SupportEnds has no row for Istio %s", istio.Minor(p.Version))
	}
	if s.Ended(day) {
		t.Errorf("Istio %s: support ended on %s; want it supported on %s", istio.Minor(p.Version), s.Ends.Format(time.DateOnly), day.Format(time.DateOnly))
	}
	if w := p.SupportWarnings(field.NewPath("istio"), day); len(w) != 0 {
		t.Errorf("default release on %s: got warnings %q, want none", day.Format(time.DateOnly), w)
	}
	// 1.30, the minor before, ends in January 2027 (the day is not known
	// yet): it warns, naming the default to move to.
	old := istio.Props{Version: "1.30.5"}.WithDefaults()
	want := `istio.version: Istio 1.30 is supported until six weeks after Istio 1.32's release, expected in January 2027 (istio.io); move to Istio 1.31 (istio.version "1.31.1")`
	if w := old.SupportWarnings(field.NewPath("istio"), day); len(w) != 1 || w[0] != want {
		t.Errorf("Istio 1.30.5 on %s: got %q; want [%q]", day.Format(time.DateOnly), w, want)
	}
}
