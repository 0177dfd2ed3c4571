package stacks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	synthesis "github.com/bluegreen-mesh/bluegreen/internal/synth" // stacks_test.go has a func synth
	"github.com/bluegreen-mesh/bluegreen/internal/tfcli"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/moto"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

// The environments the integration test synthesizes and applies, one per
// state backend, side by side on one moto_server (sharedMoto): each
// cycle's checks look only at what its environment's name and tags mark.
// Each has a region of its own too (the cdktf CLI's cycle has us-east-1):
// moto gives every EKS cluster of a region the same OIDC issuer, so a
// second cluster's OIDC provider in one region is refused as existing.
const (
	motoLocalEnv    = "moto-local"
	motoLocalRegion = "us-east-2"
	motoS3Env       = "moto-s3"
	motoS3Region    = "us-west-2"
	motoNodeGroup   = "small"
	stateBucket     = "bluegreen-moto-tfstate"
	lockTable       = "bluegreen-moto-tflock"
)

// sharedMoto is the one moto_server of the package's cycles on moto
// (TestClusterStackAppliesOnMoto's and
// TestMakeDeployDiffDestroyThroughCdktfCLI's), which run side by side; it
// starts with the first of them, and TestMain stops it.
var sharedMoto moto.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := sharedMoto.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping moto_server: %v\n", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// motoCluster is the cluster setting of the test environment: small, two
// AZs, and without what moto does not implement (EKS add-ons, access entries,
// access_config), left out through ordinary settings.
var motoCluster = map[string]any{
	"authenticationMode": "CONFIG_MAP",
	"addons":             map[string]any{"enabled": false},
	"network":            map[string]any{"cidr": "10.42.0.0/16", "azCount": 2},
	"endpoint":           map[string]any{"publicAccessCidrs": []string{"203.0.113.0/24"}},
	"nodeGroups": []map[string]any{{
		"name": motoNodeGroup, "instanceTypes": []string{"t3.medium"},
		"minSize": 1, "maxSize": 2, "desiredSize": 1,
	}},
}

// TestClusterStackAppliesOnMoto synthesizes the cluster stack of an
// environment pointed at moto (aws.localEndpoint), and runs Terraform's
// whole cycle on it: init, validate, plan, apply, a second plan that must be
// empty, and destroy. After apply it reads the cluster back through the AWS
// API; after destroy it checks that nothing is left. It does so once per
// state backend, each in an environment of its own, side by side with
// each other and with the cdktf CLI's cycle, on the shared moto_server.
func TestClusterStackAppliesOnMoto(t *testing.T) {
	t.Parallel()
	cli := setupTerraform(t)
	server := sharedMoto.Server(t)
	t.Logf("terraform %s, provider mirror %s, moto at %s (pid %d)", cli.Binary, cli.Mirror, server.URL(), server.PID())

	t.Run("local-backend", func(t *testing.T) {
		t.Parallel()
		stateDir := t.TempDir()
		c := cycle{env: motoLocalEnv, region: motoLocalRegion, cli: cli, api: newAWSClients(server.URL(), motoLocalRegion), endpoint: server.URL(),
			backend: map[string]any{"type": "local", "local": map[string]any{"dir": stateDir}}}
		c.afterApply = func(t *testing.T, ctx context.Context, managed int) {
			path := filepath.Join(stateDir, "terraform."+c.stack()+".tfstate")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("local state: %v; want the state file in backend.local.dir", err)
			}
			if got := managedInStateFile(t, b); got != managed {
				t.Errorf("%s: got %d managed resources, want %d", path, got, managed)
			}
			if _, err := os.Stat(filepath.Join(c.stackDir, "terraform.tfstate")); err == nil {
				t.Errorf("state also written to the stack folder %s, want it only in %s", c.stackDir, stateDir)
			}
		}
		c.run(t)
	})

	t.Run("s3-backend", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		api := newAWSClients(server.URL(), motoS3Region)
		// Outside us-east-1 a bucket names its region.
		if _, err := api.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(stateBucket),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoS3Region)},
		}); err != nil {
			t.Fatalf("creating the state bucket: %v", err)
		}
		if _, err := api.dynamodb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(lockTable),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("LockID"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("LockID"), KeyType: ddbtypes.KeyTypeHash}},
		}); err != nil {
			t.Fatalf("creating the lock table: %v", err)
		}
		c := cycle{env: motoS3Env, region: motoS3Region, cli: cli, api: api, endpoint: server.URL(),
			backend: map[string]any{"type": "s3", "s3": map[string]any{"bucket": stateBucket, "dynamodbTable": lockTable}}}
		c.afterApply = func(t *testing.T, ctx context.Context, managed int) {
			key := "bluegreen/" + c.env + "/" + c.stack() + ".tfstate"
			obj, err := api.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(stateBucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("state object s3://%s/%s: %v", stateBucket, key, err)
			}
			b, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := managedInStateFile(t, b); got != managed {
				t.Errorf("s3://%s/%s: got %d managed resources, want %d", stateBucket, key, got, managed)
			}
			if obj.ServerSideEncryption == "" {
				t.Errorf("s3://%s/%s: got no server-side encryption, want it (backend.s3.encrypt defaults to true)", stateBucket, key)
			}
			// Terraform keeps the state's digest in the lock table, and a
			// held lock under the state's path.
			items, err := api.dynamodb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(lockTable)})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, it := range items.Items {
				if id, ok := it["LockID"].(*ddbtypes.AttributeValueMemberS); ok {
					ids = append(ids, id.Value)
				}
			}
			lockID := stateBucket + "/" + key
			if !slices.Contains(ids, lockID+"-md5") {
				t.Errorf("lock table %s: got items %q, want the state digest %q", lockTable, ids, lockID+"-md5")
			}
			if slices.Contains(ids, lockID) {
				t.Errorf("lock table %s: the lock %q is still held after apply", lockTable, lockID)
			}
		}
		c.run(t)
	})
}

