package eks_test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"

	"github.com/bluegreen-mesh/bluegreen/constructs/eks"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/stacktest"
)

func synth(t *testing.T, p eks.Props) testutil.Doc {
	t.Helper()
	stack := stacktest.NewStack(t)
	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("eu-west-1")})
	if _, err := eks.New(stack, "eks", p); err != nil {
		t.Fatal(err)
	}
	return stacktest.Synth(t, stack)
}

func TestNewVPCSingleNAT(t *testing.T) {
	p := validProps()
	p.Network = eks.Network{CIDR: "10.20.0.0/16", AZCount: 2}
	d := synth(t, p)

	for typ, want := range map[string]int{
		"aws_vpc": 1, "aws_subnet": 4, "aws_internet_gateway": 1, "aws_eip": 1, "aws_nat_gateway": 1,
		"aws_route_table": 2, "aws_route": 2, "aws_route_table_association": 4,
		"aws_iam_role": 2, "aws_iam_role_policy_attachment": 4, "aws_kms_key": 1, "aws_kms_alias": 1,
		"aws_cloudwatch_log_group": 1, "aws_eks_cluster": 1, "aws_eks_node_group": 1,
		"aws_iam_openid_connect_provider": 1, "aws_eks_addon": 3, "aws_eks_access_entry": 0,
	} {
		if got := d.Count(typ); got != want {
			t.Errorf("%s: got %d, want %d", typ, got, want)
		}
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_vpc", "eks/vpc"), map[string]any{
		"cidr_block": "10.20.0.0/16", "enable_dns_hostnames": true, "enable_dns_support": true,
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_subnet", "eks/private-subnet-1"), map[string]any{
		"cidr_block": "10.20.16.0/20",
		"tags":       map[string]any{"kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/test": "shared"},
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_subnet", "eks/public-subnet-0"), map[string]any{
		"cidr_block": "10.20.240.0/24",
		"tags":       map[string]any{"kubernetes.io/role/elb": "1", "kubernetes.io/cluster/test": "shared"},
	})
	// Both private subnets route through the one NAT gateway.
	nat := d.Ref(t, "aws_nat_gateway", "eks/nat-gateway-0", "id")
	testutil.AssertSubset(t, d.Resource(t, "aws_route", "eks/private-nat-route-0"), map[string]any{
		"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": nat,
	})
	rt := d.Ref(t, "aws_route_table", "eks/private-route-table-0", "id")
	for _, a := range []string{"eks/private-subnet-0-route", "eks/private-subnet-1-route"} {
		testutil.AssertSubset(t, d.Resource(t, "aws_route_table_association", a), map[string]any{"route_table_id": rt})
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_route", "eks/public-internet-route"), map[string]any{
		"destination_cidr_block": "0.0.0.0/0", "gateway_id": d.Ref(t, "aws_internet_gateway", "eks/internet-gateway", "id"),
	})

	cluster := d.Resource(t, "aws_eks_cluster", "eks/cluster")
	testutil.AssertSubset(t, cluster, map[string]any{
		"name":    "test",
		"version": eks.DefaultKubernetesVersion,
		"vpc_config": map[string]any{
			"endpoint_private_access": true,
			"endpoint_public_access":  true,
			"public_access_cidrs":     []string{"203.0.113.0/24"},
			"subnet_ids": []string{
				d.Ref(t, "aws_subnet", "eks/private-subnet-0", "id"),
				d.Ref(t, "aws_subnet", "eks/private-subnet-1", "id"),
			},
		},
		"enabled_cluster_log_types": []string{"api", "audit", "authenticator"},
		"encryption_config": map[string]any{
			"resources": []string{"secrets"},
			"provider":  map[string]any{"key_arn": d.Ref(t, "aws_kms_key", "eks/secrets-key", "arn")},
		},
		"access_config": map[string]any{
			"authentication_mode":                         "API_AND_CONFIG_MAP",
			"bootstrap_cluster_creator_admin_permissions": true,
		},
		"role_arn": d.Ref(t, "aws_iam_role", "eks/cluster-role", "arn"),
	})
	deps, _ := cluster["depends_on"].([]any)
	if len(deps) != 2 || !strings.HasPrefix(deps[0].(string), "aws_iam_role_policy_attachment.") || !strings.HasPrefix(deps[1].(string), "aws_cloudwatch_log_group.") {
		t.Errorf("cluster depends_on: got %v, want the cluster policy attachment and the log group", deps)
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_kms_key", "eks/secrets-key"), map[string]any{
		"enable_key_rotation": true, "deletion_window_in_days": 30,
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_kms_alias", "eks/secrets-key-alias"), map[string]any{
		"name": "alias/test-eks-secrets", "target_key_id": d.Ref(t, "aws_kms_key", "eks/secrets-key", "key_id"),
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_cloudwatch_log_group", "eks/control-plane-logs"), map[string]any{
		"name": "/aws/eks/test/cluster", "retention_in_days": 90,
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_iam_openid_connect_provider", "eks/oidc-provider"), map[string]any{
		"client_id_list":  []string{"sts.amazonaws.com"},
		"thumbprint_list": []string{eks.DefaultOIDCThumbprint},
		"url":             d.Ref(t, "aws_eks_cluster", "eks/cluster", "identity[0].oidc[0].issuer"),
	})
}

