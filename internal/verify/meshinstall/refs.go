package meshinstall

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// interpolation is a whole ${...} expression in an attribute value.
var interpolation = regexp.MustCompile(`\$\{([^}]*)\}`)

// resolver replaces Terraform references with values: var.<name> from the
// variables given, <type>.<id>.<attribute path> from what was applied.
type resolver struct {
	vars  map[string]string
	state map[string]map[string]any
}

// resolveAll returns v with every reference in every string replaced.
func (rs resolver) resolveAll(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return rs.resolve(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := rs.resolveAll(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "//" {
				out[k] = e
				continue
			}
			r, err := rs.resolveAll(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

func (rs resolver) resolve(s string) (string, error) {
	var firstErr error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		expr := strings.TrimSpace(m[2 : len(m)-1])
		v, err := rs.value(expr)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

// value evaluates one reference. Functions and operators are not
// evaluated: the stacks use plain references only.
func (rs resolver) value(expr string) (string, error) {
	if name, ok := strings.CutPrefix(expr, "var."); ok {
		v, ok := rs.vars[name]
		if !ok {
			return "", fmt.Errorf("variable %q has no value (the harness sets test values for the stacks' variables)", name)
		}
		return v, nil
	}
	parts := strings.Split(expr, ".")
	if len(parts) < 3 {
		return "", fmt.Errorf("reference ${%s} is not of the form type.name.attribute", expr)
	}
	attrs, ok := rs.state[parts[0]+"."+parts[1]]
	if !ok {
		return "", fmt.Errorf("reference ${%s}: %s.%s is not applied yet", expr, parts[0], parts[1])
	}
	var cur any = attrs
	for _, seg := range parts[2:] {
		name, idx, hasIdx := strings.Cut(seg, "[")
		if name != "" {
			if i, err := strconv.Atoi(name); err == nil {
				cur = index(cur, i)
			} else {
				m, _ := cur.(map[string]any)
				cur = m[name]
			}
		}
		if hasIdx {
			i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if err != nil {
				return "", fmt.Errorf("reference ${%s}: bad index %q", expr, seg)
			}
			cur = index(cur, i)
		}
		if cur == nil {
			return "", fmt.Errorf("reference ${%s}: no attribute %s", expr, seg)
		}
	}
	switch x := cur.(type) {
	case string:
		return x, nil
	case float64, bool:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("reference ${%s} is not a string, number or bool", expr)
	}
}

// index returns element i of a list; a single block (cdktf writes some
// one-element lists as objects) counts as a list of one.
func index(v any, i int) any {
	switch x := v.(type) {
	case []any:
		if i < len(x) {
			return x[i]
		}
		return nil
	case map[string]any:
		if i == 0 {
			return x
		}
	}
	return nil
}