// setupTerraform finds terraform and the provider mirror (tfcli.Setup);
// when either is absent it skips t, or fails it under make test
// (moto.Missing), saying how to get it.
func setupTerraform(t *testing.T) *tfcli.CLI {
	t.Helper()
	cli, err := tfcli.Setup(t.TempDir(), tfcli.AWSProvider)
	if errors.Is(err, tfcli.ErrNotFound) {
		moto.Missing(t, "%v; install Terraform 1.10 or later (https://developer.hashicorp.com/terraform/install) and put registry.terraform.io/hashicorp/aws in a filesystem mirror (terraform providers mirror DIR; docs/testing.md, \"Cluster apply/destroy cycle on moto\")", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

// cycle is one init-to-destroy run of the cluster stack against moto.
type cycle struct {
	// env and region are the environment's name and region, its own on
	// the shared moto_server.
	env, region string
	cli         *tfcli.CLI
	api         awsClients
	endpoint    string
	// backend is the environment's backend setting.
	backend map[string]any
	// afterApply checks where the backend put the state; managed is the
	// number of managed resources Terraform applied.
	afterApply func(t *testing.T, ctx context.Context, managed int)
	// stackDir is where Terraform runs, set by run.
	stackDir string
}

// stack is the name of the environment's cluster stack.
func (c *cycle) stack() string { return c.env + stacks.ClusterSuffix }

// synthMu makes the cycles, which run side by side, synthesize one at a
// time: the in-process synthesis shares one jsii runtime.
var synthMu sync.Mutex

func (c *cycle) run(t *testing.T) {
	ctx := testContext(t)
	started := time.Now()
	env, stack := c.synthesize(t)
	c.stackDir = filepath.Dir(stack.Path)
	tf, err := c.cli.New(c.stackDir, &lineLog{t: t, prefix: "terraform: "})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := c.cli.New(c.stackDir, nil) // for show and output, whose JSON is not for the log
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, f func() error) {
		t.Helper()
		start := time.Now()
		if err := f(); err != nil {
			t.Fatalf("terraform %s: %v", name, err)
		}
		t.Logf("terraform %s took %s", name, time.Since(start).Round(100*time.Millisecond))
	}

	step("init", func() error { return tf.Init(ctx) })
	step("validate", func() error {
		v, err := quiet.Validate(ctx)
		if err == nil && !v.Valid {
			err = fmt.Errorf("got invalid configuration: %s", diagnostics(v.Diagnostics))
		}
		return err
	})
	step("plan", func() error {
		changes, err := tf.Plan(ctx)
		if err == nil && !changes {
			err = errors.New("got no changes on an empty account, want the whole stack to be created")
		}
		return err
	})
	step("apply", func() error { return tf.Apply(ctx) })

	state, err := quiet.Show(ctx)
	if err != nil {
		t.Fatalf("terraform show: %v", err)
	}
	got := managedResources(state)
	if len(got) != stack.Resources {
		t.Errorf("got %d managed resources in state, want %d (every resource of %s)", len(got), stack.Resources, stack.Path)
	}
	t.Logf("applied %d resources", len(got))
	created := c.checkApplied(t, ctx, env, state, quiet)
	c.afterApply(t, ctx, len(got))

	planFile := filepath.Join(t.TempDir(), "second.tfplan")
	step("plan (second)", func() error {
		changes, err := tf.Plan(ctx, tfexec.Out(planFile))
		if err != nil || !changes {
			return err
		}
		text, _ := quiet.ShowPlanFileRaw(ctx, planFile)
		plan, _ := quiet.ShowPlanFile(ctx, planFile)
		t.Errorf("second plan: got changes, want none (moto or the construct drifts):\n%s\n%s", planChanges(plan), text)
		return nil
	})

	step("destroy", func() error { return tf.Destroy(ctx) })
	state, err = quiet.Show(ctx)
	if err != nil {
		t.Fatalf("terraform show after destroy: %v", err)
	}
	for _, r := range managedResources(state) {
		t.Errorf("after destroy, state still holds %s", r.Address)
	}
	c.checkDestroyed(t, ctx, created)
	t.Logf("%s cycle took %s", t.Name(), time.Since(started).Round(time.Second))
}

// synthesize writes a cdktf.json with the one test environment, synthesizes
// it in process, and returns the environment (defaults applied) and its
// cluster stack.
func (c *cycle) synthesize(t *testing.T) (config.Environment, synthesis.Stack) {
	t.Helper()
	dir := t.TempDir()
	file := map[string]any{
		"language": "go",
		"app":      "go run main.go",
		"context": map[string]any{"environments": map[string]any{c.env: map[string]any{
			"region":  c.region,
			"aws":     map[string]any{"localEndpoint": c.endpoint},
			"backend": c.backend,
			"cluster": motoCluster,
		}}},
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "cdktf.json")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	synthMu.Lock()
	res, err := synthesis.Run(synthesis.Options{Config: cfg, Outdir: filepath.Join(dir, "cdktf.out"), Environments: []string{c.env}})
	synthMu.Unlock()
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	if len(res.Environments) != 1 {
		t.Fatalf("synth: got %d environments, want 1", len(res.Environments))
	}
	for _, s := range res.Stacks {
		if s.Name == c.stack() {
			return res.Environments[0], s
		}
	}
	t.Fatalf("synth: got stacks %v, want %s among them", res.Stacks, c.stack())
	return config.Environment{}, synthesis.Stack{}
}

// applied is what the cluster stack created, as Terraform's state says.
type applied struct {
	clusterName    string
	vpcID          string
	privateSubnets []string
	keyARN         string
	alias          string
	roles          []string
	oidcARN        string
}

// checkApplied compares the cluster and node group that the AWS API
// reports with the configuration and with Terraform's state and outputs.
func (c *cycle) checkApplied(t *testing.T, ctx context.Context, env config.Environment, state *tfjson.State, tf *tfexec.Terraform) applied {
	want := env.Cluster
	a := applied{clusterName: want.Name, alias: want.Encryption.Alias}
	var privateCIDRs []string
	for _, r := range managedResources(state) {
		v := r.AttributeValues
		switch r.Type {
		case "aws_vpc":
			a.vpcID, _ = v["id"].(string)
		case "aws_subnet":
			// The construct tags private subnets for internal load balancers.
			if tags, _ := v["tags"].(map[string]any); tags["kubernetes.io/role/internal-elb"] == "1" {
				id, _ := v["id"].(string)
				cidr, _ := v["cidr_block"].(string)
				a.privateSubnets = append(a.privateSubnets, id)
				privateCIDRs = append(privateCIDRs, cidr)
			}
		case "aws_kms_key":
			a.keyARN, _ = v["arn"].(string)
		case "aws_iam_role":
			name, _ := v["name"].(string)
			a.roles = append(a.roles, name)
		case "aws_iam_openid_connect_provider":
			a.oidcARN, _ = v["arn"].(string)
		}
	}
	slices.Sort(a.privateSubnets)
	slices.Sort(privateCIDRs)
	slices.Sort(a.roles)
	wantCIDRs := slices.Sorted(slices.Values(want.Network.PrivateSubnetCIDRs))
	if !slices.Equal(privateCIDRs, wantCIDRs) {
		t.Errorf("private subnets in state: got CIDRs %q, want %q", privateCIDRs, wantCIDRs)
	}
	if wantRoles := []string{want.Name + "-cluster", want.Name + "-node"}; !slices.Equal(a.roles, wantRoles) {
		t.Errorf("IAM roles in state: got %q, want %q", a.roles, wantRoles)
	}
	if a.vpcID == "" || a.keyARN == "" || a.oidcARN == "" {
		t.Fatalf("state: got VPC %q, KMS key %q and OIDC provider %q, want all three", a.vpcID, a.keyARN, a.oidcARN)
	}

	outputs, err := tf.Output(ctx)
	if err != nil {
		t.Fatalf("terraform output: %v", err)
	}
	out := func(name string) string {
		var s string
		if err := json.Unmarshal(outputs[name].Value, &s); err != nil {
			t.Errorf("output %s: %v", name, err)
		}
		return s
	}
	if got := out("cluster_name"); got != want.Name {
		t.Errorf("output cluster_name: got %q, want %q", got, want.Name)
	}
	if got := out("vpc_id"); got != a.vpcID {
		t.Errorf("output vpc_id: got %q, want %q (the VPC in state)", got, a.vpcID)
	}

	cl, err := c.api.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(want.Name)})
	if err != nil {
		t.Fatalf("DescribeCluster %s: %v", want.Name, err)
	}
	cluster := cl.Cluster
	if got := aws.ToString(cluster.Version); got != want.KubernetesVersion {
		t.Errorf("cluster version: got %q, want %q", got, want.KubernetesVersion)
	}
	if got := aws.ToString(cluster.Endpoint); got != out("cluster_endpoint") {
		t.Errorf("cluster endpoint: got %q, want the output cluster_endpoint %q", got, out("cluster_endpoint"))
	}
	vpcCfg := cluster.ResourcesVpcConfig
	if vpcCfg == nil {
		t.Fatalf("cluster: got no resourcesVpcConfig")
	}
	if got := slices.Sorted(slices.Values(vpcCfg.SubnetIds)); !slices.Equal(got, a.privateSubnets) {
		t.Errorf("cluster subnets: got %q, want the private subnets %q", got, a.privateSubnets)
	}
	// moto leaves resourcesVpcConfig.vpcId empty; the subnets say which VPC
	// the cluster is in.
	subnets, err := c.api.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: vpcCfg.SubnetIds})
	if err != nil {
		t.Fatalf("DescribeSubnets %q: %v", vpcCfg.SubnetIds, err)
	}
	for _, s := range subnets.Subnets {
		if got := aws.ToString(s.VpcId); got != a.vpcID {
			t.Errorf("cluster subnet %s: got VPC %q, want %q", aws.ToString(s.SubnetId), got, a.vpcID)
		}
	}
	if got := vpcCfg.PublicAccessCidrs; !slices.Equal(got, want.Endpoint.PublicAccessCIDRs) {
		t.Errorf("cluster public access CIDRs: got %q, want %q", got, want.Endpoint.PublicAccessCIDRs)
	}
	if len(cluster.EncryptionConfig) != 1 {
		t.Errorf("cluster encryption config: got %d entries, want 1", len(cluster.EncryptionConfig))
	} else {
		enc := cluster.EncryptionConfig[0]
		if !slices.Equal(enc.Resources, []string{"secrets"}) {
			t.Errorf("cluster encryption resources: got %q, want [secrets]", enc.Resources)
		}
		if enc.Provider == nil || aws.ToString(enc.Provider.KeyArn) != a.keyARN {
			t.Errorf("cluster encryption key: got %+v, want %s", enc.Provider, a.keyARN)
		}
	}

	ng, err := c.api.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(want.Name), NodegroupName: aws.String(motoNodeGroup)})
	if err != nil {
		t.Fatalf("DescribeNodegroup %s/%s: %v", want.Name, motoNodeGroup, err)
	}
	group := ng.Nodegroup
	wantGroup := want.NodeGroups[0]
	if sc := group.ScalingConfig; sc == nil {
		t.Errorf("node group: got no scaling config")
	} else {
		got := [3]int32{aws.ToInt32(sc.MinSize), aws.ToInt32(sc.MaxSize), aws.ToInt32(sc.DesiredSize)}
		wantScaling := [3]int32{int32(*wantGroup.MinSize), int32(wantGroup.MaxSize), int32(*wantGroup.DesiredSize)}
		if got != wantScaling {
			t.Errorf("node group scaling min/max/desired: got %v, want %v", got, wantScaling)
		}
	}
	if got := slices.Sorted(slices.Values(group.Subnets)); !slices.Equal(got, a.privateSubnets) {
		t.Errorf("node group subnets: got %q, want the private subnets %q", got, a.privateSubnets)
	}
	if !slices.Equal(group.InstanceTypes, wantGroup.InstanceTypes) {
		t.Errorf("node group instance types: got %q, want %q", group.InstanceTypes, wantGroup.InstanceTypes)
	}
	// The construct leaves update_config to EKS's default (one node at a
	// time); moto does not report one then, and real EKS reports its
	// default. Either way none is set by us.
	if u := group.UpdateConfig; u != nil && (aws.ToInt32(u.MaxUnavailable) > 1 || aws.ToInt32(u.MaxUnavailablePercentage) != 0) {
		t.Errorf("node group update config: got %s, want EKS's default of one node at a time", compact(u))
	}
	if got := aws.ToString(group.NodeRole); got != out("node_role_arn") {
		t.Errorf("node group role: got %q, want the output node_role_arn %q", got, out("node_role_arn"))
	}
	return a
}

