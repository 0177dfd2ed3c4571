// Package overlap decides which requests two apps on one ingress gateway
// could both claim: host names (with Istio's and the Gateway API's
// wildcards) and path prefixes (matched by whole segments). The
// configuration's cross-app checks use it, and so can any other check that
// must agree with them.
package overlap

import "strings"

// Relation is how two host patterns, or two path prefixes, relate.
type Relation int

// The relations. For hosts, Within means every host the first pattern
// matches the second matches too, and the second is the more general
// ("cart.example.com" is Within "*.example.com", which is Within "*").
// For paths, Within means every path under the first prefix is under the
// second ("/cart/items" is Within "/cart", which is Within "/").
const (
	Disjoint Relation = iota
	Same
	Within
	Contains
)

// Host returns how host pattern a relates to host pattern b. A pattern is
// "*" (any host), "*.<domain>" (any host ending in ".<domain>", at least
// one label more) or a host name; names compare case-insensitively. Two
// patterns that only intersect without one containing the other cannot be
// written in these terms, so the answer is always one of the four.
func Host(a, b string) Relation {
	a, b = strings.ToLower(a), strings.ToLower(b)
	switch {
	case a == b:
		return Same
	case covers(b, a):
		return Within
	case covers(a, b):
		return Contains
	}
	return Disjoint
}

// covers reports whether the more general pattern g matches every host
// the different pattern s matches.
func covers(g, s string) bool {
	if g == "*" {
		return true
	}
	domain, ok := strings.CutPrefix(g, "*.")
	if !ok {
		return false
	}
	// "*.example.com" covers "a.example.com" and "*.a.example.com", not
	// "example.com".
	return strings.HasSuffix(strings.TrimPrefix(s, "*."), "."+domain)
}

// HostPair is a host of one app and a host of another that requests can
// match both of.
type HostPair struct {
	// A is the host of the first list, B the host of the second.
	A, B string
	// Relation is how A relates to B (never Disjoint).
	Relation Relation
}

// Hosts returns every pair of a host in a and a host in b that relate,
// in the order of a, then b.
func Hosts(a, b []string) []HostPair {
	var out []HostPair
	for _, ha := range a {
		for _, hb := range b {
			if r := Host(ha, hb); r != Disjoint {
				out = append(out, HostPair{A: ha, B: hb, Relation: r})
			}
		}
	}
	return out
}

// Path returns how the path prefix a relates to the path prefix b,
// matching whole segments: "/cart" contains "/cart/items" and is disjoint
// from "/cartoon"; "/" contains every other prefix. Prefixes start with
// "/" and, except "/", do not end with one.
func Path(a, b string) Relation {
	switch {
	case a == b:
		return Same
	case Under(a, b):
		return Within
	case Under(b, a):
		return Contains
	}
	return Disjoint
}

// Under reports whether path (a request path or a prefix) lies under the
// prefix, by whole segments: "/cart" and "/cart/items" lie under "/cart",
// "/cartoon" does not; every path lies under "/".
func Under(path, prefix string) bool {
	return prefix == "/" || path == prefix || strings.HasPrefix(path, prefix+"/")
}

// Join returns the path prefix sub (such as a version path "/v2") under
// the prefix: "/cart" and "/v2" give "/cart/v2", "/" and "/v2" give "/v2".
func Join(prefix, sub string) string {
	if prefix == "/" {
		return sub
	}
	if sub == "/" {
		return prefix
	}
	return prefix + sub
}
