package check_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	networkingv1 "istio.io/api/networking/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
	"github.com/bluegreen-mesh/bluegreen/mesh/check"
	"github.com/bluegreen-mesh/bluegreen/mesh/meshtest"
)

func TestRetriesThatCannotHappen(t *testing.T) {
	retries := func(attempts int32, perTry time.Duration) *mesh.Retries {
		return &mesh.Retries{HTTPRetry: &networkingv1.HTTPRetry{Attempts: attempts, PerTryTimeout: durationpb.New(perTry), RetryOn: "5xx"}}
	}
	for _, tc := range []struct {
		name    string
		routing mesh.Routing
		want    []string
	}{
		{"fails/perTryTimeout longer than the timeout", mesh.Routing{Timeout: "2s", Retries: retries(3, 5*time.Second),
			Routes: map[string]mesh.RouteSettings{"path-blue": {Timeout: "10s"}}},
			[]string{
				"BG012 warning: VirtualService shop/echo spec.http[0].retries: route path-blue: 4 tries (the first and 3 retries) of retries.perTryTimeout 5s take 20s, more than the route's timeout 10s; only 2 fit, so the last 2 can never run in full",
				"BG012 warning: VirtualService shop/echo spec.http[1].retries: route path-green: retries.perTryTimeout 5s is at least the route's timeout 2s; Envoy ends the request at the timeout, so no retry can run (attempts: 3)",
				"BG012 warning: VirtualService shop/echo spec.http[2].retries: route cookie-blue: retries.perTryTimeout 5s is at least the route's timeout 2s; Envoy ends the request at the timeout, so no retry can run (attempts: 3)",
				"BG012 warning: VirtualService shop/echo spec.http[3].retries: route cookie-green: retries.perTryTimeout 5s is at least the route's timeout 2s; Envoy ends the request at the timeout, so no retry can run (attempts: 3)",
				"BG012 warning: VirtualService shop/echo spec.http[4].retries: route default: retries.perTryTimeout 5s is at least the route's timeout 2s; Envoy ends the request at the timeout, so no retry can run (attempts: 3)",
			}},
		{"fails/perTryTimeout equal to one route's timeout", mesh.Routing{Retries: retries(1, 3*time.Second),
			Routes: map[string]mesh.RouteSettings{"default": {Timeout: "3s"}}},
			[]string{"BG012 warning: VirtualService shop/echo spec.http[4].retries: route default: retries.perTryTimeout 3s is at least the route's timeout 3s; Envoy ends the request at the timeout, so no retry can run (attempts: 1)"}},
		{"fails/the last attempts do not fit", mesh.Routing{Routes: map[string]mesh.RouteSettings{"default": {Timeout: "10s", Retries: retries(3, 3*time.Second)}}},
			[]string{"BG012 warning: VirtualService shop/echo spec.http[4].retries: route default: 4 tries (the first and 3 retries) of retries.perTryTimeout 3s take 12s, more than the route's timeout 10s; only 3 fit, so the last 1 can never run in full"}},
		{"every try fits", mesh.Routing{Timeout: "10s", Retries: retries(2, 3*time.Second)}, nil},
		{"no timeout", mesh.Routing{Retries: retries(5, 30*time.Second)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.routing
			r.Hosts = []string{"echo.example.com"}
			r.Gateway.Selector = map[string]string{"istio": "ingressgateway"}
			m, err := meshtest.Model(r)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range check.Run(m) {
				if f.Code == "BG012" {
					got = append(got, f.String())
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestAcknowledge(t *testing.T) {
	fs := []check.Finding{
		{Code: "GW004", Severity: check.Warning}, {Code: "GW004", Severity: check.Warning},
		{Code: "BG005", Severity: check.Error}, {Code: "BG010", Severity: check.Warning},
	}
	kept, acked := check.Acknowledge(fs, []string{"GW004", "BG005"})
	if len(kept) != 2 || kept[0].Code != "BG005" || kept[1].Code != "BG010" {
		t.Errorf("kept %v, want the error BG005 (never acknowledged) and the warning BG010 (not listed)", kept)
	}
	if len(acked) != 1 || acked["GW004"] != 2 {
		t.Errorf("acknowledged %v, want GW004: 2", acked)
	}
}
