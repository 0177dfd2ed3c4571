package addon

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FromVariable is the one key of the value form {"fromVariable": "<name>"}
// that a free-form values map (every construct's ExtraValues) may hold in
// place of a secret: the release gets the value of the sensitive Terraform
// variable <name> at deploy time (TF_VAR_<name>), through its
// set_sensitive, and the value never appears in the synthesized JSON.
const FromVariable = "fromVariable"

var variableRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)

// SensitiveValue is a value of a release that a sensitive Terraform
// variable gives at deploy time, in place of a {"fromVariable": ...} value.
type SensitiveValue struct {
	// Path is where the value goes, in Helm's --set syntax (the name of
	// the helm_release's set_sensitive entry), such as
	// "auth.openid.client_secret" or "env[0].value".
	Path string
	// Variable is the sensitive Terraform variable's name.
	Variable string
}

// Reference is the Terraform expression of the variable's value.
func (s SensitiveValue) Reference() string { return "${var." + s.Variable + "}" }

// fromVariable returns the variable name of a {"fromVariable": ...} value,
// and whether v has that key at all.
func fromVariable(v any) (name any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	name, ok = m[FromVariable]
	return name, ok
}

// ValidateValues reports each {"fromVariable": ...} value in values (a
// construct's ExtraValues, at field path fld) that is not exactly that
// one key with a Terraform variable name.
func ValidateValues(fld *field.Path, values map[string]any) field.ErrorList {
	var errs field.ErrorList
	walk(fld, "", values, func(p *field.Path, _ string, _ string, v any) bool {
		name, ok := fromVariable(v)
		if !ok {
			return true
		}
		s, isString := name.(string)
		switch {
		case len(v.(map[string]any)) != 1:
			errs = append(errs, field.Invalid(p, slices.Sorted(maps.Keys(v.(map[string]any))), `a {"fromVariable": "<name>"} value holds that one key only`))
		case !isString || !variableRE.MatchString(s):
			errs = append(errs, field.Invalid(p.Child(FromVariable), name, "must be a Terraform variable name: letters, digits and '_', starting with a letter or '_', at most 64 characters"))
		}
		return false
	})
	return errs
}

// SplitSensitive returns values without their {"fromVariable": ...}
// values, and those values as the release's set_sensitive entries, sorted
// by path: a map entry is left out of the values, a list element becomes
// an empty string that set_sensitive overwrites (so the list keeps its
// length). values is not changed. It fails on a {"fromVariable": ...}
// value that ValidateValues rejects.
func SplitSensitive(values map[string]any) (map[string]any, []SensitiveValue, error) {
	if errs := ValidateValues(field.NewPath("values"), values); len(errs) > 0 {
		return nil, nil, errs.ToAggregate()
	}
	var out []SensitiveValue
	rest := split(values, "", &out).(map[string]any)
	slices.SortFunc(out, func(a, b SensitiveValue) int { return strings.Compare(a.Path, b.Path) })
	return rest, out, nil
}

// split copies v without its fromVariable values (collected into out) at
// the --set path prefix.
func split(v any, prefix string, out *[]SensitiveValue) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			p := setKey(prefix, k)
			if name, ok := fromVariable(e); ok {
				*out = append(*out, SensitiveValue{Path: p, Variable: name.(string)})
				continue
			}
			m[k] = split(e, p, out)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			p := prefix + "[" + strconv.Itoa(i) + "]"
			if name, ok := fromVariable(e); ok {
				*out = append(*out, SensitiveValue{Path: p, Variable: name.(string)})
				l[i] = ""
				continue
			}
			l[i] = split(e, p, out)
		}
		return l
	default:
		return v
	}
}