func TestIAMIsLimitedToTheEKSPolicies(t *testing.T) {
	d := synth(t, validProps())
	var got []string
	for _, r := range d.Resources("aws_iam_role_policy_attachment") {
		arn := r.(map[string]any)["policy_arn"].(string)
		got = append(got, arn[strings.LastIndex(arn, "/")+1:])
	}
	want := "AmazonEC2ContainerRegistryReadOnly,AmazonEKSClusterPolicy,AmazonEKSWorkerNodePolicy,AmazonEKS_CNI_Policy"
	if strings.Join(sorted(got), ",") != want {
		t.Errorf("got policies %v, want exactly %s", sorted(got), want)
	}
	for _, id := range []string{"eks/cluster-role", "eks/node-role"} {
		role := d.Resource(t, "aws_iam_role", id)
		if _, ok := role["inline_policy"]; ok {
			t.Errorf("%s has an inline policy; want only the managed attachments", id)
		}
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_iam_role_policy_attachment", "eks/cluster-policy"), map[string]any{
		"policy_arn": "arn:${data.aws_partition." + d.LogicalID(t, "data", "aws_partition", "eks/partition") + ".partition}:iam::aws:policy/AmazonEKSClusterPolicy",
	})
}

func TestNewVPCNATPerAZ(t *testing.T) {
	p := validProps()
	p.Network = eks.Network{AZCount: 3, NATGateway: eks.NATPerAZ}
	d := synth(t, p)
	if got := d.Count("aws_nat_gateway"); got != 3 {
		t.Errorf("NAT gateways: got %d, want 3", got)
	}
	if got := d.Count("aws_route_table"); got != 4 {
		t.Errorf("route tables: got %d, want 4 (one public, one private per AZ)", got)
	}
	for i, az := range []string{"0", "1", "2"} {
		testutil.AssertSubset(t, d.Resource(t, "aws_route_table_association", "eks/private-subnet-"+az+"-route"), map[string]any{
			"route_table_id": d.Ref(t, "aws_route_table", "eks/private-route-table-"+az, "id"),
		})
		testutil.AssertSubset(t, d.Resource(t, "aws_subnet", "eks/private-subnet-"+az), map[string]any{
			"availability_zone": "${element(data.aws_availability_zones." + d.LogicalID(t, "data", "aws_availability_zones", "eks/azs") + ".names, " + az + ")}",
		})
		_ = i
	}
}

func TestExistingVPC(t *testing.T) {
	p := validProps()
	p.Network = eks.Network{VPCID: "vpc-0a1b2c3d4e5f60718", PrivateSubnetIDs: []string{"subnet-0a1b2c3d", "subnet-4e5f6071"}}
	d := synth(t, p)
	for _, typ := range []string{"aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_internet_gateway", "aws_route_table"} {
		if n := d.Count(typ); n != 0 {
			t.Errorf("%s: got %d, want none with an existing VPC", typ, n)
		}
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_cluster", "eks/cluster"), map[string]any{
		"vpc_config": map[string]any{"subnet_ids": []string{"subnet-0a1b2c3d", "subnet-4e5f6071"}},
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_node_group", "eks/node-group-default"), map[string]any{
		"subnet_ids": []string{"subnet-0a1b2c3d", "subnet-4e5f6071"},
	})
}

