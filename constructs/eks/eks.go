package eks

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsavailabilityzones"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawspartition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccessentry"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccesspolicyassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaddon"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ekscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksnodegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamopenidconnectprovider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/internetgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

// Cluster is an EKS cluster and everything it needs to run.
type Cluster struct {
	constructs.Construct

	props   Props
	cluster ekscluster.EksCluster
	oidc    iamopenidconnectprovider.IamOpenidConnectProvider
	vpcID   *string
	nodeARN *string
	private []*string
}

// New creates a Cluster under scope. It returns an error, and creates
// nothing, when p is invalid.
func New(scope constructs.Construct, id string, p Props) (*Cluster, error) {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("eks cluster %q: %w", id, err)
	}
	c := &Cluster{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: p}
	for _, w := range p.Warnings(nil) {
		cdktf.Annotations_Of(c.Construct).AddWarning(jsii.String(w))
	}
	partition := dataawspartition.NewDataAwsPartition(c.Construct, jsii.String("partition"), nil)
	policy := func(name string) *string {
		return jsii.String(fmt.Sprintf("arn:%s:iam::aws:policy/%s", *partition.Partition(), name))
	}

	if p.Network.VPCID == "" {
		c.newNetwork()
	} else {
		c.vpcID = jsii.String(p.Network.VPCID)
		c.private = *jsii.Strings(p.Network.PrivateSubnetIDs...)
	}

	clusterRole := iamrole.NewIamRole(c.Construct, jsii.String("cluster-role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name + "-cluster"),
		AssumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"),
		Tags:             c.tags(nil),
	})
	clusterPolicy := iamrolepolicyattachment.NewIamRolePolicyAttachment(c.Construct, jsii.String("cluster-policy"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      clusterRole.Name(),
		PolicyArn: policy("AmazonEKSClusterPolicy"),
	})
	nodeRole := iamrole.NewIamRole(c.Construct, jsii.String("node-role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name + "-node"),
		AssumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
		Tags:             c.tags(nil),
	})
	c.nodeARN = nodeRole.Arn()
	var nodePolicies []cdktf.ITerraformDependable
	for _, name := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"} {
		nodePolicies = append(nodePolicies, iamrolepolicyattachment.NewIamRolePolicyAttachment(c.Construct, jsii.String("node-policy-"+name), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      nodeRole.Name(),
			PolicyArn: policy(name),
		}))
	}

	key := kmskey.NewKmsKey(c.Construct, jsii.String("secrets-key"), &kmskey.KmsKeyConfig{
		Description:          jsii.String("Envelope encryption of Kubernetes secrets in EKS cluster " + p.Name),
		EnableKeyRotation:    jsii.Bool(true),
		DeletionWindowInDays: jsii.Number(float64(p.Encryption.KeyDeletionWindowDays)),
		Tags:                 c.tags(nil),
	})
	kmsalias.NewKmsAlias(c.Construct, jsii.String("secrets-key-alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String(p.Encryption.Alias),
		TargetKeyId: key.KeyId(),
	})
	// EKS creates this log group on first use with retention "never expire";
	// creating it first keeps retention under our control.
	logs := cloudwatchloggroup.NewCloudwatchLogGroup(c.Construct, jsii.String("control-plane-logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String("/aws/eks/" + p.Name + "/cluster"),
		RetentionInDays: jsii.Number(float64(p.LogRetentionDays)),
		Tags:            c.tags(nil),
	})

	cfg := &ekscluster.EksClusterConfig{
		Name:    jsii.String(p.Name),
		RoleArn: clusterRole.Arn(),
		Version: jsii.String(p.KubernetesVersion),
		VpcConfig: &ekscluster.EksClusterVpcConfig{
			SubnetIds:             &c.private,
			EndpointPrivateAccess: jsii.Bool(*p.Endpoint.PrivateAccess),
			EndpointPublicAccess:  jsii.Bool(*p.Endpoint.PublicAccess),
		},
		EnabledClusterLogTypes: jsii.Strings(p.LogTypes...),
		EncryptionConfig: &ekscluster.EksClusterEncryptionConfig{
			Resources: jsii.Strings("secrets"),
			Provider:  &ekscluster.EksClusterEncryptionConfigProvider{KeyArn: key.Arn()},
		},
		Tags:      c.tags(nil),
		DependsOn: &[]cdktf.ITerraformDependable{clusterPolicy, logs},
	}
	if *p.Endpoint.PublicAccess {
		cfg.VpcConfig.PublicAccessCidrs = jsii.Strings(p.Endpoint.PublicAccessCIDRs...)
	}
	// access_config is written only when it differs from what EKS assumes
	// without one (CONFIG_MAP, creator is admin). Omitting it then is exact
	// on real AWS, where the block is optional and computed, and it keeps the
	// second plan clean against APIs that do not return accessConfig (moto).
	if p.AuthenticationMode != "CONFIG_MAP" || !*p.BootstrapCreatorAdmin {
		cfg.AccessConfig = &ekscluster.EksClusterAccessConfig{
			AuthenticationMode:                      jsii.String(p.AuthenticationMode),
			BootstrapClusterCreatorAdminPermissions: jsii.Bool(*p.BootstrapCreatorAdmin),
		}
	}
	c.cluster = ekscluster.NewEksCluster(c.Construct, jsii.String("cluster"), cfg)

	c.oidc = iamopenidconnectprovider.NewIamOpenidConnectProvider(c.Construct, jsii.String("oidc-provider"), &iamopenidconnectprovider.IamOpenidConnectProviderConfig{
		Url:            c.cluster.Identity().Get(jsii.Number(0)).Oidc().Get(jsii.Number(0)).Issuer(),
		ClientIdList:   jsii.Strings("sts.amazonaws.com"),
		ThumbprintList: jsii.Strings(p.OIDCThumbprints...),
		Tags:           c.tags(nil),
	})

	// vpc-cni and kube-proxy go in before the nodes (nodes need pod
	// networking to become Ready); coredns goes in after them (it needs nodes
	// to schedule on, or the add-on stays DEGRADED until a timeout).
	beforeNodes := append([]cdktf.ITerraformDependable{}, nodePolicies...)
	var afterNodes []string
	if *p.Addons.Enabled {
		for _, name := range sortedKeys(p.Addons.Versions) {
			if name == "coredns" {
				afterNodes = append(afterNodes, name)
				continue
			}
			beforeNodes = append(beforeNodes, c.addon(name, nil))
		}
	}
	var groups []cdktf.ITerraformDependable
	for _, g := range p.NodeGroups {
		groups = append(groups, c.nodeGroup(g, beforeNodes))
	}
	for _, name := range afterNodes {
		c.addon(name, groups)
	}

	// Entries are keyed by principal, not by list position, so removing or
	// reordering one leaves the others in place.
	for _, e := range p.AccessEntries {
		key := AccessEntryKey(e.PrincipalARN)
		entry := eksaccessentry.NewEksAccessEntry(c.Construct, jsii.String("access-entry-"+key), &eksaccessentry.EksAccessEntryConfig{
			ClusterName:  c.cluster.Name(),
			PrincipalArn: jsii.String(e.PrincipalARN),
			Type:         jsii.String("STANDARD"),
			Tags:         c.tags(nil),
		})
		eksaccesspolicyassociation.NewEksAccessPolicyAssociation(c.Construct, jsii.String("access-policy-"+key), &eksaccesspolicyassociation.EksAccessPolicyAssociationConfig{
			ClusterName:  c.cluster.Name(),
			PrincipalArn: entry.PrincipalArn(),
			PolicyArn:    jsii.String(e.PolicyARN),
			AccessScope:  &eksaccesspolicyassociation.EksAccessPolicyAssociationAccessScope{Type: jsii.String("cluster")},
		})
	}
	return c, nil
}

