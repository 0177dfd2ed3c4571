// Package repo finds the root of the bluegreen module, which holds the
// tools/ module: the pins of the tools built from source (istioctl) and of
// the Istio source whose charts the checks render.
package repo

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ModulePath is the module whose root holds tools/go.mod.
const ModulePath = "github.com/bluegreen-mesh/bluegreen"

// Root returns the first folder at or above dir whose go.mod declares
// ModulePath. Nested modules (tools/, for one) are passed over.
func Root(dir string) (string, error) {
	for d := dir; ; {
		path, err := modulePath(filepath.Join(d, "go.mod"))
		if err == nil && path == ModulePath {
			return d, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod of module %s at or above %s", ModulePath, dir)
		}
		d = parent
	}
}

// ToolsDir returns the tools/ folder of the module root at or above the
// working directory.
func ToolsDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := Root(wd)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "tools"), nil
}

// modulePath returns the module path a go.mod declares.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			if p, err := strconv.Unquote(fields[1]); err == nil {
				return p, nil
			}
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}
