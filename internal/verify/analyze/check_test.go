package analyze_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

func releaseNames(rs []render.Release) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Stack+"/"+r.Name)
	}
	return out
}

func skippedNames(rs []render.Skipped) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Stack+"/"+r.Name)
	}
	return out
}

func findings(fs []analyze.Finding) string {
	if len(fs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

func TestCheckConsistentObjectsPass(t *testing.T) {
	bin := istioctl(t)
	out := filepath.Join(t.TempDir(), "objects")
	start := time.Now()
	res, err := analyze.Check(context.Background(), stacks(t, appReleases(t)), analyze.Options{Istioctl: bin, Dir: out})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("render, write and analyze %d files: %v; findings:%s", len(res.Files), time.Since(start), findings(res.Findings))
	if err := res.Err(); err != nil {
		t.Errorf("got failing findings for consistent objects; want none:\n%v\nall findings:%s", err, findings(res.Findings))
	}
	// The Sail Operator's istiod is skipped: its Istio resource asks for
	// another release than the pinned one.
	if got, want := skippedNames(res.Skipped), []string{"test-mesh/istiod"}; !slices.Equal(got, want) {
		t.Errorf("skipped releases: got %v; want %v", got, want)
	} else if want := `version "v1.30.4": only Istio ` + istiocharts.Release; !strings.Contains(res.Skipped[0].Reason, want) {
		t.Errorf("skipped istiod: got reason %q; want one saying %q", res.Skipped[0].Reason, want)
	}
	if got, want := len(res.Rendered), 8; got != want {
		t.Errorf("rendered releases: got %d (%v); want %d", got, releaseNames(res.Rendered), want)
	}
	wantFiles := []string{
		"test-mesh/istiod/istiod/templates/deployment.yaml",
		"test-mesh/istiod/istiod/templates/configmap.yaml",
		"test-mesh/istio-ingressgateway/gateway/templates/deployment.yaml",
		"test-app/echo-routes/istio-virtualservice/templates/virtualservice.yaml",
		"test-app/echo/raw/templates/objects.yaml",
		"test-app/echo/raw/templates/objects-2.yaml",
		"test-mesh/mesh/raw/templates/objects.yaml",
	}
	for _, f := range wantFiles {
		if !slices.Contains(res.Files, filepath.FromSlash(f)) {
			t.Errorf("files: got %v; want %s among them", res.Files, f)
		}
	}
	// The Deployments set no namespace: the release's must have been added.
	// The Sail Istio resource is cluster-scoped: none may be added.
	namespaces := map[string]string{}
	for _, f := range res.Files {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		o, err := render.Decode(render.Manifest{Template: f, YAML: string(b)})
		if err != nil {
			t.Fatal(err)
		}
		namespaces[o.Kind+" "+o.Metadata.Name] = o.Metadata.Namespace
	}
	for obj, want := range map[string]string{
		"Deployment echo-blue":       "shop",
		"Deployment echo-green":      "shop",
		"PeerAuthentication default": "istio-system",
		"Istio default":              "",
		"VirtualService echo":        "shop",
	} {
		if got, ok := namespaces[obj]; !ok || got != want {
			t.Errorf("%s: got namespace %q (written: %t); want %q", obj, got, ok, want)
		}
	}
}

// TestCheckPlantedDefectsFail plants each defect into the values of a
// consistent setup and asserts that the check fails with the analyzer's
// code, on the object and file of the release that has the defect.
func TestCheckPlantedDefectsFail(t *testing.T) {
	bin := istioctl(t)
	const (
		routes = "echo-routes"
		vs     = "VirtualService shop/echo"
		vsFile = "test-app/echo-routes/istio-virtualservice/templates/virtualservice.yaml"
	)
	tests := []struct {
		name           string
		release        string
		old, new       string
		code, message  string
		resource, file string
	}{
		{
			name:    "missing gateway",
			release: routes, old: "gateways: [web]", new: "gateways: [missing]",
			code: "IST0101", message: `Referenced gateway not found: "missing"`,
			resource: vs, file: vsFile,
		},
		{
			name:    "missing subset",
			release: routes, old: "subset: green}", new: "subset: purple}",
			code: "IST0101", message: `Referenced host+subset in destinationrule not found: "echo+purple"`,
			resource: vs, file: vsFile,
		},
		{
			name:    "RE2 syntax error in a header regex",
			release: routes, old: `regex: '^(.*;\s*)?x-version=green(;.*)?$'`, new: `regex: '^(x-version=green$'`,
			code: "IST0106", message: "error parsing regexp: missing closing )",
			resource: vs, file: vsFile,
		},
		{
			name:    "host not on the Gateway",
			release: routes, old: "hosts: [shop.example.com]", new: "hosts: [other.example.com]",
			code: "IST0132", message: "one or more host [other.example.com] defined in VirtualService shop/echo not found in Gateway shop/web",
			resource: vs, file: vsFile,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := edit(t, appReleases(t), tt.release, tt.old, tt.new)
			res, err := analyze.Check(context.Background(), stacks(t, app), analyze.Options{Istioctl: bin})
			if err != nil {
				t.Fatal(err)
			}
			err = res.Err()
			if err == nil || !strings.Contains(err.Error(), "["+tt.code+"]") {
				t.Fatalf("got check error %v; want one naming %s", err, tt.code)
			}
			i := slices.IndexFunc(res.Failing, func(f analyze.Finding) bool {
				return f.Code == tt.code && strings.Contains(f.Message, tt.message)
			})
			if i < 0 {
				t.Fatalf("failing findings:%s\nwant %s with %q", findings(res.Failing), tt.code, tt.message)
			}
			f := res.Failing[i]
			if f.Resource != tt.resource {
				t.Errorf("resource: got %q; want %q", f.Resource, tt.resource)
			}
			if want := filepath.FromSlash(tt.file); f.File != want {
				t.Errorf("file: got %q; want %q", f.File, want)
			}
			if !strings.Contains(f.DocumentationURL, strings.ToLower(tt.code)) {
				t.Errorf("documentation URL: got %q; want one for %s", f.DocumentationURL, tt.code)
			}
		})
	}
}

func TestCheckAllowlist(t *testing.T) {
	bin := istioctl(t)
	hostDefect := func(t *testing.T) []string {
		return stacks(t, edit(t, appReleases(t), "echo-routes", "hosts: [shop.example.com]", "hosts: [other.example.com]"))
	}

	t.Run("an entry with a reason allows its finding", func(t *testing.T) {
		allow := analyze.Allowlist{
			{Code: "IST0132", Resource: "VirtualService shop/*", Reason: "other.example.com is served by a second Gateway outside these stacks"},
			{Code: "IST0101", Resource: "Gateway *", Reason: "matches nothing here, so it is reported as unused"},
		}
		res, err := analyze.Check(context.Background(), hostDefect(t), analyze.Options{Istioctl: bin, Allowlist: allow})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Err(); err != nil {
			t.Errorf("got %v; want the IST0132 finding allowed", err)
		}
		if len(res.Allowed) == 0 || res.Allowed[0].Code != "IST0132" {
			t.Errorf("allowed:%s\nwant the IST0132 finding", findings(res.Allowed))
		}
		if len(res.Unused) != 1 || res.Unused[0].Code != "IST0101" {
			t.Errorf("unused entries: got %v; want the IST0101 entry", res.Unused)
		}
	})

	t.Run("fails/an entry for another resource allows nothing", func(t *testing.T) {
		allow := analyze.Allowlist{{Code: "IST0132", Resource: "VirtualService other/*", Reason: "another namespace"}}
		res, err := analyze.Check(context.Background(), hostDefect(t), analyze.Options{Istioctl: bin, Allowlist: allow})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Err(); err == nil || !strings.Contains(err.Error(), "[IST0132]") {
			t.Errorf("got %v; want the IST0132 finding failing", err)
		}
	})

	t.Run("fails/an entry without a reason is an error naming it", func(t *testing.T) {
		allow := analyze.Allowlist{
			{Code: "IST0106", Reason: "fine"},
			{Code: "IST0132", Resource: "VirtualService shop/*", Reason: "  "},
		}
		_, err := analyze.Check(context.Background(), hostDefect(t), analyze.Options{Istioctl: bin, Allowlist: allow})
		want := `allowlist entry 2 (IST0132 resource "VirtualService shop/*"): reason is required`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v; want %q", err, want)
		}
	})
}

func TestCheckOutputFolderMustBeEmpty(t *testing.T) {
	bin := istioctl(t)
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "old.yaml"), []byte("kind: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := analyze.Check(context.Background(), stacks(t, appReleases(t)), analyze.Options{Istioctl: bin, Dir: out})
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("got %v; want an error saying the folder is not empty", err)
	}
}