func (c *Cluster) newNetwork() {
	p, n := c.props, c.props.Network
	azs := dataawsavailabilityzones.NewDataAwsAvailabilityZones(c.Construct, jsii.String("azs"), &dataawsavailabilityzones.DataAwsAvailabilityZonesConfig{
		State: jsii.String("available"),
		Filter: &[]*dataawsavailabilityzones.DataAwsAvailabilityZonesFilter{{
			Name:   jsii.String("opt-in-status"),
			Values: jsii.Strings("opt-in-not-required"),
		}},
	})
	v := vpc.NewVpc(c.Construct, jsii.String("vpc"), &vpc.VpcConfig{
		CidrBlock:          jsii.String(n.CIDR),
		EnableDnsHostnames: jsii.Bool(true),
		EnableDnsSupport:   jsii.Bool(true),
		Tags:               c.tags(map[string]string{"Name": p.Name}),
	})
	c.vpcID = v.Id()
	igw := internetgateway.NewInternetGateway(c.Construct, jsii.String("internet-gateway"), &internetgateway.InternetGatewayConfig{
		VpcId: v.Id(),
		Tags:  c.tags(map[string]string{"Name": p.Name}),
	})
	publicRT := routetable.NewRouteTable(c.Construct, jsii.String("public-route-table"), &routetable.RouteTableConfig{
		VpcId: v.Id(),
		Tags:  c.tags(map[string]string{"Name": p.Name + "-public"}),
	})
	route.NewRoute(c.Construct, jsii.String("public-internet-route"), &route.RouteConfig{
		RouteTableId:         publicRT.Id(),
		DestinationCidrBlock: jsii.String("0.0.0.0/0"),
		GatewayId:            igw.Id(),
	})
	// The cluster tag and the role tags are how the AWS load balancer
	// controller and the in-tree service controller find subnets.
	clusterTag := "kubernetes.io/cluster/" + p.Name
	var nats []natgateway.NatGateway
	for i := range n.AZCount {
		az := cdktf.Fn_Element(azs.Names(), jsii.Number(i))
		pub := subnet.NewSubnet(c.Construct, jsii.String(fmt.Sprintf("public-subnet-%d", i)), &subnet.SubnetConfig{
			VpcId:            v.Id(),
			CidrBlock:        jsii.String(n.PublicSubnetCIDRs[i]),
			AvailabilityZone: cdktf.Token_AsString(az, nil),
			Tags:             c.tags(map[string]string{"Name": fmt.Sprintf("%s-public-%d", p.Name, i), "kubernetes.io/role/elb": "1", clusterTag: "shared"}),
		})
		routetableassociation.NewRouteTableAssociation(c.Construct, jsii.String(fmt.Sprintf("public-subnet-%d-route", i)), &routetableassociation.RouteTableAssociationConfig{
			SubnetId:     pub.Id(),
			RouteTableId: publicRT.Id(),
		})
		if i == 0 || n.NATGateway == NATPerAZ {
			ip := eip.NewEip(c.Construct, jsii.String(fmt.Sprintf("nat-ip-%d", i)), &eip.EipConfig{
				Domain: jsii.String("vpc"),
				Tags:   c.tags(map[string]string{"Name": fmt.Sprintf("%s-nat-%d", p.Name, i)}),
			})
			nats = append(nats, natgateway.NewNatGateway(c.Construct, jsii.String(fmt.Sprintf("nat-gateway-%d", i)), &natgateway.NatGatewayConfig{
				AllocationId: ip.Id(),
				SubnetId:     pub.Id(),
				Tags:         c.tags(map[string]string{"Name": fmt.Sprintf("%s-%d", p.Name, i)}),
				DependsOn:    &[]cdktf.ITerraformDependable{igw},
			}))
		}
	}
	var privateRTs []routetable.RouteTable
	for i, nat := range nats {
		rt := routetable.NewRouteTable(c.Construct, jsii.String(fmt.Sprintf("private-route-table-%d", i)), &routetable.RouteTableConfig{
			VpcId: v.Id(),
			Tags:  c.tags(map[string]string{"Name": fmt.Sprintf("%s-private-%d", p.Name, i)}),
		})
		route.NewRoute(c.Construct, jsii.String(fmt.Sprintf("private-nat-route-%d", i)), &route.RouteConfig{
			RouteTableId:         rt.Id(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			NatGatewayId:         nat.Id(),
		})
		privateRTs = append(privateRTs, rt)
	}
	for i := range n.AZCount {
		az := cdktf.Fn_Element(azs.Names(), jsii.Number(i))
		priv := subnet.NewSubnet(c.Construct, jsii.String(fmt.Sprintf("private-subnet-%d", i)), &subnet.SubnetConfig{
			VpcId:            v.Id(),
			CidrBlock:        jsii.String(n.PrivateSubnetCIDRs[i]),
			AvailabilityZone: cdktf.Token_AsString(az, nil),
			Tags:             c.tags(map[string]string{"Name": fmt.Sprintf("%s-private-%d", p.Name, i), "kubernetes.io/role/internal-elb": "1", clusterTag: "shared"}),
		})
		routetableassociation.NewRouteTableAssociation(c.Construct, jsii.String(fmt.Sprintf("private-subnet-%d-route", i)), &routetableassociation.RouteTableAssociationConfig{
			SubnetId:     priv.Id(),
			RouteTableId: privateRTs[min(i, len(privateRTs)-1)].Id(),
		})
		c.private = append(c.private, priv.Id())
	}
}

func (c *Cluster) nodeGroup(g NodeGroup, deps []cdktf.ITerraformDependable) eksnodegroup.EksNodeGroup {
	var taints []*eksnodegroup.EksNodeGroupTaint
	for _, t := range g.Taints {
		taint := &eksnodegroup.EksNodeGroupTaint{Key: jsii.String(t.Key), Effect: jsii.String(t.Effect)}
		if t.Value != "" {
			taint.Value = jsii.String(t.Value)
		}
		taints = append(taints, taint)
	}
	cfg := &eksnodegroup.EksNodeGroupConfig{
		ClusterName:   c.cluster.Name(),
		NodeGroupName: jsii.String(g.Name),
		NodeRoleArn:   c.nodeARN,
		SubnetIds:     &c.private,
		InstanceTypes: jsii.Strings(g.InstanceTypes...),
		CapacityType:  jsii.String(g.CapacityType),
		AmiType:       jsii.String(g.AMIType),
		DiskSize:      jsii.Number(float64(g.DiskSizeGiB)),
		ScalingConfig: &eksnodegroup.EksNodeGroupScalingConfig{
			MinSize:     jsii.Number(float64(*g.MinSize)),
			MaxSize:     jsii.Number(float64(g.MaxSize)),
			DesiredSize: jsii.Number(float64(*g.DesiredSize)),
		},
		// update_config is left out: EKS's default (one node unavailable
		// at a time during updates) is what we want, and the block is
		// optional and computed, so omitting it is exact on real AWS. An
		// API that does not return it (moto) then causes no drift either.
		Labels:    addon.StringMap(g.Labels),
		Tags:      c.tags(nil),
		DependsOn: &deps,
		Lifecycle: &cdktf.TerraformResourceLifecycle{
			// desired_size: a cluster autoscaler (or Karpenter) owns the
			// node count after creation; Terraform must not scale it back.
			// remote_access: this construct never configures SSH access to
			// nodes (use SSM Session Manager). EKS accepts remote_access only
			// at creation, so on real AWS ignoring it changes nothing; it
			// stops an API that reports a default key pair (moto does) from
			// forcing the node group to be replaced on the next plan.
			IgnoreChanges: jsii.Strings("scaling_config[0].desired_size", "remote_access"),
		},
	}
	if len(taints) > 0 {
		cfg.Taint = &taints
	}
	return eksnodegroup.NewEksNodeGroup(c.Construct, jsii.String("node-group-"+g.Name), cfg)
}

func (c *Cluster) addon(name string, deps []cdktf.ITerraformDependable) eksaddon.EksAddon {
	cfg := &eksaddon.EksAddonConfig{
		ClusterName:              c.cluster.Name(),
		AddonName:                jsii.String(name),
		AddonVersion:             jsii.String(c.props.Addons.Versions[name]),
		ResolveConflictsOnCreate: jsii.String("OVERWRITE"),
		ResolveConflictsOnUpdate: jsii.String("OVERWRITE"),
		Tags:                     c.tags(nil),
	}
	if len(deps) > 0 {
		cfg.DependsOn = &deps
	}
	return eksaddon.NewEksAddon(c.Construct, jsii.String("addon-"+name), cfg)
}

func (c *Cluster) tags(extra map[string]string) *map[string]*string {
	all := maps.Clone(c.props.Tags)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, extra)
	return addon.StringMap(all)
}

