package istiocharts_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// TestPinnedModuleIsRelease checks that Release and PinnedCommit name the
// istio.io/istio version tools/go.mod pins, whose VERSION file is Release's
// minor.
func TestPinnedModuleIsRelease(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "tools", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^require istio\.io/istio (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("tools/go.mod has no `require istio.io/istio <version>` line:\n%s", b)
	}
	if v := string(m[1]); !strings.HasSuffix(v, "-"+istiocharts.PinnedCommit) {
		t.Errorf("tools/go.mod pins istio.io/istio %s; want the commit %s of Istio %s", v, istiocharts.PinnedCommit, istiocharts.Release)
	}
	dir, err := istiocharts.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	v, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(v)); !strings.HasPrefix(istiocharts.Release, got+".") {
		t.Errorf("the module's VERSION says %s; Release is %s", got, istiocharts.Release)
	}
}

// TestForReleaseRendersPatchesOfTheMinorRelease checks that a release of a
// later 1.31 patch (the mesh's default, 1.31.1) is rendered from the
// pinned 1.31.0 source stamped with its own version, and that a release of
// another minor release is refused with a *VersionError naming both.
func TestForReleaseRendersPatchesOfTheMinorRelease(t *testing.T) {
	rel := func(version string) render.Release {
		return render.Release{Stack: "dev-mesh", ID: "istiod", Name: "istiod", Namespace: "istio-system",
			Chart: "istiod", Repository: "https://blob.istio.io/istio-release/charts", Version: version}
	}
	for _, v := range []string{"1.31.0", "1.31.1", "v1.31.1"} {
		c, err := istiocharts.ForRelease(rel(v))
		if err != nil {
			t.Fatalf("version %s: %v", v, err)
		}
		want := strings.TrimPrefix(v, "v")
		if c.Metadata.Version != want || c.Metadata.AppVersion != want {
			t.Errorf("version %s: got chart version %s, appVersion %s; want %s", v, c.Metadata.Version, c.Metadata.AppVersion, want)
		}
		ms, err := render.RenderLoaded(c, "istiod", "istio-system", map[string]any{}, "1.35")
		if err != nil {
			t.Fatal(err)
		}
		if dep, img := find(t, ms, "Deployment", "istiod"), `image: "docker.io/istio/pilot:`+want+`"`; !strings.Contains(dep, img) {
			t.Errorf("version %s: istiod Deployment has no %q:\n%s", v, img, dep)
		}
	}
	for _, v := range []string{"1.30.4", "1.32.0", "1.31", "latest"} {
		_, err := istiocharts.ForRelease(rel(v))
		var ve *istiocharts.VersionError
		if !errors.As(err, &ve) {
			t.Errorf("version %s: got error %v; want a *VersionError", v, err)
			continue
		}
		if want := `chart istiod version "` + v + `": only Istio 1.31.0's charts are available offline (istio.io/istio pinned in tools/go.mod), and they stand in for Istio 1.31 releases only`; err.Error() != want {
			t.Errorf("version %s: got %q; want %q", v, err, want)
		}
	}
}

// TestLoadSetsReleaseVersionAndHub checks that each chart is loaded as Istio
// publishes it, and that istiod's own Deployment, and the cni and ztunnel
// DaemonSets, then pull the release's images from docker.io/istio.
func TestLoadSetsReleaseVersionAndHub(t *testing.T) {
	for _, name := range istiocharts.Names {
		c, err := istiocharts.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name() != name || c.Metadata.Version != istiocharts.Release || c.Metadata.AppVersion != istiocharts.Release {
			t.Errorf("chart %s: got name %s, version %s, appVersion %s; want %s %s %s", name, c.Name(), c.Metadata.Version, c.Metadata.AppVersion, name, istiocharts.Release, istiocharts.Release)
		}
	}
	c, err := istiocharts.Load(istiocharts.Istiod)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := render.RenderLoaded(c, "istiod", "istio-system", map[string]any{}, "1.34")
	if err != nil {
		t.Fatal(err)
	}
	dep := find(t, ms, "Deployment", "istiod")
	want := `image: "docker.io/istio/pilot:` + istiocharts.Release + `"`
	if !strings.Contains(dep, want) {
		t.Errorf("istiod Deployment: no %q in\n%s", want, dep)
	}
	if !strings.Contains(dep, `helm.sh/chart: istiod-`+istiocharts.Release) {
		t.Errorf("istiod Deployment: not labelled with chart istiod-%s:\n%s", istiocharts.Release, dep)
	}
	// The ambient charts: cni reads the hub under global like istiod,
	// ztunnel at the top level.
	for _, c := range []struct{ chart, kind, name, image string }{
		{istiocharts.CNI, "DaemonSet", "istio-cni-node", `image: "docker.io/istio/install-cni:1.31.0"`},
		{istiocharts.Ztunnel, "DaemonSet", "ztunnel", `image: "docker.io/istio/ztunnel:1.31.0"`},
	} {
		ch, err := istiocharts.Load(c.chart)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := render.RenderLoaded(ch, c.chart, "istio-system", map[string]any{}, "1.34")
		if err != nil {
			t.Fatal(err)
		}
		if ds := find(t, ms, c.kind, c.name); !strings.Contains(ds, c.image) {
			t.Errorf("chart %s, %s %s: no %q in\n%s", c.chart, c.kind, c.name, c.image, ds)
		}
	}
}

