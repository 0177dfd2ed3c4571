package mesh

import (
	"regexp"
)

// CookieRegex returns the RE2 pattern that matches a Cookie header carrying
// the cookie name=value, wherever it sits among the other cookies, whether
// they are separated by "; " or ";". Name and value are escaped, and the
// pattern never matches a longer value (x-version=v20) or a longer name
// (my-x-version=v2). Istio (Envoy) requires the whole header to match.
func CookieRegex(name, value string) string {
	return `^(.*;\s*)?` + regexp.QuoteMeta(name) + "=" + regexp.QuoteMeta(value) + `\s*(;.*)?$`
}

// CookieNameRE is an RFC 6265 cookie-name: an RFC 7230 token.
var CookieNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// CookieValueRE is an RFC 6265 cookie-value without quotes: no controls,
// whitespace, double quotes, commas, semicolons or backslashes.
var CookieValueRE = regexp.MustCompile(`^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$`)

// headerNameRE is a lowercase HTTP header name, as Istio requires in
// matches.
var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9a-z-]+$")
