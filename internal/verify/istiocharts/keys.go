package istiocharts

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"helm.sh/helm/v3/pkg/chart"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
)

// defaultsKey wraps the defaults in the values.yaml of Istio's charts. Their
// templates/zzz_profile.yaml takes it out of .Values, merges the chosen
// profile onto it and the user's values onto that, so a user sets "foo",
// never "_internal_defaults_do_not_set.foo".
const defaultsKey = "_internal_defaults_do_not_set"

// UnknownKeyError is a values key that a chart does not know.
type UnknownKeyError struct {
	// Chart is the chart's name.
	Chart string
	// Key is the key's dotted path in the values, such as "pilot.notAKey".
	Key string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("values key %q: chart %s does not know it (not in its values.yaml, values.schema.json, templates or, under meshConfig, Istio's MeshConfig)", e.Key, e.Chart)
}

// CheckKeys reports every key of vals that chart c does not know, each as
// an *UnknownKeyError, joined. A key is known when
//
//   - the chart's values.yaml has it, with the defaults taken out of
//     _internal_defaults_do_not_set as the chart's profile template does;
//     below an empty map there (such as podAnnotations: {}) any key is data;
//   - the chart's values.schema.json declares it (properties,
//     patternProperties, or an additionalProperties schema, below which any
//     key is data); a schema object that declares nothing leaves its keys to
//     values.yaml;
//   - a template or file of the chart reads it as .Values.<path> (the
//     profile keys profile, compatibilityVersion and platform are read so);
//     below a path that templates read but never read into (such as
//     istiod's resources, handed whole to a helper), any key is data;
//   - the chart copies it where it is known: istiod copies "pilot.<key>" to
//     "<key>" (templates/zzy_descope_legacy.yaml), and the gateway chart
//     copies "global.<key>" to "<key>" (templates/zzz_profile.yaml);
//   - it is under meshConfig, which istiod hands to the mesh as Istio's
//     MeshConfig (istio.io/api mesh/v1alpha1), and MeshConfig has the field
//     (map fields and google.protobuf.Struct take any key).
//
// A list is a value: the keys of its items are not checked.
func CheckKeys(c *chart.Chart, vals map[string]any) error {
	k, err := newKnown(c)
	if err != nil {
		return err
	}
	var errs []error
	k.walk(vals, nil, &errs)
	return errors.Join(errs...)
}

// known is what a chart knows.
type known struct {
	chart  string
	tree   map[string]any
	schema map[string]any
	// read holds every .Values path a template or file reads, and each of
	// its prefixes; the value is true for a path that a longer read path
	// extends. A path read but never extended is used whole (as toYaml or a
	// helper such as istiod.resources does): any key below it is data.
	read map[string]bool
	// pilotAlias and globalAlias are the chart's copies of pilot.<key> and
	// global.<key> to <key>.
	pilotAlias, globalAlias bool
}

var (
	// valuesRef matches .Values.a.b, $.Values.a.b and ($.Values).a or
	// (.Values.a).b as the charts write them.
	valuesRef = regexp.MustCompile(`\$?\.Values\)?((?:\)?\.[A-Za-z_][A-Za-z0-9_]*)+)`)
	// pilotCopy is istiod's copy of .Values.pilot onto .Values.
	pilotCopy = regexp.MustCompile(`mustMergeOverwrite \$\.Values \(index \$\.Values "pilot"\)`)
	// globalCopy is the profile template's merge of .Values.global onto the
	// defaults, enabled ("if true") in the charts that flatten globals.
	globalCopy = regexp.MustCompile(`\{\{-?\s*if true\s*\}\}\s*\{\{-?\s*\$a := mustMergeOverwrite \$defaults \(\$profile\.global\) \(\$\.Values\.global`)
)

func newKnown(c *chart.Chart) (*known, error) {
	k := &known{chart: c.Name(), tree: map[string]any{}, read: map[string]bool{}}
	for key, v := range c.Values {
		if key != defaultsKey {
			k.tree[key] = v
		}
	}
	if d, ok := c.Values[defaultsKey].(map[string]any); ok {
		maps.Copy(k.tree, d)
	}
	if len(c.Schema) > 0 {
		if err := json.Unmarshal(c.Schema, &k.schema); err != nil {
			return nil, fmt.Errorf("chart %s: values.schema.json: %w", k.chart, err)
		}
	}
	var files []*chart.File
	files = append(files, c.Templates...)
	files = append(files, c.Files...)
	for _, f := range files {
		s := string(f.Data)
		for _, m := range valuesRef.FindAllStringSubmatch(s, -1) {
			p := strings.Split(strings.TrimPrefix(strings.ReplaceAll(m[1], ")", ""), "."), ".")
			for i := range p {
				key := strings.Join(p[:i+1], ".")
				k.read[key] = k.read[key] || i < len(p)-1
			}
		}
		k.pilotAlias = k.pilotAlias || pilotCopy.MatchString(s)
		k.globalAlias = k.globalAlias || globalCopy.MatchString(s)
	}
	return k, nil
}

