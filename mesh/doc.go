// Package mesh is bluegreen's model of an app's Istio routing, written once
// and free of any deployment tool:
//
//   - the colours (Blue, Green) and the Target an app offers the routing;
//   - the routing settings (Routing) with their defaults, validation and
//     warnings, and Build, which turns them into Istio's own Gateway,
//     VirtualService and DestinationRule (istio.io/api/networking/v1), with
//     the route names, the route order and the cookie regex;
//   - the blue/green intent carried as data: the LiveAnnotation and
//     CandidateAnnotation on the VirtualService;
//   - the Model of decoded Istio and Kubernetes objects, and Evaluate, which
//     says where a request goes with Istio's (Envoy's) semantics;
//   - the Istio facts the evaluator, the checks (package mesh/check) and the
//     picture (package mesh/graph) share: RouteName, HostMatches, FullMatch,
//     GatewayRef and Weight.
//
// The package imports istio.io/api, k8s.io types and the standard library
// only; it never imports cdktf, jsii, the generated provider bindings or
// anything under internal/, so `go vet` and `go test` work in a clone that
// has never run `make bindings`. The cdktf construct constructs/routing
// installs what Build returns.
package mesh
