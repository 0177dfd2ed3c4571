package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/config"
)

// shipped reads the frozen copy of the shipped cdktf.json: the mistakes
// below are made in a file like the one a user edits, 330 lines of it, whose
// lines do not move when the shipped file changes.
func shipped(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "cdktf.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit replaces the one occurrence of old in s, failing when there is not
// exactly one (so that a change to the fixture cannot turn a case into one
// that tests nothing).
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("fixture: %q occurs %d times, want 1", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

func TestSyntaxErrorsAreLocated(t *testing.T) {
	s := shipped(t)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"fails/comment at the start", edit(t, s, "{\n  \"language\"", "{\n  // bluegreen's environments\n  \"language\""),
			`cdktf.json:2:3: not valid JSON: invalid character '/' looking for beginning of object key string (JSON has no comments; remove it)
  2 |   // bluegreen's environments
    |   ^`},
		{"fails/trailing comma in the middle", edit(t, s, `"natGateway": "single"`, `"natGateway": "single",`),
			`cdktf.json:26:35: not valid JSON: invalid character '}' looking for beginning of object key string (a trailing comma: JSON allows no ',' before '}')
  26 |             "natGateway": "single",
     |                                   ^`},
		{"fails/single quotes in the middle", edit(t, s, `"azCount": 2,`, `'azCount': 2,`),
			`cdktf.json:25:13: not valid JSON: invalid character '\'' looking for beginning of object key string (JSON strings take double quotes)
  25 |             'azCount': 2,
     |             ^`},
		{"fails/missing comma in the middle", edit(t, s, "\"cidr\": \"10.10.0.0/16\",\n", "\"cidr\": \"10.10.0.0/16\"\n"),
			`cdktf.json:25:13: not valid JSON: invalid character '"' after object key:value pair (a ',' is missing before this member)
  25 |             "azCount": 2,
     |             ^`},
		{"fails/unterminated object at the end", strings.TrimSuffix(s, "}\n"),
			`cdktf.json:333:4: not valid JSON: unexpected end of JSON input (the file ends before every { and [ is closed)
  333 |   }
      |    ^`},
		{"fails/something after the end", s + "}\n",
			`cdktf.json:335:1: not valid JSON: invalid character '}' after top-level value
  335 | }
      | ^`},
		{"fails/wrong kind of value", edit(t, s, "\"context\": {\n", "\"context\": \"dev\",\n  \"ctx\": {\n"),
			`cdktf.json:9:14: not valid JSON: context: got a JSON string, must be an object
  9 |   "context": "dev",
    |              ^`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", []byte(tc.data))
			if err == nil {
				t.Fatal("got no error")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestSyntaxErrorOfTheFileNamedByBLUEGREEN_CONFIG(t *testing.T) {
	// A tab-indented file: the caret keeps the tabs, so it lines up.
	path := filepath.Join(t.TempDir(), "team.json")
	if err := os.WriteFile(path, []byte("{\n\t\"context\": {\n\t\t\"environments\": {},\n\t}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	want := path + ":3:21: not valid JSON: invalid character '}' looking for beginning of object key string (a trailing comma: JSON allows no ',' before '}')\n" +
		"  3 | \t\t\"environments\": {},\n" +
		"    | \t\t                  ^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestProblemsNameTheirLine(t *testing.T) {
	s := shipped(t)
	data := edit(t, s, `"azCount": 2,`, `"azCount": 2, "azCout": 2,`)
	data = edit(t, data, `"profile": "demo",`, `"profile": "demo", "profile": "minimal",`)
	_, err := config.Parse("cdktf.json", []byte(data))
	want := `cdktf.json: 2 problem(s):
  - line 41: context.environments[dev].istio.profile: Invalid value: "profile": duplicate key: this object names it more than once and only the last would count; keep one
  - line 25: context.environments[dev].cluster.network.azCout: Invalid value: "azCout": unknown field (a typo?); allowed: azCount, cidr, natGateway, privateSubnetCidrs, privateSubnetIds, publicSubnetCidrs, vpcId`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestAcknowledge(t *testing.T) {
	for _, tc := range []struct {
		name, ack, want string
	}{
		{"fails/unknown code", `["GW005"]`, `context.environments[dev].acknowledge[0]: Unsupported value: "GW005": supported values: "BG010", "BG012", "BG013", "GW003", "GW004"`},
		{"fails/an error's code", `["GW004", "BG005"]`, `context.environments[dev].acknowledge[1]: Invalid value: "BG005": is an error, which must be fixed; only warnings can be acknowledged: BG010, BG012, BG013, GW003, GW004`},
		{"fails/twice", `["GW004", "GW004"]`, `context.environments[dev].acknowledge[1]: Duplicate value: "GW004"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cdktf.json", file(`{"dev":`+kubeEnv("/k", "c", `,"acknowledge":`+tc.ack)+`}`))
			if want := "cdktf.json: 1 problem(s):\n  - line 1: " + tc.want; err == nil || err.Error() != want {
				t.Errorf("got\n%v\nwant\n%s", err, want)
			}
		})
	}
	envs, err := config.Parse("cdktf.json", file(`{"dev":`+kubeEnv("/k", "c", `,"acknowledge":["BG013"],"istio":{"installMode":"operator"}`)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	all := envs[0].WarningsOn(nov30)
	kept, acked := envs[0].Acknowledged(all)
	if len(kept) != len(all)-1 || acked["BG013"] != 1 {
		t.Errorf("warnings %q: kept %q and acknowledged %v, want the Sail Operator's ordering note (BG013) acknowledged and no other", all, kept, acked)
	}
}
