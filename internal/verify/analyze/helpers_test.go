package analyze_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
)

// istioctl returns the built istioctl, or fails the test with the error
// that says how to build it. It never skips: a check that does not run
// must not pass.
func istioctl(t *testing.T) string {
	t.Helper()
	p, err := analyze.Istioctl()
	if err != nil {
		t.Fatalf("these tests run the real istioctl: %v", err)
	}
	return p
}

// release is one helm_release of a test stack.
type release struct {
	// id is the resource's logical ID; name and namespace the release's.
	id, name, namespace string
	// chart is a chart folder (local) or a chart name (with repository).
	chart, repository string
	// values is the one values document, as YAML.
	values string
}

// chart returns the folder of one of bluegreen's charts, or of a test chart
// in testdata/charts.
func chart(t *testing.T, name string) string {
	t.Helper()
	for _, dir := range []string{filepath.Join("..", "..", "..", "charts", name), filepath.Join("testdata", "charts", name)} {
		if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Fatalf("no chart %q in charts/ or testdata/charts/", name)
	return ""
}

// writeStack writes a synthesized stack folder <tmp>/<name>/cdk.tf.json
// holding the releases, as cdktf writes them, and returns the folder.
func writeStack(t *testing.T, name string, rels []release) string {
	t.Helper()
	resources := map[string]any{}
	for _, r := range rels {
		attrs := map[string]any{
			"//":        map[string]any{"metadata": map[string]any{"path": name + "/" + r.id}},
			"name":      r.name,
			"namespace": r.namespace,
			"chart":     r.chart,
			"values":    []string{r.values},
		}
		if r.repository != "" {
			attrs["repository"] = r.repository
			attrs["version"] = istiocharts.Release
		}
		resources[r.id] = attrs
	}
	b, err := json.MarshalIndent(map[string]any{"resource": map[string]any{"helm_release": resources}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit returns rels with old replaced by new in the values of the release
// named name; it fails the test when old is not there, so a planted defect
// cannot silently go missing.
func edit(t *testing.T, rels []release, name, old, new string) []release {
	t.Helper()
	out := append([]release(nil), rels...)
	for i, r := range out {
		if r.name != name {
			continue
		}
		if !strings.Contains(r.values, old) {
			t.Fatalf("release %s: values have no %q:\n%s", name, old, r.values)
		}
		out[i].values = strings.ReplaceAll(r.values, old, new)
		return out
	}
	t.Fatalf("no release %q", name)
	return nil
}

// stacks writes the mesh and app stacks of a consistent blue/green setup,
// app changed by the edits, and returns their folders.
func stacks(t *testing.T, app []release) []string {
	t.Helper()
	return []string{writeStack(t, "test-mesh", meshReleases(t)), writeStack(t, "test-app", app)}
}

// meshReleases are the mesh stack's releases: Istio's own istiod and
// gateway charts of the pinned release (rendered from the istio.io/istio
// module), and a local chart with the mesh-wide PeerAuthentication and a
// Sail Operator Istio resource of another Istio release (whose istiod is
// therefore not rendered).
func meshReleases(t *testing.T) []release {
	return []release{
		{id: "istio_istiod", name: "istiod", namespace: "istio-system", chart: "istiod", repository: "https://istio-release.storage.googleapis.com/charts", values: "{}"},
		{id: "istio_gateway", name: "istio-ingressgateway", namespace: "istio-ingress", chart: "gateway", repository: "https://istio-release.storage.googleapis.com/charts", values: "{}"},
		{id: "istio_mesh", name: "mesh", namespace: "istio-system", chart: chart(t, "raw"), values: `
objects:
  - apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata:
      name: default
    spec:
      mtls:
        mode: STRICT
  - apiVersion: sailoperator.io/v1
    kind: Istio
    metadata:
      name: default
    spec:
      namespace: istio-system
      version: v1.30.4
`},
	}
}

// appReleases are the app stack's releases: a Gateway served by the ingress
// gateway (selector istio=ingressgateway), the app's Service, a Deployment
// per colour labelled app=echo and version=blue|green, a DestinationRule
// with both subsets, and a VirtualService on the Gateway that sends a
// cookie-marked request to green and splits the rest 90/10.
func appReleases(t *testing.T) []release {
	return []release{
		{id: "app_gateway", name: "web", namespace: "shop", chart: chart(t, "istio-gateway"), values: `
name: web
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: [shop.example.com]
`},
		{id: "app_service", name: "echo-service", namespace: "shop", chart: chart(t, "blue-green-service"), values: `
name: echo
app: echo
port: 8600
targetPort: 5678
portName: http
`},
		{id: "app_deployments", name: "echo", namespace: "shop", chart: chart(t, "raw"), values: deployment("blue") + deployment("green")},
		{id: "app_subsets", name: "echo-subsets", namespace: "shop", chart: chart(t, "istio-destinationrule"), values: `
name: echo
spec:
  host: echo
  subsets:
    - name: blue
      labels: {version: blue}
    - name: green
      labels: {version: green}
`},
		{id: "app_routes", name: "echo-routes", namespace: "shop", chart: chart(t, "istio-virtualservice"), values: `
name: echo
spec:
  hosts: [shop.example.com]
  gateways: [web]
  http:
    - match:
        - headers:
            cookie:
              regex: '^(.*;\s*)?x-version=green(;.*)?$'
      route:
        - destination: {host: echo, subset: green}
    - route:
        - destination: {host: echo, subset: blue}
          weight: 90
        - destination: {host: echo, subset: green}
          weight: 10
`},
	}
}

// deployment is one colour's Deployment, as an item of the raw chart's
// objects, without a namespace: the release's is added when written.
func deployment(colour string) string {
	s := `
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: echo-COLOUR
      labels: {app: echo, version: COLOUR}
    spec:
      replicas: 1
      selector:
        matchLabels: {app: echo, version: COLOUR}
      template:
        metadata:
          labels: {app: echo, version: COLOUR}
        spec:
          containers:
            - name: echo
              image: hashicorp/http-echo:1.0
              args: ["-text=COLOUR", "-listen=:5678"]
              ports:
                - containerPort: 5678
`
	if colour == "blue" {
		s = "objects:" + s
	}
	return strings.ReplaceAll(s, "COLOUR", colour)
}
