package gatewayapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/gateway-api/pkg/consts"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yaml")

// full is a spec that uses every feature: TLS with the HTTPS redirect, two
// hosts, a header rule, a sticky 10 % canary, 20 % mirroring, timeouts and
// the mesh route.
func full() gatewayapi.Spec {
	s := walkthrough()
	s.Hosts = []string{"echo.example.com", "*.echo.example.com"}
	s.Gateway.TLS = &mesh.TLS{CredentialName: "echo-example-com-tls"}
	s.Gateway.HTTPSRedirect = true
	s.CandidateWeight, s.StickyCanary, s.MirrorPercent = 10, true, 20
	s.Timeout = "10s"
	s.MeshService = "echo"
	s.Routes = map[string]mesh.RouteSettings{"default": {Timeout: "2s"}}
	return s.WithDefaults()
}

// objects returns the built objects in the order the golden file lists
// them.
func objects(o gatewayapi.Objects) []any {
	out := []any{o.Gateway}
	for _, r := range o.Routes() {
		out = append(out, r)
	}
	for _, s := range o.Services {
		out = append(out, s)
	}
	return out
}

// TestGolden compares the built objects with testdata, where a reviewer
// reads them as YAML; go test -update rewrites the file.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec gatewayapi.Spec
	}{{"walkthrough", walkthrough()}, {"full", full()}} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := gatewayapi.Build(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			var docs [][]byte
			for _, obj := range objects(o) {
				b, err := yaml.Marshal(obj)
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, b)
			}
			got := bytes.Join(docs, []byte("---\n"))
			file := filepath.Join("testdata", tc.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("built objects differ from %s (go test -update rewrites it; review the diff):\n%s", file, got)
			}
		})
	}
}

// TestGoldenDecodesStrictly reads the golden file back with Decode, which
// rejects any field the Gateway API's Go types lack, and checks that it
// holds what Build returns.
func TestGoldenDecodesStrictly(t *testing.T) {
	o, err := gatewayapi.Build(full())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "full.golden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m gatewayapi.Model
	skipped, err := m.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Gateways) != 1 || len(m.HTTPRoutes) != 3 || len(m.Services) != 2 || len(skipped) != 0 {
		t.Fatalf("decoded %d Gateways, %d HTTPRoutes, %d Services, skipped %v; want 1, 3, 2, none", len(m.Gateways), len(m.HTTPRoutes), len(m.Services), skipped)
	}
	if want := gatewayapi.ModelOf(o); !reflect.DeepEqual(m, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", m, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, want string
	}{
		{"an unknown field", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matchs: []\n",
			`document 0 (HTTPRoute r): json: unknown field "matchs"`},
		{"a wrong type", "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: http}]}\n",
			"document 0 (Service s): json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m gatewayapi.Model
			if _, err := m.Decode([]byte(tc.manifest)); err == nil || err.Error() != tc.want {
				t.Errorf("error %v; want %s", err, tc.want)
			}
		})
	}
	var m gatewayapi.Model
	skipped, err := m.Decode([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: echo-blue}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: echo}\n"))
	if err != nil || len(skipped) != 1 || skipped[0] != "Deployment echo-blue" || len(m.Services) != 1 {
		t.Errorf("skipped %v, %d Services, error %v; want [Deployment echo-blue], 1, none", skipped, len(m.Services), err)
	}
}

// TestCRDValidation validates the built Gateway and HTTPRoutes as the API
// server would: the standard-channel CRDs of the pinned
// sigs.k8s.io/gateway-api module, their defaults, OpenAPI schema and CEL
// rules.
func TestCRDValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec gatewayapi.Spec
	}{{"walkthrough", walkthrough()}, {"full", full()}} {
		o, err := gatewayapi.Build(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objects(o)[:len(o.Routes())+1] {
			if errs := validateCRD(t, obj); len(errs) > 0 {
				t.Errorf("%s: %T: %v", tc.name, obj, errs.ToAggregate())
			}
		}
	}
}

// TestCRDValidationRejects shows that the CRD check can fail: the CEL rules
// refuse a ReplacePrefixMatch without a PathPrefix match, and the schema a
// mirror percentage above 100.
func TestCRDValidationRejects(t *testing.T) {
	o, err := gatewayapi.Build(full())
	if err != nil {
		t.Fatal(err)
	}
	rules := o.HTTPRoute.Spec.Rules
	if len(rules) != 7 || *rules[0].Name != "path-blue" || *rules[6].Name != "default" {
		t.Fatalf("rules %d; want 7, path-blue first and default last", len(rules))
	}
	exact := gwv1.PathMatchExact
	rules[0].Matches[0].Path.Type = &exact
	*rules[6].Filters[0].RequestMirror.Percent = 101
	errs := validateCRD(t, o.HTTPRoute).ToAggregate()
	for _, want := range []string{
		"When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
		"spec.rules[6].filters[0].requestMirror.percent: Invalid value: 101: spec.rules[6].filters[0].requestMirror.percent in body should be less than or equal to 100",
	} {
		if errs == nil || !strings.Contains(errs.Error(), want) {
			t.Errorf("errors %v; want one containing %q", errs, want)
		}
	}
}

// TestBundleVersion checks that the CRDs the tests validate against are the
// release Istio 1.31 requires (and the Go types' release: the go.mod pin).
func TestBundleVersion(t *testing.T) {
	for _, name := range []string{"gateways", "httproutes"} {
		crd := loadCRD(t, name)
		if got := crd.Annotations[consts.BundleVersionAnnotation]; got != "v1.6.0" {
			t.Errorf("%s CRD bundle version %q; want v1.6.0, the version Istio 1.31 requires", name, got)
		}
		if got := crd.Annotations[consts.ChannelAnnotation]; got != "standard" {
			t.Errorf("%s CRD channel %q; want standard", name, got)
		}
	}
}

var moduleDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	return strings.TrimSpace(string(out)), err
})

// loadCRD reads a standard-channel CRD of the sigs.k8s.io/gateway-api
// module this module requires.
func loadCRD(t *testing.T, plural string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	dir, err := moduleDir()
	if err != nil || dir == "" {
		t.Fatalf("go list -m sigs.k8s.io/gateway-api: %q, %v", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config", "crd", "standard", "gateway.networking.k8s.io_"+plural+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, crd); err != nil {
		t.Fatal(err)
	}
	return crd
}

// validateCRD applies the v1 schema of obj's CRD to it as the API server
// does on create: defaults, then OpenAPI validation, then CEL rules.
func validateCRD(t *testing.T, obj any) field.ErrorList {
	t.Helper()
	plural := map[string]string{"*v1.Gateway": "gateways", "*v1.HTTPRoute": "httproutes"}[reflect.TypeOf(obj).String()]
	crd := loadCRD(t, plural)
	var v1schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == "v1" {
			v1schema = v.Schema.OpenAPIV3Schema
		}
	}
	if v1schema == nil {
		t.Fatalf("%s CRD has no v1 schema", plural)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1schema, internal, nil); err != nil {
		t.Fatal(err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		t.Fatal(err)
	}

	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	// Numbers as int64 and float64, as the API server decodes them.
	var u map[string]any
	if err := utiljson.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	// The API server ignores status on create.
	delete(u, "status")
	defaulting.Default(u, structural)

	validator, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		t.Fatal(err)
	}
	errs := validation.ValidateCustomResource(nil, u, validator)
	celErrs, _ := cel.NewValidator(structural, true, celconfig.PerCallLimit).Validate(context.Background(), nil, structural, u, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}
