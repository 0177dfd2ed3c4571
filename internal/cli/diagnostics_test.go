package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

const bg005 = "environment qa: BG005 error: VirtualService bluegreen/echo spec.http[4].route[1]: route default sends 10% to green, whose release green has 0 replicas"

func TestDiagnosticsReportFindingsAndStillAnswer(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", testutil.WriteConfig(t, testutil.IdleCanary))

	var out, errs bytes.Buffer
	if err := cli.Routes([]string{"qa"}, &out, &errs); err != nil {
		t.Fatalf("routes: got %v, want the table and the finding", err)
	}
	if !strings.Contains(errs.String(), bg005) {
		t.Errorf("routes stderr lacks the BG005 finding:\n%s", errs.String())
	}
	for _, want := range []string{"Routing of qa (live: blue)", "GET /", "default", "90%", "10%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("routes output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	errs.Reset()
	dir := t.TempDir()
	if err := cli.Graph([]string{"qa", "-o", dir}, &out, &errs); err != nil {
		t.Fatalf("graph: got %v, want the picture and the finding", err)
	}
	if !strings.Contains(errs.String(), bg005) {
		t.Errorf("graph stderr lacks the BG005 finding:\n%s", errs.String())
	}
	mmd, err := os.ReadFile(filepath.Join(dir, "qa-routing.mmd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mmd), "release green (candidate)") || !strings.Contains(string(mmd), "0 replicas") {
		t.Errorf("the picture lacks the idle candidate:\n%s", mmd)
	}

	// check reports everything too, and its exit code still fails.
	out.Reset()
	errs.Reset()
	allow := filepath.Join(t.TempDir(), "allowlist.json")
	if err := os.WriteFile(allow, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = cli.Check([]string{"qa", "--allowlist", allow}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "BG005") {
		t.Errorf("check: got %v, want an error naming BG005", err)
	}
	if !strings.Contains(out.String(), "istioctl analyze") {
		t.Errorf("check did not report the analyzer's result before failing:\n%s", out.String())
	}
}

// TestRoutesAndGraphAgreeOnTheLiveColour promotes green and sends blue 80
// %: `routes` and `graph` both read the live colour off the
// VirtualService's bluegreen.io/live annotation, so neither takes the
// larger share for the live colour.
func TestRoutesAndGraphAgreeOnTheLiveColour(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", testutil.WriteConfig(t, `{"walk": {`+testutil.ExistingCluster+`,
		"routing": {"hosts": ["echo.example.com"], "live": "green", "candidateWeight": 80}}}`))
	var out, errs bytes.Buffer
	if err := cli.Routes([]string{"walk"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Routing of walk (live: green)") {
		t.Errorf("routes does not say green is live:\n%s", out.String())
	}
	dir := t.TempDir()
	if err := cli.Graph([]string{"walk", "-o", dir}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	mmd, err := os.ReadFile(filepath.Join(dir, "walk-routing.mmd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mmd), "release green (live)") || !strings.Contains(string(mmd), "release blue (candidate)") {
		t.Errorf("the picture does not show green live and blue the candidate:\n%s", mmd)
	}
}

// TestDiagnosticsCountAcknowledgedWarnings gives a Gateway API environment
// with the cookie rule (two GW004 warnings) an acknowledge setting: routes
// prints the count on one line instead of the warnings (that errors are
// never acknowledged is mesh/check's TestAcknowledge).
func TestDiagnosticsCountAcknowledgedWarnings(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", testutil.WriteConfig(t, `{"qa": {`+testutil.ExistingCluster+`, "acknowledge": ["GW004"],
		"routing": {"api": "gatewayAPI", "hosts": ["echo.example.com"]}}}`))
	var out, errs bytes.Buffer
	if err := cli.Routes([]string{"qa"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(errs.String()), "qa: 2 acknowledged findings (GW004)"; got != want {
		t.Errorf("routes stderr: got\n%s\nwant\n%s", got, want)
	}
}
