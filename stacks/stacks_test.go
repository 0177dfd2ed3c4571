package stacks_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
	"github.com/bluegreen-mesh/bluegreen/stacks"
)

func environment(t *testing.T, name, env string) config.Environment {
	t.Helper()
	envs, err := config.Parse("test.json", []byte(`{"context":{"environments":{"`+name+`":`+env+`}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return envs[0]
}

// synthEnv builds env's stacks in a fresh app and returns each stack's JSON.
func synthEnv(t *testing.T, env config.Environment) map[string]testutil.Doc {
	t.Helper()
	outdir := synthEnvDir(t, env)
	docs := map[string]testutil.Doc{}
	entries, err := os.ReadDir(filepath.Join(outdir, "stacks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		docs[e.Name()] = testutil.Load(t, testutil.StackPath(outdir, e.Name()))
	}
	return docs
}

// assertStacks fails unless docs holds exactly the stacks named, so that a
// loop over docs cannot pass by finding nothing.
func assertStacks(t *testing.T, docs map[string]testutil.Doc, names ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(docs))
	if !slices.Equal(got, names) {
		t.Fatalf("synthesized stacks %v, want %v", got, names)
	}
}

const cluster = `"cluster":{"network":{"azCount":2},"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}`

func TestTokenAuthReadsAShortLivedToken(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{"region":"us-east-2","target":{"auth":"token"},`+cluster+`}`))
	for _, stack := range []string{"qa-mesh", "qa-app"} {
		d := docs[stack]
		auth := d.Data(t, "aws_eks_cluster_auth", "cluster-auth")
		if auth["name"] != "bluegreen-qa" {
			t.Errorf("%s: aws_eks_cluster_auth name: got %v, want bluegreen-qa", stack, auth["name"])
		}
		token := "${data.aws_eks_cluster_auth." + d.LogicalID(t, "data", "aws_eks_cluster_auth", "cluster-auth") + ".token}"
		providers := d["provider"].(map[string]any)
		testutil.AssertSubset(t, providers["helm"].([]any)[0], map[string]any{"kubernetes": map[string]any{"token": token}})
		testutil.AssertSubset(t, providers["kubernetes"].([]any)[0], map[string]any{"token": token})
		if _, ok := providers["kubernetes"].([]any)[0].(map[string]any)["exec"]; ok {
			t.Errorf("%s: token auth also configures exec", stack)
		}
		testutil.AssertSubset(t, providers["aws"].([]any)[0], map[string]any{"region": "us-east-2"})
		testutil.AssertSubset(t, d["terraform"], map[string]any{"required_providers": map[string]any{"aws": map[string]any{"version": "~> 5.84"}}})
	}
}

func TestExecAuthUsesTheProfile(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{"region":"us-east-2","aws":{"profile":"platform"},`+cluster+`}`))
	kube := docs["qa-mesh"]["provider"].(map[string]any)["kubernetes"].([]any)[0]
	testutil.AssertSubset(t, kube, map[string]any{"exec": []any{map[string]any{"args": []string{
		"eks", "get-token", "--cluster-name", "bluegreen-qa", "--region", "us-east-2", "--output", "json", "--profile", "platform",
	}}}})
	aws := docs["qa-cluster"]["provider"].(map[string]any)["aws"].([]any)[0]
	testutil.AssertSubset(t, aws, map[string]any{"profile": "platform"})
}

func TestLocalEndpointPointsEveryServiceAtTheEmulator(t *testing.T) {
	ep := "http://127.0.0.1:4566"
	docs := synthEnv(t, environment(t, "local", `{"region":"us-east-1","aws":{"localEndpoint":"`+ep+`"},
		"backend":{"type":"s3","s3":{"bucket":"state","dynamodbTable":"locks"}},`+cluster+`}`))
	d := docs["local-cluster"]
	aws := d["provider"].(map[string]any)["aws"].([]any)[0].(map[string]any)
	testutil.AssertSubset(t, aws, map[string]any{
		"access_key": "test", "secret_key": "test",
		"skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": "true",
		"s3_use_path_style": true,
	})
	endpoints := aws["endpoints"].([]any)[0].(map[string]any)
	for _, svc := range []string{"ec2", "eks", "iam", "kms", "sts", "s3", "dynamodb", "logs"} {
		if endpoints[svc] != ep {
			t.Errorf("endpoint %s: got %v, want %s", svc, endpoints[svc], ep)
		}
	}
	testutil.AssertSubset(t, d["terraform"], map[string]any{"backend": map[string]any{"s3": map[string]any{
		"bucket": "state", "key": "bluegreen/local/local-cluster.tfstate", "dynamodb_table": "locks", "encrypt": true,
		"use_path_style": true, "skip_credentials_validation": true,
		"endpoints": map[string]any{"s3": ep, "dynamodb": ep, "iam": ep, "sts": ep},
	}}})
	// The mesh stack reads the cluster's outputs from the same S3 state.
	remote := docs["local-mesh"].Block("data", "terraform_remote_state")["cross-stack-reference-input-local-cluster"]
	testutil.AssertSubset(t, remote, map[string]any{"backend": "s3", "config": map[string]any{
		"bucket": "state", "key": "bluegreen/local/local-cluster.tfstate",
	}})
}

func TestS3BackendWithLockfile(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{"region":"us-east-2","backend":{"type":"s3","s3":{"bucket":"state","kmsKeyId":"alias/tf"}},`+cluster+`}`))
	assertStacks(t, docs, "qa-app", "qa-cluster", "qa-mesh")
	for name, d := range docs {
		testutil.AssertSubset(t, d["terraform"], map[string]any{"backend": map[string]any{"s3": map[string]any{
			"use_lockfile": true, "encrypt": true, "kms_key_id": "alias/tf", "region": "us-east-2",
		}}})
		if s3 := d["terraform"].(map[string]any)["backend"].(map[string]any)["s3"].(map[string]any); s3["access_key"] != nil || s3["endpoints"] != nil {
			t.Errorf("%s: real AWS backend carries emulator settings: %v", name, s3)
		}
	}
}

func TestProviderConstraintsAreConfigurable(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{"region":"us-east-2","providers":{"aws":">= 5.84, < 6.0","helm":"~> 2.17.0","kubernetes":">= 2.37.1"},`+cluster+`}`))
	testutil.AssertSubset(t, docs["qa-cluster"]["terraform"], map[string]any{"required_providers": map[string]any{"aws": map[string]any{"version": ">= 5.84, < 6.0"}}})
	testutil.AssertSubset(t, docs["qa-app"]["terraform"], map[string]any{"required_providers": map[string]any{
		"helm": map[string]any{"version": "~> 2.17.0"}, "kubernetes": map[string]any{"version": ">= 2.37.1"},
	}})
}

