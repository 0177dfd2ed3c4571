package eks_test

import (
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
)

func ptr[T any](v T) *T { return &v }

func validProps() eks.Props {
	return eks.Props{
		Name:     "test",
		Endpoint: eks.Endpoint{PublicAccessCIDRs: []string{"203.0.113.0/24"}},
	}
}

func TestDefaults(t *testing.T) {
	p := validProps().WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	n := p.Network
	if got, want := strings.Join(n.PrivateSubnetCIDRs, ","), "10.0.0.0/20,10.0.16.0/20,10.0.32.0/20"; got != want {
		t.Errorf("private subnets: got %s, want %s", got, want)
	}
	if got, want := strings.Join(n.PublicSubnetCIDRs, ","), "10.0.240.0/24,10.0.241.0/24,10.0.242.0/24"; got != want {
		t.Errorf("public subnets: got %s, want %s", got, want)
	}
	g := p.NodeGroups[0]
	if g.Name != "default" || *g.MinSize != 2 || g.MaxSize != 4 || *g.DesiredSize != 2 || g.DiskSizeGiB != 50 || g.CapacityType != "ON_DEMAND" {
		t.Errorf("default node group: got %+v (min %d, desired %d)", g, *g.MinSize, *g.DesiredSize)
	}
	if p.Encryption.Alias != "alias/test-eks-secrets" || p.Encryption.KeyDeletionWindowDays != 30 {
		t.Errorf("encryption: got %+v", p.Encryption)
	}
	if !*p.Endpoint.PrivateAccess || !*p.Endpoint.PublicAccess {
		t.Errorf("endpoint: got private %v public %v, want both on", *p.Endpoint.PrivateAccess, *p.Endpoint.PublicAccess)
	}
	if got := p.Addons.Versions["vpc-cni"]; got != eks.DefaultAddonVersions[eks.DefaultKubernetesVersion]["vpc-cni"] {
		t.Errorf("vpc-cni version: got %q, want the pinned default", got)
	}
}

func TestWithDefaultsDoesNotChangeTheCaller(t *testing.T) {
	in := validProps()
	in.NodeGroups = []eks.NodeGroup{{Name: "a"}}
	in.Addons.Versions = map[string]string{"vpc-cni": "v1.2.3-eksbuild.1"}
	_ = in.WithDefaults()
	if in.NodeGroups[0].MinSize != nil || in.Network.CIDR != "" || len(in.Addons.Versions) != 1 {
		t.Errorf("WithDefaults changed its receiver: %+v", in)
	}
}

func TestSmallerVPCSplitsIntoSmallerSubnets(t *testing.T) {
	p := validProps()
	p.Network = eks.Network{CIDR: "10.1.0.0/20", AZCount: 2}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(append(p.Network.PrivateSubnetCIDRs, p.Network.PublicSubnetCIDRs...), ","),
		"10.1.0.0/24,10.1.1.0/24,10.1.15.0/28,10.1.15.16/28"; got != want {
		t.Errorf("got subnets %s, want %s", got, want)
	}
}

func TestValidateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*eks.Props)
		field  string
		detail string
	}{
		{"fails/unsupported kubernetes version", func(p *eks.Props) { p.KubernetesVersion = "1.21" },
			"kubernetesVersion", `Unsupported value: "1.21": supported values: "1.32", "1.33", "1.34", "1.35"`},
		{"fails/min greater than max", func(p *eks.Props) { p.NodeGroups = []eks.NodeGroup{{Name: "a", MinSize: ptr(5), MaxSize: 3}} },
			"nodeGroups[0].minSize", "Invalid value: 5: must not exceed maxSize (3)"},
		{"fails/desired below min", func(p *eks.Props) {
			p.NodeGroups = []eks.NodeGroup{{Name: "a", MinSize: ptr(2), MaxSize: 4, DesiredSize: ptr(1)}}
		}, "nodeGroups[0].desiredSize", "Invalid value: 1: must be between minSize (2) and maxSize (4)"},
		{"fails/desired above max", func(p *eks.Props) {
			p.NodeGroups = []eks.NodeGroup{{Name: "a", MinSize: ptr(1), MaxSize: 2, DesiredSize: ptr(3)}}
		}, "nodeGroups[0].desiredSize", "Invalid value: 3: must be between minSize (1) and maxSize (2)"},
		{"fails/fewer than two AZs", func(p *eks.Props) { p.Network.AZCount = 1 },
			"network.azCount", "Invalid value: 1: must be between 2 and 6"},
		{"fails/CIDR that does not parse", func(p *eks.Props) { p.Network.CIDR = "10.0.0.0/33" },
			"network.cidr", `Invalid value: "10.0.0.0/33": must be an IPv4 CIDR block`},
		{"fails/VPC too small", func(p *eks.Props) { p.Network.CIDR = "10.0.0.0/24" },
			"network.cidr", "must be a /16 to /20"},
		{"fails/subnet outside the VPC", func(p *eks.Props) {
			p.Network.CIDR, p.Network.AZCount = "10.0.0.0/16", 2
			p.Network.PrivateSubnetCIDRs = []string{"10.0.0.0/20", "10.1.0.0/20"}
		}, "network.privateSubnetCidrs[1]", `Invalid value: "10.1.0.0/20": must be inside the VPC CIDR 10.0.0.0/16`},
		{"fails/overlapping subnets", func(p *eks.Props) {
			p.Network.AZCount = 2
			p.Network.PrivateSubnetCIDRs = []string{"10.0.0.0/20", "10.0.8.0/21"}
		}, "network.privateSubnetCidrs[1]", "overlaps 10.0.0.0/20"},
		{"fails/one subnet per AZ", func(p *eks.Props) {
			p.Network.AZCount = 3
			p.Network.PublicSubnetCIDRs = []string{"10.0.240.0/24"}
		}, "network.publicSubnetCidrs", "must list one subnet per AZ: 3"},
		{"fails/empty instance type list", func(p *eks.Props) { p.NodeGroups = []eks.NodeGroup{{Name: "a", InstanceTypes: []string{}}} },
			"nodeGroups[0].instanceTypes", "Required value: at least one EC2 instance type"},
		{"fails/bad instance type", func(p *eks.Props) { p.NodeGroups = []eks.NodeGroup{{Name: "a", InstanceTypes: []string{"large"}}} },
			"nodeGroups[0].instanceTypes[0]", `Invalid value: "large"`},
		{"fails/bad capacity type", func(p *eks.Props) { p.NodeGroups = []eks.NodeGroup{{Name: "a", CapacityType: "spot"}} },
			"nodeGroups[0].capacityType", `Unsupported value: "spot": supported values: "ON_DEMAND", "SPOT"`},
		{"fails/duplicate node group", func(p *eks.Props) { p.NodeGroups = []eks.NodeGroup{{Name: "a"}, {Name: "a"}} },
			"nodeGroups[1].name", `Duplicate value: "a"`},
		{"fails/bad taint effect", func(p *eks.Props) {
			p.NodeGroups = []eks.NodeGroup{{Name: "a", Taints: []eks.Taint{{Key: "dedicated", Effect: "NoSchedule"}}}}
		}, "nodeGroups[0].taints[0].effect", `Unsupported value: "NoSchedule"`},
		{"fails/bad label", func(p *eks.Props) {
			p.NodeGroups = []eks.NodeGroup{{Name: "a", Labels: map[string]string{"team": "a b"}}}
		},
			"nodeGroups[0].labels[team]", `Invalid value: "a b"`},
		{"fails/public endpoint without CIDRs", func(p *eks.Props) { p.Endpoint.PublicAccessCIDRs = nil },
			"endpoint.publicAccessCidrs", "Required value: the networks allowed to reach the public endpoint"},
		{"fails/no endpoint at all", func(p *eks.Props) {
			p.Endpoint = eks.Endpoint{PrivateAccess: ptr(false), PublicAccess: ptr(false)}
		}, "endpoint.publicAccess", "at least one of privateAccess and publicAccess must be on"},
		{"fails/duplicate access entry principal", func(p *eks.Props) {
			p.AccessEntries = []eks.AccessEntry{{PrincipalARN: "arn:aws:iam::111122223333:role/admin"}, {PrincipalARN: "arn:aws:iam::111122223333:role/admin"}}
		}, "accessEntries[1].principalArn", `Duplicate value: "arn:aws:iam::111122223333:role/admin"`},
		{"fails/access entry principals with one key", func(p *eks.Props) {
			p.AccessEntries = []eks.AccessEntry{{PrincipalARN: "arn:aws:iam::111122223333:role/a-b"}, {PrincipalARN: "arn:aws:iam::111122223333:role/a.b"}}
		}, "accessEntries[1].principalArn", `names the same Terraform resources (key "111122223333-role-a-b") as arn:aws:iam::111122223333:role/a-b`},
		{"fails/bad log type", func(p *eks.Props) { p.LogTypes = []string{"api", "audits"} },
			"logTypes[1]", `Unsupported value: "audits"`},
		{"fails/bad retention", func(p *eks.Props) { p.LogRetentionDays = 10 },
			"logRetentionDays", "Invalid value: 10: must be one of CloudWatch's retention periods"},
		{"fails/existing VPC with one subnet", func(p *eks.Props) {
			p.Network = eks.Network{VPCID: "vpc-0123456789abcdef0", PrivateSubnetIDs: []string{"subnet-0123456789abcdef0"}}
		}, "network.privateSubnetIds", "at least two private subnets"},
		{"fails/existing VPC with a new VPC setting", func(p *eks.Props) {
			p.Network = eks.Network{VPCID: "vpc-0123456789abcdef0", PrivateSubnetIDs: []string{"subnet-01234567", "subnet-89abcdef"}, CIDR: "10.0.0.0/16"}
		}, "network.cidr", "only for a new VPC"},
		{"fails/access entry with config map auth", func(p *eks.Props) {
			p.AuthenticationMode = "CONFIG_MAP"
			p.AccessEntries = []eks.AccessEntry{{PrincipalARN: "arn:aws:iam::111122223333:role/admin"}}
		}, "authenticationMode", "access entries need API or API_AND_CONFIG_MAP"},
		{"fails/bad principal", func(p *eks.Props) { p.AccessEntries = []eks.AccessEntry{{PrincipalARN: "admin"}} },
			"accessEntries[0].principalArn", `Invalid value: "admin"`},
		{"fails/bad thumbprint", func(p *eks.Props) { p.OIDCThumbprints = []string{"XYZ"} },
			"oidcThumbprints[0]", `Invalid value: "XYZ": must be 40 lowercase hex digits`},
		{"fails/bad add-on version", func(p *eks.Props) { p.Addons.Versions = map[string]string{"coredns": "latest"} },
			"addons.versions[coredns]", `Invalid value: "latest"`},
		{"fails/key deletion window", func(p *eks.Props) { p.Encryption.KeyDeletionWindowDays = 3 },
			"encryption.keyDeletionWindowDays", "must be between 7 and 30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			tc.change(&p)
			testutil.AssertFieldError(t, p.WithDefaults().ValidateAt(nil), tc.field, tc.detail)
		})
	}
}

