package mesh

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/api/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
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
	// intent (LiveAnnotation) bluegreen puts on its VirtualService.
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

// Namespace is a Namespace and what creates it: a Helm release, or ""
// for a namespace the stacks create themselves (kubernetes_namespace_v1).
type Namespace struct {
	// Release is the Helm release that creates the Namespace, or "".
	Release string
	// Namespace is the decoded Namespace, with the
	// kubernetes.io/metadata.name label the API server gives every
	// namespace.
	Namespace *corev1.Namespace
}

// GatewayAPIObject is a decoded Gateway API object (gateway.networking.k8s.io/v1)
// and the Helm release that creates it.
type GatewayAPIObject[T any] struct {
	// Release is the Helm release that creates the object.
	Release string
	// Object is the decoded object, with its namespace filled in.
	Object T
}

// Model is everything the evaluator, the checks and the picture read:
// the Istio and Kubernetes objects an environment creates, decoded.
type Model struct {
	Gateways         []Object[*networkingv1.Gateway]
	VirtualServices  []Object[*networkingv1.VirtualService]
	DestinationRules []Object[*networkingv1.DestinationRule]
	Workloads        []Workload
	Services         []Service
	// Namespaces are the namespaces the environment creates, with their
	// labels (a Gateway listener's allowedRoutes may select routes by
	// them).
	Namespaces []Namespace
	// KubernetesGateways and HTTPRoutes are the Gateway API objects of an
	// app whose routing uses api "gatewayAPI"; package mesh/gatewayapi
	// evaluates and checks them (gatewayapi.ModelOfMesh).
	KubernetesGateways []GatewayAPIObject[*gwv1.Gateway]
	HTTPRoutes         []GatewayAPIObject[*gwv1.HTTPRoute]
}

// UsesGatewayAPI reports whether m routes with the Gateway API (it has
// HTTPRoutes) rather than VirtualServices.
func (m *Model) UsesGatewayAPI() bool { return len(m.HTTPRoutes) > 0 }

// envelope is a Kubernetes object with its spec left raw.
type envelope struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
}

// Add decodes one Kubernetes object (JSON) that Helm release release
// creates, and files it: Istio Gateways, VirtualServices and
// DestinationRules (networking.istio.io/v1), Gateway API Gateways and
// HTTPRoutes (gateway.networking.k8s.io/v1), Deployments, Services and
// Namespaces.
// Other kinds are ignored. An object without a namespace goes to
// namespace, the release's. Decoding is strict: a field the API type does
// not have is an error.
func (m *Model) Add(release, namespace string, object []byte) error {
	var meta struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(object, &meta); err != nil {
		return err
	}
	ns := meta.Metadata.Namespace
	if ns == "" {
		ns = namespace
	}
	name, annotations := meta.Metadata.Name, meta.Metadata.Annotations
	switch meta.APIVersion + "/" + meta.Kind {
	case "networking.istio.io/v1/Gateway":
		spec := &networkingv1.Gateway{}
		if err := decodeIstio(object, spec); err != nil {
			return err
		}
		m.Gateways = append(m.Gateways, Object[*networkingv1.Gateway]{name, ns, release, spec, annotations})
	case "networking.istio.io/v1/VirtualService":
		spec := &networkingv1.VirtualService{}
		if err := decodeIstio(object, spec); err != nil {
			return err
		}
		m.VirtualServices = append(m.VirtualServices, Object[*networkingv1.VirtualService]{name, ns, release, spec, annotations})
	case "networking.istio.io/v1/DestinationRule":
		spec := &networkingv1.DestinationRule{}
		if err := decodeIstio(object, spec); err != nil {
			return err
		}
		m.DestinationRules = append(m.DestinationRules, Object[*networkingv1.DestinationRule]{name, ns, release, spec, annotations})
	case "gateway.networking.k8s.io/v1/Gateway":
		gw := &gwv1.Gateway{}
		if err := strict(object, gw); err != nil {
			return fmt.Errorf("not a valid gateway.networking.k8s.io/v1 Gateway: %w", err)
		}
		gw.Namespace = ns
		m.KubernetesGateways = append(m.KubernetesGateways, GatewayAPIObject[*gwv1.Gateway]{release, gw})
	case "gateway.networking.k8s.io/v1/HTTPRoute":
		r := &gwv1.HTTPRoute{}
		if err := strict(object, r); err != nil {
			return fmt.Errorf("not a valid gateway.networking.k8s.io/v1 HTTPRoute: %w", err)
		}
		r.Namespace = ns
		m.HTTPRoutes = append(m.HTTPRoutes, GatewayAPIObject[*gwv1.HTTPRoute]{release, r})
	case "apps/v1/Deployment":
		d := &appsv1.Deployment{}
		if err := strict(object, d); err != nil {
			return fmt.Errorf("not a valid apps/v1 Deployment: %w", err)
		}
		d.Namespace = ns
		m.Workloads = append(m.Workloads, Workload{Release: release, Deployment: d})
	case "v1/Service":
		s := &corev1.Service{}
		if err := strict(object, s); err != nil {
			return fmt.Errorf("not a valid v1 Service: %w", err)
		}
		s.Namespace = ns
		m.Services = append(m.Services, Service{Release: release, Service: s})
	case "v1/Namespace":
		n := &corev1.Namespace{}
		if err := strict(object, n); err != nil {
			return fmt.Errorf("not a valid v1 Namespace: %w", err)
		}
		m.addNamespace(release, n)
	}
	return nil
}

