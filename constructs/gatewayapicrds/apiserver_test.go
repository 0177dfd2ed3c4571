package gatewayapicrds_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds"
	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

// pairingFixture holds the qa environment of testdata/cdktf.json (routing
// api "gatewayAPI") with a request timeout, once per Istio release whose
// Gateway API version differs: qa128 (Istio 1.28.10), qa130 (1.30.3) and
// qa131 (1.31.0).
const pairingFixture = "testdata/pairing.cdktf.json"

// TestAppObjectsAreValidUnderTheRequiredCRDs proves, per Gateway API
// version of the pairing table, that the objects an environment's app stack
// deploys are valid under the CRDs its mesh stack installs: the
// environment's releases are rendered with Helm's engine, the CRDs of its
// gateway-api-crds release are installed into a real kube-apiserver, and
// the app stack's Gateway and HTTPRoute are created with strict field
// validation (an unknown field is an error, not silently pruned) and read
// back with every field sent.
func TestAppObjectsAreValidUnderTheRequiredCRDs(t *testing.T) {
	for _, tc := range []struct{ env, bundle string }{
		{"qa128", "v1.4.1"},
		{"qa130", "v1.5.1"},
		{"qa131", "v1.6.0"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			e, err := pipeline.Load(pairingFixture, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Render(false)
			if err != nil {
				t.Fatal(err)
			}
			crds, objects := split(t, r.Releases)
			for _, c := range crds {
				if got := c.Annotations[gatewayapicrds.BundleVersionAnnotation]; got != tc.bundle {
					t.Errorf("CRD %s: bundle version %q; want %s", c.Name, got, tc.bundle)
				}
			}
			checkFeatures(t, objects)

			cp := cptest.Start(t, controlplane.Options{})
			cptest.CreateCRDs(t, cp, crds...)
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bluegreen"}}
			if _, err := cp.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			dyn, err := dynamic.NewForConfig(cp.Config)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objects {
				gvr := schema.GroupVersionResource{Group: gwv1.GroupName, Version: "v1", Resource: strings.ToLower(o.GetKind()) + "s"}
				client := dyn.Resource(gvr).Namespace(o.GetNamespace())
				if _, err := client.Create(context.Background(), o, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}); err != nil {
					t.Errorf("%s %s under the %s CRDs: %v", o.GetKind(), o.GetName(), tc.bundle, err)
					continue
				}
				stored, err := client.Get(context.Background(), o.GetName(), metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				testutil.AssertSubset(t, asJSON(t, stored.Object["spec"]), asJSON(t, o.Object["spec"]))
			}
		})
	}
}

// split returns the CRDs of the mesh stack's gateway-api-crds release and
// the app stack's Gateway API objects (namespace bluegreen), after checking
// their numbers.
func split(t *testing.T, releases []render.Rendered) ([]*apiextensionsv1.CustomResourceDefinition, []*unstructured.Unstructured) {
	t.Helper()
	var crds []*apiextensionsv1.CustomResourceDefinition
	var objects []*unstructured.Unstructured
	var kinds []string
	for _, rel := range releases {
		for _, m := range rel.Manifests {
			var o unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(m.YAML), &o.Object); err != nil {
				t.Fatalf("%s: %v", m.Template, err)
			}
			switch {
			case rel.Name == "gateway-api-crds" && o.GetKind() == "CustomResourceDefinition":
				crd := &apiextensionsv1.CustomResourceDefinition{}
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, crd); err != nil {
					t.Fatalf("%s: %v", m.Template, err)
				}
				crds = append(crds, crd)
			case o.GroupVersionKind().Group == gwv1.GroupName:
				if o.GetNamespace() == "" {
					o.SetNamespace(rel.Namespace)
				}
				objects = append(objects, &o)
				kinds = append(kinds, o.GetKind())
			}
		}
	}
	// The standard channel's HTTP CRDs are in every version: GatewayClass,
	// Gateway, HTTPRoute, GRPCRoute, ReferenceGrant.
	if len(crds) < 5 {
		t.Fatalf("got %d CRDs from release gateway-api-crds; want at least 5", len(crds))
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"Gateway", "HTTPRoute"}) {
		t.Fatalf("app stack's Gateway API objects: got kinds %v; want one Gateway and one HTTPRoute", kinds)
	}
	return crds, objects
}

// checkFeatures checks that the HTTPRoute uses what the older CRDs are to
// be proven against, so that the test cannot pass on an HTTPRoute that
// leaves them out: URLRewrite with ReplacePrefixMatch, RequestMirror with
// a percentage, ResponseHeaderModifier (on a backend), request timeouts, header matches
// (exact and regular expression).
func checkFeatures(t *testing.T, objects []*unstructured.Unstructured) {
	t.Helper()
	var route gwv1.HTTPRoute
	for _, o := range objects {
		if o.GetKind() == "HTTPRoute" {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &route); err != nil {
				t.Fatal(err)
			}
		}
	}
	found := map[string]bool{}
	for _, rule := range route.Spec.Rules {
		if rule.Timeouts != nil && rule.Timeouts.Request != nil {
			found["timeouts.request"] = true
		}
		for _, m := range rule.Matches {
			for _, h := range m.Headers {
				if h.Type != nil {
					found["header match "+string(*h.Type)] = true
				}
			}
		}
		filters := rule.Filters
		for _, b := range rule.BackendRefs {
			filters = append(filters, b.Filters...)
		}
		for _, f := range filters {
			switch {
			case f.URLRewrite != nil && f.URLRewrite.Path != nil && f.URLRewrite.Path.Type == gwv1.PrefixMatchHTTPPathModifier:
				found["URLRewrite ReplacePrefixMatch"] = true
			case f.RequestMirror != nil && f.RequestMirror.Percent != nil:
				found["RequestMirror percent"] = true
			case f.ResponseHeaderModifier != nil:
				found["ResponseHeaderModifier"] = true
			}
		}
	}
	for _, want := range []string{"timeouts.request", "header match Exact", "header match RegularExpression", "URLRewrite ReplacePrefixMatch", "RequestMirror percent", "ResponseHeaderModifier"} {
		if !found[want] {
			t.Errorf("the HTTPRoute has no %s; the test is to prove it valid (found %v)", want, found)
		}
	}
}

// asJSON returns v as encoding/json decodes it (numbers as float64), so
// that what the server returns compares with what was rendered.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