func TestWarnsAboutAnOpenEndpoint(t *testing.T) {
	p := validProps()
	p.Endpoint.PublicAccessCIDRs = []string{"0.0.0.0/0"}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(nil); len(w) != 1 || !strings.Contains(w[0], "open to the whole internet") {
		t.Errorf("got warnings %q, want one about 0.0.0.0/0", w)
	}
	if w := validProps().WithDefaults().Warnings(nil); len(w) != 0 {
		t.Errorf("got warnings %q for a restricted endpoint, want none", w)
	}
}

func TestKubernetesVersions(t *testing.T) {
	p := validProps().WithDefaults()
	if p.KubernetesVersion != "1.35" {
		t.Errorf("default kubernetesVersion: got %q, want 1.35 (in EKS standard support until 2027-03-27)", p.KubernetesVersion)
	}
	// 1.36 is accepted, but has no pinned add-on versions yet.
	q := validProps()
	q.KubernetesVersion = "1.36"
	errs := q.WithDefaults().ValidateAt(nil)
	for _, name := range []string{"vpc-cni", "coredns", "kube-proxy"} {
		testutil.AssertFieldError(t, errs, "addons.versions["+name+"]", "no pinned default for Kubernetes 1.36")
	}
	q.Addons.Versions = map[string]string{"vpc-cni": "v1.21.1-eksbuild.1", "coredns": "v1.13.1-eksbuild.1", "kube-proxy": "v1.36.0-eksbuild.1"}
	if err := q.WithDefaults().Validate(); err != nil {
		t.Errorf("1.36 with add-on versions: got %v, want it accepted", err)
	}
	q.KubernetesVersion = "1.31"
	testutil.AssertFieldError(t, q.WithDefaults().ValidateAt(nil), "kubernetesVersion", `Unsupported value: "1.31": supported values: "1.32", "1.33", "1.34", "1.35", "1.36"`)
}

// TestDefaultKubernetesVersionIsInStandardSupport checks that the default
// EKS version is in standard support, without a warning, on 2026-12-07 (a
// fixed day: EKS 1.34 left standard support on 2026-12-02), and that 1.34
// then warns.
func TestDefaultKubernetesVersionIsInStandardSupport(t *testing.T) {
	day := time.Date(2026, time.December, 7, 0, 0, 0, 0, time.UTC)
	if w := validProps().WithDefaults().SupportWarnings(field.NewPath("cluster"), day); len(w) != 0 {
		t.Errorf("default kubernetesVersion on %s: got warnings %q, want none", day.Format(time.DateOnly), w)
	}
	p := validProps()
	p.KubernetesVersion = "1.34"
	want := `cluster.kubernetesVersion: EKS 1.34 left standard support on 2026-12-02; extended support costs extra per cluster hour and ends on 2027-12-02, when EKS upgrades the cluster itself; move to 1.35 (kubernetesVersion "1.35")`
	if w := p.WithDefaults().SupportWarnings(field.NewPath("cluster"), day); len(w) != 1 || w[0] != want {
		t.Errorf("EKS 1.34 on %s: got %q; want [%q]", day.Format(time.DateOnly), w, want)
	}
}

func TestNameDefault(t *testing.T) {
	for _, tc := range []struct {
		name, clusterName, env, want string
	}{
		{"from the environment", "", "dev", "bluegreen-dev"},
		{"a name wins", "shop", "dev", "shop"},
		{"neither", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			p.Name, p.Environment = tc.clusterName, tc.env
			if got := p.WithDefaults().Name; got != tc.want {
				t.Errorf("name: got %q, want %q", got, tc.want)
			}
		})
	}
	p := validProps()
	p.Name = ""
	err := p.WithDefaults().Validate()
	if err == nil || !strings.Contains(err.Error(), "name: Required value: the EKS cluster name") {
		t.Errorf("no name, no environment: got %v, want name required", err)
	}
}
