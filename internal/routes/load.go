// Package routes evaluates HTTP requests against the Istio routing a stack
// will create, with Istio's (Envoy's) semantics, and says which rule,
// subset, release and weight each request reaches.
//
// The objects come from the synthesized stack: every helm_release with a
// local chart is rendered by Helm's own engine with the values Terraform
// will pass, and decoded into Istio's (istio.io/api) and Kubernetes'
// (k8s.io/api) Go types with unknown fields rejected.
package routes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// Object is a decoded Istio object with its name and namespace.
type Object[T proto.Message] struct {
	// Name and Namespace are the object's.
	Name, Namespace string
	// Release is the Helm release that creates it.
	Release string
	// Spec is the object's spec as Istio's Go type.
	Spec T
	// Annotations are the object's annotations, such as the blue/green
	// intent (routing.LiveAnnotation) bluegreen puts on its VirtualService.
	Annotations map[string]string
}

// Workload is a Deployment and the Helm release that creates it.
type Workload struct {
	// Release is the Helm release that creates the Deployment.
	Release string
	// Deployment is the decoded Deployment.
	Deployment *appsv1.Deployment
}

// Service is a Service and the Helm release that creates it.
type Service struct {
	// Release is the Helm release that creates the Service.
	Release string
	// Service is the decoded Service.
	Service *corev1.Service
}

// Mesh is everything the evaluator reads, decoded.
type Mesh struct {
	Gateways         []Object[*networkingv1.Gateway]
	VirtualServices  []Object[*networkingv1.VirtualService]
	DestinationRules []Object[*networkingv1.DestinationRule]
	Workloads        []Workload
	Services         []Service
	// Skipped are releases whose charts come from a repository and cannot
	// be rendered offline (such as Istio's own charts).
	Skipped []render.Release
}

// envelope is an Istio custom resource with its spec left raw.
type envelope struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
}

// Load renders every local-chart release of the synthesized stacks in
// stackDirs (cdktf.out/stacks/<stack>) and decodes the objects.
func Load(stackDirs ...string) (*Mesh, error) {
	m := &Mesh{}
	rendered, skipped, err := render.Stacks(stackDirs...)
	if err != nil {
		return nil, err
	}
	m.Skipped = skipped
	for _, r := range rendered {
		for _, mf := range r.Manifests {
			if err := m.add(r.Release, mf); err != nil {
				return nil, fmt.Errorf("%s: release %s: %w", r.Stack, r.Name, err)
			}
		}
	}
	sort.Slice(m.VirtualServices, func(i, j int) bool { return m.VirtualServices[i].Name < m.VirtualServices[j].Name })
	return m, nil
}

// add decodes one rendered manifest into its place.
func (m *Mesh) add(r render.Release, mf render.Manifest) error {
	obj, err := render.Decode(mf)
	if err != nil {
		return err
	}
	ns := obj.Metadata.Namespace
	if ns == "" {
		ns = r.Namespace
	}
	switch obj.APIVersion + "/" + obj.Kind {
	case "networking.istio.io/v1/Gateway":
		spec := &networkingv1.Gateway{}
		if err := decodeIstio(obj.Raw, spec); err != nil {
			return fmt.Errorf("%s: %w", mf.Template, err)
		}
		m.Gateways = append(m.Gateways, Object[*networkingv1.Gateway]{obj.Metadata.Name, ns, r.Name, spec, obj.Metadata.Annotations})
	case "networking.istio.io/v1/VirtualService":
		spec := &networkingv1.VirtualService{}
		if err := decodeIstio(obj.Raw, spec); err != nil {
			return fmt.Errorf("%s: %w", mf.Template, err)
		}
		m.VirtualServices = append(m.VirtualServices, Object[*networkingv1.VirtualService]{obj.Metadata.Name, ns, r.Name, spec, obj.Metadata.Annotations})
	case "networking.istio.io/v1/DestinationRule":
		spec := &networkingv1.DestinationRule{}
		if err := decodeIstio(obj.Raw, spec); err != nil {
			return fmt.Errorf("%s: %w", mf.Template, err)
		}
		m.DestinationRules = append(m.DestinationRules, Object[*networkingv1.DestinationRule]{obj.Metadata.Name, ns, r.Name, spec, obj.Metadata.Annotations})
	case "apps/v1/Deployment":
		d := &appsv1.Deployment{}
		if err := render.Strict(obj.Raw, d); err != nil {
			return fmt.Errorf("%s: not a valid apps/v1 Deployment: %w", mf.Template, err)
		}
		d.Namespace = ns
		m.Workloads = append(m.Workloads, Workload{Release: r.Name, Deployment: d})
	case "v1/Service":
		s := &corev1.Service{}
		if err := render.Strict(obj.Raw, s); err != nil {
			return fmt.Errorf("%s: not a valid v1 Service: %w", mf.Template, err)
		}
		s.Namespace = ns
		m.Services = append(m.Services, Service{Release: r.Name, Service: s})
	}
	return nil
}

// decodeIstio decodes an Istio custom resource strictly: the envelope with
// encoding/json, the spec with protojson, unknown fields rejected by both.
func decodeIstio(raw []byte, spec proto.Message) error {
	var env envelope
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&env); err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(env.Spec, spec); err != nil {
		return fmt.Errorf("%s %s: %w", env.Kind, env.Metadata.Name, err)
	}
	return nil
}
