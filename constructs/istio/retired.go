package istio

import "strings"

// RetiredLocations are the chart and image locations Istio removed in
// December 2026 (istio/istio#61467, "Deprecation of gcr.io/istio-release,
// istio-release.storage.googleapis.com, and registry.istio.io/release").
// A chart source or hub naming one of them is an error. This is the only
// place in the product that names them.
var RetiredLocations = []string{
	"istio-release.storage.googleapis.com",
	"gcr.io/istio-release",
	"registry.istio.io/release",
}

// retired says why location cannot be used, or "" when it can.
func retired(location string) string {
	for _, r := range RetiredLocations {
		if strings.Contains(location, r) {
			return "Istio removed " + r + " in December 2026 (istio/istio#61467)"
		}
	}
	return ""
}
