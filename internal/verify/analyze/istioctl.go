package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bluegreen-mesh/bluegreen/internal/repo"
)

// EnvIstioctl names the environment variable that overrides the istioctl
// binary Istioctl returns.
const EnvIstioctl = "BLUEGREEN_ISTIOCTL"

// ModulePath is the module whose root holds tools/bin/istioctl.
const ModulePath = repo.ModulePath

// Istioctl returns the istioctl binary to analyze with: $BLUEGREEN_ISTIOCTL
// when set, else tools/bin/istioctl under the root of module ModulePath,
// found by walking up from the working directory. `make istioctl` builds
// the latter from the istio.io/istio version pinned in tools/go.mod.
//
// It fails, saying to run `make istioctl`, when the binary is missing or
// older than tools/go.mod or tools/go.sum (the files Make rebuilds it from).
func Istioctl() (string, error) {
	if p := os.Getenv(EnvIstioctl); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("$%s: %w", EnvIstioctl, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := repo.Root(wd)
	if err != nil {
		return "", fmt.Errorf("%w; set $%s to an istioctl binary", err, EnvIstioctl)
	}
	bin := filepath.Join(root, "tools", "bin", "istioctl")
	if err := executable(bin); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("istioctl is not built: %s does not exist; run `make istioctl` in %s (or set $%s)", bin, root, EnvIstioctl)
		}
		return "", err
	}
	built, err := os.Stat(bin)
	if err != nil {
		return "", err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		src := filepath.Join(root, "tools", name)
		fi, err := os.Stat(src)
		if err != nil {
			return "", fmt.Errorf("istioctl's pins: %w", err)
		}
		if fi.ModTime().After(built.ModTime()) {
			return "", fmt.Errorf("istioctl is out of date: %s changed after %s was built; run `make istioctl` in %s", src, bin, root)
		}
	}
	return bin, nil
}

// executable reports why p is not an executable file.
func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
