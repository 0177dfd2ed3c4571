// Package tfcli runs the terraform CLI the way the tests need it: providers
// installed only from a local filesystem mirror (no registry traffic), no
// update checks, and a CLI configuration file of its own named by
// TF_CLI_CONFIG_FILE, so ~/.terraformrc is neither read nor written.
package tfcli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// MirrorEnv names the environment variable that points at a provider mirror
// folder, overriding the search of MirrorDirs.
const MirrorEnv = "BLUEGREEN_TF_MIRROR"

// ConfigEnv names the environment variable through which Terraform finds its
// CLI configuration file.
const ConfigEnv = "TF_CLI_CONFIG_FILE"

// Binary is the name of the terraform executable, looked up on the PATH.
const Binary = "terraform"

// AWSProvider is the provider the cluster stack needs from a mirror.
const AWSProvider = "hashicorp/aws"

// ErrNotFound is wrapped by the errors of Setup and FindMirror when the
// terraform binary or a provider mirror is not on this machine at all (as
// opposed to being misconfigured), so a test can skip rather than fail.
var ErrNotFound = errors.New("not found")

// MirrorDirs returns the folders that FindMirror searches, in order: the
// machine-wide /opt/tf-plugins, then Terraform's own implied local mirror
// folders on Unix (~/.terraform.d/plugins, $XDG_DATA_HOME/terraform/plugins
// and terraform/plugins under each of $XDG_DATA_DIRS).
func MirrorDirs() []string {
	dirs := []string{"/opt/tf-plugins"}
	home, err := os.UserHomeDir()
	if err == nil {
		dirs = append(dirs, filepath.Join(home, ".terraform.d", "plugins"))
	}
	dataHome := os.Getenv("XDG_DATA_HOME")
	if dataHome == "" && home != "" {
		dataHome = filepath.Join(home, ".local", "share")
	}
	if dataHome != "" {
		dirs = append(dirs, filepath.Join(dataHome, "terraform", "plugins"))
	}
	dataDirs := os.Getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	for _, d := range filepath.SplitList(dataDirs) {
		if d != "" {
			dirs = append(dirs, filepath.Join(d, "terraform", "plugins"))
		}
	}
	return dirs
}

// HasProvider reports whether dir is a filesystem mirror that holds some
// version of provider (such as "hashicorp/aws") from registry.terraform.io
// for this machine's platform, in either of Terraform's layouts: unpacked
// (<version>/<os>_<arch>/) or packed (terraform-provider-<type>_<version>_<os>_<arch>.zip).
func HasProvider(dir, provider string) bool {
	ns, typ, ok := strings.Cut(provider, "/")
	if !ok {
		return false
	}
	base := filepath.Join(dir, "registry.terraform.io", ns, typ)
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for _, pattern := range []string{
		filepath.Join(base, "*", platform),
		filepath.Join(base, "terraform-provider-"+typ+"_*_"+platform+".zip"),
	} {
		if matches, _ := filepath.Glob(pattern); len(matches) > 0 {
			return true
		}
	}
	return false
}

// FindMirror returns the provider mirror to install provider from: the
// folder named by $BLUEGREEN_TF_MIRROR when it is set (an error if it does
// not hold provider), else the first of MirrorDirs that holds it. When none
// does, the error wraps ErrNotFound.
func FindMirror(provider string) (string, error) {
	if dir := os.Getenv(MirrorEnv); dir != "" {
		if !HasProvider(dir, provider) {
			return "", fmt.Errorf("%s=%s: no registry.terraform.io/%s for %s_%s in it", MirrorEnv, dir, provider, runtime.GOOS, runtime.GOARCH)
		}
		return filepath.Abs(dir)
	}
	dirs := MirrorDirs()
	for _, dir := range dirs {
		if HasProvider(dir, provider) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("provider mirror with registry.terraform.io/%s for %s_%s: %w (searched %s; set %s)",
		provider, runtime.GOOS, runtime.GOARCH, ErrNotFound, strings.Join(dirs, ", "), MirrorEnv)
}

// Config returns the text of a Terraform CLI configuration that installs
// every registry.terraform.io/hashicorp/* provider from mirror, and nothing
// from anywhere else, and turns off Terraform's update checks.
func Config(mirror string) string {
	return fmt.Sprintf(`# Written by bluegreen's tests; see internal/tfcli.
disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path    = %s
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
`, hclString(mirror))
}

// hclString quotes s as an HCL string literal, escaping template sequences.
func hclString(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

// WriteConfig writes Config(mirror) to the file terraform.rc in dir and
// returns its path.
func WriteConfig(dir, mirror string) (string, error) {
	path := filepath.Join(dir, "terraform.rc")
	if err := os.WriteFile(path, []byte(Config(mirror)), 0o644); err != nil {
		return "", fmt.Errorf("writing the terraform CLI configuration: %w", err)
	}
	return path, nil
}

// CLI is a terraform binary together with the CLI configuration it runs
// with.
type CLI struct {
	// Binary is the path of the terraform executable.
	Binary string
	// Mirror is the provider mirror the configuration installs from.
	Mirror string
	// ConfigFile is the CLI configuration file, passed as
	// TF_CLI_CONFIG_FILE to every run.
	ConfigFile string
}

// Setup finds terraform on the PATH and a mirror that holds provider (see
// FindMirror), and writes a CLI configuration for them into configDir. When
// the binary or a mirror is missing, the error wraps ErrNotFound.
func Setup(configDir, provider string) (*CLI, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("%s on the PATH: %w (%v)", Binary, ErrNotFound, err)
	}
	mirror, err := FindMirror(provider)
	if err != nil {
		return nil, err
	}
	cfg, err := WriteConfig(configDir, mirror)
	if err != nil {
		return nil, err
	}
	return &CLI{Binary: bin, Mirror: mirror, ConfigFile: cfg}, nil
}

// Env returns the environment every terraform run gets: this process's
// environment with TF_CLI_CONFIG_FILE set to c.ConfigFile,
// CHECKPOINT_DISABLE set, and the variables that terraform-exec manages
// itself (TF_LOG, TF_INPUT, TF_VAR_*, ...) left out.
func (c *CLI) Env() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	env = tfexec.CleanEnv(env)
	env[ConfigEnv] = c.ConfigFile
	env["CHECKPOINT_DISABLE"] = "1"
	return env
}

// New returns a terraform-exec handle that runs c.Binary in dir with
// c.Env(). Terraform's output (stdout and stderr) is copied to out as it
// comes, unless out is nil; a failed command's error carries its stderr
// either way. Use a handle without out for commands whose stdout is JSON
// (show, output), as terraform-exec copies that to out too.
func (c *CLI) New(dir string, out io.Writer) (*tfexec.Terraform, error) {
	tf, err := tfexec.NewTerraform(dir, c.Binary)
	if err != nil {
		return nil, err
	}
	if err := tf.SetEnv(c.Env()); err != nil {
		return nil, err
	}
	if out != nil {
		tf.SetStdout(out)
		tf.SetStderr(out)
	}
	return tf, nil
}
