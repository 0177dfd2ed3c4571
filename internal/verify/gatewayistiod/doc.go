// Package gatewayistiod holds the test that judges mesh/gatewayapi's
// evaluator by istiod itself: it stores the Gateway API objects that
// gatewayapi.Build makes (and hand-written precedence cases) in the local
// control plane (package controlplane), runs istiod with Gateway API
// support, reads the routes istiod sends each Gateway's Envoy (and, for the
// mesh route, a caller's sidecar) over xDS (package envoyroutes), and wants
// Envoy's answer to every request to equal the evaluator's: backends with
// their colour and share, the path after rewrites, response headers added,
// mirrors and redirects.
//
// The package has no code of its own; the test is its content.
package gatewayistiod
