package status_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/status"
)

// eksEnv is an eks environment of the repository's fixture (dev: cluster
// bluegreen-dev in eu-west-1, exec auth).
func eksEnv(t *testing.T) config.Environment {
	t.Helper()
	envs, err := config.Load("../../testdata/cdktf.json", "dev")
	if err != nil {
		t.Fatal(err)
	}
	return envs[0]
}

// TestEKSUsesTheProvidersGetToken: an eks target is reached with the
// endpoint and CA aws describes and a token from the same `aws eks
// get-token` the stacks' providers run.
func TestEKSUsesTheProvidersGetToken(t *testing.T) {
	env := eksEnv(t)
	c, err := status.Connect(context.Background(), env, status.Target{
		DescribeEKS: func(_ context.Context, name, region, profile string) (string, string, error) {
			if name != "bluegreen-dev" || region != "eu-west-1" {
				t.Errorf("described %s in %s; want bluegreen-dev in eu-west-1", name, region)
			}
			return "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Host != "https://ABC.gr7.eu-west-1.eks.amazonaws.com" {
		t.Errorf("host %q; want the described endpoint", c.Config.Host)
	}
	ex := c.Config.ExecProvider
	want := []string{"eks", "get-token", "--cluster-name", "bluegreen-dev", "--region", "eu-west-1", "--output", "json"}
	if ex == nil || ex.Command != "aws" || !slices.Equal(ex.Args, want) || ex.APIVersion != "client.authentication.k8s.io/v1beta1" {
		t.Errorf("exec %+v; want aws %v with client.authentication.k8s.io/v1beta1", ex, want)
	}
	if !strings.Contains(c.Where, "EKS cluster bluegreen-dev in eu-west-1 at https://ABC") {
		t.Errorf("where %q; want the cluster, region and endpoint", c.Where)
	}
}

// TestEKSDescribeFails: a cluster aws cannot describe (no credentials) is
// ErrUnreachable, naming the cluster and what to do.
func TestEKSDescribeFails(t *testing.T) {
	_, err := status.Connect(context.Background(), eksEnv(t), status.Target{
		DescribeEKS: func(context.Context, string, string, string) (string, string, error) {
			return "", "", errors.New("Unable to locate credentials")
		},
	})
	if !errors.Is(err, status.ErrUnreachable) || !strings.Contains(err.Error(), `environment "dev": EKS cluster bluegreen-dev in eu-west-1`) || !strings.Contains(err.Error(), "aws sts get-caller-identity") {
		t.Errorf("got %v; want ErrUnreachable naming the cluster and how to check the credentials", err)
	}
}
