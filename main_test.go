package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/cli"
	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// synthAll runs the program as `cdktf synth` does, into a fresh folder, and
// returns that folder and what it printed. It reads the frozen fixture
// testdata/cdktf.json unless the test named another file in
// BLUEGREEN_CONFIG, never the live cdktf.json that users edit.
func synthAll(t *testing.T, environments string) (outdir, stdout string) {
	t.Helper()
	if os.Getenv("BLUEGREEN_CONFIG") == "" {
		t.Setenv("BLUEGREEN_CONFIG", goldenConfig)
	}
	outdir = filepath.Join(t.TempDir(), "cdktf.out")
	t.Setenv("CDKTF_OUTDIR", outdir)
	t.Setenv("ENVIRONMENTS", environments)
	var out, errs bytes.Buffer
	if code := run(nil, &out, &errs); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	return outdir, out.String()
}

// fixtureEnv is what TestSynthEveryEnvironment expects of one environment of
// the frozen fixture testdata/cdktf.json: literals, not values read from
// config.Load, so a wrong default fails the test.
type fixtureEnv struct {
	name string
	// stacks are the environment's stacks.
	stacks []string
	// region and cluster are the AWS region and the EKS cluster's name
	// (EKS targets only).
	region, cluster string
	// s3 is the S3 backend block; nil for the local backend.
	s3 map[string]any
	// kubeconfig is the kubeconfig path and context (kubeconfig targets).
	kubeconfig []string
}

var fixtureEnvs = []fixtureEnv{
	{name: "dev", stacks: []string{"dev-cluster", "dev-mesh", "dev-app"}, region: "eu-west-1", cluster: "bluegreen-dev"},
	{name: "prod", stacks: []string{"prod-cluster", "prod-mesh", "prod-app"}, region: "eu-west-1", cluster: "bluegreen-prod",
		s3: map[string]any{"bucket": "acme-bluegreen-tfstate", "key": "bluegreen/prod/<stack>.tfstate", "region": "eu-west-1", "encrypt": true, "dynamodb_table": "acme-bluegreen-tflock"}},
	{name: "staging", stacks: []string{"staging-mesh", "staging-app"}, kubeconfig: []string{"~/.kube/config", "staging"}},
	{name: "qa", stacks: []string{"qa-mesh", "qa-app"}, kubeconfig: []string{"~/.kube/config", "qa"}},
}

func TestSynthEveryEnvironment(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", goldenConfig)
	outdir, stdout := synthAll(t, "")

	want := []string{"dev-app", "dev-cluster", "dev-mesh", "prod-app", "prod-cluster", "prod-mesh", "qa-app", "qa-mesh", "staging-app", "staging-mesh"}
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("stacks: got %v, want %v", got, want)
	}

	for _, env := range fixtureEnvs {
		t.Run(env.name, func(t *testing.T) {
			for _, stack := range env.stacks {
				d := testutil.Load(t, testutil.StackPath(outdir, stack))
				checkLocalCharts(t, filepath.Join(outdir, "stacks", stack))
				checkBackend(t, env, stack, d)
				checkProviders(t, env, stack, d)
				// The summary names the stack, its resource count and its file.
				line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(stack) + `\s+(\d+)\s+\d+\s+(\S+)$`).FindStringSubmatch(stdout)
				if line == nil {
					t.Errorf("summary has no line for %s:\n%s", stack, stdout)
					continue
				}
				if n, _ := strconv.Atoi(line[1]); n != countResources(d) {
					t.Errorf("summary says %s has %s resources; its JSON has %d", stack, line[1], countResources(d))
				}
				if line[2] != testutil.StackPath(outdir, stack) {
					t.Errorf("summary path of %s: got %s, want %s", stack, line[2], testutil.StackPath(outdir, stack))
				}
			}
		})
	}
}

