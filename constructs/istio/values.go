package istio

import (
	"maps"
	"slices"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

// helmProfile is the value of the base and istiod charts' "profile" key:
// "ambient" with the ambient data plane (validation keeps demo and preview
// out of it), else the Profile where the Helm charts ship a profile file
// (demo and preview only).
func (p Props) helmProfile() string {
	if p.Dataplane == DataplaneAmbient {
		return ProfileAmbient
	}
	return p.gatewayProfile()
}

// gatewayProfile is the gateway chart's "profile": Istio's ambient Helm
// install sets no profile on the gateway, so it is the Profile's.
func (p Props) gatewayProfile() string {
	switch p.Profile {
	case ProfileDemo, ProfilePreview:
		return p.Profile
	}
	return ""
}

// sailProfile is the Istio resource's spec.profile: the Sail Operator has
// a "default" profile, and "minimal" is the default control plane.
func (p Props) sailProfile() string {
	if p.Dataplane == DataplaneAmbient {
		return ProfileAmbient
	}
	if p.Profile == ProfileMinimal {
		return ProfileDefault
	}
	return p.Profile
}

// values renders r as Kubernetes resource requirements, leaving out what
// is unset.
func (r Resources) values() map[string]any {
	out := map[string]any{}
	for _, l := range []struct {
		name string
		list ResourceList
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		m := map[string]any{}
		if l.list.CPU != "" {
			m["cpu"] = l.list.CPU
		}
		if l.list.Memory != "" {
			m["memory"] = l.list.Memory
		}
		if len(m) > 0 {
			out[l.name] = m
		}
	}
	return out
}

// ControlPlaneValues are istiod's values as the props say, in the shape
// both of the istiod chart and of the Sail Operator's spec.values, with
// ExtraValues.Istiod merged last. The install modes add only what each
// carries elsewhere: the helm mode adds "revision" and "profile", which the
// Istio resource carries as its name and spec.profile.
func (p Props) ControlPlaneValues() map[string]any {
	p = p.WithDefaults()
	mesh := map[string]any{
		"outboundTrafficPolicy": map[string]any{"mode": p.MeshConfig.OutboundTrafficPolicy},
	}
	if p.MeshConfig.AccessLogFile != "" {
		mesh["accessLogFile"] = p.MeshConfig.AccessLogFile
	}
	if p.MeshConfig.AccessLogEncoding != "" {
		mesh["accessLogEncoding"] = p.MeshConfig.AccessLogEncoding
	}
	global := map[string]any{
		"istioNamespace": p.Namespace,
		// Set explicitly, so that no chart default can name a registry
		// Istio has retired.
		"hub": p.Hub,
		"tag": p.Version,
	}
	if len(p.ImagePullSecrets) > 0 {
		global["imagePullSecrets"] = p.pullSecretNames()
	}
	v := map[string]any{
		"global":     global,
		"meshConfig": mesh,
	}
	if r := p.Pilot.Resources.values(); len(r) > 0 {
		v["pilot"] = map[string]any{"resources": r}
	}
	return addon.MergeValues(v, p.ExtraValues.Istiod)
}

// istiodValues are the istiod release's values (helm mode).
func (p Props) istiodValues() map[string]any {
	v := p.ControlPlaneValues()
	extra := map[string]any{}
	if p.Revision != "" {
		extra["revision"] = p.Revision
	}
	if prof := p.helmProfile(); prof != "" {
		extra["profile"] = prof
	}
	// The props' own choices first, then ExtraValues.Istiod again, so the
	// escape hatch wins over these too.
	return addon.MergeValues(addon.MergeValues(v, extra), p.ExtraValues.Istiod)
}

// baseValues are the base release's values (helm mode). The CRDs are
// rendered as templates so that upgrading the release upgrades them (Helm
// never upgrades a chart's crds/ folder), and they carry
// helm.sh/resource-policy: keep in the chart, so they outlive an uninstall.
func (p Props) baseValues() map[string]any {
	def := p.Revision
	if def == "" {
		def = "default"
	}
	global := map[string]any{"istioNamespace": p.Namespace}
	if len(p.ImagePullSecrets) > 0 {
		global["imagePullSecrets"] = p.pullSecretNames()
	}
	v := map[string]any{
		"defaultRevision": def,
		"base":            map[string]any{"enableCRDTemplates": true},
		"global":          global,
	}
	if prof := p.helmProfile(); prof != "" {
		v["profile"] = prof
	}
	return addon.MergeValues(v, p.ExtraValues.Base)
}

// gatewayValues are the gateway release's values (either mode).
func (p Props) gatewayValues() map[string]any {
	g := p.IngressGateway
	ports := make([]any, len(g.Ports))
	for i, port := range g.Ports {
		ports[i] = map[string]any{"name": port.Name, "port": port.Port, "targetPort": port.TargetPort, "protocol": port.Protocol}
	}
	service := map[string]any{"type": g.ServiceType, "ports": ports}
	if len(g.ServiceAnnotations) > 0 {
		annotations := map[string]any{}
		for k, v := range g.ServiceAnnotations {
			annotations[k] = v
		}
		service["annotations"] = annotations
	}
	v := map[string]any{
		"name":    g.Name,
		"service": service,
		"autoscaling": map[string]any{
			"enabled": *g.Autoscaling.Enabled,
		},
	}
	if *g.Autoscaling.Enabled {
		a := v["autoscaling"].(map[string]any)
		a["minReplicas"] = g.Autoscaling.MinReplicas
		a["maxReplicas"] = g.Autoscaling.MaxReplicas
	} else {
		v["replicaCount"] = g.Replicas
	}
	if rev := p.InjectionRevision(); rev != "" {
		v["revision"] = rev
	}
	if len(p.ImagePullSecrets) > 0 {
		// The gateway's proxy image is injected by istiod, from istiod's
		// global.hub; the pull secrets go on the gateway's pods.
		v["imagePullSecrets"] = p.pullSecrets()
	}
	if r := g.Resources.values(); len(r) > 0 {
		v["resources"] = r
	}
	if prof := p.gatewayProfile(); prof != "" {
		v["profile"] = prof
	}
	return addon.MergeValues(v, p.ExtraValues.Gateway)
}

// cniValues are the cni release's values (helm mode, ambient data plane):
// the ambient profile (which turns on cni.ambient.enabled), and images as
// istiod's. The chart reads the hub, tag and pull secrets under global.
func (p Props) cniValues() map[string]any {
	v := map[string]any{"profile": ProfileAmbient, "global": p.imageGlobals()}
	if p.Revision != "" {
		v["revision"] = p.Revision
	}
	return addon.MergeValues(v, p.ExtraValues.CNI)
}

// ztunnelValues are the ztunnel release's values (helm mode, ambient data
// plane). Unlike the other charts, ztunnel reads the hub, tag and pull
// secret names at the top level, and finds istiod through istioNamespace
// and revision.
func (p Props) ztunnelValues() map[string]any {
	v := map[string]any{
		"profile":        ProfileAmbient,
		"hub":            p.Hub,
		"tag":            p.Version,
		"istioNamespace": p.Namespace,
	}
	if len(p.ImagePullSecrets) > 0 {
		v["imagePullSecrets"] = p.pullSecretNames()
	}
	if p.Revision != "" {
		v["revision"] = p.Revision
	}
	return addon.MergeValues(v, p.ExtraValues.Ztunnel)
}

// sailResourceValues are the values of the local chart
// istio-sail-controlplane, which renders the Istio resource and, with the
// ambient data plane, the IstioCNI and ZTunnel resources. All three live in
// the control plane's namespace, as Istio's ambient Helm install puts istiod,
// cni and ztunnel together.
func (p Props) sailResourceValues() map[string]any {
	v := map[string]any{
		"name":           p.ResourceName(),
		"version":        "v" + p.Version,
		"namespace":      p.Namespace,
		"profile":        p.sailProfile(),
		"updateStrategy": map[string]any{"type": p.Operator.UpdateStrategy},
		"values":         p.ControlPlaneValues(),
	}
	if p.Dataplane == DataplaneAmbient {
		v["cni"] = map[string]any{"namespace": p.Namespace, "values": p.sailCNIValues()}
		v["ztunnel"] = map[string]any{"namespace": p.Namespace, "values": p.sailZtunnelValues()}
	}
	return v
}

// imageGlobals are the image settings Istio's charts (and the Sail
// Operator's resources) read under global: hub, tag and pull secret names.
func (p Props) imageGlobals() map[string]any {
	global := map[string]any{"hub": p.Hub, "tag": p.Version}
	if len(p.ImagePullSecrets) > 0 {
		global["imagePullSecrets"] = p.pullSecretNames()
	}
	return global
}

// sailCNIValues are the spec.values of the Sail Operator's IstioCNI
// resource (operator mode, ambient data plane). The resource takes the cni
// chart's settings in the Sail Operator's own shape (global and cni); the
// ambient profile is its spec.profile.
func (p Props) sailCNIValues() map[string]any {
	return addon.MergeValues(map[string]any{"global": p.imageGlobals()}, p.ExtraValues.CNI)
}

// sailZtunnelValues are the spec.values of the Sail Operator's ZTunnel
// resource (operator mode, ambient data plane): images under global, and
// under ztunnel where istiod is (its namespace, and its revision when the
// control plane has one), as ztunnelValues gives the chart in helm mode.
// The resource's targetRef would copy these from the Istio resource, but
// it appeared only in the Sail Operator 1.30, so they are set explicitly.
func (p Props) sailZtunnelValues() map[string]any {
	zt := map[string]any{"istioNamespace": p.Namespace}
	if rev := p.InjectionRevision(); rev != "" {
		zt["revision"] = rev
	}
	return addon.MergeValues(map[string]any{"global": p.imageGlobals(), "ztunnel": zt}, p.ExtraValues.Ztunnel)
}

// pullSecretNames renders ImagePullSecrets as Istio's
// global.imagePullSecrets, a list of secret names.
func (p Props) pullSecretNames() []any {
	out := make([]any, len(p.ImagePullSecrets))
	for i, s := range p.ImagePullSecrets {
		out[i] = s
	}
	return out
}

// pullSecrets renders ImagePullSecrets as a pod's imagePullSecrets, as the
// gateway chart takes them: a list of {name: <secret>}.
func (p Props) pullSecrets() []any {
	out := make([]any, len(p.ImagePullSecrets))
	for i, s := range p.ImagePullSecrets {
		out[i] = map[string]any{"name": s}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
