package istio

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// DefaultVersion is the Istio release installed when Props.Version is empty:
// Istio 1.31.1 (released 2026-09-21, istio.io/news/releases/1.31.x), the
// newest patch of the newest supported minor release; patch releases carry
// the security fixes. Istio 1.31 is supported until six weeks after Istio
// 1.33 is released (expected in the first quarter of 2027; see
// SupportEnds). Its charts' version and image tag are this version. The
// offline analyzer (tools/go.mod) and the istiod of the tests stay at
// Istio 1.31.0 (internal/verify/istiocharts.Release), the newest 1.31 patch whose
// exact source the Go module proxy serves; the proxy does not serve
// 1.31.1's.
const DefaultVersion = "1.31.1"

// KubernetesSupport lists, per Istio minor release, the Kubernetes minor
// versions it supports. The rows for 1.28 to 1.30 are Istio's published
// support table (istio.io, "Supported Releases"). The 1.31 row starts at
// the floor the pinned release itself enforces (istioctl's
// k8sversion.MinK8SVersion is 32 at commit eed52ebb66ad) and ends at the
// newest Kubernetes minor EKS offers. Keep it in step with DefaultVersion
// and with the EKS versions the cluster construct accepts.
var KubernetesSupport = map[string][]string{
	"1.28": {"1.30", "1.31", "1.32", "1.33", "1.34"},
	"1.29": {"1.31", "1.32", "1.33", "1.34", "1.35"},
	"1.30": {"1.32", "1.33", "1.34", "1.35", "1.36"},
	"1.31": {"1.32", "1.33", "1.34", "1.35", "1.36"},
}

// DefaultSailOperatorVersion is the Sail Operator chart installed in operator
// mode. Sail Operator versions follow Istio's, and the Sail Operator's
// first 1.31 release is 1.31.1: its release-1.31 branch moved VERSION to
// 1.31.1 and supports Istio 1.31.0 and 1.31.1 (istio-ecosystem/sail-operator
// #2343 and #2362, September 2026), and no Sail Operator 1.31.0 was
// published. It is supported as long as Istio 1.31.
const DefaultSailOperatorVersion = "1.31.1"

// Install modes.
const (
	// ModeHelm installs Istio's base, istiod and gateway charts.
	ModeHelm = "helm"
	// ModeOperator installs the Sail Operator and an Istio resource.
	ModeOperator = "operator"
)

// Profiles. Istio's Helm charts have no "default" or "minimal" profile
// file: "default" is the charts' own defaults, and "minimal" is the default
// control plane without an ingress gateway (as istioctl's minimal profile).
const (
	ProfileDefault = "default"
	ProfileDemo    = "demo"
	ProfileMinimal = "minimal"
	ProfilePreview = "preview"
)

// Data planes. In "sidecar" mode every app pod gets an Envoy sidecar; in
// "ambient" mode (Istio's sidecarless data plane) the node-level ztunnel
// carries the pods' traffic (L4, mutual TLS) and a waypoint proxy per
// namespace applies L7 routing.
const (
	DataplaneSidecar = "sidecar"
	DataplaneAmbient = "ambient"
)

// ProfileAmbient is the Helm profile of Istio's base, istiod, cni and
// ztunnel charts that turns ambient mode on (each chart's
// files/profile-ambient.yaml in Istio 1.31).
const ProfileAmbient = "ambient"

// Update strategies of the Sail Operator's Istio resource.
const (
	UpdateInPlace       = "InPlace"
	UpdateRevisionBased = "RevisionBased"
)

// Outbound traffic policies of the mesh config.
const (
	OutboundAllowAny     = "ALLOW_ANY"
	OutboundRegistryOnly = "REGISTRY_ONLY"
)

