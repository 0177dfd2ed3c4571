package verify_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	root   = "../.."
	module = "github.com/bluegreen-mesh/bluegreen/"
)

// TestProductReachesVerifyThroughOneDoor fails when a product package (any
// Go file outside internal/verify, the test support, the tools and the
// examples, tests excluded) imports a package under internal/verify/
// other than the door, package verify, so that what the product takes from
// the judge stays the one list in verify.go.
func TestProductReachesVerifyThroughOneDoor(t *testing.T) {
	through := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel != "." && strings.HasPrefix(d.Name(), "."),
				d.Name() == "node_modules", d.Name() == "testdata", d.Name() == "cdktf.out",
				rel == "internal/verify", rel == "internal/testutil", rel == "tools", rel == "examples":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case path == module+"internal/verify":
				through++
			case strings.HasPrefix(path, module+"internal/verify/"):
				t.Errorf("%s imports %s: product code reaches the verifying packages through package verify (internal/verify/verify.go) only", rel, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if through < 3 {
		t.Errorf("%d product files import package verify, want routes', check's and the pipeline's (the walk is broken)", through)
	}
}