func TestNodeGroups(t *testing.T) {
	p := validProps()
	p.NodeGroups = []eks.NodeGroup{{
		Name: "spot", InstanceTypes: []string{"m6i.xlarge", "m6a.xlarge"}, CapacityType: "SPOT",
		MinSize: ptr(1), MaxSize: 5, DesiredSize: ptr(2), DiskSizeGiB: 80,
		Labels: map[string]string{"workload": "apps"},
		Taints: []eks.Taint{{Key: "dedicated", Value: "apps", Effect: "NO_SCHEDULE"}},
	}}
	d := synth(t, p)
	ng := d.Resource(t, "aws_eks_node_group", "eks/node-group-spot")
	testutil.AssertSubset(t, ng, map[string]any{
		"cluster_name":    d.Ref(t, "aws_eks_cluster", "eks/cluster", "name"),
		"node_group_name": "spot",
		"node_role_arn":   d.Ref(t, "aws_iam_role", "eks/node-role", "arn"),
		"instance_types":  []string{"m6i.xlarge", "m6a.xlarge"},
		"capacity_type":   "SPOT",
		"disk_size":       80,
		"scaling_config":  map[string]any{"min_size": 1, "max_size": 5, "desired_size": 2},
		"labels":          map[string]any{"workload": "apps"},
		"taint":           []any{map[string]any{"key": "dedicated", "value": "apps", "effect": "NO_SCHEDULE"}},
		"lifecycle":       map[string]any{"ignore_changes": []string{"scaling_config[0].desired_size", "remote_access"}},
	})
	if _, ok := ng["remote_access"]; ok {
		t.Error("node group configures remote_access; want none (SSM instead of SSH)")
	}
	if _, ok := ng["update_config"]; ok {
		t.Error("node group sets update_config; want EKS's default (one node at a time), which moto does not echo")
	}
	// Pod networking add-ons come before the nodes, coredns after them.
	deps := strings.Join(toStrings(ng["depends_on"]), " ")
	for _, want := range []string{"aws_eks_addon." + d.LogicalID(t, "resource", "aws_eks_addon", "eks/addon-vpc-cni"), "aws_eks_addon." + d.LogicalID(t, "resource", "aws_eks_addon", "eks/addon-kube-proxy")} {
		if !strings.Contains(deps, want) {
			t.Errorf("node group depends_on %s; want it to include %s", deps, want)
		}
	}
	coredns := d.Resource(t, "aws_eks_addon", "eks/addon-coredns")
	testutil.AssertSubset(t, coredns, map[string]any{
		"addon_name": "coredns", "addon_version": eks.DefaultAddonVersions[eks.DefaultKubernetesVersion]["coredns"],
		"resolve_conflicts_on_create": "OVERWRITE",
		"depends_on":                  []string{"aws_eks_node_group." + d.LogicalID(t, "resource", "aws_eks_node_group", "eks/node-group-spot")},
	})
}

func TestAddonsOffAndAccessEntries(t *testing.T) {
	p := validProps()
	p.Addons.Enabled = ptr(false)
	p.AccessEntries = []eks.AccessEntry{{PrincipalARN: "arn:aws:iam::111122223333:role/admin"}}
	d := synth(t, p)
	if n := d.Count("aws_eks_access_entry"); n != 1 {
		t.Fatalf("access entries: got %d, want 1", n)
	}
	if n := d.Count("aws_eks_addon"); n != 0 {
		t.Errorf("add-ons: got %d, want none when disabled", n)
	}
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_access_entry", "eks/access-entry-111122223333-role-admin"), map[string]any{
		"principal_arn": "arn:aws:iam::111122223333:role/admin", "type": "STANDARD",
	})
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_access_policy_association", "eks/access-policy-111122223333-role-admin"), map[string]any{
		"policy_arn":   eks.ClusterAdminPolicyARN,
		"access_scope": map[string]any{"type": "cluster"},
	})
}

