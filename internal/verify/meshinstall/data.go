package meshinstall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bluegreen-mesh/bluegreen/constructs/gatewayapicrds/bundle"
	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// crdGVR is the resource of CustomResourceDefinitions.
var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ErrPostcondition marks a data source whose postcondition failed: the
// plan stops there, as Terraform's does.
var ErrPostcondition = errors.New("postcondition failed")

// CheckDataSources reads the data sources of stack the way Terraform reads
// them when it plans the stack, before anything of it is applied, and
// evaluates their postconditions. It reads kubernetes_resources of
// CustomResourceDefinitions (a list with the data source's field and label
// selectors, as the kubernetes provider does) and knows one postcondition:
// the check of the cluster's Gateway API CRDs that
// gatewayapicrds.UseExisting writes, whose requirement is the stack's local
// value bundle.Local; it judges it with bundle.Requirement.Check, whose
// words the postcondition's message has. A data source of another kind, or
// a postcondition without that requirement, is refused rather than passed
// unread.
func (in *Installer) CheckDataSources(ctx context.Context, p *Plan, stack string) error {
	var req *bundle.Requirement
	if v, ok := p.Locals[stack][bundle.Local]; ok {
		b, _ := json.Marshal(v)
		req = new(bundle.Requirement)
		if err := json.Unmarshal(b, req); err != nil {
			return fmt.Errorf("%s: local.%s: %w", stack, bundle.Local, err)
		}
	}
	for _, d := range p.DataSources {
		if d.Stack != stack {
			continue
		}
		addr := "data." + d.Type + "." + d.ID
		apiVersion, _ := d.Attrs["api_version"].(string)
		kind, _ := d.Attrs["kind"].(string)
		if d.Type != "kubernetes_resources" || apiVersion != "apiextensions.k8s.io/v1" || kind != "CustomResourceDefinition" {
			return fmt.Errorf("%s: %s: the harness reads kubernetes_resources of apiextensions.k8s.io/v1 CustomResourceDefinition only (got %s %s)", stack, addr, apiVersion, kind)
		}
		fieldSel, _ := d.Attrs["field_selector"].(string)
		labelSel, _ := d.Attrs["label_selector"].(string)
		list, err := in.dynamic.Resource(crdGVR).List(ctx, metav1.ListOptions{FieldSelector: fieldSel, LabelSelector: labelSel})
		if err != nil {
			return fmt.Errorf("%s: %s: %w", stack, addr, err)
		}
		lifecycle, _ := d.Attrs["lifecycle"].(map[string]any)
		if len(lifecycle) == 0 {
			continue
		}
		name, ok := strings.CutPrefix(fieldSel, "metadata.name=")
		if req == nil || !ok || len(lifecycle) != 1 || len(render.List(lifecycle["postcondition"])) != 1 {
			return fmt.Errorf("%s: %s: the harness evaluates only the postcondition of gatewayapicrds.UseExisting (one postcondition, a metadata.name field selector and local.%s)", stack, addr, bundle.Local)
		}
		found := ""
		if len(list.Items) == 1 {
			found = list.Items[0].GetAnnotations()[bundle.Annotation]
		}
		if err := req.Check(name, len(list.Items) == 1, found); err != nil {
			return fmt.Errorf("%s: %s: %w: %w", stack, addr, ErrPostcondition, err)
		}
	}
	return nil
}
