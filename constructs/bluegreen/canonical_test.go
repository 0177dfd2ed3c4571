package bluegreen_test

import (
	"context"
	"testing"

	"istio.io/api/label"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

// sameTagProps are two colours at one image tag, with release names that
// are not the colours: the case where the image tag (app.kubernetes.io/version)
// or the release name (version) would make the wrong canonical revision.
func sameTagProps() bluegreen.Props {
	return bluegreen.Props{Namespace: "apps", Releases: map[string]bluegreen.Release{
		"blue":  {Name: "v1", Tag: "1.0"},
		"green": {Name: "v2", Tag: "1.0"},
	}}
}

// renderedDeployments renders the colours' releases of p with Helm's engine
// and decodes their Deployments, by colour.
func renderedDeployments(t *testing.T, p bluegreen.Props) map[string]*appsv1.Deployment {
	t.Helper()
	releases, err := render.Releases(synth(t, p))
	if err != nil {
		t.Fatal(err)
	}
	colourOf := map[string]string{}
	for colour, r := range p.WithDefaults().Releases {
		colourOf[r.Name] = colour
	}
	out := map[string]*appsv1.Deployment{}
	for _, r := range releases {
		colour, ok := colourOf[r.Name]
		if !ok {
			continue
		}
		d := &appsv1.Deployment{}
		renderObject(t, r, d)
		out[colour] = d
	}
	if len(out) != 2 {
		t.Fatalf("rendered the Deployments of %v; want blue and green", out)
	}
	return out
}

// checkCanonicalLabels asserts that the pod template of colour's Deployment
// d makes the colour Istio's canonical revision, keeps the image tag in
// app.kubernetes.io/version, and that the selector holds neither.
func checkCanonicalLabels(t *testing.T, where, colour, release, tag string, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Labels
	// Istio takes service.istio.io/canonical-revision first
	// (pkg/kube/labels, istio.io/istio 1.31.0); the other two are the
	// fallbacks it would read without it.
	for key, want := range map[string]string{
		label.ServiceCanonicalRevision.Name: colour,
		"app.kubernetes.io/version":         tag,
		bluegreen.VersionLabel:              release,
	} {
		if got := pod[key]; got != want {
			t.Errorf("%s: %s pod label %s = %q; want %q (labels %v)", where, colour, key, got, want, pod)
		}
	}
	if got := d.Labels[label.ServiceCanonicalRevision.Name]; got != colour {
		t.Errorf("%s: %s Deployment label %s = %q; want %q", where, colour, label.ServiceCanonicalRevision.Name, got, colour)
	}
	for _, key := range []string{label.ServiceCanonicalRevision.Name, "app.kubernetes.io/version"} {
		if v, ok := d.Spec.Selector.MatchLabels[key]; ok {
			t.Errorf("%s: %s selector holds %s=%q; a Deployment's selector cannot change, so it must not carry it", where, colour, key, v)
		}
	}
}

// TestCanonicalRevisionIsTheColour renders the app chart with Helm's
// engine: two colours at one tag are two canonical revisions, blue and
// green.
func TestCanonicalRevisionIsTheColour(t *testing.T) {
	p := sameTagProps()
	deps := renderedDeployments(t, p)
	for colour, d := range deps {
		r := p.Releases[colour]
		checkCanonicalLabels(t, "rendered", colour, r.Name, r.Tag, d)
	}
	if a, b := deps["blue"].Spec.Template.Labels[label.ServiceCanonicalRevision.Name], deps["green"].Spec.Template.Labels[label.ServiceCanonicalRevision.Name]; a == b {
		t.Errorf("blue and green share the canonical revision %q", a)
	}
}

// TestCanonicalRevisionStoredByTheAPIServer creates the rendered
// Deployments in the local control plane's kube-apiserver, which validates
// label keys and values, and reads the labels back as stored.
func TestCanonicalRevisionStoredByTheAPIServer(t *testing.T) {
	cp := cptest.Start(t, controlplane.Options{})
	ctx := context.Background()
	p := sameTagProps()
	if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for colour, d := range renderedDeployments(t, p) {
		if _, err := cp.Client.AppsV1().Deployments("apps").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: %v", colour, err)
		}
	}
	stored, err := cp.Client.AppsV1().Deployments("apps").List(ctx, metav1.ListOptions{LabelSelector: label.ServiceCanonicalRevision.Name})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Items) != 2 {
		t.Fatalf("the API server holds %d Deployments with %s; want 2", len(stored.Items), label.ServiceCanonicalRevision.Name)
	}
	for i := range stored.Items {
		d := &stored.Items[i]
		colour := d.Labels[label.ServiceCanonicalRevision.Name]
		r, ok := p.Releases[colour]
		if !ok {
			t.Errorf("stored Deployment %s has canonical revision %q; want blue or green", d.Name, colour)
			continue
		}
		checkCanonicalLabels(t, "stored", colour, r.Name, r.Tag, d)
		// The Deployment selects by app and version alone, so the two
		// colours' Deployments keep selecting only their own pods.
		if got, want := d.Spec.Selector.MatchLabels[bluegreen.VersionLabel], r.Name; got != want {
			t.Errorf("stored %s selector version=%q; want %q", d.Name, got, want)
		}
	}
}
