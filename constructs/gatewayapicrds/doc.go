// Package gatewayapicrds installs the Kubernetes Gateway API's
// standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, ...) in an
// environment's mesh stack, when its routing uses api "gatewayAPI" or its
// data plane is ambient, at the version the environment's Istio release
// requires (IstioRequires, pairing.go). `make crds` copies the CRDs of each
// version in the table from the sigs.k8s.io/gateway-api module into a local
// chart, gatewayapi-crds-<version>, embedded in the program, so the
// synthesized stack carries the one it needs as an asset and deploying
// needs no module cache.
//
// An Istio release without a row in the table is refused (Required), with
// the releases allowed.
package gatewayapicrds