// checkLocalCharts checks that every helm_release with a local chart finds
// it from the stack's own folder (where cdktf deploy runs Terraform) and
// renders with the values it carries.
func checkLocalCharts(t *testing.T, stackDir string) {
	t.Helper()
	releases, err := render.Releases(stackDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range releases {
		if !r.Local() {
			continue
		}
		if filepath.IsAbs(r.Chart) {
			t.Errorf("%s: release %s: chart path %q is absolute; it must be relative to the stack folder", filepath.Base(stackDir), r.Name, r.Chart)
		}
		if _, err := render.Render(r); err != nil {
			t.Errorf("%s: release %s: %v", filepath.Base(stackDir), r.Name, err)
		}
	}
}

func countResources(d testutil.Doc) int {
	n := 0
	byType, _ := d["resource"].(map[string]any)
	for _, byName := range byType {
		n += len(byName.(map[string]any))
	}
	return n
}

func checkBackend(t *testing.T, env fixtureEnv, stack string, d testutil.Doc) {
	t.Helper()
	backend := d["terraform"].(map[string]any)["backend"].(map[string]any)
	if env.s3 == nil {
		wd, _ := os.Getwd()
		testutil.AssertSubset(t, backend, map[string]any{
			"local": map[string]any{"path": filepath.Join(wd, "terraform."+stack+".tfstate")},
		})
		return
	}
	want := maps.Clone(env.s3)
	want["key"] = strings.ReplaceAll(want["key"].(string), "<stack>", stack)
	testutil.AssertSubset(t, backend, map[string]any{"s3": want})
}

func checkProviders(t *testing.T, env fixtureEnv, stack string, d testutil.Doc) {
	t.Helper()
	required := d["terraform"].(map[string]any)["required_providers"].(map[string]any)
	providers, _ := d["provider"].(map[string]any)
	var wantProviders []string
	wantRequired := map[string]any{}
	if strings.HasSuffix(stack, "-cluster") {
		wantProviders = []string{"aws"}
		wantRequired["aws"] = map[string]any{"version": "~> 5.84"}
		aws := providers["aws"].([]any)[0]
		testutil.AssertSubset(t, aws, map[string]any{
			"region":       env.region,
			"default_tags": []any{map[string]any{"tags": map[string]any{"bluegreen:environment": env.name}}},
		})
	} else {
		wantProviders = []string{"helm", "kubernetes"}
		wantRequired["helm"] = map[string]any{"version": "~> 2.17"}
		wantRequired["kubernetes"] = map[string]any{"version": "~> 2.37"}
		helmKube := providers["helm"].([]any)[0].(map[string]any)["kubernetes"]
		kube := providers["kubernetes"].([]any)[0]
		if env.kubeconfig != nil {
			want := map[string]any{"config_path": env.kubeconfig[0], "config_context": env.kubeconfig[1]}
			testutil.AssertSubset(t, helmKube, want)
			testutil.AssertSubset(t, kube, want)
		} else {
			// The endpoint comes from the cluster stack's state.
			remote := fmt.Sprintf("${data.terraform_remote_state.cross-stack-reference-input-%s-cluster.outputs.", env.name)
			for name, p := range map[string]any{"helm": helmKube, "kubernetes": kube} {
				host, _ := p.(map[string]any)["host"].(string)
				if !strings.HasPrefix(host, remote) {
					t.Errorf("%s provider host: got %q, want a reference to the %s-cluster stack's outputs", name, host, env.name)
				}
			}
			args := []any{"eks", "get-token", "--cluster-name", env.cluster, "--region", env.region, "--output", "json"}
			testutil.AssertSubset(t, helmKube, map[string]any{"exec": map[string]any{"command": "aws", "args": args}})
			testutil.AssertSubset(t, kube, map[string]any{"exec": []any{map[string]any{"command": "aws", "args": args}}})
		}
	}
	var got []string
	for name := range providers {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, wantProviders) {
		t.Errorf("%s providers: got %v, want %v", stack, got, wantProviders)
	}
	testutil.AssertSubset(t, required, wantRequired)
}

func TestSynthOnlySelectedEnvironments(t *testing.T) {
	outdir, _ := synthAll(t, "staging")
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := []string{"staging-app", "staging-mesh"}; !slices.Equal(got, want) {
		t.Errorf("got stacks %v, want %v", got, want)
	}
}

// TestBadConfigLeavesOutputUntouched checks that a configuration error
// exits non-zero, names every problem, and leaves the previous output as it
// was, byte for byte.
func TestBadConfigLeavesOutputUntouched(t *testing.T) {
	outdir, _ := synthAll(t, "staging")
	before := snapshot(t, outdir)

	bad := filepath.Join(t.TempDir(), "cdktf.json")
	if err := os.WriteFile(bad, []byte(`{"context":{"environments":{
		"staging":{"target":{"type":"kubeconfig","kubeconfig":{"path":"~/.kube/config"}}},
		"dev":{"regin":"eu-west-1"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLUEGREEN_CONFIG", bad)
	t.Setenv("ENVIRONMENTS", "")
	var out, errs bytes.Buffer
	if code := run(nil, &out, &errs); code == 0 {
		t.Fatalf("exit code 0 for a bad config; want non-zero")
	}
	for _, want := range []string{
		"context.environments[dev].regin: Invalid value: \"regin\": unknown field",
		"context.environments[staging].target.kubeconfig.context: Required value",
		"context.environments[staging].target.kubeconfig.kubernetesVersion: Invalid value: \"\"",
	} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs.String())
		}
	}
	if after := snapshot(t, outdir); !maps.Equal(before, after) {
		t.Errorf("a failed run changed %s", outdir)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(outdir), ".cdktf.out.staging-*")); len(leftovers) > 0 {
		t.Errorf("staging folders left behind: %v", leftovers)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"deploy-everything"}, &out, &errs); code == 0 || !strings.Contains(errs.String(), `unknown command "deploy-everything"`) {
		t.Errorf("exit %d, stderr %q; want non-zero and the unknown command named", code, errs.String())
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// BenchmarkSynth measures what `cdktf synth` pays: a new process of the
// built program synthesizing one environment of testdata/cdktf.json (a
// frozen copy of the shipped environments, the drift guard's fixture), or
// all of them. It reports the peak memory of the Go process and of the jsii
// Node process, sampled while the program runs.
func BenchmarkSynth(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "bluegreen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	envs, err := config.Load(goldenConfig)
	if err != nil {
		b.Fatal(err)
	}
	if len(envs) == 0 {
		b.Fatalf("%s has no environments", goldenConfig)
	}
	type bench struct{ name, environments string }
	var benches []bench
	for _, env := range envs {
		benches = append(benches, bench{"env=" + env.Name, env.Name})
	}
	benches = append(benches, bench{"all", ""})
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			var goPeak, nodePeak float64
			for b.Loop() {
				cmd := exec.Command(bin)
				cmd.Env = append(os.Environ(), "BLUEGREEN_CONFIG="+goldenConfig,
					"CDKTF_OUTDIR="+filepath.Join(b.TempDir(), "cdktf.out"), "ENVIRONMENTS="+bc.environments)
				g, n := runSampled(b, cmd)
				goPeak, nodePeak = max(goPeak, g), max(nodePeak, n)
			}
			b.ReportMetric(goPeak, "go-peak-MiB")
			b.ReportMetric(nodePeak, "node-peak-MiB")
		})
	}
}

// runSampled runs cmd to its end, failing b with its stderr when it fails,
// and returns the peak memory of the process and of its jsii Node process,
// sampled every 20 ms while it runs.
func runSampled(b *testing.B, cmd *exec.Cmd) (goPeak, nodePeak float64) {
	b.Helper()
	var errs bytes.Buffer
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("%v: %s", err, errs.String())
			}
			return goPeak, nodePeak
		case <-time.After(20 * time.Millisecond):
			goPeak = max(goPeak, testutil.PeakRSSMiB(cmd.Process.Pid))
			nodePeak = max(nodePeak, testutil.DescendantPeakRSSMiB(cmd.Process.Pid, "node"))
		}
	}
}

// BenchmarkColdSetup measures `make synth` on a fresh clone of this
// repository's HEAD: npm ci, the generated bindings, building and one
// synthesis. The machine's Go module and build caches are used as they
// are; with BENCH_EMPTY_GO_CACHES=1 it also measures a clone with empty
// ones (every module downloaded, every package compiled; many minutes).
func BenchmarkColdSetup(b *testing.B) {
	for _, mode := range []string{"machine-go-caches", "empty-go-caches"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "empty-go-caches" && os.Getenv("BENCH_EMPTY_GO_CACHES") != "1" {
				b.Skip("set BENCH_EMPTY_GO_CACHES=1 to measure a clone with empty Go caches")
			}
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "clone")
				if out, err := exec.Command("git", "clone", "--quiet", ".", dir).CombinedOutput(); err != nil {
					b.Fatalf("git clone: %v\n%s", err, out)
				}
				env := append(os.Environ(), "CDKTF_OUTDIR=", "ENVIRONMENTS=", "BLUEGREEN_CONFIG=")
				if mode == "empty-go-caches" {
					caches := b.TempDir()
					env = append(env, "GOMODCACHE="+filepath.Join(caches, "mod"), "GOCACHE="+filepath.Join(caches, "build"),
						"GOFLAGS=-modcacherw -buildvcs=false")
				}
				cmd := exec.Command("make", "synth")
				cmd.Dir, cmd.Env = dir, env
				b.StartTimer()
				out, err := cmd.CombinedOutput()
				b.StopTimer()
				if err != nil {
					b.Fatalf("make synth: %v\n%s", err, out)
				}
				if _, err := os.Stat(filepath.Join(dir, "cdktf.out", "manifest.json")); err != nil {
					b.Fatalf("make synth wrote no cdktf.out/manifest.json: %v\n%s", err, out)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkSynthInProcess measures a synthesis once the jsii runtime has
// loaded the provider libraries, as the tests see it.
func BenchmarkSynthInProcess(b *testing.B) {
	for _, bc := range []struct{ name, environments string }{{"one", "dev"}, {"all", ""}} {
		b.Run(bc.name, func(b *testing.B) {
			b.Setenv("BLUEGREEN_CONFIG", goldenConfig)
			b.Setenv("CDKTF_OUTDIR", filepath.Join(b.TempDir(), "cdktf.out"))
			b.Setenv("ENVIRONMENTS", bc.environments)
			// The first synthesis in a process loads the provider libraries
			// into Node; BenchmarkSynth measures that cost.
			if code := run(nil, io.Discard, io.Discard); code != 0 {
				b.Fatalf("warm-up synthesis: exit code %d", code)
			}
			for b.Loop() {
				var errs bytes.Buffer
				if code := run(nil, io.Discard, &errs); code != 0 {
					b.Fatalf("exit code %d: %s", code, errs.String())
				}
			}
			b.ReportMetric(testutil.PeakRSSMiB(os.Getpid()), "go-peak-MiB")
			b.ReportMetric(testutil.NodePeakRSSMiB(), "node-peak-MiB")
		})
	}
}

// TestCheckEveryEnvironment is `go run . check <env>` for every environment
// of the frozen fixture testdata/cdktf.json: Istio's analyzer (offline) and bluegreen's checks on every
// object the mesh and app stacks will create. It needs tools/bin/istioctl,
// which make test builds first.
func TestCheckEveryEnvironment(t *testing.T) {
	t.Setenv("BLUEGREEN_CONFIG", goldenConfig)
	envs, err := config.Load(goldenConfig)
	if err != nil {
		t.Fatal(err)
	}
	allow, err := analyze.ReadAllowlist(analyze.AllowlistFile)
	if err != nil {
		t.Fatal(err)
	}
	outdir, _ := synthAll(t, "")
	if len(envs) != 4 {
		t.Fatalf("%s: got %d environments, want 4 (dev, prod, staging, qa)", goldenConfig, len(envs))
	}
	for _, env := range envs {
		t.Run(env.Name, func(t *testing.T) {
			dirs := []string{filepath.Join(outdir, "stacks", env.Name+"-mesh"), filepath.Join(outdir, "stacks", env.Name+"-app")}
			report, err := cli.CheckSynthesized(context.Background(), dirs, env.Istio.KubernetesVersion, allow, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Analyzer.Files) == 0 {
				t.Fatalf("no objects were analyzed: %s", report.String(env.Name))
			}
			if err := report.Err(); err != nil {
				t.Errorf("%v\n%s", err, report.String(env.Name))
			}
			// Istio's own charts are analyzed too (from the istio.io/istio
			// module of tools/go.mod): base, istiod and gateway in helm mode,
			// the gateway and the istiod of the Sail Operator's Istio resource
			// in operator mode. Only charts whose source is not pinned here
			// are not, each with its reason.
			notPinned := map[string]bool{"kiali": true, "prometheus": true, "grafana": true, "sail-operator": true}
			for _, s := range report.Analyzer.Skipped {
				if !notPinned[s.Name] || s.Reason == "" {
					t.Errorf("release %s not analyzed (reason %q); want only %v not analyzed, each with a reason", s.Name, s.Reason, slices.Sorted(maps.Keys(notPinned)))
				}
			}
			istio, want := 0, 3
			if env.Istio.InstallMode == "operator" {
				want = 2
			}
			for _, r := range report.Analyzer.Rendered {
				if istiocharts.IsIstio(r) {
					istio++
				}
			}
			if istio != want {
				t.Errorf("Istio chart releases analyzed: got %d; want %d (install mode %s)\n%s", istio, want, env.Istio.InstallMode, report.String(env.Name))
			}
			t.Log(report.String(env.Name))
		})
	}
}
