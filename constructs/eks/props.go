package eks

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/fielderr"
)

// SupportedKubernetesVersions are the EKS Kubernetes minor versions this
// construct accepts, oldest first: those EKS offers in late 2026, in
// standard or extended support (see StandardSupportEnds). Keep it in step
// with the EKS release calendar and with the add-on pins in
// DefaultAddonVersions (1.36 has none yet: set addons.versions for it).
var SupportedKubernetesVersions = []string{"1.32", "1.33", "1.34", "1.35", "1.36"}

// DefaultKubernetesVersion is used when Props.KubernetesVersion is empty:
// the newest version with pinned add-ons, in EKS standard support until
// 2027-03-27.
const DefaultKubernetesVersion = "1.35"

// Support is the EKS support window of one Kubernetes minor version.
type Support struct {
	// StandardEnds is the last day of standard support; the zero time
	// means it is not recorded here.
	StandardEnds time.Time
	// ExtendedEnds is the last day of extended support (charged per
	// cluster hour), after which EKS upgrades the cluster itself.
	ExtendedEnds time.Time
}

// StandardSupportEnds is the Amazon EKS Kubernetes release calendar
// (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html):
// standard support lasts 14 months from EKS's release of a version,
// extended support 12 more. 1.36's dates are not recorded here yet.
var StandardSupportEnds = map[string]Support{
	"1.32": {StandardEnds: day(2026, time.March, 23), ExtendedEnds: day(2027, time.March, 23)},
	"1.33": {StandardEnds: day(2026, time.July, 29), ExtendedEnds: day(2027, time.July, 29)},
	"1.34": {StandardEnds: day(2026, time.December, 2), ExtendedEnds: day(2027, time.December, 2)},
	"1.35": {StandardEnds: day(2027, time.March, 27), ExtendedEnds: day(2028, time.March, 27)},
}

