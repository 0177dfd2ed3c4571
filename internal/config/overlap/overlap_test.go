package overlap_test

import (
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config/overlap"
)

func TestRelations(t *testing.T) {
	host, path := overlap.Host, overlap.Path
	for _, tc := range []struct {
		name string
		rel  func(a, b string) overlap.Relation
		a, b string
		want overlap.Relation
	}{
		{"Host", host, "shop.example.com", "shop.example.com", overlap.Same},
		{"Host", host, "Shop.Example.com", "shop.example.com", overlap.Same},
		{"Host", host, "shop.example.com", "*.example.com", overlap.Within},
		{"Host", host, "*.example.com", "shop.example.com", overlap.Contains},
		{"Host", host, "*", "*.example.com", overlap.Contains},
		{"Host", host, "*.a.example.com", "*.example.com", overlap.Within},
		{"Host", host, "example.com", "*.example.com", overlap.Disjoint},
		{"Host", host, "shop.example.com", "cart.example.com", overlap.Disjoint},
		{"Host", host, "badexample.com", "*.example.com", overlap.Disjoint},
		{"Host", host, "*", "*", overlap.Same},
		{"Path", path, "/cart", "/cart", overlap.Same},
		{"Path", path, "/cart/items", "/cart", overlap.Within},
		{"Path", path, "/cart", "/cart/items", overlap.Contains},
		{"Path", path, "/cartoon", "/cart", overlap.Disjoint},
		{"Path", path, "/cart", "/", overlap.Within},
		{"Path", path, "/", "/v2", overlap.Contains},
		{"Path", path, "/shop", "/cart", overlap.Disjoint},
	} {
		if got := tc.rel(tc.a, tc.b); got != tc.want {
			t.Errorf("%s(%q, %q): got %d, want %d", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}

func TestHostsAndJoin(t *testing.T) {
	got := overlap.Hosts([]string{"*", "cart.example.com"}, []string{"shop.example.com", "cart.example.com"})
	want := []overlap.HostPair{
		{A: "*", B: "shop.example.com", Relation: overlap.Contains},
		{A: "*", B: "cart.example.com", Relation: overlap.Contains},
		{A: "cart.example.com", B: "cart.example.com", Relation: overlap.Same},
	}
	if len(got) != len(want) {
		t.Fatalf("Hosts: got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Hosts[%d]: got %v, want %v", i, got[i], want[i])
		}
	}
	for _, tc := range []struct{ prefix, sub, want string }{{"/", "/v2", "/v2"}, {"/cart", "/v2", "/cart/v2"}, {"/cart", "/", "/cart"}} {
		if got := overlap.Join(tc.prefix, tc.sub); got != tc.want {
			t.Errorf("Join(%q, %q): got %q, want %q", tc.prefix, tc.sub, got, tc.want)
		}
	}
}