var (
	installModes     = []string{ModeHelm, ModeOperator}
	dataplanes       = []string{DataplaneSidecar, DataplaneAmbient}
	profiles         = []string{ProfileDefault, ProfileDemo, ProfileMinimal, ProfilePreview}
	updateStrategies = []string{UpdateInPlace, UpdateRevisionBased}
	outboundPolicies = []string{OutboundAllowAny, OutboundRegistryOnly}
	accessLogFormats = []string{"TEXT", "JSON"}
	serviceTypes     = []string{"LoadBalancer", "NodePort", "ClusterIP"}
	protocols        = []string{"TCP", "UDP", "SCTP"}

	versionRE = regexp.MustCompile(`^1\.([0-9]+)\.([0-9]+)$`)
	minorRE   = regexp.MustCompile(`^1\.[0-9]+$`)
	semverRE  = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	// hubRE is a registry host (with an optional port) and a repository
	// path, without scheme, tag or digest.
	hubRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
)

// Props configure a ControlPlane. The zero value of every optional field
// means its default.
type Props struct {
	// KubernetesVersion is the cluster's Kubernetes minor version, such as
	// "1.33", for the compatibility check against KubernetesSupport.
	// Default: "" (no check).
	KubernetesVersion string `json:"-"`
	// InstallMode is "helm" (Istio's Helm charts) or "operator" (the Sail
	// Operator and an Istio resource). Default: "helm".
	InstallMode string `json:"installMode"`
	// Version is the Istio release, such as "1.31.1"; its minor release
	// must support KubernetesVersion (see KubernetesSupport).
	// Default: DefaultVersion.
	Version string `json:"version"`
	// Profile is the configuration profile: "default", "demo" (lower
	// resources, access log on, 100% tracing: for trying things out),
	// "minimal" (no ingress gateway) or "preview". Default: "default".
	Profile string `json:"profile"`
	// Namespace is the control plane's namespace, created by the construct.
	// Default: "istio-system".
	Namespace string `json:"namespace"`
	// Revision names the control plane, so that a second one can be
	// installed beside it for a canary upgrade; namespaces then select it
	// with istio.io/rev=<revision>. A DNS-1123 label. Default: "" (the
	// default revision, selected with istio-injection=enabled).
	Revision string `json:"revision"`
	// Dataplane is "sidecar" (an Envoy sidecar in every app pod) or
	// "ambient" (no sidecars: in helm mode Istio's cni and ztunnel charts
	// are installed after istiod, in operator mode the Sail Operator's
	// IstioCNI and ZTunnel resources sit beside its Istio resource; the
	// control plane gets the ambient profile, and the app namespace is
	// enrolled with istio.io/dataplane-mode=ambient and gets a waypoint).
	// Ambient needs the Gateway API CRDs (see NeedsGatewayAPICRDs).
	// Default: "sidecar".
	Dataplane string `json:"dataplane"`
	// Pilot configures istiod.
	Pilot Pilot `json:"pilot"`
	// MeshConfig is the mesh-wide configuration.
	MeshConfig MeshConfig `json:"meshConfig"`
	// IngressGateway is the ingress gateway deployment.
	IngressGateway IngressGateway `json:"ingressGateway"`
	// Charts is where Istio's base, istiod and gateway charts (and, with
	// the ambient data plane, cni and ztunnel) come from (the Sail
	// Operator's chart has its own source, Operator.Chart).
	// Default: ChartRepository.
	Charts ChartSource `json:"charts"`
	// Hub is the registry path Istio's images are pulled from (global.hub;
	// the tag is Version), such as a private mirror
	// "registry.example.com/istio". Default: DefaultHub.
	Hub string `json:"hub"`
	// ImagePullSecrets name Kubernetes secrets of type
	// kubernetes.io/dockerconfigjson, in each Istio namespace, that
	// Istio's pods use to pull images from a private Hub
	// (global.imagePullSecrets, and the gateway's imagePullSecrets).
	// Default: none.
	ImagePullSecrets []string `json:"imagePullSecrets"`
	// Operator configures the Sail Operator. Only for InstallMode
	// "operator".
	Operator Operator `json:"operator"`
	// TimeoutSeconds is how long each Helm release may take to become
	// ready before the apply fails (and an atomic release rolls back).
	// Default: 600.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// ExtraValues are Helm values deep-merged last into each chart's values
	// (Helm's rules: maps merge, anything else replaces, null deletes).
	// Default: none.
	ExtraValues ExtraValues `json:"extraValues"`
}