// setKey appends key k to a --set path, escaping the characters Helm's
// --set syntax gives a meaning.
func setKey(prefix, k string) string {
	var b strings.Builder
	for _, r := range k {
		if strings.ContainsRune(`\.,=[]`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	if prefix == "" {
		return b.String()
	}
	return prefix + "." + b.String()
}

// walk calls f on every value under values with its field path, the key
// that holds it (for a list element, the list's key) and its --set path;
// it descends into maps and lists where f returns true.
func walk(fld *field.Path, prefix string, values map[string]any, f func(p *field.Path, key, set string, v any) bool) {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		walkValue(fieldChild(fld, k), k, setKey(prefix, k), values[k], f)
	}
}

func walkValue(p *field.Path, key, set string, v any, f func(p *field.Path, key, set string, v any) bool) {
	if !f(p, key, set, v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		walk(p, set, x, f)
	case []any:
		for i, e := range x {
			walkValue(p.Index(i), key, set+"["+strconv.Itoa(i)+"]", e, f)
		}
	}
}

// fieldChild is fld's child k, as a key in brackets where a dot in k
// would make the path ambiguous.
func fieldChild(fld *field.Path, k string) *field.Path {
	if k == "" || strings.ContainsAny(k, ".[] ") {
		return fld.Key(k)
	}
	return fld.Child(k)
}

// FieldValues is one free-form values map of a construct's props (an
// ExtraValues) and its field path.
type FieldValues struct {
	// Path is the map's field path, such as
	// context.environments[prod].kiali.extraValues.
	Path *field.Path
	// Values is the map.
	Values map[string]any
}

// CheckSecrets reports each value in fvs whose key names a secret
// (password, passphrase, secret, token, private key, API key,
// credential(s) and their usual spellings, matched by the key's name
// segments: "client_secret", "adminPassword" and "X-Api-Key" are
// secrets, "secretName", "credentialName", "passwordKey" and
// "existingSecret" name one) and holds a literal string or number: an error in a
// production environment, a warning elsewhere, each naming the field path
// and the {"fromVariable": ...} form to use instead. It also reports
// every malformed {"fromVariable": ...} value (ValidateValues) as an
// error.
func CheckSecrets(fvs []FieldValues, production bool) (errs field.ErrorList, warnings []string) {
	for _, fv := range fvs {
		errs = append(errs, ValidateValues(fv.Path, fv.Values)...)
		walk(fv.Path, "", fv.Values, func(p *field.Path, key, _ string, v any) bool {
			if _, ok := fromVariable(v); ok {
				return false
			}
			if !literal(v) || !NamesSecret(key) {
				return true
			}
			how := fmt.Sprintf(`the value is written in plain text into the synthesized JSON (and from there into CI logs, plans and state); give it at deploy time instead: {"%s": "%s"} as the value passes the sensitive Terraform variable %s (TF_VAR_%s when deploying) through the release's set_sensitive`,
				FromVariable, suggestVariable(key), suggestVariable(key), suggestVariable(key))
			if production {
				errs = append(errs, field.Forbidden(p, "a literal secret in a production environment: "+how))
			} else {
				warnings = append(warnings, p.String()+": a literal secret: "+how+"; in a production environment this is an error")
			}
			return true
		})
	}
	return errs, warnings
}

// literal reports whether v is a value a secret could be written as: a
// non-empty string or a number (a PIN, a numeric password).
func literal(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case float64, float32, int, int32, int64, uint, uint32, uint64:
		return true
	}
	return false
}

// secretWords are key name segments that name a secret; secretPairs are
// two segments that do.
var (
	secretWords = []string{"password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "tokens",
		"credential", "credentials", "creds", "apikey", "apikeys", "privatekey", "secretkey", "clientsecret", "accesstoken", "authtoken"}
	secretPairs = [][2]string{{"private", "key"}, {"api", "key"}, {"api", "keys"}, {"secret", "key"}, {"pass", "phrase"}}
	// secretAccessKey is AWS's word for the secret half of an access key
	// (accessKey alone is the key's ID, not a secret).
	secretTriples = [][3]string{{"secret", "access", "key"}, {"secret", "access", "keys"}}
	// referencePrefixes are first segments that make the key refer to a
	// secret kept elsewhere (existingSecret, useExistingSecret).
	referencePrefixes = []string{"existing", "use"}
)

// NamesSecret reports whether a values key names a secret: its last name
// segments (split at '_', '-', '.', spaces and camelCase, case-insensitive)
// are one of the secret words, and its first is not "existing" or "use".
func NamesSecret(key string) bool {
	segs := segments(key)
	if len(segs) == 0 || slices.Contains(referencePrefixes, segs[0]) {
		return false
	}
	last := segs[len(segs)-1]
	if n := len(segs); n >= 3 && slices.Contains(secretTriples, [3]string{segs[n-3], segs[n-2], last}) {
		return true
	}
	if n := len(segs); n >= 2 && slices.Contains(secretPairs, [2]string{segs[n-2], last}) {
		// "passwordSecretKey" is the key of a password in a secret.
		return n == 2 || !slices.Contains(secretWords, segs[n-3])
	}
	return slices.Contains(secretWords, last)
}

// segments splits a key into lowercase name segments.
func segments(key string) []string {
	var out []string
	var cur []rune
	rs := []rune(key)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
			(unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1]))):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// suggestVariable is a Terraform variable name made from a key.
func suggestVariable(key string) string {
	s := strings.Join(segments(key), "_")
	if s == "" || unicode.IsDigit(rune(s[0])) {
		s = "_" + s
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// declareVariables declares, once per stack, the sensitive Terraform
// variables of svs (construct id "fromVariable-<name>" under the stack).
func declareVariables(scope constructs.Construct, svs []SensitiveValue) {
	stack := cdktf.TerraformStack_Of(scope)
	for _, sv := range svs {
		id := jsii.String("fromVariable-" + sv.Variable)
		if stack.Node().TryFindChild(id) != nil {
			continue
		}
		tv := cdktf.NewTerraformVariable(stack, id, &cdktf.TerraformVariableConfig{
			Type:        jsii.String("string"),
			Sensitive:   jsii.Bool(true),
			Nullable:    jsii.Bool(false),
			Description: jsii.String(fmt.Sprintf(`a secret Helm value, {"%s": "%s"} in extraValues (bluegreen); set TF_VAR_%s when deploying`, FromVariable, sv.Variable, sv.Variable)),
		})
		tv.OverrideLogicalId(jsii.String(sv.Variable))
	}
}
