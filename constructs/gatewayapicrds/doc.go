// Package gatewayapicrds installs the Kubernetes Gateway API's
// standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, ...) in an
// environment's mesh stack, from the local chart gatewayapi-crds, when its
// routing uses api "gatewayAPI". The CRDs are those of the
// sigs.k8s.io/gateway-api module go.mod pins, copied into the chart by
// `make crds` and embedded in the program, so the synthesized stack carries
// them as an asset and deploying needs no module cache.
//
// Istio requires a Gateway API version per release (its analyzer reports
// outdated CRDs as IST0176); CheckPairing refuses an Istio release whose
// required version is not the one embedded.
package gatewayapicrds
