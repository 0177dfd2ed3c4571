package pipeline

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
)

// EnvNoCache names the environment variable that, set to 1, turns the
// cache of rendered Istio charts and Gateway API CRDs off.
const EnvNoCache = "BLUEGREEN_NO_RENDER_CACHE"

// renderCache keeps what releases of Istio's own charts and of the Gateway
// API CRDs' local chart render to, one file per release, under
// <cache>/rendered (verify.CacheDir), so that a second `check` (or
// `routes`, for the CRDs) of an unchanged environment skips Helm's most
// expensive work (about half a second of CPU for base, istiod and gateway,
// about 0.4 s for the CRDs). Helm's
// rendering is a function of the chart, the values, the release's name and
// namespace and the Kubernetes version; the key holds all of them, with
// the chart identified by the Istio release and commit pinned in this
// program and by the program's build (programID), so a program built from
// other sources never reads what another build wrote. Entries no run has
// read for a week are removed. Any failure to read or write the cache only
// costs the rendering.
type renderCache struct {
	dir string
	exe string
}

// newRenderCache returns the cache, or nil when it is off or has no
// folder.
func newRenderCache() *renderCache {
	if os.Getenv(EnvNoCache) == "1" {
		return nil
	}
	base, err := verify.CacheDir()
	if err != nil {
		return nil
	}
	id, err := programID()
	if err != nil {
		return nil
	}
	return &renderCache{dir: filepath.Join(base, "rendered"), exe: id}
}

// programID identifies the running program's build: the Go build ID in
// its ELF note, which the go command derives from the program's inputs
// (the same for every `go run` of unchanged sources), else the file's
// path, size and modification time.
func programID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if sec := f.Section(".note.go.buildid"); sec != nil {
			if b, err := sec.Data(); err == nil && len(b) > 0 {
				return "go-build-id " + hex.EncodeToString(b), nil
			}
		}
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %d %d", exe, fi.Size(), fi.ModTime().UnixNano()), nil
}

// cacheMaxAge is how long an entry no run has read stays in the cache.
const cacheMaxAge = 7 * 24 * time.Hour

// cacheFormat changes whenever what is stored changes.
const cacheFormat = 2

func (c *renderCache) file(r render.Release, kubeVersion string) string {
	key, _ := json.Marshal(struct {
		Format                                int
		Program, Istio, Commit                string
		Name, Namespace, Chart, Repo, Version string
		Values                                []string
		Set, SetSensitive                     []render.Set
		KubeVersion                           string
	}{cacheFormat, c.exe, verify.IstioRelease, verify.PinnedCommit,
		r.Name, r.Namespace, r.Chart, r.Repository, r.Version, r.Values, r.Set, r.SetSensitive, kubeVersion})
	sum := sha256.Sum256(key)
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".json")
}

// get returns the manifests stored for r, if any.
func (c *renderCache) get(r render.Release, kubeVersion string) ([]render.Manifest, bool) {
	if c == nil {
		return nil, false
	}
	b, err := os.ReadFile(c.file(r, kubeVersion))
	if err != nil {
		return nil, false
	}
	var ms []render.Manifest
	if err := json.Unmarshal(b, &ms); err != nil || len(ms) == 0 {
		return nil, false
	}
	now := time.Now()
	os.Chtimes(c.file(r, kubeVersion), now, now) // still in use: keep it
	return ms, true
}

// put stores the manifests of r, through a temporary file renamed into
// place, so a reader never sees half a file.
func (c *renderCache) put(r render.Release, kubeVersion string, ms []render.Manifest) {
	if c == nil || len(ms) == 0 {
		return
	}
	b, err := json.Marshal(ms)
	if err != nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(c.dir, ".tmp-")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), c.file(r, kubeVersion)) != nil {
		os.Remove(f.Name())
	}
	// Each build of the program writes its own entries: remove those no
	// run has read for cacheMaxAge.
	entries, _ := os.ReadDir(c.dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > cacheMaxAge {
			os.Remove(filepath.Join(c.dir, e.Name()))
		}
	}
}
