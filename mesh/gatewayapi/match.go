package gatewayapi

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Path match ranks, as Istio orders them: Exact, then PathPrefix, then
// RegularExpression (whose precedence the Gateway API leaves to the
// implementation).
const (
	rankRegex = iota + 1
	rankPrefix
	rankExact
)

// rankOf returns the precedence keys of a match, without a request.
func rankOf(m gwv1.HTTPRouteMatch) (candidate, error) {
	c := candidate{m: m}
	typ, value := gwv1.PathMatchPathPrefix, "/"
	if m.Path != nil {
		if m.Path.Type != nil {
			typ = *m.Path.Type
		}
		if m.Path.Value != nil {
			value = *m.Path.Value
		}
	}
	c.value = value
	switch typ {
	case gwv1.PathMatchExact:
		c.rank, c.size = rankExact, len(value)
	case gwv1.PathMatchPathPrefix:
		c.prefix = value
		if value != "/" {
			c.prefix = strings.TrimSuffix(value, "/")
		}
		c.rank, c.size = rankPrefix, len(c.prefix)
	case gwv1.PathMatchRegularExpression:
		c.rank, c.size = rankRegex, len(value)
	default:
		return c, fmt.Errorf("path match type %q is not one of Exact, PathPrefix, RegularExpression", typ)
	}
	return c, nil
}

// matchRequest reports whether one HTTPRouteMatch holds for r: every
// condition must.
func matchRequest(m gwv1.HTTPRouteMatch, r Request) (candidate, bool, error) {
	c, err := rankOf(m)
	if err != nil {
		return c, false, err
	}
	path, query, _ := strings.Cut(r.Path, "?")
	switch c.rank {
	case rankExact:
		if path != c.value {
			return c, false, nil
		}
	case rankPrefix:
		if c.prefix != "/" && path != c.prefix && !strings.HasPrefix(path, c.prefix+"/") {
			return c, false, nil
		}
	default:
		ok, err := fullMatch(c.value, path)
		if err != nil || !ok {
			return c, false, err
		}
	}
	if m.Method != nil && string(*m.Method) != r.Method {
		return c, false, nil
	}
	for _, h := range m.Headers {
		v, ok := r.Headers[strings.ToLower(string(h.Name))]
		if !ok {
			return c, false, nil
		}
		if ok, err := valueMatches(h.Type, h.Value, v); err != nil || !ok {
			return c, false, err
		}
	}
	params := queryParams(query)
	for _, q := range m.QueryParams {
		v, ok := params[string(q.Name)]
		if !ok {
			return c, false, nil
		}
		if ok, err := valueMatches((*gwv1.HeaderMatchType)(q.Type), q.Value, v); err != nil || !ok {
			return c, false, err
		}
	}
	return c, true, nil
}

// valueMatches applies an Exact (the default) or RegularExpression match.
func valueMatches(typ *gwv1.HeaderMatchType, want, got string) (bool, error) {
	if typ == nil || *typ == gwv1.HeaderMatchExact {
		return got == want, nil
	}
	if *typ == gwv1.HeaderMatchRegularExpression {
		return fullMatch(want, got)
	}
	return false, fmt.Errorf("match type %q is not Exact or RegularExpression", *typ)
}

// fullMatch applies a regular expression as Istio (Envoy) does: RE2, and
// the whole value must match.
func fullMatch(pattern, value string) (bool, error) {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return false, fmt.Errorf("regular expression %q is not valid RE2: %w", pattern, err)
	}
	return re.MatchString(value), nil
}

// queryParams returns the first value of each query parameter, undecoded.
func queryParams(query string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, seen := out[k]; !seen && k != "" {
			out[k] = v
		}
	}
	return out
}

// precedence orders matching candidates best first, as the Gateway API
// requires.
func precedence(a, b candidate) int {
	if c := cmp.Compare(b.rank, a.rank); c != 0 {
		return c
	}
	if c := cmp.Compare(b.size, a.size); c != 0 {
		return c
	}
	if c := cmp.Compare(b2i(b.m.Method != nil), b2i(a.m.Method != nil)); c != 0 {
		return c
	}
	if c := cmp.Compare(len(b.m.Headers), len(a.m.Headers)); c != 0 {
		return c
	}
	if c := cmp.Compare(len(b.m.QueryParams), len(a.m.QueryParams)); c != 0 {
		return c
	}
	if c := a.route.CreationTimestamp.Compare(b.route.CreationTimestamp.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(key(a.route.Namespace, a.route.Name), key(b.route.Namespace, b.route.Name)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	return cmp.Compare(a.match, b.match)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func describe(c candidate) string {
	var path string
	switch c.rank {
	case rankExact:
		path = fmt.Sprintf("Exact %q", c.value)
	case rankPrefix:
		path = fmt.Sprintf("PathPrefix %q (%d characters)", c.prefix, c.size)
	default:
		path = fmt.Sprintf("RegularExpression %q", c.value)
	}
	method := "any method"
	if c.m.Method != nil {
		method = "method " + string(*c.m.Method)
	}
	return fmt.Sprintf("%s, %s, %d header and %d query matches", path, method, len(c.m.Headers), len(c.m.QueryParams))
}

// RankedRule is one rule of an HTTPRoute, placed by its best match in the
// order the Gateway API tries matches.
type RankedRule struct {
	// Route is the rule's HTTPRoute and Rule its index there.
	Route *gwv1.HTTPRoute
	Rule  int
	// Name is the rule's name, or "#<index>" when it has none.
	Name string
	// Precedence describes the rule's best match as the Gateway API ranks
	// it, such as `PathPrefix "/v1" (3 characters), ...`.
	Precedence string
}

// Ranked returns the rules of routes in the order that actually decides:
// by the precedence of each rule's best match (exact path, longest prefix,
// method, header matches, query matches, route age, name), not by their
// order in the list. A request is decided by the first rule in this order
// that it matches.
func Ranked(routes []*gwv1.HTTPRoute) ([]RankedRule, error) {
	var cands []candidate
	err := eachMatch(routes, func(at candidate) error {
		c, err := rankOf(at.m)
		c.route, c.rule, c.match = at.route, at.rule, at.match
		cands = append(cands, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(cands, precedence)
	var out []RankedRule
	for _, c := range cands {
		if slices.ContainsFunc(out, func(r RankedRule) bool { return r.Route == c.route && r.Rule == c.rule }) {
			continue
		}
		out = append(out, RankedRule{Route: c.route, Rule: c.rule, Name: ruleName(c.route.Spec.Rules[c.rule], c.rule), Precedence: describe(c)})
	}
	return out, nil
}

// eachMatch calls fn with every match of routes, in list order, as a
// candidate carrying its route, rule and match index (a rule without
// matches has one: PathPrefix "/"). An error from fn stops the walk and is
// returned naming the route and rule.
func eachMatch(routes []*gwv1.HTTPRoute, fn func(candidate) error) error {
	for _, route := range routes {
		for ri, rule := range route.Spec.Rules {
			matches := rule.Matches
			if len(matches) == 0 {
				matches = []gwv1.HTTPRouteMatch{prefixMatch("/")}
			}
			for mi, match := range matches {
				if err := fn(candidate{m: match, route: route, rule: ri, match: mi}); err != nil {
					return fmt.Errorf("httproute %s rule %s: %w", key(route.Namespace, route.Name), ruleName(rule, ri), err)
				}
			}
		}
	}
	return nil
}
