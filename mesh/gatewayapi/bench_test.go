package gatewayapi_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// BenchmarkBuild measures building the objects of the spec that uses every
// feature.
func BenchmarkBuild(b *testing.B) {
	s := full()
	for b.Loop() {
		if _, err := gatewayapi.Build(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate measures one request that reaches the default rule
// past the version paths, the header and the cookie rules (whose regexes
// are tried).
func BenchmarkEvaluate(b *testing.B) {
	o, err := gatewayapi.Build(full())
	if err != nil {
		b.Fatal(err)
	}
	m := gatewayapi.ModelOf(o)
	r := gatewayapi.Request{Host: "echo.example.com", Scheme: "https", Path: "/orders?id=1", Headers: map[string]string{"cookie": "session=abc; theme=dark"}}
	for b.Loop() {
		out, err := m.Evaluate(r)
		if err != nil || out.Rule != "default" {
			b.Fatalf("%v, rule %s", err, out.Rule)
		}
	}
}
