package stacks_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/moto"
)

// The environment of testdata/cdktf-cli.cdktf.json. It leaves add-ons and
// the authentication mode unset: aws.localEndpoint applies the local
// emulator profile (config.LocalEmulatorCluster), which the clean diff
// after deploy depends on.
const (
	cliEnv     = "cli"
	cliCluster = "bluegreen-" + cliEnv
)

// TestMakeDeployDiffDestroyThroughCdktfCLI runs the cluster stack's cycle
// the way a user does: make deploy, make diff and make destroy, which run
// the pinned cdktf CLI (node_modules/.bin/cdktf), against moto, on a machine
// whose only provider source is the filesystem mirror named in a Terraform
// CLI configuration (TF_CLI_CONFIG_FILE), with every registry out of reach
// (HTTPS_PROXY to a closed port). It reads the cluster from moto after
// deploy, requires "No changes" from diff, and nothing tagged with the
// environment after destroy; no command may print a Terraform warning. A
// deploy of the whole environment stops at the mesh stack's terraform init,
// as the helm and kubernetes providers are not in the mirror, with
// Terraform's own message and before deploying anything. It runs side by
// side with TestClusterStackAppliesOnMoto, on the shared moto_server
// (sharedMoto), in an environment of its own.
func TestMakeDeployDiffDestroyThroughCdktfCLI(t *testing.T) {
	t.Parallel()
	tf := setupTerraform(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "cdktf")); err != nil {
		moto.Missing(t, "the pinned cdktf CLI: %v; install it with make node-tools (npm ci)", err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		moto.Missing(t, "make is not on the PATH: %v; install GNU make", err)
	}
	server := sharedMoto.Server(t)
	api := newAWSClients(server.URL(), "us-east-1") // the fixture's region
	ctx := testContext(t)

	dir := t.TempDir()
	fixture, err := os.ReadFile(filepath.Join("testdata", "cdktf-cli.cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(dir, "state")
	if err := os.Mkdir(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "cdktf.json")
	text := strings.NewReplacer("@ENDPOINT@", server.URL(), "@STATE_DIR@", stateDir).Replace(string(fixture))
	if err := os.WriteFile(cfgFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	// The program's modules come from Go's module cache: the registry
	// block below also stops the Go module proxy, so fetch them first.
	if out, err := exec.CommandContext(ctx, "go", "mod", "download").CombinedOutput(); err != nil {
		t.Fatalf("go mod download in %s: %v\n%s", root, err, out)
	}
	env := []string{
		"BLUEGREEN_CONFIG=" + cfgFile,
		"CDKTF_OUTDIR=" + filepath.Join(dir, "cdktf.out"),
		"TF_CLI_CONFIG_FILE=" + tf.ConfigFile,
		"TF_PLUGIN_CACHE_DIR=" + filepath.Join(dir, "plugin-cache"),
		"CHECKPOINT_DISABLE=1",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
		"https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9", "no_proxy=127.0.0.1,localhost",
		"GOPROXY=off", "GOFLAGS=-mod=readonly",
	}
	if err := os.Mkdir(filepath.Join(dir, "plugin-cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	runMake := func(args ...string) (string, error) {
		t.Helper()
		cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory", "-C", root}, args...)...)
		cmd.Env = append(cleanEnv(), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.Logf("make %s took %s", strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
		text := out.String()
		for _, w := range warnings(text) {
			t.Errorf("make %s printed a warning: %s", strings.Join(args, " "), w)
		}
		return text, err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := runMake(args...)
		if err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	out := must("deploy", "ENV="+cliEnv, "STACK=cluster", "AUTO_APPROVE=1")
	if !strings.Contains(out, "Apply complete!") {
		t.Errorf("make deploy: got no \"Apply complete!\" in its output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "cdktf.out", "stacks", cliEnv+"-cluster", ".terraform.lock.hcl")); err != nil {
		t.Errorf("after make deploy: %v; want the stack's lock file", err)
	}
	cl, err := api.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(cliCluster)})
	if err != nil {
		t.Fatalf("after make deploy, DescribeCluster %s: %v", cliCluster, err)
	}
	if got := cl.Cluster.Tags[config.EnvironmentTag]; got != cliEnv {
		t.Errorf("cluster %s: got tag %s=%q, want %q", cliCluster, config.EnvironmentTag, got, cliEnv)
	}
	if a := cl.Cluster.AccessConfig; a != nil && a.AuthenticationMode != "" && a.AuthenticationMode != "CONFIG_MAP" {
		t.Errorf("cluster %s: got authentication mode %s, want CONFIG_MAP (the local emulator profile)", cliCluster, a.AuthenticationMode)
	}

	out = must("diff", "ENV="+cliEnv, "STACK=cluster")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("make diff after deploy: got no \"No changes.\":\n%s", out)
	}

	// The whole environment: the mesh stack needs the helm and kubernetes
	// providers, which the mirror does not hold.
	out, err = runMake("deploy", "ENV="+cliEnv, "AUTO_APPROVE=1")
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Errorf("make deploy of the whole environment: got %v, want it to fail at the mesh stack's terraform init:\n%s", err, out)
	}
	for _, want := range []string{
		"Failed to query available provider packages",
		"provider registry.terraform.io/hashicorp/helm was not found",
		cliEnv + "-mesh: terraform init could not install the stack's providers",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("make deploy of the whole environment: got\n%s\nwant it to say %q", out, want)
		}
	}
	if strings.Contains(out, "Apply complete!") || strings.Contains(out, "Deploying Stack") {
		t.Errorf("make deploy of the whole environment deployed something before stopping:\n%s", out)
	}

	out = must("destroy", "ENV="+cliEnv, "STACK=cluster", "AUTO_APPROVE=1")
	if !strings.Contains(out, "Destroy complete!") {
		t.Errorf("make destroy: got no \"Destroy complete!\" in its output:\n%s", out)
	}
	checkNothingTagged(t, api, cliEnv)
}

// checkNothingTagged fails t for every EKS cluster, and every EC2 resource
// or IAM role tagged bluegreen:environment=env, that moto still holds.
func checkNothingTagged(t *testing.T, api awsClients, env string) {
	t.Helper()
	ctx := t.Context()
	for _, c := range clustersTagged(t, api, env) {
		t.Errorf("after make destroy, EKS cluster %s tagged %s=%s still exists", c, config.EnvironmentTag, env)
	}
	// By each resource type's own Describe call with a tag filter: moto's
	// DescribeTags keeps the tags of deleted resources.
	tagged := []ec2types.Filter{{Name: aws.String("tag:" + config.EnvironmentTag), Values: []string{env}}}
	left := func(kind string, ids ...string) {
		for _, id := range ids {
			t.Errorf("after make destroy, %s %s tagged %s=%s still exists", kind, id, config.EnvironmentTag, env)
		}
	}
	vpcs, err := api.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vpcs.Vpcs {
		left("VPC", aws.ToString(v.VpcId))
	}
	subnets, err := api.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range subnets.Subnets {
		left("subnet", aws.ToString(v.SubnetId))
	}
	rts, err := api.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rts.RouteTables {
		left("route table", aws.ToString(v.RouteTableId))
	}
	igws, err := api.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range igws.InternetGateways {
		left("internet gateway", aws.ToString(v.InternetGatewayId))
	}
	nats, err := api.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range nats.NatGateways {
		if v.State != ec2types.NatGatewayStateDeleted {
			left("NAT gateway", aws.ToString(v.NatGatewayId))
		}
	}
	eips, err := api.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range eips.Addresses {
		left("elastic IP", aws.ToString(v.AllocationId))
	}
	sgs, err := api.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sgs.SecurityGroups {
		left("security group", aws.ToString(v.GroupId))
	}
	roles, err := api.iam.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles.Roles {
		rt, err := api.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: r.RoleName})
		var gone *iamtypes.NoSuchEntityException
		if errors.As(err, &gone) {
			continue // another cycle's, deleted since the list
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range rt.Tags {
			if aws.ToString(tag.Key) == config.EnvironmentTag && aws.ToString(tag.Value) == env {
				t.Errorf("after make destroy, IAM role %s is still tagged %s=%s", aws.ToString(r.RoleName), config.EnvironmentTag, env)
			}
		}
	}
}

// warningLine matches the lines where Terraform or the cdktf CLI warn,
// such as "Warning: Invalid Attribute Combination" or a deprecation.
var warningLine = regexp.MustCompile(`(?i)^.*(warning:|deprecat).*$`)

// warnings returns the lines of out that warn.
func warnings(out string) []string {
	return warningLine.FindAllString(out, -1)
}

// cleanEnv is this process's environment without what would change how
// make, the program, the cdktf CLI or Terraform behave in the test: the
// caller's Terraform and cdktf settings, proxies, configuration file and
// environment selection.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TF_"), strings.HasPrefix(k, "CDKTF_"),
			strings.HasSuffix(strings.ToUpper(k), "_PROXY"),
			k == "BLUEGREEN_CONFIG", k == "ENVIRONMENTS", k == "ENV", k == "STACK", k == "AUTO_APPROVE",
			k == "MAKEFLAGS", k == "MAKELEVEL", k == "MFLAGS", k == "GOFLAGS", k == "GOPROXY":
			continue
		}
		out = append(out, kv)
	}
	return out
}
