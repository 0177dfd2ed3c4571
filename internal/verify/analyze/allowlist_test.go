package analyze_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
)

func TestCheckedInAllowlistIsValid(t *testing.T) {
	file := filepath.Join("..", "..", "..", analyze.AllowlistFile)
	if _, err := analyze.ReadAllowlist(file); err != nil {
		t.Error(err)
	}
}

func TestReadAllowlist(t *testing.T) {
	write := func(t *testing.T, body string) string {
		t.Helper()
		f := filepath.Join(t.TempDir(), analyze.AllowlistFile)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}

	t.Run("entries", func(t *testing.T) {
		a, err := analyze.ReadAllowlist(write(t, `[
  {"code": "IST0132", "resource": "VirtualService shop/*", "reason": "served by a Gateway outside these stacks"},
  {"code": "IST0101", "message": "Referenced selector not found*", "reason": "the ingress gateway comes from a remote chart"}
]`))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 2 || a[0].Resource != "VirtualService shop/*" || a[1].Message != "Referenced selector not found*" {
			t.Errorf("got %+v", a)
		}
	})

	tests := []struct {
		name, body, want string
	}{
		{"fails/entry without a reason", `[{"code": "IST0101", "reason": "ok"}, {"code": "IST0132", "resource": "Gateway a/b"}]`,
			`allowlist entry 2 (IST0132 resource "Gateway a/b"): reason is required`},
		{"fails/entry with a blank reason", `[{"code": "IST0132", "reason": " "}]`,
			`allowlist entry 1 (IST0132): reason is required`},
		{"fails/entry without a code", `[{"resource": "Gateway a/b", "reason": "x"}]`,
			`allowlist entry 1 ( resource "Gateway a/b"): code "": must be an analyzer message code such as "IST0101"`},
		{"fails/misspelt member", `[{"code": "IST0132", "reson": "x"}]`, `unknown field "reson"`},
		{"fails/not a list", `{"code": "IST0132"}`, `cannot unmarshal object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := write(t, tt.body)
			_, err := analyze.ReadAllowlist(f)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), f) {
				t.Errorf("got error %v; want one naming %s with %q", err, f, tt.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	vs := analyze.Finding{Code: "IST0132", Level: "Warning", Resource: "VirtualService shop/echo", Message: "host not found"}
	gw := analyze.Finding{Code: "IST0101", Level: "Error", Resource: "Gateway shop/web", Message: `Referenced selector not found: "istio=ingress"`}
	info := analyze.Finding{Code: "IST0102", Level: "Info", Resource: "Namespace shop", Message: "not enabled for injection"}
	all := []analyze.Finding{vs, gw, info}

	tests := []struct {
		name             string
		allow            analyze.Allowlist
		failing, allowed []analyze.Finding
	}{
		{"no entries: Error and Warning fail, Info does not", nil, []analyze.Finding{vs, gw}, nil},
		{"exact resource", analyze.Allowlist{{Code: "IST0132", Resource: "VirtualService shop/echo", Reason: "r"}}, []analyze.Finding{gw}, []analyze.Finding{vs}},
		{"resource pattern", analyze.Allowlist{{Code: "IST0132", Resource: "VirtualService *", Reason: "r"}}, []analyze.Finding{gw}, []analyze.Finding{vs}},
		{"message pattern", analyze.Allowlist{{Code: "IST0101", Message: "Referenced selector not found: *", Reason: "r"}}, []analyze.Finding{vs}, []analyze.Finding{gw}},
		{"pattern in the middle", analyze.Allowlist{{Code: "IST0101", Resource: "Gateway *web", Message: `*"istio=*"`, Reason: "r"}}, []analyze.Finding{vs}, []analyze.Finding{gw}},
		{"an Info finding can be allowed", analyze.Allowlist{{Code: "IST0102", Reason: "r"}}, []analyze.Finding{vs, gw}, []analyze.Finding{info}},
		{"fails/another code", analyze.Allowlist{{Code: "IST0106", Reason: "r"}}, []analyze.Finding{vs, gw}, nil},
		{"fails/another resource", analyze.Allowlist{{Code: "IST0132", Resource: "VirtualService shop/other", Reason: "r"}}, []analyze.Finding{vs, gw}, nil},
		{"fails/a pattern must match the whole resource", analyze.Allowlist{{Code: "IST0132", Resource: "VirtualService shop", Reason: "r"}}, []analyze.Finding{vs, gw}, nil},
		{"fails/another message", analyze.Allowlist{{Code: "IST0101", Message: "Referenced gateway not found*", Reason: "r"}}, []analyze.Finding{vs, gw}, nil},
		{"fails/an entry without a reason allows nothing", analyze.Allowlist{{Code: "IST0132"}}, []analyze.Finding{vs, gw}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failing, allowed := analyze.Filter(all, tt.allow)
			if findings(failing) != findings(tt.failing) {
				t.Errorf("failing: got%s\nwant%s", findings(failing), findings(tt.failing))
			}
			if findings(allowed) != findings(tt.allowed) {
				t.Errorf("allowed: got%s\nwant%s", findings(allowed), findings(tt.allowed))
			}
		})
	}
}

func TestUnused(t *testing.T) {
	used := analyze.Entry{Code: "IST0132", Reason: "r"}
	unused := analyze.Entry{Code: "IST0106", Reason: "r"}
	got := analyze.Allowlist{used, unused}.Unused([]analyze.Finding{{Code: "IST0132", Level: "Warning"}})
	if len(got) != 1 || got[0] != unused {
		t.Errorf("got %v; want [%v]", got, unused)
	}
}
