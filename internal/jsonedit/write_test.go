package jsonedit_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluegreen-mesh/bluegreen/internal/jsonedit"
)

var (
	oldDoc = []byte("{\r\n  \"live\": \"blue\",\r\n  \"note\": \"" + strings.Repeat("x", 64<<10) + "\"\r\n}\r\n")
	newDoc = bytes.Replace(oldDoc, []byte(`"blue"`), []byte(`"green"`), 1)
)

func TestWriteFileThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "dotfiles")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(shared, "cdktf.json")
	if err := os.WriteFile(target, oldDoc, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cdktf.json")
	if err := os.Symlink(filepath.Join("dotfiles", "cdktf.json"), link); err != nil {
		t.Fatal(err)
	}
	if err := jsonedit.WriteFile(link, newDoc); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s: got mode %v, want it still a symbolic link", link, fi.Mode())
	}
	if to, _ := os.Readlink(link); to != filepath.Join("dotfiles", "cdktf.json") {
		t.Errorf("link points at %q, want it unchanged", to)
	}
	got, _ := os.ReadFile(target)
	if !bytes.Equal(got, newDoc) {
		t.Errorf("target: got %d bytes, want the new %d bytes", len(got), len(newDoc))
	}
	ti, _ := os.Stat(target)
	if ti.Mode().Perm() != 0o640 {
		t.Errorf("target mode: got %v, want -rw-r----- kept", ti.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(shared, ".cdktf.json.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

// TestWriteFileKilled runs WriteFile in a child process (this test binary,
// run again), stops it at each stage, kills it there and checks that the
// file holds its old or its new content in full.
func TestWriteFileKilled(t *testing.T) {
	if stage := os.Getenv("JSONEDIT_STOP_AT"); stage != "" {
		jsonedit.SetWriteHook(func(s string) {
			if s == stage {
				fmt.Println("stopped at " + s)
				select {} // Until killed.
			}
		})
		err := jsonedit.WriteFile(os.Getenv("JSONEDIT_FILE"), newDoc)
		fmt.Println("finished:", err)
		os.Exit(0)
	}
	for _, tc := range []struct {
		stage string
		want  []byte
	}{
		{"partial", oldDoc},
		{"synced", oldDoc},
		{"renamed", newDoc},
	} {
		t.Run("killed at "+tc.stage, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cdktf.json")
			if err := os.WriteFile(path, oldDoc, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileKilled$")
			cmd.Env = append(os.Environ(), "JSONEDIT_STOP_AT="+tc.stage, "JSONEDIT_FILE="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "stopped at "+tc.stage+"\n" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q, %v; want it stopped at %s", line, err, tc.stage)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.stage == "partial" {
				// The child was stopped with half of the new content
				// written: somewhere other than the file.
				tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".cdktf.json.tmp-*"))
				if len(tmps) != 1 {
					t.Fatalf("temporary files: got %q, want the one the child was writing", tmps)
				}
				if part, _ := os.ReadFile(tmps[0]); len(part) != len(newDoc)/2 {
					t.Errorf("temporary file: got %d bytes, want the half (%d) written before the stop", len(part), len(newDoc)/2)
				}
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("after a kill at %s: got %d bytes (live blue: %v), want the %d bytes of the %s file",
					tc.stage, len(got), bytes.Contains(got, []byte(`"blue"`)), len(tc.want), map[bool]string{true: "old", false: "new"}[bytes.Equal(tc.want, oldDoc)])
			}
		})
	}
}
