package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// checkShape walks a decoded JSON value against the Go type it will be
// decoded into and reports every member that the type does not have and every
// value of the wrong JSON kind, each with its full field path. encoding/json
// stops at the first unknown field and does not say where it was; a typo deep
// in one environment must be named exactly, together with every other problem.
func checkShape(v any, t reflect.Type, p *field.Path) field.ErrorList {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || t == rawMessageType || t.Kind() == reflect.Interface {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// The type decodes itself (for example Istio's protobuf messages,
		// which reject unknown fields on their own).
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be an object")}
		}
		fields := jsonFields(t)
		var forbidden map[string]string
		if fm, ok := reflect.Zero(t).Interface().(interface{ forbiddenMembers() map[string]string }); ok {
			forbidden = fm.forbiddenMembers()
			for k := range forbidden {
				delete(fields, k)
			}
		}
		var errs field.ErrorList
		for _, key := range sortedKeys(obj) {
			if why, ok := forbidden[key]; ok {
				errs = append(errs, field.Forbidden(p.Child(key), why))
				continue
			}
			f, ok := fields[key]
			if !ok {
				errs = append(errs, field.Invalid(p.Child(key), key,
					"unknown field (a typo?); allowed: "+strings.Join(sortedKeys(fields), ", ")))
				continue
			}
			errs = append(errs, checkShape(obj[key], f.Type, p.Child(key))...)
		}
		return errs
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be an object")}
		}
		var errs field.ErrorList
		for _, key := range sortedKeys(obj) {
			errs = append(errs, checkShape(obj[key], t.Elem(), p.Key(key))...)
		}
		return errs
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be a list")}
		}
		var errs field.ErrorList
		for i, item := range arr {
			errs = append(errs, checkShape(item, t.Elem(), p.Index(i))...)
		}
		return errs
	case reflect.String:
		if _, ok := v.(string); !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be a string")}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be true or false")}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be a whole number")}
		}
		if _, err := n.Int64(); err != nil {
			return field.ErrorList{field.TypeInvalid(p, n.String(), "must be a whole number")}
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return field.ErrorList{field.TypeInvalid(p, v, "must be a number")}
		}
	default:
		panic(fmt.Sprintf("config: checkShape does not handle %s at %s", t, p))
	}
	return nil
}

// jsonFields maps the JSON member names of a struct to its fields, following
// embedded structs as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
