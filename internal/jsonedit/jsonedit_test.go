package jsonedit_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
)

const doc = `{
  "language": "go",
  "context": {
    "environments": {
      "dev": {
        "region": "eu-west-1",
        "routing": { "hosts": ["*"], "live": "blue" }
      },
      "prod": {
        "routing": {
          "hosts": ["echo.example.com"]
        }
      },
      "qa": {}
    }
  }
}
`

func TestSetReplacesOnlyTheValue(t *testing.T) {
	got, err := jsonedit.Set([]byte(doc), "green", "context", "environments", "dev", "routing", "live")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(doc, `"live": "blue"`, `"live": "green"`, 1)
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetAddsAMissingMember(t *testing.T) {
	got, err := jsonedit.Set([]byte(doc), "green", "context", "environments", "prod", "routing", "live")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(doc, `"routing": {
          "hosts"`, `"routing": {
          "live": "green",
          "hosts"`, 1)
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetAddsMissingObjects(t *testing.T) {
	got, err := jsonedit.Set([]byte(doc), "green", "context", "environments", "qa", "routing", "live")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"qa": { "routing": {"live": "green"} }`) {
		t.Errorf("got:\n%s", got)
	}
	raw, ok, err := jsonedit.Get(got, "context", "environments", "qa", "routing", "live")
	if err != nil || !ok || string(raw) != `"green"` {
		t.Errorf("Get after Set: got %s, %v, %v; want \"green\"", raw, ok, err)
	}
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Errorf("result is not JSON: %v", err)
	}
}

func TestGetMissing(t *testing.T) {
	if _, ok, err := jsonedit.Get([]byte(doc), "context", "environments", "prod", "routing", "live"); ok || err != nil {
		t.Errorf("got ok=%v err=%v for a missing member; want false, nil", ok, err)
	}
	if _, _, err := jsonedit.Get([]byte(`[1]`), "a"); err == nil {
		t.Error("got no error for a document that is not an object")
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"live": "green"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"live": }`), 0o600); err != nil {
		t.Fatal(err)
	}
	var v struct{ Live string }
	if err := jsonedit.ReadFile(good, &v); err != nil || v.Live != "green" {
		t.Errorf("good file: got %+v, %v; want live green", v, err)
	}
	if err := jsonedit.ReadFile(bad, &v); err == nil || err.Error() != bad+":1:10: not valid JSON: invalid character '}' looking for beginning of value\n  1 | {\"live\": }\n    |          ^" {
		t.Errorf("bad file: got %v; want the located error naming the file, line and column", err)
	}
	if err := jsonedit.ReadFile(filepath.Join(dir, "missing.json"), &v); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v; want fs.ErrNotExist", err)
	}
}