// Pilot configures istiod.
type Pilot struct {
	// Resources are istiod's container resources. The walkthrough this
	// product automates set the memory request to 3072Mi for a busy mesh.
	// Default: the chart's (requests cpu 500m, memory 2048Mi), or the
	// profile's.
	Resources Resources `json:"resources"`
}

// Resources are a container's requests and limits.
type Resources struct {
	// Requests are the resources the scheduler reserves. Default: none.
	Requests ResourceList `json:"requests"`
	// Limits cap what the container may use. Default: none.
	Limits ResourceList `json:"limits"`
}

// ResourceList is CPU and memory as Kubernetes quantities.
type ResourceList struct {
	// CPU such as "500m". Default: "" (unset).
	CPU string `json:"cpu"`
	// Memory such as "3072Mi". Default: "" (unset).
	Memory string `json:"memory"`
}

// MeshConfig is the part of Istio's MeshConfig the props type.
type MeshConfig struct {
	// AccessLogFile is where Envoy writes access logs, such as
	// "/dev/stdout". Default: "" (off, unless the profile turns it on).
	AccessLogFile string `json:"accessLogFile"`
	// AccessLogEncoding is "TEXT" or "JSON". Default: "" (Istio's: TEXT).
	AccessLogEncoding string `json:"accessLogEncoding"`
	// OutboundTrafficPolicy is "ALLOW_ANY" (sidecars pass traffic to
	// unknown hosts) or "REGISTRY_ONLY" (only to services in the registry
	// or declared by ServiceEntry). Default: "ALLOW_ANY".
	OutboundTrafficPolicy string `json:"outboundTrafficPolicy"`
}

// IngressGateway is the Istio ingress gateway deployment (Istio's gateway
// chart, in either install mode).
type IngressGateway struct {
	// Enabled installs the gateway. Default: true, except with the
	// "minimal" profile.
	Enabled *bool `json:"enabled"`
	// Name of the gateway release, deployment and service; the pods are
	// labelled istio=<name without "istio-">. Default: "istio-ingressgateway".
	Name string `json:"name"`
	// Namespace of the gateway, created by the construct.
	// Default: "istio-ingress".
	Namespace string `json:"namespace"`
	// ServiceType is "LoadBalancer", "NodePort" or "ClusterIP".
	// Default: "LoadBalancer".
	ServiceType string `json:"serviceType"`
	// ServiceAnnotations go on the gateway's Service, such as the AWS load
	// balancer controller's service.beta.kubernetes.io/aws-load-balancer-type:
	// "external" for an NLB. Default: none.
	ServiceAnnotations map[string]string `json:"serviceAnnotations"`
	// Ports are the Service's ports. Default: status-port 15021, http2 80
	// and https 443 (the chart's).
	Ports []Port `json:"ports"`
	// Autoscaling is the gateway's HorizontalPodAutoscaler.
	Autoscaling Autoscaling `json:"autoscaling"`
	// Replicas is the fixed replica count when autoscaling is off.
	// Default: 1 when autoscaling is off.
	Replicas int `json:"replicas"`
	// Resources are the gateway container's resources. Default: the
	// chart's (requests cpu 100m, memory 128Mi; limits cpu 2000m, memory
	// 1024Mi).
	Resources Resources `json:"resources"`
}

// Port is one port of the gateway's Service.
type Port struct {
	// Name of the port, such as "http2". Required.
	Name string `json:"name"`
	// Port is the Service port. Required.
	Port int `json:"port"`
	// TargetPort is the container port. Default: Port.
	TargetPort int `json:"targetPort"`
	// Protocol is "TCP", "UDP" or "SCTP". Default: "TCP".
	Protocol string `json:"protocol"`
}

// Autoscaling configures a HorizontalPodAutoscaler.
type Autoscaling struct {
	// Enabled creates the autoscaler. Default: true.
	Enabled *bool `json:"enabled"`
	// MinReplicas is the fewest replicas. Default: 1.
	MinReplicas int `json:"minReplicas"`
	// MaxReplicas is the most replicas. Default: 5.
	MaxReplicas int `json:"maxReplicas"`
}