// SupportWarnings warns when the cluster's Kubernetes version (defaults
// applied) is past, or within 60 days of, the end of EKS standard support
// on today, naming the date and the version to move to. A date never
// fails a build: these are warnings.
func (p Props) SupportWarnings(fld *field.Path, today time.Time) []string {
	s, ok := StandardSupportEnds[p.KubernetesVersion]
	if !ok || s.StandardEnds.IsZero() {
		return nil
	}
	at := fld.Child("kubernetesVersion").String()
	move := fmt.Sprintf(`; move to %s (kubernetesVersion "%s")`, DefaultKubernetesVersion, DefaultKubernetesVersion)
	ends := s.StandardEnds.Format(time.DateOnly)
	switch {
	case !today.Before(s.StandardEnds.AddDate(0, 0, 1)):
		return []string{fmt.Sprintf("%s: EKS %s left standard support on %s; extended support costs extra per cluster hour and ends on %s, when EKS upgrades the cluster itself%s",
			at, p.KubernetesVersion, ends, s.ExtendedEnds.Format(time.DateOnly), move)}
	case today.AddDate(0, 0, 60).After(s.StandardEnds):
		return []string{fmt.Sprintf("%s: EKS %s leaves standard support on %s (extended support then costs extra per cluster hour)%s", at, p.KubernetesVersion, ends, move)}
	}
	return nil
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DefaultOIDCThumbprint is the SHA-1 thumbprint of the root CA that signs
// the EKS OIDC issuers' certificates. IAM no longer uses it for EKS issuers,
// but the API still stores one.
const DefaultOIDCThumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

// DefaultAddonVersions pins the EKS add-ons per Kubernetes minor version.
// Review them against `aws eks describe-addon-versions --kubernetes-version
// <v>` when you move a version.
var DefaultAddonVersions = map[string]map[string]string{
	"1.32": {"vpc-cni": "v1.19.6-eksbuild.1", "coredns": "v1.11.4-eksbuild.14", "kube-proxy": "v1.32.6-eksbuild.2"},
	"1.33": {"vpc-cni": "v1.19.6-eksbuild.1", "coredns": "v1.12.2-eksbuild.4", "kube-proxy": "v1.33.3-eksbuild.4"},
	"1.34": {"vpc-cni": "v1.20.4-eksbuild.1", "coredns": "v1.12.4-eksbuild.1", "kube-proxy": "v1.34.1-eksbuild.2"},
	"1.35": {"vpc-cni": "v1.21.1-eksbuild.1", "coredns": "v1.13.1-eksbuild.1", "kube-proxy": "v1.35.0-eksbuild.2"},
}

// Props configure a Cluster. The zero value of every optional field means
// its default.
type Props struct {
	// Name is the EKS cluster name. Default: DefaultName(Environment),
	// "bluegreen-<environment>"; required when Environment is empty.
	Name string `json:"name"`
	// Environment is the name of the environment the cluster serves, such
	// as "dev"; it names the cluster when Name is empty. bluegreen's
	// configuration sets it to the environment's key in cdktf.json.
	// Default: "".
	Environment string `json:"-"`
	// KubernetesVersion is the Kubernetes minor version, one of
	// SupportedKubernetesVersions. Default: DefaultKubernetesVersion.
	KubernetesVersion string `json:"kubernetesVersion"`
	// Network is the VPC the cluster runs in. Default: a new VPC.
	Network Network `json:"network"`
	// Endpoint controls who reaches the Kubernetes API.
	Endpoint Endpoint `json:"endpoint"`
	// LogTypes are the control-plane log types sent to CloudWatch.
	// Default: ["api", "audit", "authenticator"].
	LogTypes []string `json:"logTypes"`
	// LogRetentionDays is the retention of the control-plane log group.
	// Default: 90.
	LogRetentionDays int `json:"logRetentionDays"`
	// Encryption configures envelope encryption of Kubernetes secrets.
	Encryption Encryption `json:"encryption"`
	// AuthenticationMode is how IAM principals are mapped to Kubernetes
	// identities: "API_AND_CONFIG_MAP" (access entries and the aws-auth
	// ConfigMap), "API" (access entries only) or "CONFIG_MAP" (the aws-auth
	// ConfigMap only, which is also what EKS assumes when the cluster carries
	// no access_config at all). Default: "API_AND_CONFIG_MAP".
	AuthenticationMode string `json:"authenticationMode"`
	// BootstrapCreatorAdmin makes the IAM identity that creates the cluster
	// a cluster admin, so the mesh and app stacks (applied by the same
	// identity) can install into it. Default: true.
	BootstrapCreatorAdmin *bool `json:"bootstrapCreatorAdmin"`
	// NodeGroups are the managed node groups. Default: one group "default"
	// (see NodeGroup for its defaults).
	NodeGroups []NodeGroup `json:"nodeGroups"`
	// OIDCThumbprints are the thumbprints of the IAM OIDC provider used by
	// IAM roles for service accounts. Default: [DefaultOIDCThumbprint].
	OIDCThumbprints []string `json:"oidcThumbprints"`
	// Addons are the EKS-managed add-ons.
	Addons Addons `json:"addons"`
	// AccessEntries grant IAM principals access to the cluster.
	// Default: none.
	AccessEntries []AccessEntry `json:"accessEntries"`
	// Tags are added to every resource of the construct. Default: none.
	Tags map[string]string `json:"tags"`
}

// Network is a new VPC or an existing one.
type Network struct {
	// VPCID uses an existing VPC instead of creating one; PrivateSubnetIDs
	// is then required. Default: "" (create a VPC).
	VPCID string `json:"vpcId"`
	// PrivateSubnetIDs are the existing private subnets for nodes and the
	// control plane's network interfaces, in at least two AZs. Only with
	// VPCID.
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
	// CIDR is the new VPC's IPv4 range, a /16 to /20. Default: "10.0.0.0/16".
	CIDR string `json:"cidr"`
	// AZCount is how many availability zones the new VPC spans (EKS needs
	// at least two). Default: 3.
	AZCount int `json:"azCount"`
	// PrivateSubnetCIDRs are the private subnets, one per AZ. Default: the
	// first AZCount blocks of CIDR split four bits further (10.0.0.0/20,
	// 10.0.16.0/20, ... for a /16).
	PrivateSubnetCIDRs []string `json:"privateSubnetCidrs"`
	// PublicSubnetCIDRs are the public subnets (load balancers and NAT
	// gateways), one per AZ. Default: the last of those blocks split four
	// bits further (10.0.240.0/24, 10.0.241.0/24, ... for a /16).
	PublicSubnetCIDRs []string `json:"publicSubnetCidrs"`
	// NATGateway is "single" (one NAT gateway for all AZs: cheaper, one AZ
	// is a single point of failure for egress) or "perAZ". Default: "single".
	NATGateway string `json:"natGateway"`
}

// NAT gateway layouts.
const (
	NATSingle = "single"
	NATPerAZ  = "perAZ"
)

// Endpoint controls access to the Kubernetes API endpoint.
type Endpoint struct {
	// PrivateAccess lets nodes and anything in the VPC reach the API
	// privately. Default: true.
	PrivateAccess *bool `json:"privateAccess"`
	// PublicAccess exposes the API on the internet, to PublicAccessCIDRs
	// only. Default: true.
	PublicAccess *bool `json:"publicAccess"`
	// PublicAccessCIDRs are the networks allowed to reach the public
	// endpoint. Required when PublicAccess is on; "0.0.0.0/0" is accepted
	// with a warning.
	PublicAccessCIDRs []string `json:"publicAccessCidrs"`
}

// Encryption configures the KMS key that encrypts Kubernetes secrets. The
// construct always encrypts secrets, with a key of its own (rotation on).
type Encryption struct {
	// KeyDeletionWindowDays is how long a deleted key can be recovered, 7 to
	// 30. Default: 30.
	KeyDeletionWindowDays int `json:"keyDeletionWindowDays"`
	// Alias is the key's alias. Default: "alias/<name>-eks-secrets".
	Alias string `json:"alias"`
}

// NodeGroup is a managed node group.
type NodeGroup struct {
	// Name of the node group. Required.
	Name string `json:"name"`
	// InstanceTypes are the EC2 instance types, at least one.
	// Default: ["m6i.large"].
	InstanceTypes []string `json:"instanceTypes"`
	// CapacityType is "ON_DEMAND" or "SPOT". Default: "ON_DEMAND".
	CapacityType string `json:"capacityType"`
	// AMIType is the EKS AMI type. Default: "AL2023_x86_64_STANDARD".
	AMIType string `json:"amiType"`
	// MinSize is the fewest nodes. Default: 2.
	MinSize *int `json:"minSize"`
	// MaxSize is the most nodes. Default: the larger of 4 and MinSize.
	MaxSize int `json:"maxSize"`
	// DesiredSize is the initial node count; later changes made by an
	// autoscaler are ignored. Default: MinSize.
	DesiredSize *int `json:"desiredSize"`
	// DiskSizeGiB is each node's root volume size. Default: 50.
	DiskSizeGiB int `json:"diskSizeGiB"`
	// Labels are Kubernetes labels on every node. Default: none.
	Labels map[string]string `json:"labels"`
	// Taints are Kubernetes taints on every node. Default: none.
	Taints []Taint `json:"taints"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	// Key of the taint. Required.
	Key string `json:"key"`
	// Value of the taint. Default: "".
	Value string `json:"value"`
	// Effect is "NO_SCHEDULE", "NO_EXECUTE" or "PREFER_NO_SCHEDULE".
	// Required.
	Effect string `json:"effect"`
}

// Addons are the EKS-managed add-ons vpc-cni, coredns and kube-proxy.
type Addons struct {
	// Enabled installs the add-ons as EKS-managed add-ons. Default: true.
	Enabled *bool `json:"enabled"`
	// Versions pins each add-on's version by name. Default:
	// DefaultAddonVersions for the cluster's Kubernetes version.
	Versions map[string]string `json:"versions"`
}

// AccessEntry grants one IAM principal access to the cluster.
type AccessEntry struct {
	// PrincipalARN is the IAM role or user. Required.
	PrincipalARN string `json:"principalArn"`
	// PolicyARN is the EKS access policy associated cluster-wide.
	// Default: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy".
	PolicyARN string `json:"policyArn"`
}

// AccessEntryKey is the part of an access entry's construct ids
// ("access-entry-<key>", "access-policy-<key>") that names its principal:
// the ARN after "arn:<partition>:iam::", with every character other than a
// letter or digit replaced by "-" (role "arn:aws:iam::111122223333:role/admin"
// has key "111122223333-role-admin"). The ids, and so the Terraform
// addresses, follow the principal, not its position in the list.
func AccessEntryKey(principalARN string) string {
	s := principalARN
	if i := strings.Index(s, ":iam::"); i >= 0 {
		s = s[i+len(":iam::"):]
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

// ClusterAdminPolicyARN is the default access policy of an AccessEntry.
const ClusterAdminPolicyARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

var (
	authModes     = []string{"API_AND_CONFIG_MAP", "API", "CONFIG_MAP"}
	logTypes      = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
	capacityTypes = []string{"ON_DEMAND", "SPOT"}
	taintEffects  = []string{"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"}
	natLayouts    = []string{NATSingle, NATPerAZ}
	retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

	clusterNameRE  = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	nodeGroupRE    = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$`)
	instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	arnRE          = regexp.MustCompile(`^arn:aws[a-z-]*:(iam|eks)::[0-9]*:[A-Za-z0-9+=,.@_/:-]+$`)
	thumbprintRE   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	vpcIDRE        = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	subnetIDRE     = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	aliasRE        = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)
	addonVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$`)
	accessPolicyRE = regexp.MustCompile(`^arn:aws[a-z-]*:eks::aws:cluster-access-policy/[A-Za-z0-9]+$`)
)

// DefaultName is the name of the cluster of the environment env when
// Props.Name is empty: "bluegreen-<env>". The construct names clusters
// after the environment, not after a construct id (renaming an id must not
// replace a cluster) nor with a generated suffix (the name is what `aws eks
// update-kubeconfig --name` and the IAM console show, so a team reads it
// and can predict it), and the "bluegreen-" prefix keeps an account's
// clusters of different environments, and of other tools, apart. The
// environment is a prop rather than read from anywhere else, so a team
// importing the construct gets the cluster name bluegreen's own stacks
// give, from the same props.
func DefaultName(env string) string { return "bluegreen-" + env }