// checkDestroyed checks through the AWS API that nothing a is left.
func (c *cycle) checkDestroyed(t *testing.T, ctx context.Context, a applied) {
	// moto holds the other cycles' resources too: only this cycle's
	// names and tags count.
	_, err := c.api.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(a.clusterName)})
	var noCluster *ekstypes.ResourceNotFoundException
	if !errors.As(err, &noCluster) {
		t.Errorf("after destroy, DescribeCluster %s: got %v, want ResourceNotFound", a.clusterName, err)
	}
	for _, name := range clustersTagged(t, c.api, c.env) {
		t.Errorf("after destroy, EKS cluster %s tagged %s=%s still exists", name, config.EnvironmentTag, c.env)
	}
	for _, f := range []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{a.vpcID}},
		{Name: aws.String("tag:" + config.EnvironmentTag), Values: []string{c.env}},
	} {
		vpcs, err := c.api.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{f}})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vpcs.Vpcs {
			t.Errorf("after destroy, VPC %s (filter %s=%v) still exists", aws.ToString(v.VpcId), aws.ToString(f.Name), f.Values)
		}
	}
	subnets, err := c.api.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{a.vpcID}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subnets.Subnets {
		t.Errorf("after destroy, subnet %s of VPC %s still exists", aws.ToString(s.SubnetId), a.vpcID)
	}
	for _, role := range a.roles {
		_, err := c.api.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
		var missing *iamtypes.NoSuchEntityException
		if !errors.As(err, &missing) {
			t.Errorf("after destroy, GetRole %s: got %v, want NoSuchEntity", role, err)
		}
	}
	_, err = c.api.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a.oidcARN)})
	var missing *iamtypes.NoSuchEntityException
	if !errors.As(err, &missing) {
		t.Errorf("after destroy, GetOpenIDConnectProvider %s: got %v, want NoSuchEntity", a.oidcARN, err)
	}
	key, err := c.api.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(a.keyARN)})
	if err != nil {
		t.Fatalf("DescribeKey %s: %v", a.keyARN, err)
	}
	if got := key.KeyMetadata.KeyState; got == kmstypes.KeyStateEnabled {
		t.Errorf("after destroy, KMS key %s: got state %s, want it scheduled for deletion", a.keyARN, got)
	}
	aliases, err := c.api.kms.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, al := range aliases.Aliases {
		if aws.ToString(al.AliasName) == a.alias {
			t.Errorf("after destroy, KMS alias %s still exists (target %s)", a.alias, aws.ToString(al.TargetKeyId))
		}
	}
}

