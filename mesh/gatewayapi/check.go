package gatewayapi

import (
	"fmt"
	"slices"
	"strings"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// Check reports, for every HTTPRoute of m:
//
//   - GW001 (error): a backend whose Service or port does not exist; the
//     Gateway answers its share of the requests with 500.
//   - GW002 (error): a rule whose backends all have weight 0 (every request
//     gets 500).
//   - GW003 (warning): a match that never decides, because another match of
//     a route on the same parents matches every request it matches and has
//     a higher precedence, whatever their order in the list (for example a
//     RegularExpression path below a PathPrefix "/", which Istio ranks
//     first).
//   - GW004 (warning): a RegularExpression header match, whose dialect is
//     implementation-specific (Istio applies RE2 to the whole value); the
//     cookie rule is one.
func Check(m Model) []mesh.Finding {
	var out []mesh.Finding
	for _, route := range m.HTTPRoutes {
		obj := "HTTPRoute " + key(route.Namespace, route.Name)
		for ri, rule := range route.Spec.Rules {
			total := 0
			for bi, b := range rule.BackendRefs {
				total += int(weight(b))
				if _, _, _, why := m.resolve(route.Namespace, b.BackendObjectReference); why != "" {
					out = append(out, finding("GW001", mesh.Error, obj, fmt.Sprintf("spec.rules[%d].backendRefs[%d]", ri, bi),
						why+"; its share of the requests gets 500"))
				}
			}
			if len(rule.BackendRefs) > 0 && total == 0 {
				out = append(out, finding("GW002", mesh.Error, obj, fmt.Sprintf("spec.rules[%d]", ri), "every backend has weight 0; every request the rule decides gets 500"))
			}
			for mi, match := range rule.Matches {
				for hi, h := range match.Headers {
					if h.Type != nil && *h.Type == gwv1.HeaderMatchRegularExpression {
						out = append(out, finding("GW004", mesh.Warning, obj, fmt.Sprintf("spec.rules[%d].matches[%d].headers[%d]", ri, mi, hi),
							fmt.Sprintf("a RegularExpression match on %s is implementation-specific: Istio applies RE2 to the whole value, another Gateway API implementation may not", h.Name)))
					}
				}
			}
		}
	}
	return append(out, shadowed(m)...)
}

// shadowed reports GW003.
func shadowed(m Model) []mesh.Finding {
	type entry struct {
		c     candidate
		route *gwv1.HTTPRoute
	}
	var all []entry
	eachMatch(m.HTTPRoutes, func(at candidate) error {
		// A match that does not rank is reported by the evaluator.
		if c, err := rankOf(at.m); err == nil {
			c.route, c.rule, c.match = at.route, at.rule, at.match
			all = append(all, entry{c, at.route})
		}
		return nil
	})
	var out []mesh.Finding
	for _, lo := range all {
		for _, hi := range all {
			if hi.c.route == lo.c.route && hi.c.rule == lo.c.rule {
				continue
			}
			if !sameParents(hi.route, lo.route) || precedence(hi.c, lo.c) >= 0 || !covers(hi.c, lo.c) {
				continue
			}
			out = append(out, finding("GW003", mesh.Warning, "HTTPRoute "+key(lo.route.Namespace, lo.route.Name),
				fmt.Sprintf("spec.rules[%d].matches[%d]", lo.c.rule, lo.c.match),
				fmt.Sprintf("never decides: HTTPRoute %s rule %s matches every request it matches and ranks first (%s)",
					key(hi.route.Namespace, hi.route.Name), ruleName(hi.route.Spec.Rules[hi.c.rule], hi.c.rule), describe(hi.c))))
			break
		}
	}
	return out
}

// covers reports whether every request b matches is matched by a too.
func covers(a, b candidate) bool {
	switch a.rank {
	case rankPrefix:
		under := func(p string) bool { return a.prefix == "/" || p == a.prefix || strings.HasPrefix(p, a.prefix+"/") }
		switch b.rank {
		case rankPrefix:
			if !under(b.prefix) {
				return false
			}
		case rankExact:
			if !under(b.value) {
				return false
			}
		default:
			if a.prefix != "/" {
				return false
			}
		}
	default:
		if a.rank != b.rank || a.value != b.value {
			return false
		}
	}
	if a.m.Method != nil && (b.m.Method == nil || *a.m.Method != *b.m.Method) {
		return false
	}
	for _, h := range a.m.Headers {
		if !slices.ContainsFunc(b.m.Headers, func(o gwv1.HTTPHeaderMatch) bool {
			return strings.EqualFold(string(o.Name), string(h.Name)) && headerType(o.Type) == headerType(h.Type) && o.Value == h.Value
		}) {
			return false
		}
	}
	for _, q := range a.m.QueryParams {
		if !slices.ContainsFunc(b.m.QueryParams, func(o gwv1.HTTPQueryParamMatch) bool {
			return o.Name == q.Name && headerType((*gwv1.HeaderMatchType)(o.Type)) == headerType((*gwv1.HeaderMatchType)(q.Type)) && o.Value == q.Value
		}) {
			return false
		}
	}
	return true
}

func headerType(t *gwv1.HeaderMatchType) gwv1.HeaderMatchType {
	if t == nil {
		return gwv1.HeaderMatchExact
	}
	return *t
}

// sameParents reports whether two routes serve the same requests: the same
// parentRefs and hostnames.
func sameParents(a, b *gwv1.HTTPRoute) bool {
	if a == b {
		return true
	}
	if a.Namespace != b.Namespace || !slices.Equal(a.Spec.Hostnames, b.Spec.Hostnames) || len(a.Spec.ParentRefs) != len(b.Spec.ParentRefs) {
		return false
	}
	for i := range a.Spec.ParentRefs {
		if !parentEqual(a.Spec.ParentRefs[i], b.Spec.ParentRefs[i]) {
			return false
		}
	}
	return true
}

func parentEqual(a, b gwv1.ParentReference) bool {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return a.Name == b.Name &&
		str((*string)(a.Group)) == str((*string)(b.Group)) && str((*string)(a.Kind)) == str((*string)(b.Kind)) &&
		str((*string)(a.Namespace)) == str((*string)(b.Namespace)) && str((*string)(a.SectionName)) == str((*string)(b.SectionName)) &&
		(a.Port == nil) == (b.Port == nil) && (a.Port == nil || *a.Port == *b.Port)
}

// finding returns the mesh.Finding of a check.
func finding(code string, sev mesh.Severity, object, field, message string) mesh.Finding {
	return mesh.Finding{Code: code, Severity: sev, Object: object, Field: field, Message: message}
}
