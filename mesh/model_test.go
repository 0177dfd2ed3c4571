package mesh_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

// TestIntentReadsTheAnnotation sends the candidate 80 %: the annotation
// still says blue is live; without it (a hand-written VirtualService) the
// larger share is taken for the live colour.
func TestIntentReadsTheAnnotation(t *testing.T) {
	m, err := meshtest.Model(mesh.Routing{CandidateWeight: 80, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}})
	if err != nil {
		t.Fatal(err)
	}
	if live, cands := m.Intent(); live != "blue" || !slices.Equal(cands, []string{"green"}) {
		t.Errorf("annotated: got live %q, candidates %v; want blue, [green]", live, cands)
	}
	delete(m.VirtualServices[0].Annotations, mesh.LiveAnnotation)
	if live, cands := m.Intent(); live != "green" || !slices.Equal(cands, []string{"blue"}) {
		t.Errorf("not annotated: got live %q, candidates %v; want green (the larger share), [blue]", live, cands)
	}
}

func TestModelAddRejectsUnknownFields(t *testing.T) {
	m := &mesh.Model{}
	err := m.Add("r", "ns", []byte(`{"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "d"},
		"spec": {"host": "a", "subsets": [{"name": "blue", "labels": {"version": "blue"}, "weight": 3}]}}`))
	if err == nil || !strings.Contains(err.Error(), "weight") || len(m.DestinationRules) != 0 {
		t.Fatalf("got %v and %d DestinationRules; want an error naming weight and none", err, len(m.DestinationRules))
	}
	if err := m.Add("r", "ns", []byte(`{"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "d"},
		"spec": {"host": "a", "subsets": [{"name": "blue", "labels": {"version": "blue"}}]}}`)); err != nil {
		t.Fatal(err)
	}
	if len(m.DestinationRules) != 1 || m.DestinationRules[0].Namespace != "ns" || m.DestinationRules[0].Release != "r" {
		t.Errorf("got %+v; want one DestinationRule d in ns from release r", m.DestinationRules)
	}
}
