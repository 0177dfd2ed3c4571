// Package routing is the Istio routing of a blue/green app: a Gateway that
// admits the app's hosts, a DestinationRule with one subset per colour, and
// a VirtualService whose ordered HTTP routes send
//
//   - requests under a colour's version path (such as /v1) to that colour,
//     with the prefix stripped (/v1/health reaches the app as /health);
//   - requests with a colour's header value (x-version: v2), then with a
//     colour's cookie value (x-version=v2), to that colour;
//   - everything else to the live colour, or split between the live colour
//     and the candidate when a canary weight is set.
//
// The objects are Istio's own Go types (istio.io/api/networking/v1), built by
// the pure model (package mesh: settings, defaults, validation, Build)
// without any cdktf involvement; this package is the thin cdktf construct
// that delivers them to the cluster through local Helm charts (custom
// resources go through Helm because kubernetes_manifest needs the CRD at
// plan time). Props embeds mesh's Routing and adds ExtraValues, the Helm
// values of each release; Target, Objects and the other exported names are
// aliases of mesh's.
package routing
