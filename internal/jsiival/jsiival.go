// Package jsiival converts plain Go values into the pointer shapes the
// generated cdktf provider bindings take. Props stay plain Go; conversion
// happens only at the call into a binding.
package jsiival

import "github.com/aws/jsii-runtime-go"

// StringMap converts m for a binding's map attribute (tags, labels,
// annotations). An empty map becomes nil, so the attribute is left out
// rather than written as {}.
func StringMap(m map[string]string) *map[string]*string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