// WithDefaults returns a copy of p with every unset field given its default.
// It never changes p.
func (p Props) WithDefaults() Props {
	if p.Name == "" && p.Environment != "" {
		p.Name = DefaultName(p.Environment)
	}
	if p.KubernetesVersion == "" {
		p.KubernetesVersion = DefaultKubernetesVersion
	}
	n := p.Network
	if n.VPCID == "" {
		if n.CIDR == "" {
			n.CIDR = "10.0.0.0/16"
		}
		if n.AZCount == 0 {
			n.AZCount = 3
		}
		if n.NATGateway == "" {
			n.NATGateway = NATSingle
		}
		if pfx, err := netip.ParsePrefix(n.CIDR); err == nil && pfx.Bits() <= 24 {
			priv, pub := defaultSubnets(pfx.Masked(), n.AZCount)
			if n.PrivateSubnetCIDRs == nil {
				n.PrivateSubnetCIDRs = priv
			}
			if n.PublicSubnetCIDRs == nil {
				n.PublicSubnetCIDRs = pub
			}
		}
	}
	p.Network = n
	if p.Endpoint.PrivateAccess == nil {
		p.Endpoint.PrivateAccess = ptr(true)
	}
	if p.Endpoint.PublicAccess == nil {
		p.Endpoint.PublicAccess = ptr(true)
	}
	if p.LogTypes == nil {
		p.LogTypes = []string{"api", "audit", "authenticator"}
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = 90
	}
	if p.Encryption.KeyDeletionWindowDays == 0 {
		p.Encryption.KeyDeletionWindowDays = 30
	}
	if p.Encryption.Alias == "" && p.Name != "" {
		p.Encryption.Alias = "alias/" + p.Name + "-eks-secrets"
	}
	if p.AuthenticationMode == "" {
		p.AuthenticationMode = "API_AND_CONFIG_MAP"
	}
	if p.BootstrapCreatorAdmin == nil {
		p.BootstrapCreatorAdmin = ptr(true)
	}
	if p.NodeGroups == nil {
		p.NodeGroups = []NodeGroup{{Name: "default"}}
	}
	groups := make([]NodeGroup, len(p.NodeGroups))
	for i, g := range p.NodeGroups {
		groups[i] = g.withDefaults()
	}
	p.NodeGroups = groups
	if p.OIDCThumbprints == nil {
		p.OIDCThumbprints = []string{DefaultOIDCThumbprint}
	}
	if p.Addons.Enabled == nil {
		p.Addons.Enabled = ptr(true)
	}
	if *p.Addons.Enabled {
		versions := maps.Clone(DefaultAddonVersions[p.KubernetesVersion])
		if versions == nil {
			versions = map[string]string{}
		}
		maps.Copy(versions, p.Addons.Versions)
		p.Addons.Versions = versions
	}
	entries := make([]AccessEntry, len(p.AccessEntries))
	for i, e := range p.AccessEntries {
		if e.PolicyARN == "" {
			e.PolicyARN = ClusterAdminPolicyARN
		}
		entries[i] = e
	}
	p.AccessEntries = entries
	return p
}