// Operator configures the Sail Operator (InstallMode "operator").
type Operator struct {
	// Namespace of the operator, created by the construct.
	// Default: "sail-operator".
	Namespace string `json:"namespace"`
	// ChartVersion is the sail-operator chart version. Its minor release
	// must be at least the Istio minor release. Default:
	// DefaultSailOperatorVersion.
	ChartVersion string `json:"chartVersion"`
	// Chart is where the sail-operator chart comes from.
	// Default: SailChartRepository.
	Chart ChartSource `json:"chart"`
	// UpdateStrategy is "InPlace" (the control plane is upgraded where it
	// is; the revision is the Istio resource's name) or "RevisionBased" (a
	// new control plane, revision <name>-v<version with dashes>, for every
	// version; the namespace label follows it). Default: "InPlace".
	UpdateStrategy string `json:"updateStrategy"`
}

// ExtraValues are Helm values per chart, deep-merged last.
type ExtraValues struct {
	// Base goes to the base chart (helm mode only). Default: none.
	Base map[string]any `json:"base"`
	// Istiod goes to the istiod chart in helm mode and to the Istio
	// resource's spec.values in operator mode. Default: none.
	Istiod map[string]any `json:"istiod"`
	// Gateway goes to the gateway chart. Default: none.
	Gateway map[string]any `json:"gateway"`
	// CNI goes to the cni chart in helm mode and to the IstioCNI
	// resource's spec.values (the Sail Operator's shape: global, cni) in
	// operator mode (dataplane "ambient" only). Default: none.
	CNI map[string]any `json:"cni"`
	// Ztunnel goes to the ztunnel chart in helm mode and to the ZTunnel
	// resource's spec.values (the Sail Operator's shape: global, ztunnel)
	// in operator mode (dataplane "ambient" only). Default: none.
	Ztunnel map[string]any `json:"ztunnel"`
	// SailOperator goes to the sail-operator chart (operator mode only).
	// Default: none.
	SailOperator map[string]any `json:"sailOperator"`
}

// WithDefaults returns a copy of p with every unset field given its
// default. It never changes p.
func (p Props) WithDefaults() Props {
	if p.InstallMode == "" {
		p.InstallMode = ModeHelm
	}
	if p.Version == "" {
		p.Version = DefaultVersion
	}
	if p.Profile == "" {
		p.Profile = ProfileDefault
	}
	if p.Dataplane == "" {
		p.Dataplane = DataplaneSidecar
	}
	if p.Namespace == "" {
		p.Namespace = "istio-system"
	}
	if p.MeshConfig.OutboundTrafficPolicy == "" {
		p.MeshConfig.OutboundTrafficPolicy = OutboundAllowAny
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 600
	}
	p.Charts = p.Charts.WithDefault(ChartRepository)
	if p.Hub == "" {
		p.Hub = DefaultHub
	}
	p.ImagePullSecrets = slices.Clone(p.ImagePullSecrets)
	g := p.IngressGateway
	if g.Enabled == nil {
		g.Enabled = ptr(p.Profile != ProfileMinimal)
	}
	if g.Name == "" {
		g.Name = "istio-ingressgateway"
	}
	if g.Namespace == "" {
		g.Namespace = "istio-ingress"
	}
	if g.ServiceType == "" {
		g.ServiceType = "LoadBalancer"
	}
	g.ServiceAnnotations = maps.Clone(g.ServiceAnnotations)
	if g.Ports == nil {
		g.Ports = []Port{{Name: "status-port", Port: 15021}, {Name: "http2", Port: 80}, {Name: "https", Port: 443}}
	}
	ports := make([]Port, len(g.Ports))
	for i, port := range g.Ports {
		if port.TargetPort == 0 {
			port.TargetPort = port.Port
		}
		if port.Protocol == "" {
			port.Protocol = "TCP"
		}
		ports[i] = port
	}
	g.Ports = ports
	if g.Autoscaling.Enabled == nil {
		g.Autoscaling.Enabled = ptr(true)
	}
	if *g.Autoscaling.Enabled {
		if g.Autoscaling.MinReplicas == 0 {
			g.Autoscaling.MinReplicas = 1
		}
		if g.Autoscaling.MaxReplicas == 0 {
			g.Autoscaling.MaxReplicas = max(5, g.Autoscaling.MinReplicas)
		}
	} else if g.Replicas == 0 {
		g.Replicas = 1
	}
	p.IngressGateway = g
	if p.InstallMode == ModeOperator {
		if p.Operator.Namespace == "" {
			p.Operator.Namespace = "sail-operator"
		}
		if p.Operator.ChartVersion == "" {
			p.Operator.ChartVersion = DefaultSailOperatorVersion
		}
		if p.Operator.UpdateStrategy == "" {
			p.Operator.UpdateStrategy = UpdateInPlace
		}
		p.Operator.Chart = p.Operator.Chart.WithDefault(SailChartRepository)
	}
	return p
}

