package controlplane

import (
	"github.com/bluegreen-mesh/bluegreen/internal/repo"

	"bufio"
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Binaries are the programs a control plane runs.
type Binaries struct {
	// Etcd, APIServer, ControllerManager and Pilot are paths to etcd,
	// kube-apiserver, kube-controller-manager and pilot-discovery (istiod).
	Etcd, APIServer, ControllerManager, Pilot string
}

// BuildHint tells a user how to build the binaries.
const BuildHint = "run `make controlplane` in the bluegreen checkout (the first build takes over an hour on 2 busy cores; see docs/testing.md)"

// CacheDir is the folder the binaries are built into: $BLUEGREEN_CACHE,
// else $XDG_CACHE_HOME/bluegreen, else ~/.cache/bluegreen. The Makefile's
// BLUEGREEN_CACHE names the same folder.
func CacheDir() (string, error) {
	if d := os.Getenv("BLUEGREEN_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "bluegreen"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder: set BLUEGREEN_CACHE: %w", err)
	}
	return filepath.Join(home, ".cache", "bluegreen"), nil
}

// FindBinaries locates the binaries `make controlplane` built for the
// versions pinned in the checkout that holds dir (or one of its parents):
// kube-<version> from tools/kube/go.mod, istiod-<version> from
// tools/go.mod, and the newest etcd-<version> folder. The error lists what
// is missing and how to build it.
func FindBinaries(dir string) (Binaries, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Binaries{}, err
	}
	root, err := repo.Root(abs)
	if err != nil {
		return Binaries{}, err
	}
	cache, err := CacheDir()
	if err != nil {
		return Binaries{}, err
	}
	kube, err := requiredVersion(filepath.Join(root, "tools", "kube", "go.mod"), "k8s.io/kubernetes")
	if err != nil {
		return Binaries{}, err
	}
	istio, err := requiredVersion(filepath.Join(root, "tools", "go.mod"), "istio.io/istio")
	if err != nil {
		return Binaries{}, err
	}
	etcds, _ := filepath.Glob(filepath.Join(cache, "etcd-*", "etcd"))
	slices.Sort(etcds)
	b := Binaries{
		Etcd:              cmp.Or(last(etcds), filepath.Join(cache, "etcd-<version>", "etcd")),
		APIServer:         filepath.Join(cache, "kube-"+kube, "kube-apiserver"),
		ControllerManager: filepath.Join(cache, "kube-"+kube, "kube-controller-manager"),
		Pilot:             filepath.Join(cache, "istiod-"+istio, "pilot-discovery"),
	}
	var missing []string
	for _, p := range []string{b.Etcd, b.APIServer, b.ControllerManager, b.Pilot} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("the local control plane is not built (missing %s): %s", strings.Join(missing, ", "), BuildHint)
	}
	return b, nil
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// requiredVersion returns the version of module mod that the go.mod at path
// requires.
func requiredVersion(path, mod string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "require" {
			fields = fields[1:]
		}
		if len(fields) >= 2 && fields[0] == mod && fields[1] != "=>" {
			return fields[1], nil
		}
	}
	return "", errors.Join(s.Err(), fmt.Errorf("%s does not require %s", path, mod))
}