func (g NodeGroup) withDefaults() NodeGroup {
	if g.InstanceTypes == nil {
		g.InstanceTypes = []string{"m6i.large"}
	}
	if g.CapacityType == "" {
		g.CapacityType = "ON_DEMAND"
	}
	if g.AMIType == "" {
		g.AMIType = "AL2023_x86_64_STANDARD"
	}
	if g.MinSize == nil {
		g.MinSize = ptr(2)
	}
	if g.MaxSize == 0 {
		g.MaxSize = max(4, *g.MinSize)
	}
	if g.DesiredSize == nil {
		g.DesiredSize = ptr(*g.MinSize)
	}
	if g.DiskSizeGiB == 0 {
		g.DiskSizeGiB = 50
	}
	return g
}

// defaultSubnets splits vpc into 16 blocks: the first n are the private
// subnets, and the last is split 16 ways again for the public subnets.
func defaultSubnets(vpc netip.Prefix, n int) (private, public []string) {
	last := cidrSubnet(vpc, 4, 15)
	for i := range min(n, 15) {
		private = append(private, cidrSubnet(vpc, 4, i).String())
		public = append(public, cidrSubnet(last, 4, i).String())
	}
	return private, public
}

// cidrSubnet is Terraform's cidrsubnet for IPv4.
func cidrSubnet(p netip.Prefix, newBits, num int) netip.Prefix {
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	bits := p.Bits() + newBits
	v |= uint32(num) << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
}

