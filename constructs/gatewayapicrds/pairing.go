package gatewayapicrds

// IstioRequires maps an Istio minor release to the Gateway API bundle
// version it requires, standard channel: the sigs.k8s.io/gateway-api
// version in istio.io/istio's go.mod at the release's newest tags, which is
// the version Istio is built and tested with and the CRDs its analyzer
// compares against (IST0176). `make crds` reads the versions from this
// table (one "minor": "version" row per line) and makes one chart per
// version; a release without a row cannot use api "gatewayAPI" or the
// ambient data plane. Add a row, with its source, when constructs/istio
// allows a new minor release; a row goes when constructs/istio stops
// allowing its release.
var IstioRequires = map[string]string{
	// istio.io/istio's go.mod at tags 1.28.7 to 1.28.10, the last 1.28
	// release (1.28.0 to 1.28.6 required v1.4.0). Istio 1.28's support
	// ended on 2026-06-29 (constructs/istio SupportEnds).
	"1.28": "v1.4.1",
	// istio.io/istio's go.mod at tags 1.29.3 to 1.29.6 (1.29.0 to 1.29.2
	// required v1.4.0). Istio 1.29's support ended on 2026-10-12
	// (constructs/istio SupportEnds).
	"1.29": "v1.4.1",
	// istio.io/istio's go.mod at tags 1.30.0 to 1.30.3, and at the
	// release-1.30 commit v0.0.0-20260826214018-9739e10eb9d7 the module
	// proxy serves. Istio 1.30 is supported until six weeks after 1.32's
	// release, in the coming weeks (constructs/istio SupportEnds).
	"1.30": "v1.5.1",
	// istio.io/istio's go.mod at the 1.31.0 commit
	// v0.0.0-20260827124520-eed52ebb66ad, the one tools/go.mod pins.
	// Istio 1.31 is supported until six weeks after 1.33's release.
	"1.31": "v1.6.0",
}
