package status

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Drift is one difference between what the environment deploys and what
// the cluster holds.
type Drift struct {
	// Kind, Namespace and Name identify the object (Namespace empty for a
	// cluster-wide one), or the Helm release (Kind "HelmRelease").
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Path is the field that differs, such as
	// "spec.http[0].route[1].weight"; empty for a missing object or a
	// release's state.
	Path string `json:"path,omitempty"`
	// Deployed is the value bluegreen deploys, as JSON; "<absent>" where
	// it does not set one. Secret values are "<redacted>".
	Deployed string `json:"deployed"`
	// Live is the value in the cluster, as JSON; "<absent>" where the
	// cluster has none (a missing object: "<missing>").
	Live string `json:"live"`
}

// Absent and Missing stand for a field the other side has and this one
// not, and an object that is not in the cluster.
const (
	Absent   = "<absent>"
	Missing  = "<missing>"
	Redacted = "<redacted>"
)

// String is the line status prints:
// <kind>/<namespace>/<name> <field path>: deployed <value> → live <value>.
func (d Drift) String() string {
	id := d.Kind + "/" + d.Namespace + "/" + d.Name
	if d.Path != "" {
		id += " " + d.Path
	}
	return fmt.Sprintf("%s: deployed %s → live %s", id, d.Deployed, d.Live)
}

// ignoredMeta are the metadata fields the API server sets and a dry-run
// apply changes on its own.
var ignoredMeta = []string{"managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink"}

// controllerFields are fields of objects bluegreen deploys that a
// controller rewrites after the install by design, by kind, as patterns
// of the field path: istiod writes its CA into its webhooks' caBundle and
// turns its validating webhook's failurePolicy from Ignore to Fail once it
// is ready. They are not drift.
var controllerFields = map[string][]*regexp.Regexp{
	"MutatingWebhookConfiguration":   {regexp.MustCompile(`^webhooks\[\d+\]\.clientConfig\.caBundle$`)},
	"ValidatingWebhookConfiguration": {regexp.MustCompile(`^webhooks\[\d+\]\.clientConfig\.caBundle$`), regexp.MustCompile(`^webhooks\[\d+\]\.failurePolicy$`)},
}

// diff returns the fields where live differs from applied: the live object
// after a server-side dry-run apply of the rendered object (so the API
// server's defaults and normalization are the same on both sides, and the
// fields bluegreen does not set keep their live values). status,
// server-set metadata and, for a Secret, the values are left out.
func diff(kind, namespace, name string, applied, live *unstructured.Unstructured) []Drift {
	a, l := clean(applied.Object), clean(live.Object)
	var out []Drift
	secret := kind == "Secret" && applied.GetAPIVersion() == "v1"
	walk("", a, l, func(path string, av, lv any) {
		for _, re := range controllerFields[kind] {
			if re.MatchString(path) {
				return
			}
		}
		d := Drift{Kind: kind, Namespace: namespace, Name: name, Path: path, Deployed: show(av), Live: show(lv)}
		if secret && (strings.HasPrefix(path, "data") || strings.HasPrefix(path, "stringData")) {
			d.Deployed, d.Live = Redacted, Redacted
		}
		out = append(out, d)
	})
	return out
}

func clean(o map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range o {
		if k != "status" {
			c[k] = v
		}
	}
	if m, ok := c["metadata"].(map[string]any); ok {
		mm := map[string]any{}
		for k, v := range m {
			if !slices.Contains(ignoredMeta, k) {
				mm[k] = v
			}
		}
		c["metadata"] = mm
	}
	return c
}

// walk calls f for every leaf where a and b differ, with its path.
func walk(path string, a, b any, f func(path string, a, b any)) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			x, inA := av[k]
			y, inB := bv[k]
			p := join(path, k)
			switch {
			case !inA:
				f(p, absent{}, y)
			case !inB:
				f(p, x, absent{})
			default:
				walk(p, x, y, f)
			}
		}
		return
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		for i := 0; i < max(len(av), len(bv)); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(av):
				f(p, absent{}, bv[i])
			case i >= len(bv):
				f(p, av[i], absent{})
			default:
				walk(p, av[i], bv[i], f)
			}
		}
		return
	}
	if !equalJSON(a, b) {
		f(path, a, b)
	}
}

type absent struct{}

func join(path, key string) string {
	if path == "" {
		return key
	}
	if strings.ContainsAny(key, "./") {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	return path + "." + key
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func show(v any) string {
	if _, ok := v.(absent); ok {
		return Absent
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// contains reports whether live holds every field of rendered with the
// same value: maps by key (live may have more), lists element by element
// and of the same length, a null as a field live does not have.
func contains(rendered, live any) bool {
	switch r := rendered.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range r {
			lv, ok := l[k]
			if v == nil {
				if ok && lv != nil {
					return false
				}
				continue
			}
			if !ok || !contains(v, lv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(r) {
			return false
		}
		for i := range r {
			if !contains(r[i], l[i]) {
				return false
			}
		}
		return true
	}
	return equalJSON(rendered, live)
}
