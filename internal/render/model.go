package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Model renders every local-chart release of the synthesized stacks in
// stackDirs (cdktf.out/stacks/<stack>) and decodes the objects into the
// mesh model, strictly (see mesh.Model.Add), with the namespaces the
// stacks create (kubernetes_namespace_v1) and their labels. Releases whose
// charts come from a repository are left out. The VirtualServices are
// sorted by name.
func Model(stackDirs ...string) (*mesh.Model, error) {
	rendered, _, err := Stacks(stackDirs...)
	if err != nil {
		return nil, err
	}
	m, err := ModelOf(rendered)
	if err != nil {
		return nil, err
	}
	for _, dir := range stackDirs {
		b, err := os.ReadFile(filepath.Join(dir, "cdk.tf.json"))
		if err != nil {
			return nil, err
		}
		var stack struct {
			Resource struct {
				Namespaces map[string]struct {
					Metadata struct {
						Name   string            `json:"name"`
						Labels map[string]string `json:"labels"`
					} `json:"metadata"`
				} `json:"kubernetes_namespace_v1"`
			} `json:"resource"`
		}
		if err := json.Unmarshal(b, &stack); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		for _, id := range slices.Sorted(maps.Keys(stack.Resource.Namespaces)) {
			md := stack.Resource.Namespaces[id].Metadata
			m.AddNamespace(md.Name, md.Labels)
		}
	}
	return m, nil
}

// ModelOf decodes the objects of rendered releases with local charts into
// the mesh model, strictly (see mesh.Model.Add); releases of charts from a
// repository are left out, as Model leaves them out. The VirtualServices
// are sorted by name.
func ModelOf(rendered []Rendered) (*mesh.Model, error) {
	m := &mesh.Model{}
	for _, r := range rendered {
		if !r.Local() {
			continue
		}
		for _, mf := range r.Manifests {
			// The model holds no CRDs, and decoding the Gateway API's
			// (megabytes of schema) was most of the time `routes` took
			// for a Gateway API environment.
			if mf.Kind == "CustomResourceDefinition" {
				continue
			}
			obj, err := Decode(mf)
			if err == nil {
				err = m.Add(r.Name, r.Namespace, obj.Raw)
				if err != nil {
					err = fmt.Errorf("%s: %w", mf.Template, err)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("%s: release %s: %w", r.Stack, r.Name, err)
			}
		}
	}
	sort.Slice(m.VirtualServices, func(i, j int) bool { return m.VirtualServices[i].Name < m.VirtualServices[j].Name })
	return m, nil
}
