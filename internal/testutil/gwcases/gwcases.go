// Package gwcases holds the requests the tests that judge the Gateway API
// evaluator by istiod share (internal/verify/gatewayistiod on built objects,
// internal/verify/meshinstall on a synthesized environment), so that both ask
// the same questions.
package gwcases

import "github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"

// Walkthrough are the walkthrough's requests to each of hosts over scheme,
// for an app with the default version paths (/v1 blue, /v2 green) and
// cookie (x-version=v1/v2) and a header rule x-version: v1/v2: version
// paths and their look-alikes, with and without query strings; the
// cookie in each position, without the space after ";", and look-alike
// cookies; the header, its case, and header against cookie and path
// against cookie (where a rule's precedence decides); then two hosts no
// listener admits. 23 requests per host, and 2.
func Walkthrough(scheme string, hosts ...string) []gatewayapi.Request {
	var out []gatewayapi.Request
	for _, host := range hosts {
		get := func(path string, headers map[string]string) gatewayapi.Request {
			return gatewayapi.Request{Host: host, Scheme: scheme, Path: path, Headers: headers}
		}
		cookie := func(c string) gatewayapi.Request { return get("/", map[string]string{"cookie": c}) }
		out = append(out,
			get("/", nil), get("/v1", nil), get("/v1/", nil), get("/v1/health", nil), get("/v1/a?b=c", nil), get("/v1?b=c", nil),
			get("/v2", nil), get("/v2/health", nil), get("/v10", nil), get("/v20/x", nil), get("/x/v1", nil),
			cookie("x-version=v2"), cookie("x-version=v1"), cookie("session=abc; x-version=v2"), cookie("session=abc;x-version=v2"),
			cookie("x-version=v2; session=abc"), cookie("x-version=v20"), cookie("my-x-version=v2"),
			get("/", map[string]string{"x-version": "v2"}),
			get("/", map[string]string{"x-version": "v1"}),
			get("/", map[string]string{"x-version": "V2"}),
			get("/", map[string]string{"x-version": "v2", "cookie": "x-version=v1"}),
			get("/v1/a", map[string]string{"cookie": "x-version=v2"}),
		)
	}
	return append(out,
		gatewayapi.Request{Host: "other.example.com", Scheme: scheme, Path: "/"},
		gatewayapi.Request{Host: "shop.example.com", Scheme: scheme, Path: "/"})
}