func TestLocalBackendDir(t *testing.T) {
	docs := synthEnv(t, environment(t, "qa", `{"region":"us-east-2","backend":{"local":{"dir":"/var/lib/tfstate"}},`+cluster+`}`))
	assertStacks(t, docs, "qa-app", "qa-cluster", "qa-mesh")
	for name, d := range docs {
		testutil.AssertSubset(t, d["terraform"], map[string]any{"backend": map[string]any{"local": map[string]any{
			"path": "/var/lib/tfstate/terraform." + name + ".tfstate",
		}}})
	}
}

func TestStacksAreOrdered(t *testing.T) {
	outdir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	set, err := stacks.New(app, stacks.FromConfig(environment(t, "qa", `{"region":"us-east-2",`+cluster+`}`)))
	if err != nil {
		t.Fatal(err)
	}
	deps := func(s cdktf.TerraformStack) string {
		var names []string
		for _, d := range *s.Dependencies() {
			names = append(names, *d.Node().Id())
		}
		return strings.Join(names, ",")
	}
	if got := deps(set.Mesh); got != "qa-cluster" {
		t.Errorf("qa-mesh depends on %q, want qa-cluster", got)
	}
	if len(set.Apps) != 1 || *set.Apps[0].Stack.Node().Id() != "qa-app" {
		t.Fatalf("app stacks %v, want qa-app", set.Apps)
	}
	if got := deps(set.Apps[0].Stack); !strings.Contains(got, "qa-mesh") {
		t.Errorf("qa-app depends on %q, want qa-mesh among them", got)
	}
}
