package synth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// staging is a folder beside the output folder that a run synthesizes into.
// commit moves its content into the output folder stack by stack; Terraform's
// own files in an existing stack folder (.terraform, the lock file, plans)
// are carried over, and stacks this run did not synthesize stay as they were.
type staging struct {
	dir, outdir string
}

func newStaging(outdir string) (*staging, error) {
	parent := filepath.Dir(filepath.Clean(outdir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, "."+filepath.Base(outdir)+".staging-")
	if err != nil {
		return nil, fmt.Errorf("creating a staging folder beside %s: %w", outdir, err)
	}
	// MkdirTemp makes the folder private; the output folder is not.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &staging{dir: dir, outdir: outdir}, nil
}

func (s *staging) cleanup() { os.RemoveAll(s.dir) }

// keep reports whether an entry of an existing stack folder belongs to
// Terraform rather than to the synthesized output.
func keep(name string) bool {
	return strings.HasPrefix(name, ".terraform") || strings.HasSuffix(name, ".tfstate") ||
		strings.HasSuffix(name, ".tfstate.backup") || strings.HasSuffix(name, ".tfplan") || name == "plan"
}

func (s *staging) commit() error {
	if _, err := os.Stat(s.outdir); errors.Is(err, os.ErrNotExist) {
		return os.Rename(s.dir, s.outdir)
	}
	stacksDir := filepath.Join(s.dir, "stacks")
	entries, err := os.ReadDir(stacksDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.outdir, "stacks"), 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		newDir := filepath.Join(stacksDir, e.Name())
		oldDir := filepath.Join(s.outdir, "stacks", e.Name())
		old, err := os.ReadDir(oldDir)
		exists := err == nil
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, o := range old {
			if keep(o.Name()) {
				if err := os.Rename(filepath.Join(oldDir, o.Name()), filepath.Join(newDir, o.Name())); err != nil {
					return err
				}
			}
		}
		trash := filepath.Join(s.dir, ".old-"+e.Name())
		if exists {
			if err := os.Rename(oldDir, trash); err != nil {
				return err
			}
		}
		if err := os.Rename(newDir, oldDir); err != nil {
			return err
		}
	}
	return os.Rename(filepath.Join(s.dir, "manifest.json"), filepath.Join(s.outdir, "manifest.json"))
}
