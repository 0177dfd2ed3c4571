// Package gatewayapicrds provides the Kubernetes Gateway API's
// standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, ...) of an
// environment's mesh stack, when its routing uses api "gatewayAPI" or its
// data plane is ambient, at the version the environment's Istio release
// requires (IstioRequires, pairing.go).
//
// New installs them: `make crds` copies the CRDs of each version in the
// table from the sigs.k8s.io/gateway-api module into a local chart,
// gatewayapi-crds-<version>, embedded in the program, so the synthesized
// stack carries the one it needs as an asset and deploying needs no module
// cache. Every object of the charts carries helm.sh/resource-policy: keep,
// so uninstalling the release (a destroy) leaves the cluster-wide CRDs,
// and every Gateway API object in the cluster, in place.
//
// UseExisting installs nothing and uses the cluster's own CRDs (another
// owner's), checked when Terraform plans: a missing CRD, or one of a
// bundle older than Istio needs, fails the plan (package bundle has the
// words, for tools that check a cluster without Terraform).
//
// An Istio release without a row in the table is refused (Required), with
// the releases allowed.
package gatewayapicrds
