// Package awsbinding checks that the generated AWS provider binding
// (tools/awsbinding, `make bindings`) carries every resource and data-source
// type the Go code imports. The binding is generated with only those types;
// when code starts to import another one, Missing names it and says how to
// add it, where the Go compiler would only report an unknown package.
package awsbinding

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
)

// ImportPrefix is the import path of the upstream module's packages, which
// the generated binding keeps.
const ImportPrefix = "github.com/cdktf/cdktf-provider-aws-go/aws/v19/"

// Imports returns the aws/v19 packages imported by the Go files under root
// (tests included; folders starting with "." or "_", node_modules, testdata
// and tools are skipped), each with the files that import it.
func Imports(root string) (map[string][]string, error) {
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if p != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "node_modules" || n == "testdata" || n == "tools") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if pkg, ok := strings.CutPrefix(path, ImportPrefix); ok {
				rel, _ := filepath.Rel(root, p)
				out[pkg] = append(out[pkg], rel)
			}
		}
		return nil
	})
	return out, err
}

// Type is one resource or data source of the provider.
type Type struct {
	// Kind is "resource" or "data source".
	Kind string `json:"kind"`
	// Type is the Terraform type name, such as "aws_eks_cluster".
	Type string `json:"type"`
}

// Types is tools/awsbinding/types.json: the Go package of every type of the
// provider version the schema was taken from.
type Types struct {
	ProviderVersion string          `json:"provider_version"`
	Packages        map[string]Type `json:"packages"`
}

type schema struct {
	ProviderSchemas map[string]struct {
		Provider          json.RawMessage            `json:"provider"`
		ResourceSchemas   map[string]json.RawMessage `json:"resource_schemas"`
		DataSourceSchemas map[string]json.RawMessage `json:"data_source_schemas"`
	} `json:"provider_schemas"`
}

const fqpn = "registry.terraform.io/hashicorp/aws"

// Missing returns, one message per package, the aws/v19 packages imported
// under root that the pinned schema (schemaFile) or the generated binding
// (genDir, the folder of the aws Go module) lacks. typesFile maps packages
// to Terraform types.
func Missing(root, schemaFile, typesFile, genDir string) ([]string, error) {
	imports, err := Imports(root)
	if err != nil {
		return nil, err
	}
	var types Types
	if err := jsonedit.ReadFile(typesFile, &types); err != nil {
		return nil, err
	}
	var s schema
	if err := jsonedit.ReadFile(schemaFile, &s); err != nil {
		return nil, err
	}
	aws, ok := s.ProviderSchemas[fqpn]
	if !ok {
		return nil, fmt.Errorf("%s: no %s schema", schemaFile, fqpn)
	}
	var missing []string
	pkgs := make([]string, 0, len(imports))
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		where := strings.Join(imports[pkg], ", ")
		var inSchema bool
		var name string
		if pkg == "provider" {
			inSchema, name = aws.Provider != nil, "the provider block"
		} else {
			t, ok := types.Packages[pkg]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s%s (imported by %s): hashicorp/aws %s has no such type", ImportPrefix, pkg, where, types.ProviderVersion))
				continue
			}
			name = t.Kind + " " + t.Type
			if t.Kind == "resource" {
				_, inSchema = aws.ResourceSchemas[t.Type]
			} else {
				_, inSchema = aws.DataSourceSchemas[t.Type]
			}
		}
		switch {
		case !inSchema:
			missing = append(missing, fmt.Sprintf("%s%s (imported by %s): %s lacks the %s; run make aws-schema", ImportPrefix, pkg, where, schemaFile, name))
		case !hasGoFiles(filepath.Join(genDir, pkg)):
			missing = append(missing, fmt.Sprintf("%s%s (imported by %s): the generated binding %s lacks the %s; run make bindings", ImportPrefix, pkg, where, genDir, name))
		}
	}
	return missing, nil
}

func hasGoFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(m) > 0
}
