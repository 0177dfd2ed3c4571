package render

import (
	"fmt"
	"sort"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Model renders every local-chart release of the synthesized stacks in
// stackDirs (cdktf.out/stacks/<stack>) and decodes the objects into the
// mesh model, strictly (see mesh.Model.Add). Releases whose charts come
// from a repository are left out. The VirtualServices are sorted by name.
func Model(stackDirs ...string) (*mesh.Model, error) {
	rendered, _, err := Stacks(stackDirs...)
	if err != nil {
		return nil, err
	}
	return ModelOf(rendered)
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
