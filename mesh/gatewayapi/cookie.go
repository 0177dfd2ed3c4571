package gatewayapi

import "regexp"

// cookieRegex returns the RE2 pattern that matches a Cookie header carrying
// the cookie name=value wherever it sits among the other cookies, separated
// by "; " or ";", and never a longer value (x-version=v20) or a longer name
// (my-x-version=v2). Envoy requires the whole header to match.
//
// TODO(merge): use mesh.CookieRegex; this copies constructs/routing's
// CookieRegex until the mesh package lands, so that both APIs match the same
// cookies.
func cookieRegex(name, value string) string {
	return `^(.*;\s*)?` + regexp.QuoteMeta(name) + "=" + regexp.QuoteMeta(value) + `\s*(;.*)?$`
}