func TestAccessConfigOmittedOnlyWhenItEqualsTheEKSDefault(t *testing.T) {
	p := validProps()
	p.AuthenticationMode = "CONFIG_MAP"
	d := synth(t, p)
	if ac, ok := d.Resource(t, "aws_eks_cluster", "eks/cluster")["access_config"]; ok {
		t.Errorf("got access_config %v for CONFIG_MAP with creator admin; want it omitted", ac)
	}
	p.BootstrapCreatorAdmin = ptr(false)
	d = synth(t, p)
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_cluster", "eks/cluster"), map[string]any{
		"access_config": map[string]any{"authentication_mode": "CONFIG_MAP", "bootstrap_cluster_creator_admin_permissions": false},
	})
}

func TestPrivateOnlyEndpoint(t *testing.T) {
	p := validProps()
	p.Endpoint = eks.Endpoint{PublicAccess: ptr(false)}
	d := synth(t, p)
	vpc := d.Resource(t, "aws_eks_cluster", "eks/cluster")["vpc_config"].(map[string]any)
	if vpc["endpoint_public_access"] != false || vpc["endpoint_private_access"] != true {
		t.Errorf("got %v, want private access only", vpc)
	}
	if _, ok := vpc["public_access_cidrs"]; ok {
		t.Errorf("got public_access_cidrs %v with the public endpoint off", vpc["public_access_cidrs"])
	}
}

func TestNewRejectsBadProps(t *testing.T) {
	stack := stacktest.NewStack(t)
	p := validProps()
	p.KubernetesVersion = "1.10"
	_, err := eks.New(stack, "eks", p)
	if err == nil || !strings.Contains(err.Error(), `eks cluster "eks": kubernetesVersion: Unsupported value: "1.10"`) {
		t.Errorf("got %v, want an error naming the construct and the field", err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestAccessEntriesKeyedByPrincipal removes the first of two entries and
// checks that the second keeps its construct path (and so its Terraform
// address): entries are keyed by principal, not list position.
func TestAccessEntriesKeyedByPrincipal(t *testing.T) {
	admin := eks.AccessEntry{PrincipalARN: "arn:aws:iam::111122223333:role/admin"}
	ci := eks.AccessEntry{PrincipalARN: "arn:aws:iam::111122223333:user/ci"}
	p := validProps()
	p.AccessEntries = []eks.AccessEntry{admin, ci}
	before := synth(t, p)
	p.AccessEntries = []eks.AccessEntry{ci}
	after := synth(t, p)
	if n := after.Count("aws_eks_access_entry"); n != 1 {
		t.Fatalf("access entries after removing one: got %d, want 1", n)
	}
	const path = "eks/access-entry-111122223333-user-ci"
	got := after.LogicalID(t, "resource", "aws_eks_access_entry", path)
	if want := before.LogicalID(t, "resource", "aws_eks_access_entry", path); got != want {
		t.Errorf("ci's access entry: logical id %s after removing admin, %s before; want it unchanged", got, want)
	}
}

func TestAccessEntryKey(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:role/platform-admin": "111122223333-role-platform-admin",
		"arn:aws-cn:iam::111122223333:user/ci.bot":      "111122223333-user-ci-bot",
	} {
		if got := eks.AccessEntryKey(arn); got != want {
			t.Errorf("AccessEntryKey(%q): got %q, want %q", arn, got, want)
		}
	}
}

// TestNameDefaultsToTheEnvironment uses the construct as a team importing
// it would: without a name, the cluster of environment "dev" is
// "bluegreen-dev", and so are the names derived from it.
func TestNameDefaultsToTheEnvironment(t *testing.T) {
	p := validProps()
	p.Name, p.Environment = "", "dev"
	d := synth(t, p)
	testutil.AssertSubset(t, d.Resource(t, "aws_eks_cluster", "eks/cluster"), map[string]any{"name": "bluegreen-dev"})
	testutil.AssertSubset(t, d.Resource(t, "aws_kms_alias", "eks/secrets-key-alias"), map[string]any{"name": "alias/bluegreen-dev-eks-secrets"})
}