// GatewaySelector returns the labels of the ingress gateway's pods, which
// an Istio Gateway selects: the gateway chart labels them
// istio=<name without the "istio-" prefix>.
func (p Props) GatewaySelector() map[string]string {
	name := p.WithDefaults().IngressGateway.Name
	return map[string]string{"istio": strings.TrimPrefix(name, "istio-")}
}

// Ambient reports whether the data plane is ambient (no sidecars).
func (p Props) Ambient() bool { return p.WithDefaults().Dataplane == DataplaneAmbient }

// NeedsGatewayAPICRDs reports whether the mesh needs the Kubernetes Gateway
// API CRDs installed before the app namespace's objects: in ambient mode
// the namespace's waypoint is a Gateway API Gateway (class
// istio-waypoint). The mesh stack installs them (package gatewayapicrds)
// when this holds or the routing uses the Gateway API, and the namespace
// construct takes them by type; the control plane does not install them
// itself.
func (p Props) NeedsGatewayAPICRDs() bool { return p.Ambient() }

// ResourceName is the name of the Sail Operator's Istio resource (operator
// mode): the revision, or "default".
func (p Props) ResourceName() string {
	if p.Revision != "" {
		return p.Revision
	}
	return "default"
}

// InjectionRevision is the revision whose sidecars a namespace asks for
// with istio.io/rev; "" means the default revision (istio-injection=enabled).
// It is Revision, except with the operator's RevisionBased strategy, where
// the Sail Operator names each revision <name>-v<version with dashes>.
func (p Props) InjectionRevision() string {
	p = p.WithDefaults()
	if p.InstallMode == ModeOperator && p.Operator.UpdateStrategy == UpdateRevisionBased {
		return p.ResourceName() + "-v" + strings.ReplaceAll(p.Version, ".", "-")
	}
	return p.Revision
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error { return fielderr.Join(p.ValidateAt(nil)) }

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(installModes, p.InstallMode) {
		errs = append(errs, field.NotSupported(fld.Child("installMode"), p.InstallMode, installModes))
	}
	errs = append(errs, p.validateVersion(fld)...)
	if !slices.Contains(profiles, p.Profile) {
		errs = append(errs, field.NotSupported(fld.Child("profile"), p.Profile, profiles))
	}
	errs = append(errs, p.validateDataplane(fld)...)
	errs = append(errs, dnsLabel(fld.Child("namespace"), p.Namespace)...)
	if p.Revision != "" {
		if p.Revision == "default" {
			errs = append(errs, field.Invalid(fld.Child("revision"), p.Revision, `"default" names the unrevisioned control plane; leave revision empty for it`))
		} else {
			errs = append(errs, dnsLabel(fld.Child("revision"), p.Revision)...)
		}
	}
	errs = append(errs, p.Pilot.Resources.validate(fld.Child("pilot", "resources"))...)
	errs = append(errs, p.MeshConfig.validate(fld.Child("meshConfig"))...)
	errs = append(errs, p.IngressGateway.validate(fld.Child("ingressGateway"))...)
	if p.IngressGateway.Namespace == p.Namespace && p.Namespace != "" {
		errs = append(errs, field.Invalid(fld.Child("ingressGateway", "namespace"), p.IngressGateway.Namespace,
			"must differ from the control plane's namespace: Istio recommends running gateways apart from istiod"))
	}
	if p.TimeoutSeconds < 60 || p.TimeoutSeconds > 3600 {
		errs = append(errs, field.Invalid(fld.Child("timeoutSeconds"), p.TimeoutSeconds, "must be between 60 and 3600"))
	}
	errs = append(errs, p.validateImages(fld)...)
	if versionRE.MatchString(p.Version) {
		errs = append(errs, p.Charts.Validate(fld.Child("charts"), p.chartVersions())...)
	}
	op := fld.Child("operator")
	if p.InstallMode == ModeOperator {
		errs = append(errs, dnsLabel(op.Child("namespace"), p.Operator.Namespace)...)
		if p.Operator.Namespace == p.Namespace || p.Operator.Namespace == p.IngressGateway.Namespace {
			errs = append(errs, field.Invalid(op.Child("namespace"), p.Operator.Namespace, "must differ from the control plane's and the gateway's namespaces"))
		}
		if !semverRE.MatchString(p.Operator.ChartVersion) {
			errs = append(errs, field.Invalid(op.Child("chartVersion"), p.Operator.ChartVersion, `must be a chart version such as "`+DefaultSailOperatorVersion+`"`))
		} else if m := versionRE.FindStringSubmatch(p.Version); m != nil {
			sail, _ := strconv.Atoi(strings.Split(p.Operator.ChartVersion, ".")[1])
			istio, _ := strconv.Atoi(m[1])
			if strings.HasPrefix(p.Operator.ChartVersion, "1.") && sail < istio {
				errs = append(errs, field.Invalid(op.Child("chartVersion"), p.Operator.ChartVersion,
					fmt.Sprintf("Sail Operator %s cannot install Istio %s: its minor release must be at least 1.%d", p.Operator.ChartVersion, p.Version, istio)))
			}
		}
		if semverRE.MatchString(p.Operator.ChartVersion) {
			errs = append(errs, p.Operator.Chart.Validate(op.Child("chart"), map[string]string{"sail-operator": p.Operator.ChartVersion})...)
		}
		if !slices.Contains(updateStrategies, p.Operator.UpdateStrategy) {
			errs = append(errs, field.NotSupported(op.Child("updateStrategy"), p.Operator.UpdateStrategy, updateStrategies))
		}
		if p.ExtraValues.Base != nil {
			errs = append(errs, field.Forbidden(fld.Child("extraValues", "base"), `the base chart is only installed in installMode "helm"; the Sail Operator manages Istio's base resources`))
		}
	} else {
		if p.Operator != (Operator{}) {
			errs = append(errs, field.Forbidden(op, `only for installMode "operator"`))
		}
		if p.ExtraValues.SailOperator != nil {
			errs = append(errs, field.Forbidden(fld.Child("extraValues", "sailOperator"), `only for installMode "operator"`))
		}
	}
	return errs
}