// find returns the YAML of the object of kind and name among ms.
func find(t *testing.T, ms []render.Manifest, kind, name string) string {
	t.Helper()
	var seen []string
	for _, m := range ms {
		o, err := render.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		if o.Kind == kind && o.Metadata.Name == name {
			return m.YAML
		}
		seen = append(seen, o.Kind+" "+o.Metadata.Name)
	}
	t.Fatalf("no %s %s among %d objects: %v", kind, name, len(ms), seen)
	return ""
}

func TestCheckKeys(t *testing.T) {
	for _, tc := range []struct {
		name, chart, values string
		// unknown are the key paths CheckKeys must name, sorted.
		unknown []string
	}{
		{"istiod keys under pilot are copied to the top", istiocharts.Istiod,
			"pilot: {resources: {requests: {cpu: 500m}, limits: {memory: 4Gi}}}\nrevision: 1-31\nprofile: demo\nglobal: {istioNamespace: istio-system, hub: docker.io/istio, tag: 1.31.0, imagePullSecrets: [regcred]}", nil},
		{"istiod meshConfig is Istio's MeshConfig", istiocharts.Istiod,
			"meshConfig: {accessLogFile: /dev/stdout, accessLogEncoding: JSON, outboundTrafficPolicy: {mode: REGISTRY_ONLY}, defaultConfig: {proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'}}}", nil},
		{"istiod empty maps hold data", istiocharts.Istiod, "podAnnotations: {a.example.com/b: c}\nenv: {PILOT_X: '1'}", nil},
		{"fails/istiod unknown key under pilot", istiocharts.Istiod, "pilot: {notAKey: 1, resources: {requests: {cpu: 1}}}", []string{"pilot.notAKey"}},
		{"fails/istiod unknown meshConfig fields", istiocharts.Istiod, "meshConfig: {accessLogFile: x, notAField: 1, defaultConfig: {notAField: 2}}", []string{"meshConfig.defaultConfig.notAField", "meshConfig.notAField"}},
		{"fails/istiod unknown key below a known map", istiocharts.Istiod, "global: {proxy: {resources: {}, notAKey: 1}}\nsidecarInjectorWebhook: {notAKey: 1}", []string{"global.proxy.notAKey", "sidecarInjectorWebhook.notAKey"}},
		{"gateway keys of our gateway values", istiocharts.Gateway,
			"name: istio-ingressgateway\nrevision: ''\nprofile: demo\nimagePullSecrets: [{name: regcred}]\nreplicaCount: 1\nautoscaling: {enabled: true, minReplicas: 3, maxReplicas: 10}\nresources: {requests: {cpu: 100m}}\nservice: {type: LoadBalancer, ports: [{name: http2, port: 80, targetPort: 80, protocol: TCP}], annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}}", nil},
		{"gateway copies global keys to the top", istiocharts.Gateway, "global: {imagePullSecrets: [regcred], networkPolicy: {enabled: false}}", nil},
		{"fails/gateway has no image hub or tag", istiocharts.Gateway, "global: {hub: docker.io/istio, tag: 1.31.0}", []string{"global.hub", "global.tag"}},
		{"fails/gateway unknown key", istiocharts.Gateway, "autoscaling: {enabled: true, notAKey: 1}", []string{"autoscaling.notAKey"}},
		{"base keys of our base values", istiocharts.Base, "defaultRevision: default\nbase: {enableCRDTemplates: true}\nglobal: {istioNamespace: istio-system, imagePullSecrets: [regcred]}\nprofile: demo", nil},
		{"fails/base has no image hub or tag", istiocharts.Base, "global: {hub: docker.io/istio, tag: 1.31.0}", []string{"global.hub", "global.tag"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := istiocharts.Load(tc.chart)
			if err != nil {
				t.Fatal(err)
			}
			var vals map[string]any
			if err := yaml.Unmarshal([]byte(tc.values), &vals); err != nil {
				t.Fatal(err)
			}
			err = istiocharts.CheckKeys(c, vals)
			var got []string
			for _, e := range unwrap(err) {
				var uk *istiocharts.UnknownKeyError
				if !errors.As(e, &uk) {
					t.Fatalf("got error %v; want only *UnknownKeyError", e)
				}
				if uk.Chart != tc.chart {
					t.Errorf("%v: got chart %s; want %s", e, uk.Chart, tc.chart)
				}
				if !strings.Contains(e.Error(), `"`+uk.Key+`"`) || !strings.Contains(e.Error(), "chart "+tc.chart) {
					t.Errorf("error %q does not name the key and the chart", e)
				}
				got = append(got, uk.Key)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.unknown) {
				t.Errorf("unknown keys: got %q; want %q", got, tc.unknown)
			}
		})
	}
}

// unwrap splits an errors.Join.
func unwrap(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// BenchmarkLoadCheckRender measures what check adds per Istio chart: load
// it from the module, check the values' keys, render it.
func BenchmarkLoadCheckRender(b *testing.B) {
	vals := map[string]any{"profile": "demo"}
	for _, name := range istiocharts.Names {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c, err := istiocharts.Load(name)
				if err != nil {
					b.Fatal(err)
				}
				if err := istiocharts.CheckKeys(c, vals); err != nil {
					b.Fatal(err)
				}
				if _, err := render.RenderLoaded(c, name, "istio-system", vals, "1.34"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