func assumeRolePolicy(service string) *string {
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]string{"Service": service},
			"Action":    "sts:AssumeRole",
		}},
	})
	return jsii.String(string(doc))
}

// Props returns the props the cluster was built with, defaults applied.
func (c *Cluster) Props() Props { return c.props }

// Name is the cluster name, as a reference that resolves once the cluster
// exists.
func (c *Cluster) Name() *string { return c.cluster.Name() }

// Endpoint is the Kubernetes API server URL.
func (c *Cluster) Endpoint() *string { return c.cluster.Endpoint() }

// CertificateAuthorityData is the base64-encoded cluster CA certificate.
func (c *Cluster) CertificateAuthorityData() *string {
	return c.cluster.CertificateAuthority().Get(jsii.Number(0)).Data()
}

// OIDCProviderARN is the ARN of the IAM OIDC provider for IAM roles for
// service accounts.
func (c *Cluster) OIDCProviderARN() *string { return c.oidc.Arn() }

// OIDCIssuerURL is the cluster's OIDC issuer URL.
func (c *Cluster) OIDCIssuerURL() *string { return c.oidc.Url() }

// NodeRoleARN is the ARN of the IAM role of the managed nodes.
func (c *Cluster) NodeRoleARN() *string { return c.nodeARN }

// VPCID is the ID of the cluster's VPC.
func (c *Cluster) VPCID() *string { return c.vpcID }

// PrivateSubnetIDs are the subnets of the nodes and the control plane.
func (c *Cluster) PrivateSubnetIDs() []*string { return c.private }