// chartVersions are the charts installed from Charts, with their versions.
func (p Props) chartVersions() map[string]string {
	charts := map[string]string{}
	if p.InstallMode == ModeHelm {
		charts["base"] = p.Version
		charts["istiod"] = p.Version
		if p.Dataplane == DataplaneAmbient {
			charts["cni"] = p.Version
			charts["ztunnel"] = p.Version
		}
	}
	if p.IngressGateway.Enabled != nil && *p.IngressGateway.Enabled {
		charts["gateway"] = p.Version
	}
	return charts
}

// validateDataplane checks Dataplane and what it excludes.
func (p Props) validateDataplane(fld *field.Path) field.ErrorList {
	dp := fld.Child("dataplane")
	if !slices.Contains(dataplanes, p.Dataplane) {
		return field.ErrorList{field.NotSupported(dp, p.Dataplane, dataplanes)}
	}
	var errs field.ErrorList
	ev := fld.Child("extraValues")
	if p.Dataplane != DataplaneAmbient {
		if p.ExtraValues.CNI != nil {
			errs = append(errs, field.Forbidden(ev.Child("cni"), `only with dataplane "ambient": the cni chart is installed only then`))
		}
		if p.ExtraValues.Ztunnel != nil {
			errs = append(errs, field.Forbidden(ev.Child("ztunnel"), `only with dataplane "ambient": the ztunnel chart is installed only then`))
		}
		return errs
	}
	if p.Profile == ProfileDemo || p.Profile == ProfilePreview {
		errs = append(errs, field.Invalid(fld.Child("profile"), p.Profile,
			`Istio's charts take one profile, and with dataplane "ambient" it is "ambient"; use profile "default" or "minimal"`))
	}
	for _, key := range []string{"sidecarInjectorWebhook"} {
		if _, ok := p.ExtraValues.Istiod[key]; ok {
			errs = append(errs, field.Forbidden(ev.Child("istiod", key), `sidecar-only setting: with dataplane "ambient" no sidecars are injected`))
		}
	}
	return errs
}

