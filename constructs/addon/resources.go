package addon

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/secretv1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Namespace is a Kubernetes namespace a construct creates
// (kubernetes_namespace_v1), as it computes it from its props.
type Namespace struct {
	// ID is the resource's construct id under its construct.
	ID string
	// Name is the namespace's name.
	Name string
	// Labels and Annotations are the namespace's; none when empty.
	Labels, Annotations map[string]string
	// Order says what the namespace is created after.
	Order
}

// Variable is a sensitive Terraform variable a construct declares: its
// value is given only at deploy time (TF_VAR_<Name>), so it never appears
// in the synthesized JSON.
type Variable struct {
	// ID is the variable's construct id under its construct.
	ID string
	// Name is the variable's name (its logical id).
	Name string
	// Description says what it holds.
	Description string
}

// Reference is the Terraform expression that stands for the variable's
// value, as the synthesized JSON carries it.
func (v Variable) Reference() string { return "${var." + v.Name + "}" }

// Secret is a Kubernetes secret a construct creates (kubernetes_secret_v1),
// as it computes it from its props. The values of its sensitive entries are
// Terraform variables, never plain text.
type Secret struct {
	// ID is the resource's construct id under its construct.
	ID string
	// Name and Namespace are the secret's.
	Name, Namespace string
	// Data are its entries whose values are not secret (such as a user
	// name).
	Data map[string]string
	// Sensitive are its entries whose values are the sensitive variable
	// given, by key.
	Sensitive map[string]Variable
	// Order says what the secret is created after.
	Order
}

// Order says what a construct's resource is created after.
type Order struct {
	// After are the IDs of the construct's own resources it is created
	// after, in the order its depends_on lists them; the entry Upstream
	// stands for the resources of the constructs its construct depends on
	// (as the construct's New documents: the control plane's releases for
	// Kiali, for example). Default: none.
	After []string
}

// Upstream, in Order.After, stands for the upstream resources of the
// construct (those its Installer is given).
const Upstream = "<upstream>"

// Resources are everything a construct creates, as it computes them from
// its props: its construct's New creates exactly these (Installer.Create).
type Resources struct {
	// Namespaces are created first, then Secrets, then Releases, each in
	// order.
	Namespaces []Namespace
	Secrets    []Secret
	Releases   []Release
}

// Variables are the sensitive variables of the secret's entries, sorted
// by name.
func (s Secret) Variables() []Variable {
	out := slices.Collect(maps.Values(s.Sensitive))
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Attributes are the kubernetes_namespace_v1's Terraform attributes as
// CreateNamespace writes them (depends_on aside), in the synthesized JSON's
// types.
func (n Namespace) Attributes() map[string]any {
	md := map[string]any{"name": n.Name}
	if len(n.Labels) > 0 {
		md["labels"] = jsonStrings(n.Labels)
	}
	if len(n.Annotations) > 0 {
		md["annotations"] = jsonStrings(n.Annotations)
	}
	return map[string]any{"metadata": md}
}

// Attributes are the kubernetes_secret_v1's Terraform attributes as
// CreateSecret writes them (depends_on aside), in the synthesized JSON's
// types: each sensitive entry's value is its variable's reference.
func (s Secret) Attributes() map[string]any {
	data := jsonStrings(s.Data)
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range s.Sensitive {
		data[k] = v.Reference()
	}
	return map[string]any{
		"metadata": map[string]any{"name": s.Name, "namespace": s.Namespace},
		"data":     data,
	}
}

// Attributes are the helm_release's Terraform attributes as Install writes
// them (depends_on aside), in the synthesized JSON's types: name,
// namespace, the values document, set_sensitive (SplitSensitive), the
// flags set, and for a chart from a
// repository chart, repository and version. A local or folder chart's
// chart attribute is the path of its asset in the stack, which only
// synthesis knows, and is left out.
func (r Release) Attributes() (map[string]any, error) {
	out := map[string]any{"name": r.Name, "namespace": r.Namespace}
	values, sensitive, err := SplitSensitive(r.Values)
	if err != nil {
		return nil, fmt.Errorf("values of release %s: %w", r.Name, err)
	}
	if len(values) > 0 {
		doc, err := YAML(values)
		if err != nil {
			return nil, fmt.Errorf("values of release %s: %w", r.Name, err)
		}
		out["values"] = []any{doc}
	}
	if len(sensitive) > 0 {
		sets := make([]any, len(sensitive))
		for i, sv := range sensitive {
			sets[i] = map[string]any{"name": sv.Path, "value": sv.Reference(), "type": "string"}
		}
		out["set_sensitive"] = sets
	}
	f := r.Flags
	for k, on := range map[string]bool{"atomic": f.Atomic, "wait": f.Wait, "wait_for_jobs": f.WaitForJobs, "cleanup_on_fail": f.CleanupOnFail} {
		if on {
			out[k] = true
		}
	}
	if f.TimeoutSeconds > 0 {
		out["timeout"] = float64(f.TimeoutSeconds)
	}
	if f.MaxHistory > 0 {
		out["max_history"] = float64(f.MaxHistory)
	}
	if c := r.Chart; c.Local == "" && c.Dir == "" {
		out["chart"], out["repository"], out["version"] = c.Name, c.Repository, c.Version
	}
	return out, nil
}

func jsonStrings(m map[string]string) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// CreateNamespace creates the kubernetes_namespace_v1 of n under scope,
// after dependsOn (nil entries are skipped).
func CreateNamespace(scope constructs.Construct, n Namespace, dependsOn ...cdktf.ITerraformDependable) namespacev1.NamespaceV1 {
	cfg := &namespacev1.NamespaceV1Config{
		Metadata: &namespacev1.NamespaceV1Metadata{
			Name:        jsii.String(n.Name),
			Labels:      StringMap(n.Labels),
			Annotations: StringMap(n.Annotations),
		},
	}
	if deps := dependables(dependsOn); len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	return namespacev1.NewNamespaceV1(scope, jsii.String(n.ID), cfg)
}

// CreateSecret creates the kubernetes_secret_v1 of s under scope, and the
// sensitive variables its entries hold, after dependsOn (nil entries are
// skipped).
func CreateSecret(scope constructs.Construct, s Secret, dependsOn ...cdktf.ITerraformDependable) secretv1.SecretV1 {
	data := map[string]*string{}
	for k, v := range s.Data {
		data[k] = jsii.String(v)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Sensitive)) {
		data[k] = variable(scope, s.Sensitive[k])
	}
	cfg := &secretv1.SecretV1Config{
		Metadata: &secretv1.SecretV1Metadata{Name: jsii.String(s.Name), Namespace: jsii.String(s.Namespace)},
		Data:     &data,
	}
	if deps := dependables(dependsOn); len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	return secretv1.NewSecretV1(scope, jsii.String(s.ID), cfg)
}

// variable declares the sensitive Terraform variable v under scope and
// returns a reference to its value.
func variable(scope constructs.Construct, v Variable) *string {
	tv := cdktf.NewTerraformVariable(scope, jsii.String(v.ID), &cdktf.TerraformVariableConfig{
		Type:        jsii.String("string"),
		Sensitive:   jsii.Bool(true),
		Nullable:    jsii.Bool(false),
		Description: jsii.String(v.Description),
	})
	tv.OverrideLogicalId(jsii.String(v.Name))
	return tv.StringValue()
}

func dependables(ds []cdktf.ITerraformDependable) []cdktf.ITerraformDependable {
	var out []cdktf.ITerraformDependable
	for _, d := range ds {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}
