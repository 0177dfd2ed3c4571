// Package helmvalues turns Go values into the YAML document a helm_release
// carries in its values list, so every construct writes them the same way.
package helmvalues

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"sigs.k8s.io/yaml"
)

// Doc marshals v to one YAML values document, as *[]*string for
// helm_release.values.
func Doc(v any) (*[]*string, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshalling helm values: %w", err)
	}
	return &[]*string{jsii.String(string(b))}, nil
}
