package jsonedit

import (
	"os"
	"path/filepath"
)

// writeHook, when set (by the tests), is called at each stage of
// WriteFile, so that a test can stop the process there.
var writeHook func(stage string)

func reached(stage string) {
	if writeHook != nil {
		writeHook(stage)
	}
}

// WriteFile replaces the content of the file at path with data so that,
// whatever happens, the file holds either its old or its new content, never
// a part: data goes to a temporary file in the same folder as the file,
// which is synced and then renamed over it, and the folder is synced. A
// symbolic link at path stays a link: the file it resolves to is replaced.
// The file keeps its permission bits. The file must exist.
func WriteFile(path string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	// Two writes, so that a process stopped between them has a partial
	// temporary file, which must never be seen at path.
	half := len(data) / 2
	if _, err := tmp.Write(data[:half]); err != nil {
		return err
	}
	reached("partial")
	if _, err := tmp.Write(data[half:]); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	reached("synced")
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	done = true
	reached("renamed")
	// The rename is durable once the folder's entry is on disk.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