// Validate reports every problem in p (after defaults) as one error.
func (p Props) Validate() error {
	return fielderr.Join(p.ValidateAt(nil))
}

// ValidateAt reports every problem in p, which should have its defaults
// applied, with field paths under fld.
func (p Props) ValidateAt(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Name == "" {
		errs = append(errs, field.Required(fld.Child("name"), "the EKS cluster name"))
	} else if !clusterNameRE.MatchString(p.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), p.Name, "must be 1-100 letters, digits, '-' or '_', starting with a letter or digit"))
	}
	if !slices.Contains(SupportedKubernetesVersions, p.KubernetesVersion) {
		errs = append(errs, field.NotSupported(fld.Child("kubernetesVersion"), p.KubernetesVersion, SupportedKubernetesVersions))
	}
	errs = append(errs, p.Network.validate(fld.Child("network"))...)
	errs = append(errs, p.Endpoint.validate(fld.Child("endpoint"))...)
	for i, t := range p.LogTypes {
		if !slices.Contains(logTypes, t) {
			errs = append(errs, field.NotSupported(fld.Child("logTypes").Index(i), t, logTypes))
		}
	}
	if !slices.Contains(retentionDays, p.LogRetentionDays) {
		errs = append(errs, field.Invalid(fld.Child("logRetentionDays"), p.LogRetentionDays, fmt.Sprintf("must be one of CloudWatch's retention periods: %v", retentionDays)))
	}
	if d := p.Encryption.KeyDeletionWindowDays; d < 7 || d > 30 {
		errs = append(errs, field.Invalid(fld.Child("encryption", "keyDeletionWindowDays"), d, "must be between 7 and 30"))
	}
	if a := p.Encryption.Alias; !aliasRE.MatchString(a) || strings.HasPrefix(a, "alias/aws/") {
		errs = append(errs, field.Invalid(fld.Child("encryption", "alias"), a, `must start with "alias/", use letters, digits, '/', '_' or '-', and not start with "alias/aws/"`))
	}
	if !slices.Contains(authModes, p.AuthenticationMode) {
		errs = append(errs, field.NotSupported(fld.Child("authenticationMode"), p.AuthenticationMode, authModes))
	}
	if len(p.AccessEntries) > 0 && p.AuthenticationMode == "CONFIG_MAP" {
		errs = append(errs, field.Invalid(fld.Child("authenticationMode"), p.AuthenticationMode, "access entries need API or API_AND_CONFIG_MAP"))
	}
	if len(p.NodeGroups) == 0 {
		errs = append(errs, field.Required(fld.Child("nodeGroups"), "at least one managed node group"))
	}
	seen := map[string]bool{}
	for i, g := range p.NodeGroups {
		gp := fld.Child("nodeGroups").Index(i)
		if seen[g.Name] {
			errs = append(errs, field.Duplicate(gp.Child("name"), g.Name))
		}
		seen[g.Name] = true
		errs = append(errs, g.validate(gp)...)
	}
	if len(p.OIDCThumbprints) == 0 {
		errs = append(errs, field.Required(fld.Child("oidcThumbprints"), "at least one SHA-1 thumbprint, such as "+DefaultOIDCThumbprint))
	}
	for i, t := range p.OIDCThumbprints {
		if !thumbprintRE.MatchString(t) {
			errs = append(errs, field.Invalid(fld.Child("oidcThumbprints").Index(i), t, "must be 40 lowercase hex digits"))
		}
	}
	ap := fld.Child("addons")
	if p.Addons.Enabled != nil && !*p.Addons.Enabled && len(p.Addons.Versions) > 0 {
		errs = append(errs, field.Forbidden(ap.Child("versions"), "versions are only used when addons.enabled is true"))
	}
	if p.Addons.Enabled != nil && *p.Addons.Enabled && slices.Contains(SupportedKubernetesVersions, p.KubernetesVersion) {
		for _, name := range []string{"vpc-cni", "coredns", "kube-proxy"} {
			if p.Addons.Versions[name] == "" {
				errs = append(errs, field.Required(ap.Child("versions").Key(name), fmt.Sprintf("no pinned default for Kubernetes %s: set the version from `aws eks describe-addon-versions`", p.KubernetesVersion)))
			}
		}
		for _, name := range sortedKeys(p.Addons.Versions) {
			if !addonVersionRE.MatchString(p.Addons.Versions[name]) {
				errs = append(errs, field.Invalid(ap.Child("versions").Key(name), p.Addons.Versions[name], `must be an EKS add-on version such as "v1.19.6-eksbuild.1"`))
			}
		}
	}
	keys := map[string]string{}
	for i, e := range p.AccessEntries {
		ep := fld.Child("accessEntries").Index(i)
		if !arnRE.MatchString(e.PrincipalARN) {
			errs = append(errs, field.Invalid(ep.Child("principalArn"), e.PrincipalARN, "must be an IAM role or user ARN"))
		}
		switch prev, ok := keys[AccessEntryKey(e.PrincipalARN)]; {
		case ok && prev == e.PrincipalARN:
			errs = append(errs, field.Duplicate(ep.Child("principalArn"), e.PrincipalARN))
		case ok:
			errs = append(errs, field.Invalid(ep.Child("principalArn"), e.PrincipalARN, fmt.Sprintf("names the same Terraform resources (key %q) as %s; an entry's resources are named after its principal with every character other than a letter or digit as '-'", AccessEntryKey(e.PrincipalARN), prev)))
		}
		keys[AccessEntryKey(e.PrincipalARN)] = e.PrincipalARN
		if !accessPolicyRE.MatchString(e.PolicyARN) {
			errs = append(errs, field.Invalid(ep.Child("policyArn"), e.PolicyARN, "must be an EKS access policy ARN, such as "+ClusterAdminPolicyARN))
		}
	}
	for _, k := range sortedKeys(p.Tags) {
		if len(k) == 0 || len(k) > 128 || len(p.Tags[k]) > 256 {
			errs = append(errs, field.Invalid(fld.Child("tags").Key(k), p.Tags[k], "tag keys must be 1-128 characters and values at most 256"))
		}
	}
	return errs
}

