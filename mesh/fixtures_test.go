package mesh_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// fixtures returns the model of the objects in testdata files, written by
// hand in the shape of Istio's documented examples, decoded as the
// rendered objects of a release are (Model.Add).
func fixtures(t *testing.T, files ...string) *mesh.Model {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("testdata", f))
	}
	return meshtest.Files(t, paths...)
}

func evaluateFixture(t *testing.T, m *mesh.Model, r mesh.Request) mesh.Outcome {
	t.Helper()
	if r.Host == "" {
		r.Host = "bookinfo.example.com"
	}
	out, err := m.Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var bookinfo = []string{"bookinfo-gateway.yaml", "ratings-destinationrule.yaml"}

func TestFaultAbort(t *testing.T) {
	m := fixtures(t, append(bookinfo, "fault-abort.yaml")...)
	out := evaluateFixture(t, m, mesh.Request{Path: "/ratings/0", Headers: map[string]string{"end-user": "jason"}})
	if out.Abort == nil || *out.Abort != (mesh.Fault{Status: 403, Percent: 100}) || out.NotEvaluated != "" {
		t.Errorf("jason: abort %+v, not evaluated %q; want 403 for 100%% of requests", out.Abort, out.NotEvaluated)
	}
	var buf bytes.Buffer
	if err := mesh.Table(&buf, m, []mesh.Case{{Name: "jason", Request: mesh.Request{Host: "bookinfo.example.com", Headers: map[string]string{"end-user": "jason"}}}}); err != nil {
		t.Fatal(err)
	}
	if want := "403: fault abort of every request"; !strings.Contains(buf.String(), want) {
		t.Errorf("table:\n%s\nwant it to say %q", buf.String(), want)
	}
	if strings.Contains(buf.String(), "fixture") {
		t.Errorf("table:\n%s\nnames the release behind ratings v1, as if the request reached it", buf.String())
	}

	out = evaluateFixture(t, m, mesh.Request{Path: "/ratings/0", Headers: map[string]string{"end-user": "mallory"}})
	if out.Abort != nil || len(out.Destinations) != 1 || out.Destinations[0].Subset != "v1" || out.Destinations[0].Deployment != "ratings-v1" {
		t.Errorf("other users: abort %+v, destinations %+v; want ratings v1 (Deployment ratings-v1), no abort", out.Abort, out.Destinations)
	}
}

func TestFaultPartialAbortAndDelay(t *testing.T) {
	m := fixtures(t, append(bookinfo, "fault-partial.yaml")...)
	out := evaluateFixture(t, m, mesh.Request{Path: "/"})
	if out.Abort == nil || *out.Abort != (mesh.Fault{Status: 503, Percent: 25}) {
		t.Errorf("abort %+v; want 503 for 25%%", out.Abort)
	}
	if out.Delay == nil || *out.Delay != (mesh.Fault{Delay: 5 * time.Second, Percent: 10}) {
		t.Errorf("delay %+v; want 5s for 10%%", out.Delay)
	}
	if len(out.Destinations) != 1 || out.Destinations[0].Subset != "v1" {
		t.Errorf("destinations %+v; want ratings v1 for the requests not aborted", out.Destinations)
	}
	var buf bytes.Buffer
	if err := mesh.Table(&buf, m, []mesh.Case{{Name: "GET /", Request: mesh.Request{Host: "bookinfo.example.com"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(fault: 25% aborted with 503)", "(fault: 10% delayed 5s)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table:\n%s\nwant it to say %q", buf.String(), want)
		}
	}
}

func TestHeaderChangesAndAuthority(t *testing.T) {
	m := fixtures(t, append(bookinfo, "headers.yaml")...)
	out := evaluateFixture(t, m, mesh.Request{Path: "/"})
	if out.NotEvaluated != "" || len(out.Destinations) != 2 {
		t.Fatalf("not evaluated %q, destinations %+v; want v2 and v1", out.NotEvaluated, out.Destinations)
	}
	if out.Authority != "ratings.internal" {
		t.Errorf("authority %q; want ratings.internal", out.Authority)
	}
	v2, v1 := out.Destinations[0], out.Destinations[1]
	if got, want := v2.RequestHeaders.String(), "set test: true, remove x-debug"; got != want {
		t.Errorf("v2 request headers %q; want %q", got, want)
	}
	if !v2.ResponseHeaders.Empty() {
		t.Errorf("v2 response headers %q; want none", v2.ResponseHeaders)
	}
	if got, want := v1.ResponseHeaders.String(), "add x-served-by: v1, remove foo"; got != want {
		t.Errorf("v1 response headers %q; want %q", got, want)
	}
	if v2.Weight != 25 || v1.Weight != 75 {
		t.Errorf("weights %d and %d; want 25 and 75: header changes never move requests", v2.Weight, v1.Weight)
	}
	var buf bytes.Buffer
	if err := mesh.Table(&buf, m, []mesh.Case{{Name: "GET /", Request: mesh.Request{Host: "bookinfo.example.com"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(Host rewritten to ratings.internal)", "(request headers: set test: true, remove x-debug)", "(response headers: add x-served-by: v1, remove foo)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table:\n%s\nwant it to say %q", buf.String(), want)
		}
	}
}

// TestNotEvaluated checks that a field the evaluator does not model, in
// any object that decides a request, is the answer, with its path.
func TestNotEvaluated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"cors policy", append(bookinfo, "cors.yaml"), "not evaluated: VirtualService bookinfo/ratings spec.http[0].corsPolicy"},
		{"abort without a percentage", append(bookinfo, "fault-no-percentage.yaml"),
			"not evaluated: VirtualService bookinfo/ratings spec.http[0].fault.abort.percentage (unset; Envoy's default share is not modelled)"},
		{"destination rule exported", []string{"bookinfo-gateway.yaml", "destinationrule-exportto.yaml", "fault-abort.yaml"},
			"not evaluated: DestinationRule bookinfo/ratings-local spec.exportTo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fixtures(t, tc.files...)
			out := evaluateFixture(t, m, mesh.Request{Path: "/"})
			if out.NotEvaluated != tc.want {
				t.Errorf("not evaluated %q; want %q", out.NotEvaluated, tc.want)
			}
			var buf bytes.Buffer
			if err := mesh.Table(&buf, m, []mesh.Case{{Name: "GET /", Request: mesh.Request{Host: "bookinfo.example.com"}}}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.want) || strings.Contains(buf.String(), "404") {
				t.Errorf("table:\n%s\nwant it to say %q and no 404", buf.String(), tc.want)
			}
		})
	}
}

// TestFieldsWalk checks the walk itself: indexes in the path, map keys
// admitted by "*", and a field below an admitted one.
func TestFieldsWalk(t *testing.T) {
	f := mesh.Fields{"a.b", "m.*.x", "l[].y"}
	for _, tc := range []struct {
		json string
		want string
	}{
		{`{"a": {"b": {"deep": 1}}}`, ""},
		{`{"a": {"c": 1}}`, "spec.a.c"},
		{`{"m": {"any-key": {"x": 1}}}`, ""},
		{`{"m": {"k": {"x": 1, "z": 2}}}`, "spec.m.k.z"},
		{`{"l": [{"y": 1}, {"y": 1, "q": 2}]}`, "spec.l[1].q"},
		{`{"other": null, "l": []}`, ""},
	} {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(tc.json), &v); err != nil {
			t.Fatal(err)
		}
		got, err := f.Unmodelled("spec", v)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: %q; want %q", tc.json, got, tc.want)
		}
	}
}
