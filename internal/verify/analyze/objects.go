package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// Manifest is one rendered object and the release that creates it.
type Manifest struct {
	// Stack is the name of the stack folder, such as "dev-app".
	Stack string
	// Release is the Helm release's name.
	Release string
	// Namespace is the Helm release's namespace. WriteObjects gives it to a
	// namespaced object that sets none, as Helm's install does.
	Namespace string
	// Manifest is the rendered template: its path in the chart and YAML.
	render.Manifest
}

// clusterScoped lists the kinds, as "<API group>/<kind>", that have no
// namespace, so WriteObjects leaves them without one. Kinds istioctl does
// not know are skipped by it whatever their namespace.
var clusterScoped = map[string]bool{
	"/Namespace": true, "/Node": true, "/PersistentVolume": true,
	"rbac.authorization.k8s.io/ClusterRole":                         true,
	"rbac.authorization.k8s.io/ClusterRoleBinding":                  true,
	"apiextensions.k8s.io/CustomResourceDefinition":                 true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"apiregistration.k8s.io/APIService":                             true,
	"scheduling.k8s.io/PriorityClass":                               true,
	"storage.k8s.io/StorageClass":                                   true,
	"storage.k8s.io/CSIDriver":                                      true,
	"networking.k8s.io/IngressClass":                                true,
	"node.k8s.io/RuntimeClass":                                      true,
	"gateway.networking.k8s.io/GatewayClass":                        true,
	"sailoperator.io/Istio":                                         true,
	"sailoperator.io/IstioRevision":                                 true,
	"sailoperator.io/IstioRevisionTag":                              true,
	"sailoperator.io/IstioCNI":                                      true,
	"sailoperator.io/ZTunnel":                                       true,
}

// File returns the path, relative to the folder, that WriteObjects gives
// the manifest: <stack>/<release>/<template path in the chart>, such as
// "dev-app/routes/istio-virtualservice/templates/virtualservice.yaml".
// Templates without a .yaml, .yml or .json extension get ".yaml", which
// istioctl needs to read them.
func (m Manifest) File() string {
	p := path.Join(m.Stack, m.Release, m.Template)
	switch path.Ext(p) {
	case ".yaml", ".yml", ".json":
	default:
		p += ".yaml"
	}
	return filepath.FromSlash(p)
}

// WriteObjects writes each manifest to its own file under dir (see
// Manifest.File; a template that renders several objects gets "-2", "-3"
// ... before the extension from its second object on) and returns the
// files, relative to dir, in the order of ms.
//
// A namespaced object without metadata.namespace gets the release's
// namespace; istioctl would otherwise analyze it in no namespace at all.
// Every other manifest is written as rendered, so istioctl's line numbers
// point into Helm's output.
func WriteObjects(dir string, ms []Manifest) ([]string, error) {
	files := make([]string, 0, len(ms))
	seen := map[string]bool{}
	var errs []error
	for _, m := range ms {
		rel := m.File()
		if !filepath.IsLocal(rel) {
			errs = append(errs, fmt.Errorf("%s/%s: template %q: not a path inside the output folder", m.Stack, m.Release, m.Template))
			continue
		}
		ext := filepath.Ext(rel)
		for i := 2; seen[rel]; i++ {
			rel = strings.TrimSuffix(m.File(), ext) + "-" + strconv.Itoa(i) + ext
		}
		seen[rel] = true
		body, err := withNamespace(m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %s: %w", m.Stack, m.Release, m.Template, err))
			continue
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return nil, err
		}
		files = append(files, rel)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return files, nil
}

// withNamespace returns the manifest's YAML, with metadata.namespace set to
// the release's namespace when the object is namespaced and sets none.
func withNamespace(m Manifest) ([]byte, error) {
	o, err := render.Decode(m.Manifest)
	if err != nil {
		return nil, err
	}
	if o.APIVersion == "" || o.Kind == "" {
		return nil, errors.New("not a Kubernetes object: apiVersion and kind are required")
	}
	group := ""
	if i := strings.LastIndex(o.APIVersion, "/"); i >= 0 {
		group = o.APIVersion[:i]
	}
	if o.Metadata.Namespace != "" || clusterScoped[group+"/"+o.Kind] || m.Namespace == "" {
		return []byte(m.YAML), nil
	}
	var obj map[string]any
	d := json.NewDecoder(bytes.NewReader(o.Raw))
	d.UseNumber() // keep integers as written
	if err := d.Decode(&obj); err != nil {
		return nil, err
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	meta["namespace"] = m.Namespace
	return yaml.Marshal(obj)
}
