// Package fielderr turns field-path error lists into one Go error. Construct
// props validate with k8s.io/apimachinery's field package, whose errors name
// the field path, the value received and what is allowed.
package fielderr

import (
	"errors"

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