// awsClients are the AWS API clients the test reads moto with.
type awsClients struct {
	eks      *eks.Client
	ec2      *ec2.Client
	iam      *iam.Client
	kms      *kms.Client
	s3       *s3.Client
	dynamodb *dynamodb.Client
}

// newAWSClients returns clients of region that send every call to endpoint, signed
// with moto's dummy credentials. They read no shared AWS configuration.
func newAWSClients(endpoint, region string) awsClients {
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "moto"}, nil
		}),
		BaseEndpoint: aws.String(endpoint),
	}
	return awsClients{
		eks:      eks.NewFromConfig(cfg),
		ec2:      ec2.NewFromConfig(cfg),
		iam:      iam.NewFromConfig(cfg),
		kms:      kms.NewFromConfig(cfg),
		s3:       s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		dynamodb: dynamodb.NewFromConfig(cfg),
	}
}

// testContext is cancelled a minute before the test's deadline, so a hung
// Terraform is stopped (and its error shown) while the test can still
// report.
func testContext(t *testing.T) context.Context {
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-time.Minute))
		t.Cleanup(cancel)
	}
	return ctx
}

// managedResources returns the managed resources in state.
func managedResources(state *tfjson.State) []*tfjson.StateResource {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	var out []*tfjson.StateResource
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			if r.Mode == tfjson.ManagedResourceMode {
				out = append(out, r)
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(state.Values.RootModule)
	return out
}

// managedInStateFile counts the managed resources in a raw state file.
func managedInStateFile(t *testing.T, b []byte) int {
	t.Helper()
	var s struct {
		Resources []struct {
			Mode string `json:"mode"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("parsing a state file: %v", err)
	}
	n := 0
	for _, r := range s.Resources {
		if r.Mode == "managed" {
			n++
		}
	}
	return n
}

// planChanges names each resource a plan would change, with its actions
// and the attributes whose values differ.
func planChanges(p *tfjson.Plan) string {
	if p == nil {
		return "(plan JSON unavailable)"
	}
	var b strings.Builder
	for _, rc := range p.ResourceChanges {
		if rc.Change == nil || rc.Change.Actions.NoOp() {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var attrs []string
		for k := range after {
			if !jsonEqual(before[k], after[k]) {
				attrs = append(attrs, fmt.Sprintf("%s: %s -> %s", k, compact(before[k]), compact(after[k])))
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				attrs = append(attrs, fmt.Sprintf("%s: %s -> (unknown)", k, compact(before[k])))
			}
		}
		slices.Sort(attrs)
		fmt.Fprintf(&b, "%s %v\n    %s\n", rc.Address, rc.Change.Actions, strings.Join(attrs, "\n    "))
	}
	return b.String()
}

func jsonEqual(a, b any) bool { return compact(a) == compact(b) }

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func diagnostics(ds []tfjson.Diagnostic) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s: %s: %s", d.Severity, d.Summary, d.Detail))
	}
	return strings.Join(out, "; ")
}

// lineLog copies Terraform's output to the test log, one line per entry.
// Terraform-exec writes stdout and stderr from two goroutines.
type lineLog struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := slices.Index(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := strings.TrimRight(string(l.buf[:i]), "\r"); strings.TrimSpace(line) != "" {
			l.t.Log(l.prefix + line)
		}
		l.buf = l.buf[i+1:]
	}
}

// clustersTagged returns the EKS clusters moto holds that are tagged
// bluegreen:environment=env. A cluster deleted between the list and its
// description (another cycle's, side by side) is passed over.
func clustersTagged(t *testing.T, api awsClients, env string) []string {
	t.Helper()
	ctx := t.Context()
	clusters, err := api.eks.ListClusters(ctx, &eks.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range clusters.Clusters {
		cl, err := api.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		var gone *ekstypes.ResourceNotFoundException
		if errors.As(err, &gone) {
			continue
		}
		if err != nil {
			t.Fatalf("DescribeCluster %s: %v", name, err)
		}
		if cl.Cluster.Tags[config.EnvironmentTag] == env {
			out = append(out, name)
		}
	}
	return out
}