func (n Network) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.VPCID != "" {
		if !vpcIDRE.MatchString(n.VPCID) {
			errs = append(errs, field.Invalid(fld.Child("vpcId"), n.VPCID, `must be a VPC ID such as "vpc-0a1b2c3d"`))
		}
		if len(n.PrivateSubnetIDs) < 2 {
			errs = append(errs, field.Invalid(fld.Child("privateSubnetIds"), n.PrivateSubnetIDs, "an existing VPC needs at least two private subnets in different AZs"))
		}
		for i, id := range n.PrivateSubnetIDs {
			if !subnetIDRE.MatchString(id) {
				errs = append(errs, field.Invalid(fld.Child("privateSubnetIds").Index(i), id, `must be a subnet ID such as "subnet-0a1b2c3d"`))
			}
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"cidr", n.CIDR != ""}, {"azCount", n.AZCount != 0}, {"privateSubnetCidrs", n.PrivateSubnetCIDRs != nil}, {"publicSubnetCidrs", n.PublicSubnetCIDRs != nil}, {"natGateway", n.NATGateway != ""}} {
			if f.set {
				errs = append(errs, field.Forbidden(fld.Child(f.name), "only for a new VPC; remove it or remove vpcId"))
			}
		}
		return errs
	}
	if n.PrivateSubnetIDs != nil {
		errs = append(errs, field.Forbidden(fld.Child("privateSubnetIds"), "only with vpcId (an existing VPC)"))
	}
	if n.AZCount < 2 || n.AZCount > 6 {
		errs = append(errs, field.Invalid(fld.Child("azCount"), n.AZCount, "must be between 2 and 6: EKS needs subnets in at least two availability zones"))
	}
	if !slices.Contains(natLayouts, n.NATGateway) {
		errs = append(errs, field.NotSupported(fld.Child("natGateway"), n.NATGateway, natLayouts))
	}
	vpc, err := netip.ParsePrefix(n.CIDR)
	if err != nil || !vpc.Addr().Is4() {
		return append(errs, field.Invalid(fld.Child("cidr"), n.CIDR, `must be an IPv4 CIDR block such as "10.0.0.0/16"`))
	}
	if vpc.Bits() < 16 || vpc.Bits() > 20 {
		errs = append(errs, field.Invalid(fld.Child("cidr"), n.CIDR, "must be a /16 to /20: a VPC is at most a /16, and EKS nodes need room for pod IPs"))
	}
	if vpc.Masked() != vpc {
		errs = append(errs, field.Invalid(fld.Child("cidr"), n.CIDR, fmt.Sprintf("has host bits set; did you mean %s?", vpc.Masked())))
	}
	var all []netip.Prefix
	for _, list := range []struct {
		name  string
		cidrs []string
	}{{"privateSubnetCidrs", n.PrivateSubnetCIDRs}, {"publicSubnetCidrs", n.PublicSubnetCIDRs}} {
		lp := fld.Child(list.name)
		if n.AZCount >= 2 && len(list.cidrs) != n.AZCount {
			errs = append(errs, field.Invalid(lp, list.cidrs, fmt.Sprintf("must list one subnet per AZ: %d, as azCount says", n.AZCount)))
		}
		for i, c := range list.cidrs {
			sn, err := netip.ParsePrefix(c)
			switch {
			case err != nil || !sn.Addr().Is4():
				errs = append(errs, field.Invalid(lp.Index(i), c, `must be an IPv4 CIDR block such as "10.0.0.0/20"`))
			case sn.Bits() < vpc.Bits() || !vpc.Contains(sn.Addr()):
				errs = append(errs, field.Invalid(lp.Index(i), c, fmt.Sprintf("must be inside the VPC CIDR %s", n.CIDR)))
			case sn.Bits() > 28:
				errs = append(errs, field.Invalid(lp.Index(i), c, "must be a /28 or larger"))
			default:
				for _, o := range all {
					if o.Overlaps(sn) {
						errs = append(errs, field.Invalid(lp.Index(i), c, fmt.Sprintf("overlaps %s", o)))
					}
				}
				all = append(all, sn)
			}
		}
	}
	return errs
}