// AddNamespace files a namespace the stacks create themselves
// (kubernetes_namespace_v1), with its labels.
func (m *Model) AddNamespace(name string, labels map[string]string) {
	m.addNamespace("", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: maps.Clone(labels)}})
}

func (m *Model) addNamespace(release string, n *corev1.Namespace) {
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	// The API server labels every namespace with its name.
	n.Labels[corev1.LabelMetadataName] = n.Name
	m.Namespaces = append(m.Namespaces, Namespace{Release: release, Namespace: n})
}

// AddManifests adds the objects of Kubernetes manifests (YAML or JSON,
// documents separated by "---") that Helm release release creates, each
// as Add does.
func (m *Model) AddManifests(release, namespace string, manifests []byte) error {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifests)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // an empty document
		}
		if err := m.Add(release, namespace, j); err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
	}
}

// decodeIstio decodes an Istio custom resource strictly: the envelope with
// encoding/json, the spec with protojson, unknown fields rejected by both.
func decodeIstio(raw []byte, spec proto.Message) error {
	var env envelope
	if err := strict(raw, &env); err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(env.Spec, spec); err != nil {
		return fmt.Errorf("%s %s: %w", env.Kind, env.Metadata.Name, err)
	}
	return nil
}

// strict decodes JSON into v, rejecting members v does not have.
func strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// GatewayOf returns the Gateway that a VirtualService in namespace ns names
// with the gateway reference ref (see GatewayRef), or nil when m has no
// such Gateway.
func (m *Model) GatewayOf(ref, ns string) *Object[*networkingv1.Gateway] {
	gns, name := GatewayRef(ref, ns)
	for i := range m.Gateways {
		if m.Gateways[i].Name == name && m.Gateways[i].Namespace == gns {
			return &m.Gateways[i]
		}
	}
	return nil
}

// AddObjects files the routing objects Build returned as they will be in
// namespace, each created by the Helm release named in releases (by kind:
// "Gateway", "VirtualService", "DestinationRule"; empty when not given).
// Objects without a Gateway (an app of BuildApps, which shares the
// Gateway of SharedObjects) add none.
func (m *Model) AddObjects(o Objects, namespace string, releases map[string]string) {
	if o.Gateway != nil {
		m.Gateways = append(m.Gateways, Object[*networkingv1.Gateway]{o.GatewayName, namespace, releases["Gateway"], o.Gateway, nil})
	}
	m.VirtualServices = append(m.VirtualServices, Object[*networkingv1.VirtualService]{o.VirtualServiceName, namespace, releases["VirtualService"], o.VirtualService, o.VirtualServiceAnnotations})
	m.DestinationRules = append(m.DestinationRules, Object[*networkingv1.DestinationRule]{o.DestinationRuleName, namespace, releases["DestinationRule"], o.DestinationRule, nil})
}

// delegates reports whether vs is a root VirtualService: one of its routes
// delegates to another VirtualService.
func delegates(vs *networkingv1.VirtualService) bool {
	return slices.ContainsFunc(vs.GetHttp(), func(r *networkingv1.HTTPRoute) bool { return r.GetDelegate() != nil })
}

// Intent returns the live subset and the candidates of the first
// VirtualService whose last route is a catch-all. bluegreen's
// VirtualService says which colour is live (LiveAnnotation): with a canary
// above 50 % the candidate has the larger weight, so weights cannot tell.
// For a VirtualService written by hand, without the annotation, the live
// subset is read off the last (catch-all) route: its destination with the
// largest weight. Every other subset a route reaches is a candidate.
func (m *Model) Intent() (string, []string) {
	for _, vs := range m.VirtualServices {
		http := vs.Spec.GetHttp()
		live, annotated := vs.Annotations[LiveAnnotation]
		// An annotated VirtualService of an app under a path prefix has no
		// catch-all; a root VirtualService only delegates.
		if len(http) == 0 || (!annotated && len(http[len(http)-1].GetMatch()) != 0) || delegates(vs.Spec) {
			continue
		}
		if !annotated {
			dests := http[len(http)-1].GetRoute()
			best := int32(-1)
			for _, d := range dests {
				if w := d.GetWeight(); w > best || (len(dests) == 1) {
					live, best = d.GetDestination().GetSubset(), w
				}
			}
		}
		// Every other subset a rule reaches is a candidate (for QA by
		// cookie, header or path, or for a weighted share).
		var cands []string
		for _, r := range http {
			for _, d := range r.GetRoute() {
				if s := d.GetDestination().GetSubset(); s != live && !slices.Contains(cands, s) {
					cands = append(cands, s)
				}
			}
		}
		return live, cands
	}
	// With the Gateway API, the HTTPRoute carries the same annotations.
	for _, r := range m.HTTPRoutes {
		if live, ok := r.Object.Annotations[LiveAnnotation]; ok {
			var cands []string
			if c, ok := r.Object.Annotations[CandidateAnnotation]; ok {
				cands = []string{c}
			}
			return live, cands
		}
	}
	return "", nil
}
