// Package charts holds bluegreen's local Helm charts and hands them to
// Terraform as cdktf assets.
//
// The charts are embedded in the Go package, so the constructs that use
// them work from any module that imports them, not only from this
// repository. Asset copies a chart into the stack's output folder
// (cdktf.out/stacks/<stack>/assets/...), and the path it returns is relative
// to that folder, which is where `cdktf deploy` runs Terraform.
package charts

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Every local chart is a directory named after the chart; its name starts
// with one of these prefixes.
//
//go:embed all:blue-green-* all:istio-* all:gatewayapi-*
var files embed.FS

// Names lists the embedded charts.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// FS returns the files of one chart, rooted at the chart directory.
func FS(name string) (fs.FS, error) {
	if _, err := fs.Stat(files, filepath.Join(name, "Chart.yaml")); err != nil {
		return nil, fmt.Errorf("no local chart %q; have %v", name, Names())
	}
	return fs.Sub(files, name)
}

var (
	extractMu sync.Mutex
	extracted = map[string]string{}
)

// Dir writes the chart to a folder on disk (once per process and content)
// and returns it.
func Dir(name string) (string, error) {
	extractMu.Lock()
	defer extractMu.Unlock()
	if dir, ok := extracted[name]; ok {
		return dir, nil
	}
	chart, err := FS(name)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = fs.WalkDir(chart, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(chart, p)
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), "bluegreen-charts", name+"-"+hex.EncodeToString(h.Sum(nil))[:16], name)
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
		tmp := dir + ".tmp-" + fmt.Sprint(os.Getpid())
		os.RemoveAll(tmp)
		if err := os.CopyFS(tmp, chart); err != nil {
			return "", fmt.Errorf("writing chart %s: %w", name, err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			// Another process may have written the same content first.
			if _, statErr := os.Stat(filepath.Join(dir, "Chart.yaml")); statErr != nil {
				os.RemoveAll(tmp)
				return "", fmt.Errorf("writing chart %s: %w", name, err)
			}
		}
		os.RemoveAll(tmp)
	}
	extracted[name] = dir
	return dir, nil
}

// Asset adds the local chart name to scope as a cdktf asset (construct id
// id) and returns its path relative to the stack's output folder, for
// helm_release.chart.
func Asset(scope constructs.Construct, id, name string) (*string, error) {
	dir, err := Dir(name)
	if err != nil {
		return nil, err
	}
	a := cdktf.NewTerraformAsset(scope, jsii.String(id), &cdktf.TerraformAssetConfig{
		Path: jsii.String(dir),
		Type: cdktf.AssetType_DIRECTORY,
	})
	return a.Path(), nil
}
