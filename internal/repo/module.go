package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Module is a module in Go's module cache.
type Module struct {
	// Path and Version are the module's; Dir is its folder in the cache.
	Path, Version, Dir string
}

// DownloadModule returns module path at the version the go.mod in dir
// requires, downloading it into Go's module cache first when it is not
// there yet (`go mod download -json`, which needs the module proxy only
// then).
func DownloadModule(dir, path string) (Module, error) {
	cmd := exec.Command("go", "mod", "download", "-json", path)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var mod struct{ Path, Version, Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &mod); err != nil {
		return Module{}, fmt.Errorf("go mod download -json %s (in %s): %v: %s", path, dir, errors.Join(runErr, err), strings.TrimSpace(stderr.String()))
	}
	if mod.Error != "" || runErr != nil || mod.Dir == "" {
		return Module{}, fmt.Errorf("go mod download %s (in %s): %s", path, dir, strings.TrimSpace(mod.Error+" "+stderr.String()))
	}
	return Module{Path: mod.Path, Version: mod.Version, Dir: mod.Dir}, nil
}
