package synth_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/synth"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

func TestCheckErrorsFailTheRunAndWriteNothing(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	_, err := synth.Run(synth.Options{Config: testutil.WriteConfig(t, testutil.IdleCanary), Outdir: outdir})
	if err == nil || !strings.Contains(err.Error(), "BG005 error: VirtualService bluegreen/echo spec.http[4].route[1]: route default sends 10% to green, whose release green has 0 replicas") {
		t.Fatalf("got %v, want the BG005 finding", err)
	}
	if _, err := os.Stat(outdir); !os.IsNotExist(err) {
		t.Errorf("a failed run created %s (%v)", outdir, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(outdir), ".cdktf.out.staging-*")); len(left) > 0 {
		t.Errorf("staging folders left behind: %v", left)
	}
}

func TestWarnOnly(t *testing.T) {
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	res, err := synth.Run(synth.Options{Config: testutil.WriteConfig(t, testutil.IdleCanary), Outdir: outdir, WarnOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "BG005" {
		t.Errorf("findings: got %v, want one BG005", res.Findings)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || strings.Contains(w, "BG005")
	}
	if !found {
		t.Errorf("warnings %q do not report BG005", res.Warnings)
	}
	for _, f := range []string{"routing.mmd", "routing.dot"} {
		b, err := os.ReadFile(filepath.Join(outdir, "stacks", "qa-app", f))
		if err != nil || !strings.Contains(string(b), "10%") {
			t.Errorf("%s: %v; want the routing picture with the 10%% share", f, err)
		}
	}
}

// TestSecondRunKeepsTerraformFiles checks that re-synthesizing replaces
// the synthesized files but keeps what Terraform wrote in a stack folder.
func TestSecondRunKeepsTerraformFiles(t *testing.T) {
	cfg := testutil.WriteConfig(t, `{"qa": {`+testutil.ExistingCluster+`}}`)
	outdir := filepath.Join(t.TempDir(), "cdktf.out")
	if _, err := synth.Run(synth.Options{Config: cfg, Outdir: outdir}); err != nil {
		t.Fatal(err)
	}
	stack := filepath.Join(outdir, "stacks", "qa-app")
	os.MkdirAll(filepath.Join(stack, ".terraform", "providers"), 0o755)
	os.WriteFile(filepath.Join(stack, ".terraform.lock.hcl"), []byte("lock"), 0o644)
	os.WriteFile(filepath.Join(stack, "cdk.tf.json"), []byte("stale"), 0o644)
	os.WriteFile(filepath.Join(stack, "leftover.txt"), []byte("old synth output"), 0o644)
	if _, err := synth.Run(synth.Options{Config: cfg, Outdir: outdir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(stack, ".terraform", "providers")); err != nil {
		t.Errorf(".terraform was lost: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(stack, ".terraform.lock.hcl")); string(b) != "lock" {
		t.Errorf("the lock file was lost or changed: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(stack, "cdk.tf.json")); string(b) == "stale" {
		t.Error("cdk.tf.json was not replaced")
	}
	if _, err := os.Stat(filepath.Join(stack, "leftover.txt")); !os.IsNotExist(err) {
		t.Errorf("a stale synthesized file survived: %v", err)
	}
}

// TestShippedFileSynthesizesClean synthesizes the copy of the shipped
// cdktf.json: a new user's first run prints no warning that the file does
// not acknowledge, and one line per environment that acknowledges some.
// The dated support warnings (Istio's and EKS's end of support, tested in
// internal/config with a fixed date) are left out, so that no date turns
// this test red.
func TestShippedFileSynthesizesClean(t *testing.T) {
	res, err := synth.Run(synth.Options{Config: filepath.Join("..", "..", "testdata", "shipped.cdktf.json"), Outdir: filepath.Join(t.TempDir(), "cdktf.out")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		if !strings.Contains(w, " support") {
			got = append(got, w)
		}
	}
	if len(got) > 0 {
		t.Errorf("got unacknowledged warnings:\n%s", strings.Join(got, "\n"))
	}
	want := []string{"qa: 2 acknowledged findings (GW004)", "staging: 1 acknowledged finding (BG013)"}
	if !slices.Equal(res.Acknowledged, want) {
		t.Errorf("acknowledged: got %q, want %q", res.Acknowledged, want)
	}
}

func TestStaleAcknowledgement(t *testing.T) {
	cfg := testutil.WriteConfig(t, `{"qa": {`+testutil.ExistingCluster+`, "acknowledge": ["GW004"]}}`)
	res, err := synth.Run(synth.Options{Config: cfg, Outdir: filepath.Join(t.TempDir(), "cdktf.out")})
	if err != nil {
		t.Fatal(err)
	}
	want := "context.environments[qa].acknowledge[0]: GW004 is acknowledged, but qa has no GW004 warning; remove it, so that it cannot hide a new one"
	if !slices.Contains(res.Warnings, want) || len(res.Acknowledged) != 0 {
		t.Errorf("warnings %q, acknowledged %q; want the warning\n%s\nand nothing acknowledged", res.Warnings, res.Acknowledged, want)
	}
}
