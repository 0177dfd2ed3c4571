package config

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/istio"
)

// extraValues are the free-form values maps of the environment (every
// construct's extraValues), with their field paths under p.
func (e Environment) extraValues(p *field.Path) []addon.FieldValues {
	var out []addon.FieldValues
	add := func(p *field.Path, v map[string]any) {
		if len(v) > 0 {
			out = append(out, addon.FieldValues{Path: p, Values: v})
		}
	}
	ip := p.Child("istio", "extraValues")
	x := e.Istio.ExtraValues
	add(ip.Child("base"), x.Base)
	add(ip.Child("istiod"), x.Istiod)
	add(ip.Child("gateway"), x.Gateway)
	add(ip.Child("cni"), x.CNI)
	add(ip.Child("ztunnel"), x.Ztunnel)
	add(ip.Child("sailOperator"), x.SailOperator)
	kp := p.Child("kiali")
	add(kp.Child("extraValues"), e.Kiali.ExtraValues)
	add(kp.Child("prometheus", "extraValues"), e.Kiali.Prometheus.ExtraValues)
	add(kp.Child("grafana", "extraValues"), e.Kiali.Grafana.ExtraValues)
	add(p.Child("namespace", "extraValues"), e.Namespace.ExtraValues)
	for _, a := range e.Apps() {
		ap, rp := a.paths(p)
		add(ap.Child("serviceExtraValues"), a.App.ServiceExtraValues)
		for _, c := range bluegreen.Colours {
			add(ap.Child("releases").Key(c).Child("extraValues"), a.App.Releases[c].ExtraValues)
		}
		for _, role := range sortedKeys(a.Routing.ExtraValues) {
			add(rp.Child("extraValues").Key(role), a.Routing.ExtraValues[role])
		}
	}
	return out
}

// secretProblems are the errors and warnings of literal secrets and
// malformed {"fromVariable": ...} values in the environment's extraValues
// (addon.CheckSecrets: a literal secret is an error in production, a
// warning elsewhere), of a fromVariable that names a variable one of
// Kiali's typed secrets declares, and of a fromVariable in values the Sail
// Operator's resources take (operator mode), which no set_sensitive reaches.
func (e Environment) secretProblems(p *field.Path) (field.ErrorList, []string) {
	fvs := e.extraValues(p)
	errs, warnings := addon.CheckSecrets(fvs, e.Production)
	typed := map[string]string{}
	if o := e.Kiali.Auth.OpenID.ClientSecretVariable; o != "" {
		typed[o] = "kiali.auth.openid.clientSecretVariable"
	}
	if g := e.Kiali.Grafana.AdminPasswordVariable; g != "" {
		typed[g] = "kiali.grafana.adminPasswordVariable"
	}
	// In operator mode istiod's, cni's and ztunnel's values go into the
	// Sail Operator's resources (spec.values), not a helm_release, so a
	// fromVariable there has no set_sensitive to go through.
	operatorValues := map[string]bool{}
	if e.Istio.InstallMode == istio.ModeOperator {
		for _, c := range []string{"istiod", "cni", "ztunnel"} {
			operatorValues[p.Child("istio", "extraValues", c).String()] = true
		}
	}
	for _, fv := range fvs {
		_, sensitive, err := addon.SplitSensitive(fv.Values)
		if err != nil {
			continue // reported by CheckSecrets
		}
		for _, sv := range sensitive {
			if operatorValues[fv.Path.String()] {
				errs = append(errs, field.Invalid(fv.Path.Child(sv.Path, addon.FromVariable), sv.Variable,
					`istio.installMode "operator" writes these values into the Sail Operator's resources, not a Helm release, so they cannot take a value from a sensitive variable`))
				continue
			}
			if f, ok := typed[sv.Variable]; ok {
				errs = append(errs, field.Invalid(fv.Path.Child(sv.Path, addon.FromVariable), sv.Variable, "is the variable "+f+" names; give each secret its own variable"))
			}
		}
	}
	return errs, warnings
}
