// Package cptest starts the local Kubernetes control plane (package
// controlplane) for a test and stops it when the test ends.
package cptest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

// RequiredVariable names the environment variable that make test sets: with
// it, missing binaries fail the test instead of skipping it.
const RequiredVariable = "BLUEGREEN_CONTROLPLANE_REQUIRED"

// Binaries returns the control plane's binaries. When they are not built
// the test fails if $BLUEGREEN_CONTROLPLANE_REQUIRED is set (make test sets
// it, after building them), and is skipped with the reason and the command
// that builds them otherwise.
func Binaries(t testing.TB) controlplane.Binaries {
	t.Helper()
	b, err := controlplane.FindBinaries(".")
	if err != nil {
		if os.Getenv(RequiredVariable) != "" {
			t.Fatal(err)
		}
		t.Skipf("SKIPPED, no local control plane: %v", err)
	}
	return b
}

// Start starts a control plane with o and stops it (every process, by its
// process group) when the test and its subtests end, pass or fail. The
// processes also die with the test binary if it is killed by its timeout.
// The start is bounded by the suite's deadline policy (package wait), not
// by o.ReadyTimeout.
func Start(t testing.TB, o controlplane.Options) *controlplane.ControlPlane {
	t.Helper()
	bins := Binaries(t)
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	cp, err := controlplane.Start(wait.Context(t, 0), bins, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for name := range cp.Processes() {
				t.Logf("end of the %s log:\n%s", name, cp.LogTail(name, 20))
			}
		}
		cp.Stop()
	})
	return cp
}

// Log is the wait.Options Log of process name ("kube-apiserver",
// "istiod") of cp: the end of its log, for a wait that process should end.
func Log(cp *controlplane.ControlPlane, name string) func() (string, string) {
	return func() (string, string) { return name, cp.LogTail(name, 30) }
}

// CreateCRDs creates crds in cp and waits, under the suite's deadline
// policy (package wait), until each is established (its API served),
// watching each CRD (wait.ForWatch).
func CreateCRDs(t testing.TB, cp *controlplane.ControlPlane, crds ...*apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if len(crds) == 0 {
		t.Fatal("no CRD to create")
	}
	ext, err := apiextclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, crd := range crds {
		if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatalf("CRD %s: %v", crd.Name, err)
		}
	}
	for _, crd := range crds {
		wait.ForWatch(t, "CRD "+crd.Name+" established", wait.Options{Log: Log(cp, "kube-apiserver")},
			ListWatch(func(ctx context.Context, o metav1.ListOptions) (*apiextensionsv1.CustomResourceDefinitionList, error) {
				return ext.ApiextensionsV1().CustomResourceDefinitions().List(ctx, o)
			}, func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return ext.ApiextensionsV1().CustomResourceDefinitions().Watch(ctx, o)
			}, "metadata.name="+crd.Name),
			func(got []*apiextensionsv1.CustomResourceDefinition) (bool, string, error) {
				if len(got) == 0 {
					return false, "no CRD of that name", nil
				}
				return slices.ContainsFunc(got[0].Status.Conditions, func(c apiextensionsv1.CustomResourceDefinitionCondition) bool {
					return c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue
				}), fmt.Sprintf("conditions %+v", got[0].Status.Conditions), nil
			})
	}
}

// ListWatch is the ListerWatcher of wait.ForWatch for a typed client's List
// and Watch, narrowed by fieldSelector ("metadata.name=x"; "" for all).
func ListWatch[L runtime.Object](list func(context.Context, metav1.ListOptions) (L, error), watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error), fieldSelector string) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = fieldSelector
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = fieldSelector
			return watchFn(ctx, o)
		},
	}
}
