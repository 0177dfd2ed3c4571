package gatewayapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

// Decode reads Kubernetes manifests (YAML or JSON, documents separated by
// "---"), such as a chart's rendered templates, and adds the Gateways,
// HTTPRoutes, Services and Namespaces among them to m, rejecting any field their Go
// types lack. It returns the other objects it skipped, as "Kind name".
func (m *Model) Decode(manifests []byte) (skipped []string, err error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifests)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return skipped, nil
		}
		if err != nil {
			return skipped, fmt.Errorf("document %d: %w", i, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return skipped, fmt.Errorf("document %d: %w", i, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // an empty document
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(j, &head); err != nil {
			return skipped, fmt.Errorf("document %d: %w", i, err)
		}
		var target any
		switch {
		case head.APIVersion == gwv1.GroupVersion.String() && head.Kind == "Gateway":
			gw := &gwv1.Gateway{}
			m.Gateways, target = append(m.Gateways, gw), gw
		case head.APIVersion == gwv1.GroupVersion.String() && head.Kind == "HTTPRoute":
			route := &gwv1.HTTPRoute{}
			m.HTTPRoutes, target = append(m.HTTPRoutes, route), route
		case head.APIVersion == "v1" && head.Kind == "Service":
			svc := &corev1.Service{}
			m.Services, target = append(m.Services, svc), svc
		case head.APIVersion == "v1" && head.Kind == "Namespace":
			ns := &corev1.Namespace{}
			m.Namespaces, target = append(m.Namespaces, ns), ns
		default:
			skipped = append(skipped, head.Kind+" "+head.Metadata.Name)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(target); err != nil {
			return skipped, fmt.Errorf("document %d (%s %s): %w", i, head.Kind, head.Metadata.Name, err)
		}
		if ns, ok := target.(*corev1.Namespace); ok {
			// The API server labels every namespace with its name.
			if ns.Labels == nil {
				ns.Labels = map[string]string{}
			}
			ns.Labels[corev1.LabelMetadataName] = ns.Name
		}
	}
}
