package awsbinding_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/awsbinding"
)

const (
	repo       = "../.."
	schemaFile = "../../tools/awsbinding/schema.json"
	typesFile  = "../../tools/awsbinding/types.json"
	genDir     = "../../.gen/go/aws"
)

// TestBindingHasEveryImportedType fails, naming the Terraform type, when Go
// code imports an aws/v19 package that the pinned schema or the generated
// binding lacks.
func TestBindingHasEveryImportedType(t *testing.T) {
	imports, err := awsbinding.Imports(repo)
	if err != nil {
		t.Fatal(err)
	}
	// The cluster construct and the stacks' providers import these at least.
	for _, pkg := range []string{"ekscluster", "eksnodegroup", "vpc", "provider", "dataawseksclusterauth"} {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("no Go file imports %s%s; the import scan is broken (found %d packages)", awsbinding.ImportPrefix, pkg, len(imports))
		}
	}
	missing, err := awsbinding.Missing(repo, schemaFile, typesFile, genDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Error(m)
	}
}

// TestMissingNamesTheType checks the message a developer sees on importing
// a type the binding was not generated with.
func TestMissingNamesTheType(t *testing.T) {
	root := t.TempDir()
	// Built from pieces, so that the import scan of this repository (here
	// and in tools/awsbinding) does not take the fake imports for real ones.
	var src strings.Builder
	src.WriteString("package x\n\nimport (\n")
	for _, pkg := range []string{"ekscluster", "ekspodidentityassociation", "nosuchthing"} {
		src.WriteString("\t\"" + awsbinding.ImportPrefix + pkg + "\"\n")
	}
	src.WriteString(")\n")
	if err := os.MkdirAll(filepath.Join(root, "constructs", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "constructs", "x", "x.go"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder of the generated binding with ekscluster only.
	gen := filepath.Join(root, "gen")
	if err := os.MkdirAll(filepath.Join(gen, "ekscluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gen, "ekscluster", "EksCluster.go"), []byte("package ekscluster\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, err := awsbinding.Missing(root, schemaFile, typesFile, gen)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 2 {
		t.Fatalf("got %d messages, want 2 (ekspodidentityassociation, nosuchthing):\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for i, want := range []string{
		"aws/v19/ekspodidentityassociation (imported by constructs/x/x.go): ../../tools/awsbinding/schema.json lacks the resource aws_eks_pod_identity_association; run make aws-schema",
		"aws/v19/nosuchthing (imported by constructs/x/x.go): hashicorp/aws 5.100.0 has no such type",
	} {
		if !strings.Contains(missing[i], want) {
			t.Errorf("message %d: got %q, want it to contain %q", i, missing[i], want)
		}
	}

	// A type in the schema whose generated package is absent.
	if err := os.RemoveAll(filepath.Join(gen, "ekscluster")); err != nil {
		t.Fatal(err)
	}
	missing, err = awsbinding.Missing(root, schemaFile, typesFile, gen)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(missing, func(m string) bool {
		return strings.Contains(m, "aws/v19/ekscluster (imported by constructs/x/x.go): the generated binding "+gen+" lacks the resource aws_eks_cluster; run make bindings")
	}) {
		t.Errorf("no message for the absent generated package ekscluster:\n%s", strings.Join(missing, "\n"))
	}
}