func (e Endpoint) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !*e.PrivateAccess && !*e.PublicAccess {
		errs = append(errs, field.Invalid(fld.Child("publicAccess"), false, "at least one of privateAccess and publicAccess must be on"))
	}
	if *e.PublicAccess && len(e.PublicAccessCIDRs) == 0 {
		errs = append(errs, field.Required(fld.Child("publicAccessCidrs"), `the networks allowed to reach the public endpoint, such as ["203.0.113.0/24"]; turn publicAccess off for a private-only endpoint`))
	}
	if !*e.PublicAccess && len(e.PublicAccessCIDRs) > 0 {
		errs = append(errs, field.Forbidden(fld.Child("publicAccessCidrs"), "only with publicAccess on"))
	}
	for i, c := range e.PublicAccessCIDRs {
		if pfx, err := netip.ParsePrefix(c); err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
			errs = append(errs, field.Invalid(fld.Child("publicAccessCidrs").Index(i), c, `must be an IPv4 CIDR block without host bits, such as "203.0.113.0/24"`))
		}
	}
	return errs
}

func (g NodeGroup) validate(fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !nodeGroupRE.MatchString(g.Name) {
		errs = append(errs, field.Invalid(fld.Child("name"), g.Name, "must be 1-63 letters, digits, '-' or '_'"))
	}
	if len(g.InstanceTypes) == 0 {
		errs = append(errs, field.Required(fld.Child("instanceTypes"), `at least one EC2 instance type, such as ["m6i.large"]`))
	}
	for i, t := range g.InstanceTypes {
		if !instanceTypeRE.MatchString(t) {
			errs = append(errs, field.Invalid(fld.Child("instanceTypes").Index(i), t, `must be an EC2 instance type such as "m6i.large"`))
		}
	}
	if !slices.Contains(capacityTypes, g.CapacityType) {
		errs = append(errs, field.NotSupported(fld.Child("capacityType"), g.CapacityType, capacityTypes))
	}
	minSize, desired := *g.MinSize, *g.DesiredSize
	if minSize < 0 {
		errs = append(errs, field.Invalid(fld.Child("minSize"), minSize, "must be 0 or more"))
	}
	if g.MaxSize < 1 {
		errs = append(errs, field.Invalid(fld.Child("maxSize"), g.MaxSize, "must be 1 or more"))
	}
	if minSize > g.MaxSize {
		errs = append(errs, field.Invalid(fld.Child("minSize"), minSize, fmt.Sprintf("must not exceed maxSize (%d)", g.MaxSize)))
	}
	if desired < minSize || desired > g.MaxSize {
		errs = append(errs, field.Invalid(fld.Child("desiredSize"), desired, fmt.Sprintf("must be between minSize (%d) and maxSize (%d)", minSize, g.MaxSize)))
	}
	if g.DiskSizeGiB < 20 || g.DiskSizeGiB > 16384 {
		errs = append(errs, field.Invalid(fld.Child("diskSizeGiB"), g.DiskSizeGiB, "must be between 20 and 16384"))
	}
	for _, k := range sortedKeys(g.Labels) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(fld.Child("labels").Key(k), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(g.Labels[k]) {
			errs = append(errs, field.Invalid(fld.Child("labels").Key(k), g.Labels[k], msg))
		}
	}
	for i, t := range g.Taints {
		tp := fld.Child("taints").Index(i)
		for _, msg := range validation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(tp.Child("key"), t.Key, msg))
		}
		if t.Value != "" {
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(tp.Child("value"), t.Value, msg))
			}
		}
		if !slices.Contains(taintEffects, t.Effect) {
			errs = append(errs, field.NotSupported(tp.Child("effect"), t.Effect, taintEffects))
		}
	}
	return errs
}

// Warnings lists settings that synthesize but deserve a second look, with
// field paths under fld.
func (p Props) Warnings(fld *field.Path) []string {
	var out []string
	if p.Endpoint.PublicAccess != nil && *p.Endpoint.PublicAccess && slices.Contains(p.Endpoint.PublicAccessCIDRs, "0.0.0.0/0") {
		out = append(out, fld.Child("endpoint", "publicAccessCidrs").String()+
			`: the Kubernetes API is open to the whole internet (0.0.0.0/0); list your own networks, or turn publicAccess off`)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func ptr[T any](v T) *T { return &v }
