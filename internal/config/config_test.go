package config_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil"
)

// file wraps environments in the cdktf.json shape.
func file(envs string) []byte {
	return []byte(`{"language":"go","app":"go run main.go","context":{"environments":` + envs + `}}`)
}

const minimalEKS = `{"region":"eu-west-1","cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`

func TestParseAppliesDefaults(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":`+minimalEKS+`}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 {
		t.Fatalf("got %d environments, want 1", len(envs))
	}
	e := envs[0]
	for _, c := range []struct{ name, got, want string }{
		{"name", e.Name, "dev"},
		{"target.type", e.Target.Type, config.TargetEKS},
		{"target.auth", e.Target.Auth, config.AuthExec},
		{"backend.type", e.Backend.Type, config.BackendLocal},
		{"providers.aws", e.Providers.AWS, "~> 5.84"},
		{"providers.helm", e.Providers.Helm, "~> 2.17"},
		{"providers.kubernetes", e.Providers.Kubernetes, "~> 2.37"},
		{"cluster.name", e.Cluster.Name, "bluegreen-dev"},
		{"cluster.kubernetesVersion", e.Cluster.KubernetesVersion, "1.35"},
		{"aws.defaultTags", e.AWS.DefaultTags[config.EnvironmentTag], "dev"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseS3BackendDefaults(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"prod":{"region":"us-east-2","backend":{"type":"s3","s3":{"bucket":"tf-state"}},
		"cluster":{"endpoint":{"publicAccess":false}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s3 := envs[0].Backend.S3
	if s3.Region != "us-east-2" || s3.KeyPrefix != "bluegreen/prod" || !*s3.Encrypt || !*s3.UseLockfile {
		t.Errorf("got %+v (encrypt %v, useLockfile %v); want region us-east-2, keyPrefix bluegreen/prod, encrypt and useLockfile on",
			s3, *s3.Encrypt, *s3.UseLockfile)
	}
}

func TestParseSelectsEnvironments(t *testing.T) {
	data := file(`{"dev":` + minimalEKS + `,"qa":` + minimalEKS + `,"prod":` + minimalEKS + `}`)
	envs, err := config.Parse("cdktf.json", data, "qa", "dev")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	if got, want := strings.Join(names, ","), "dev,qa"; got != want {
		t.Errorf("got environments %s, want %s", got, want)
	}
	_, err = config.Parse("cdktf.json", data, "stage")
	if err == nil || !strings.Contains(err.Error(), `context.environments[stage]: Unsupported value: "stage": supported values: "dev", "prod", "qa"`) {
		t.Errorf("got error %v, want one naming the unknown environment and the known ones", err)
	}
}

// TestParseReportsEveryProblem checks that problems in several environments
// and fields come back together, each on its own line.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := config.Parse("cdktf.json", file(`{
		"dev": {"regoin": "eu-west-1"},
		"prod": {"region": "eu-west-1", "backend": {"type": "gcs"}, "cluster": {"kubernetesVersion": "1.19", "endpoint": {"publicAccessCidrs": ["10.0.0.0/8"]}}}
	}`))
	cerr, ok := config.AsError(err)
	if !ok {
		t.Fatalf("got %v, want a *config.Error", err)
	}
	want := []string{
		"context.environments[dev].regoin",
		"context.environments[prod].backend.type",
		"context.environments[prod].cluster.kubernetesVersion",
	}
	got := map[string]bool{}
	for _, p := range cerr.Problems {
		got[p.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no problem reported at %s; got:\n%v", w, err)
		}
	}
	if n := strings.Count(err.Error(), "\n  - "); n != len(cerr.Problems) {
		t.Errorf("got %d listed problems in the message, want one line per problem (%d):\n%v", n, len(cerr.Problems), err)
	}
}

func TestParseBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, envs string
		// field is the exact field path of the problem, detail a part of
		// its message.
		field, detail string
	}{
		{"fails/unknown top-level field", `{"dev":{"region":"eu-west-1","clustr":{}}}`,
			"context.environments[dev].clustr", "unknown field (a typo?); allowed: acknowledge, app, apps, aws, backend, cluster, gatewayAPI, istio, kiali, namespace, production, promotion, providers, region, routing, target"},
		{"fails/unknown nested field", `{"dev":{"region":"eu-west-1","cluster":{"nodeGroups":[{"name":"a","minSise":1}]}}}`,
			"context.environments[dev].cluster.nodeGroups[0].minSise", "unknown field"},
		{"fails/bad environment name", `{"Dev_1":` + minimalEKS + `}`,
			"context.environments[Dev_1]", "environment name must be 1-20 lowercase letters"},
		{"fails/no environments", `{}`,
			"context.environments", "define at least one environment"},
		{"fails/missing region for eks", `{"dev":{"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].region", "an AWS region"},
		{"fails/bad region", `{"dev":{"region":"europe","cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].region", `Invalid value: "europe"`},
		{"fails/unknown target type", `{"dev":{"target":{"type":"gke"}}}`,
			"context.environments[dev].target.type", `Unsupported value: "gke": supported values: "eks", "kubeconfig"`},
		{"fails/kubeconfig target without context", `{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"path":"~/.kube/config","kubernetesVersion":"1.33"}}}}`,
			"context.environments[dev].target.kubeconfig.context", "Required value"},
		{"fails/kubeconfig target without path", `{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"context":"kind","kubernetesVersion":"1.33"}}}}`,
			"context.environments[dev].target.kubeconfig.path", "Required value"},
		{"fails/kubeconfig target with bad version", `{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"kind","kubernetesVersion":"v1.33.1"}}}}`,
			"context.environments[dev].target.kubeconfig.kubernetesVersion", `Invalid value: "v1.33.1"`},
		{"fails/kubeconfig target with cluster settings", `{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"kind","kubernetesVersion":"1.33"}},"cluster":{"name":"x"}}}`,
			"context.environments[dev].cluster", "only allowed when target.type is \"eks\""},
		{"fails/eks target with kubeconfig", `{"dev":{"region":"eu-west-1","target":{"kubeconfig":{"path":"k"}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].target.kubeconfig", "only allowed when target.type is \"kubeconfig\""},
		{"fails/bad auth", `{"dev":{"region":"eu-west-1","target":{"auth":"iam"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].target.auth", `Unsupported value: "iam"`},
		{"fails/bad backend type", `{"dev":{"region":"eu-west-1","backend":{"type":"gcs"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].backend.type", `Unsupported value: "gcs": supported values: "local", "s3"`},
		{"fails/s3 backend without bucket", `{"dev":{"region":"eu-west-1","backend":{"type":"s3"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].backend.s3.bucket", "Required value"},
		{"fails/s3 backend without locking", `{"dev":{"region":"eu-west-1","backend":{"type":"s3","s3":{"bucket":"state","useLockfile":false}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].backend.s3.useLockfile", "state must be locked"},
		{"fails/s3 settings on local backend", `{"dev":{"region":"eu-west-1","backend":{"s3":{"bucket":"state"}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].backend.s3", `only allowed when backend.type is "s3"`},
		{"fails/unencrypted state in production", `{"dev":{"production":true,"region":"eu-west-1","backend":{"type":"s3","s3":{"bucket":"state","encrypt":false}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].backend.s3.encrypt", "cannot be turned off in a production environment"},
		{"fails/constraint that does not parse", `{"dev":{"region":"eu-west-1","providers":{"helm":"about 2"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].providers.helm", `Invalid value: "about 2": must be a Terraform version constraint`},
		{"fails/constraint that excludes the bindings", `{"dev":{"region":"eu-west-1","providers":{"aws":"~> 4.0"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].providers.aws", "must allow 5.84.0"},
		{"fails/local endpoint in production", `{"dev":{"production":true,"region":"eu-west-1","aws":{"localEndpoint":"http://127.0.0.1:5000"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].aws.localEndpoint", "not allowed in a production environment"},
		{"fails/local endpoint not a URL", `{"dev":{"region":"eu-west-1","aws":{"localEndpoint":"127.0.0.1:5000"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].aws.localEndpoint", "must be an http(s) URL"},
		{"fails/wrong JSON type", `{"dev":{"region":"eu-west-1","production":"yes"}}`,
			"context.environments[dev].production", "must be true or false"},
		{"fails/fraction where a whole number is due", `{"dev":{"region":"eu-west-1","cluster":{"network":{"azCount":2.5}}}}`,
			"context.environments[dev].cluster.network.azCount", "must be a whole number"},
		{"fails/unknown routing api", `{"dev":{"region":"eu-west-1","routing":{"api":"ingress"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.api", `Unsupported value: "ingress": supported values: "virtualService", "gatewayAPI"`},
		{"fails/mirrorPercent out of range", `{"dev":{"region":"eu-west-1","routing":{"mirrorPercent":101},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.mirrorPercent", `Invalid value: 101: must be a percentage from 0 to 100`},
		{"fails/sticky canary without cookie values", `{"dev":{"region":"eu-west-1","routing":{"stickyCanary":true,"candidateWeight":10,"cookie":{"values":{}}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.cookie.values[green]", "both colours need a cookie value"},
		{"fails/retries with the Gateway API", `{"dev":{"region":"eu-west-1","routing":{"api":"gatewayAPI","retries":{"attempts":3}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.retries", `not available with api "gatewayAPI"`},
		{"fails/sub-millisecond timeout with the Gateway API", `{"dev":{"region":"eu-west-1","routing":{"api":"gatewayAPI","timeout":"1500500us"},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.timeout", "in whole milliseconds"},
		{"fails/Gateway API with an Istio release of unknown pairing", `{"dev":{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"kind","kubernetesVersion":"1.33"}},"istio":{"version":"1.27.3"},"routing":{"api":"gatewayAPI"}}}`,
			"context.environments[dev].istio.version", `with routing.api "gatewayAPI": Istio 1.27 has no known Gateway API pairing: the Gateway API version it requires is not recorded (constructs/gatewayapicrds/pairing.go); allowed: Istio 1.28 (v1.4.1), Istio 1.29 (v1.4.1), Istio 1.30 (v1.5.1), Istio 1.31 (v1.6.0)`},
		{"fails/unknown routing field", `{"dev":{"region":"eu-west-1","routing":{"extraValue":{}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.extraValue", "unknown field (a typo?); allowed: api, candidateWeight, cookie, extraValues, gateway, header, hosts, live, mirrorPercent, pathPrefix, retries, routes, stickyCanary, timeout, versionPaths"},
		{"fails/routing extraValues for an unknown release", `{"dev":{"region":"eu-west-1","routing":{"extraValues":{"VirtualService":{}}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.extraValues[VirtualService]", `Unsupported value: "VirtualService": supported values: "destinationrule", "gateway", "virtualservice"`},
		{"fails/routing extraValues not an object", `{"dev":{"region":"eu-west-1","routing":{"extraValues":{"gateway":"team=edge"}},"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].routing.extraValues[gateway]", "must be an object"},
		{"fails/cluster setting checked by the construct", `{"dev":{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.19","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`,
			"context.environments[dev].cluster.kubernetesVersion", `Unsupported value: "1.19"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(tc.envs))
			cerr, ok := config.AsError(err)
			if !ok {
				t.Fatalf("got error %v, want a *config.Error", err)
			}
			testutil.AssertFieldError(t, cerr.Problems, tc.field, tc.detail)
		})
	}
}

func TestParseRejectsBrokenJSON(t *testing.T) {
	_, err := config.Parse("cdktf.json", []byte(`{"context": {"environments": {"dev": }}}`))
	var syn *json.SyntaxError
	if err == nil || !strings.HasPrefix(err.Error(), "cdktf.json:1:38: not valid JSON") {
		t.Errorf("got %v (%T), want a JSON error naming the file", err, syn)
	}
}

func TestWarnings(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1","cluster":{"endpoint":{"publicAccessCidrs":["0.0.0.0/0"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	w := envs[0].WarningsOn(nov30)
	if len(w) != 1 || !strings.HasPrefix(w[0], "context.environments[dev].cluster.endpoint.publicAccessCidrs: the Kubernetes API is open to the whole internet") {
		t.Errorf("got warnings %q, want one about the open public endpoint", w)
	}
	envs, err = config.Parse("cdktf.json", file(`{"dev":`+minimalEKS+`}`))
	if err != nil {
		t.Fatal(err)
	}
	if w := envs[0].WarningsOn(nov30); len(w) != 0 {
		t.Errorf("got warnings %q for a restricted endpoint, want none", w)
	}
}

// nov30 is the "today" of the tests of dated warnings: never the wall
// clock, so that no date can turn the tests red.
var nov30 = time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)

func TestEndOfSupportWarnings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   string
		today time.Time
		want  []string
	}{
		{"current versions", `{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.35","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`, nov30, nil},
		{"EKS version days from the end of standard support", `{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.34","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`, nov30,
			[]string{`context.environments[dev].cluster.kubernetesVersion: EKS 1.34 leaves standard support on 2026-12-02 (extended support then costs extra per cluster hour); move to 1.35 (kubernetesVersion "1.35")`}},
		{"EKS version past standard support", `{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.32","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`, nov30,
			[]string{`context.environments[dev].cluster.kubernetesVersion: EKS 1.32 left standard support on 2026-03-23; extended support costs extra per cluster hour and ends on 2027-03-23, when EKS upgrades the cluster itself; move to 1.35 (kubernetesVersion "1.35")`}},
		{"the same EKS version a year earlier", `{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.32","endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`,
			time.Date(2025, time.November, 30, 0, 0, 0, 0, time.UTC), nil},
		{"EKS version with no recorded dates", `{"region":"eu-west-1","cluster":{"kubernetesVersion":"1.36","addons":{"versions":{"vpc-cni":"v1.21.1-eksbuild.1","coredns":"v1.13.1-eksbuild.1","kube-proxy":"v1.36.0-eksbuild.1"}},"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}`, nov30, nil},
		{"Istio past its support", `{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"c","kubernetesVersion":"1.33"}},"istio":{"version":"1.29.7"}}`, nov30,
			[]string{`context.environments[dev].istio.version: Istio 1.29 left support on 2026-10-12 and gets no more security fixes; move to Istio 1.31 (istio.version "1.31.1")`}},
		{"an existing cluster's Kubernetes version is not EKS's", `{"target":{"type":"kubeconfig","kubeconfig":{"path":"k","context":"c","kubernetesVersion":"1.32"}}}`, nov30, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs, err := config.Parse("cdktf.json", file(`{"dev":`+tc.env+`}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := envs[0].WarningsOn(tc.today); !slices.Equal(got, tc.want) {
				t.Errorf("got warnings %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParseRoutingExtraValues(t *testing.T) {
	envs, err := config.Parse("cdktf.json", file(`{"dev":{"region":"eu-west-1","routing":{"live":"green","extraValues":{"gateway":{"labels":{"team":"edge"}}}},`+
		`"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 {
		t.Fatalf("got %d environments, want 1", len(envs))
	}
	r := envs[0].Routing
	if r.Live != "green" {
		t.Errorf("routing.live: got %q, want green", r.Live)
	}
	labels, _ := r.ExtraValues["gateway"]["labels"].(map[string]any)
	if len(r.ExtraValues) != 1 || labels["team"] != "edge" {
		t.Errorf("routing.extraValues: got %v, want gateway labels team=edge", r.ExtraValues)
	}
}

func TestDuplicateKeys(t *testing.T) {
	data := []byte(`{"language":"go","context":{"environments":{
		"dev":{"region":"eu-west-1","routing":{"live":"blue","cookie":{"name":"x-version"},"live":"green"},
			"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]},"nodeGroups":[{"name":"a","minSize":1,"name":"b"}]}},
		"dev":{"region":"eu-west-2"}},"environments":{}},"language":"go"}`)
	_, err := config.Parse("cdktf.json", data)
	cerr, ok := config.AsError(err)
	if !ok {
		t.Fatalf("got %v, want a config error", err)
	}
	var got []string
	for _, p := range cerr.Problems {
		if strings.Contains(p.Detail, "duplicate key") {
			got = append(got, p.Field)
		}
	}
	want := []string{
		"context.environments[dev].routing.live",
		"context.environments[dev].cluster.nodeGroups[0].name",
		"context.environments[dev]",
		"context.environments",
		"language",
	}
	if !slices.Equal(got, want) {
		t.Errorf("duplicate keys reported at %q\nwant %q\nall problems: %v", got, want, err)
	}
}

func TestDuplicateKeysLeaveTheOutputAlone(t *testing.T) {
	// A duplicate key is an ordinary config problem: reported with the
	// others, never a partial result.
	envs, err := config.Parse("cdktf.json", []byte(`{"context":{"environments":{"dev":{"region":"eu-west-1","region":"eu-west-1",`+
		`"cluster":{"endpoint":{"publicAccessCidrs":["203.0.113.0/24"]}},"app":{"name":"Bad_Name"}}}}}`))
	if envs != nil {
		t.Errorf("got environments %v, want none with a problem", envs)
	}
	cerr, ok := config.AsError(err)
	if !ok {
		t.Fatalf("got %v, want a config error", err)
	}
	testutil.AssertFieldError(t, cerr.Problems, "context.environments[dev].region", "duplicate key")
	testutil.AssertFieldError(t, cerr.Problems, "context.environments[dev].app.name", `Invalid value: "Bad_Name"`)
}