// walk checks the keys of vals at path prefix, descending into maps until
// a key is unknown or everything below it is data.
func (k *known) walk(vals map[string]any, prefix []string, errs *[]error) {
	for _, key := range slices.Sorted(maps.Keys(vals)) {
		p := append(slices.Clip(prefix), key)
		ok, free := k.knows(p)
		if !ok {
			*errs = append(*errs, &UnknownKeyError{Chart: k.chart, Key: strings.Join(p, ".")})
			continue
		}
		if sub, isMap := vals[key].(map[string]any); isMap && !free {
			k.walk(sub, p, errs)
		}
	}
}

// knows reports whether the chart knows path p and whether any key below
// it is data (free).
func (k *known) knows(p []string) (ok, free bool) {
	if ok, free = k.direct(p); ok {
		return ok, free
	}
	if k.pilotAlias && len(p) > 1 && p[0] == "pilot" {
		return k.direct(p[1:])
	}
	if k.globalAlias && len(p) > 1 && p[0] == "global" {
		return k.direct(p[1:])
	}
	return false, false
}

// direct is knows without the chart's copies.
func (k *known) direct(p []string) (ok, free bool) {
	if p[0] == "meshConfig" && k.tree["meshConfig"] != nil {
		// MeshConfig decides: the templates hand meshConfig whole to the
		// mesh ConfigMap, and istiod reads it as MeshConfig.
		if len(p) == 1 {
			return true, false
		}
		return meshConfigKnows((&meshv1alpha1.MeshConfig{}).ProtoReflect().Descriptor(), p[1:])
	}
	ok1, free1 := treeKnows(k.tree, p)
	ok2, free2 := schemaKnows(k.schema, k.schema, p)
	extended, read := k.read[strings.Join(p, ".")]
	return ok1 || ok2 || read, free1 || free2 || (read && !extended)
}

// treeKnows walks values.yaml.
func treeKnows(tree map[string]any, p []string) (ok, free bool) {
	m := tree
	for i, key := range p {
		if len(m) == 0 {
			return true, true // an empty map holds data
		}
		v, has := m[key]
		if !has {
			return false, false
		}
		if i == len(p)-1 {
			sub, isMap := v.(map[string]any)
			return true, isMap && len(sub) == 0
		}
		if m, has = v.(map[string]any); !has {
			return false, false
		}
	}
	return false, false
}

// schemaKnows walks a JSON schema from node s; root resolves "#/..." refs.
func schemaKnows(root, s map[string]any, p []string) (ok, free bool) {
	for _, key := range p {
		s = resolve(root, s)
		if s == nil {
			return false, false
		}
		next, declared := child(s, key)
		if !declared {
			return false, false
		}
		if next == nil {
			return true, true // additionalProperties: true
		}
		s = next
		if _, isMap := s["additionalProperties"].(map[string]any); isMap && s["properties"] == nil {
			return true, true
		}
	}
	return s != nil, false
}

// child returns the schema of key under object schema s.
func child(s map[string]any, key string) (map[string]any, bool) {
	if props, ok := s["properties"].(map[string]any); ok {
		if c, ok := props[key].(map[string]any); ok {
			return c, true
		}
	}
	if pp, ok := s["patternProperties"].(map[string]any); ok {
		for pat, c := range pp {
			if re, err := regexp.Compile(pat); err == nil && re.MatchString(key) {
				m, _ := c.(map[string]any)
				return m, true
			}
		}
	}
	switch ap := s["additionalProperties"].(type) {
	case map[string]any:
		return ap, true
	case bool:
		return nil, ap
	}
	return nil, false
}

// resolve follows a local $ref ("#/$defs/values").
func resolve(root, s map[string]any) map[string]any {
	for i := 0; s != nil && i < 16; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		node := any(root)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := node.(map[string]any)
			node = m[part]
		}
		s, _ = node.(map[string]any)
	}
	return s
}

// meshConfigKnows walks Istio's MeshConfig (and the messages it holds) by
// JSON or proto field name.
func meshConfigKnows(md protoreflect.MessageDescriptor, p []string) (ok, free bool) {
	for i, key := range p {
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(key))
		}
		if fd == nil {
			return false, false
		}
		if fd.IsMap() {
			return true, true
		}
		msg := fd.Message()
		if msg != nil && !fd.IsList() {
			switch msg.FullName() {
			case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.Any":
				return true, true
			}
		}
		if i == len(p)-1 {
			return true, false
		}
		if msg == nil || fd.IsList() {
			return false, false
		}
		md = msg
	}
	return false, false
}