// validateImages checks Hub and ImagePullSecrets.
func (p Props) validateImages(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if why := retired(p.Hub); why != "" {
		errs = append(errs, field.Invalid(fld.Child("hub"), p.Hub, why+"; use "+DefaultHub+" or a mirror of your own"))
	} else if !hubRE.MatchString(p.Hub) {
		errs = append(errs, field.Invalid(fld.Child("hub"), p.Hub, `must be an image registry path without scheme or tag, such as "`+DefaultHub+`" or "registry.example.com:5000/mirror/istio"`))
	}
	errs = append(errs, fielderr.ObjectNames(fld.Child("imagePullSecrets"), p.ImagePullSecrets)...)
	return errs
}

func (p Props) validateVersion(fld *field.Path) field.ErrorList {
	minor := Minor(p.Version)
	if minor == "" {
		return field.ErrorList{field.Invalid(fld.Child("version"), p.Version, `must be an Istio release such as "`+DefaultVersion+`"`)}
	}
	kube, ok := KubernetesSupport[minor]
	if !ok {
		return field.ErrorList{field.Invalid(fld.Child("version"), p.Version,
			fmt.Sprintf("Istio %s is not in the compatibility table; supported minor releases: %s", minor, strings.Join(slices.Sorted(maps.Keys(KubernetesSupport)), ", ")))}
	}
	// A Kubernetes version that is not a minor version is reported where
	// it is set (the cluster or the kubeconfig target).
	if minorRE.MatchString(p.KubernetesVersion) && !slices.Contains(kube, p.KubernetesVersion) {
		var fit []string
		for _, v := range slices.Sorted(maps.Keys(KubernetesSupport)) {
			if slices.Contains(KubernetesSupport[v], p.KubernetesVersion) {
				fit = append(fit, v)
			}
		}
		hint := "no Istio release in the compatibility table supports it"
		if len(fit) > 0 {
			hint = "Istio releases that support it: " + strings.Join(fit, ", ")
		}
		return field.ErrorList{field.Invalid(fld.Child("version"), p.Version,
			fmt.Sprintf("Istio %s supports Kubernetes %s to %s, but the cluster runs Kubernetes %s; %s", minor, kube[0], kube[len(kube)-1], p.KubernetesVersion, hint))}
	}
	return nil
}

func (r Resources) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, l := range []struct {
		name string
		list ResourceList
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		for _, q := range []struct{ name, value string }{{"cpu", l.list.CPU}, {"memory", l.list.Memory}} {
			if q.value == "" {
				continue
			}
			if _, err := resource.ParseQuantity(q.value); err != nil {
				errs = append(errs, field.Invalid(fld.Child(l.name, q.name), q.value, `must be a Kubernetes quantity such as "500m" or "3072Mi"`))
			}
		}
	}
	for _, q := range []struct{ name, req, lim string }{{"cpu", r.Requests.CPU, r.Limits.CPU}, {"memory", r.Requests.Memory, r.Limits.Memory}} {
		req, err1 := resource.ParseQuantity(q.req)
		lim, err2 := resource.ParseQuantity(q.lim)
		if err1 == nil && err2 == nil && req.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(fld.Child("requests", q.name), q.req, fmt.Sprintf("must not exceed the limit (%s)", q.lim)))
		}
	}
	return errs
}

func (m MeshConfig) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(outboundPolicies, m.OutboundTrafficPolicy) {
		errs = append(errs, field.NotSupported(fld.Child("outboundTrafficPolicy"), m.OutboundTrafficPolicy, outboundPolicies))
	}
	if m.AccessLogEncoding != "" && !slices.Contains(accessLogFormats, m.AccessLogEncoding) {
		errs = append(errs, field.NotSupported(fld.Child("accessLogEncoding"), m.AccessLogEncoding, accessLogFormats))
	}
	if m.AccessLogFile != "" && !strings.HasPrefix(m.AccessLogFile, "/") {
		errs = append(errs, field.Invalid(fld.Child("accessLogFile"), m.AccessLogFile, `must be an absolute path such as "/dev/stdout"`))
	}
	return errs
}

