// Package fielderr turns field-path error lists into one Go error, and holds
// the field checks more than one construct makes. Construct
// props validate with k8s.io/apimachinery's field package, whose errors name
// the field path, the value received and what is allowed.
package fielderr

import (
	"errors"

	"k8s.io/apimachinery/pkg/util/validation"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Join returns nil for an empty list, else one error whose text lists every
// problem on its own line.
func Join(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// ObjectNames reports every entry of names, the list at fld, that is not a
// Kubernetes object name (a DNS-1123 subdomain, such as a Secret's) or
// repeats an earlier one.
func ObjectNames(fld *field.Path, names []string) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, n := range names {
		p := fld.Index(i)
		for _, msg := range validation.IsDNS1123Subdomain(n) {
			errs = append(errs, field.Invalid(p, n, msg))
		}
		if seen[n] {
			errs = append(errs, field.Duplicate(p, n))
		}
		seen[n] = true
	}
	return errs
}
