package mesh

import "fmt"

// Severity of a finding.
type Severity string

// Severities. Errors fail synthesis; warnings are printed.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem a check found in the objects an environment will
// create, for either routing API.
type Finding struct {
	// Code is the check's stable code, such as "BG006" or "GW001".
	Code string
	// Severity is Error or Warning.
	Severity Severity
	// Object is "<Kind> <namespace>/<name>".
	Object string
	// Field is the path of the offending field, such as "spec.http[2]".
	Field string
	// Message says what is wrong.
	Message string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s %s: %s", f.Code, f.Severity, f.Object, f.Field, f.Message)
}