func (g IngressGateway) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, dnsLabel(fld.Child("name"), g.Name)...)
	errs = append(errs, dnsLabel(fld.Child("namespace"), g.Namespace)...)
	if !slices.Contains(serviceTypes, g.ServiceType) {
		errs = append(errs, field.NotSupported(fld.Child("serviceType"), g.ServiceType, serviceTypes))
	}
	for _, k := range slices.Sorted(maps.Keys(g.ServiceAnnotations)) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(fld.Child("serviceAnnotations").Key(k), k, msg))
		}
	}
	if len(g.Ports) == 0 {
		errs = append(errs, field.Required(fld.Child("ports"), "at least one port, such as {name: http2, port: 80}"))
	}
	names, numbers := map[string]bool{}, map[int]bool{}
	for i, port := range g.Ports {
		pp := fld.Child("ports").Index(i)
		for _, msg := range validation.IsValidPortName(port.Name) {
			errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
		}
		if names[port.Name] {
			errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
		}
		names[port.Name] = true
		for _, n := range []struct {
			name  string
			value int
		}{{"port", port.Port}, {"targetPort", port.TargetPort}} {
			if n.value < 1 || n.value > 65535 {
				errs = append(errs, field.Invalid(pp.Child(n.name), n.value, "must be between 1 and 65535"))
			}
		}
		if numbers[port.Port] {
			errs = append(errs, field.Duplicate(pp.Child("port"), port.Port))
		}
		numbers[port.Port] = true
		if !slices.Contains(protocols, port.Protocol) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, protocols))
		}
	}
	a := g.Autoscaling
	ap := fld.Child("autoscaling")
	if *a.Enabled {
		if a.MinReplicas < 1 {
			errs = append(errs, field.Invalid(ap.Child("minReplicas"), a.MinReplicas, "must be 1 or more"))
		}
		if a.MaxReplicas < a.MinReplicas {
			errs = append(errs, field.Invalid(ap.Child("maxReplicas"), a.MaxReplicas, fmt.Sprintf("must be at least minReplicas (%d)", a.MinReplicas)))
		}
		if g.Replicas != 0 {
			errs = append(errs, field.Forbidden(fld.Child("replicas"), "the autoscaler sets the replica count; set autoscaling.enabled to false for a fixed count"))
		}
	} else {
		if a.MinReplicas != 0 || a.MaxReplicas != 0 {
			errs = append(errs, field.Forbidden(ap, "minReplicas and maxReplicas need autoscaling.enabled"))
		}
		if g.Replicas < 1 {
			errs = append(errs, field.Invalid(fld.Child("replicas"), g.Replicas, "must be 1 or more"))
		}
	}
	errs = append(errs, g.Resources.validate(fld.Child("resources"))...)
	return errs
}

// SailOrderCode is the check code of the warning that, with the Sail
// Operator, the ingress gateway may start before istiod on the first deploy
// (mesh/check documents it); an environment can acknowledge it.
const SailOrderCode = "BG013"

// Warnings lists settings that synthesize but deserve a second look, with
// field paths under fld.
func (p Props) Warnings(fld *field.Path) []string {
	var out []string
	out = append(out, p.Charts.Warnings(fld.Child("charts"))...)
	if p.InstallMode == ModeOperator {
		out = append(out, p.Operator.Chart.Warnings(fld.Child("operator", "chart"))...)
	}
	if p.InstallMode == ModeOperator && p.IngressGateway.Enabled != nil && *p.IngressGateway.Enabled {
		out = append(out, fld.Child("installMode").String()+
			`: with the Sail Operator, istiod starts after the apply that creates the Istio resource; if the ingress gateway's pods start before istiod's injector is ready they time out, the gateway release rolls back, and a second deploy completes it (`+SailOrderCode+`)`)
	}
	return out
}

func dnsLabel(fld *field.Path, v string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(fld, v, msg))
	}
	return errs
}

func ptr[T any](v T) *T { return &v }
