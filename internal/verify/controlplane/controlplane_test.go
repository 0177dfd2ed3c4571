package controlplane_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
)

// TestNoWebhookIsCalled registers a mutating and a validating webhook that
// fail closed, both at a TLS server of the test's own on 127.0.0.1, and
// creates an object they match. The object must be stored, the server must
// see no connection, and the API server's log (at a verbosity that logs
// every request its own clients send) must show requests to 127.0.0.1
// only, none to the webhook, and an admission chain without the webhook
// plugins.
func TestNoWebhookIsCalled(t *testing.T) {
	// Each test has a control plane of its own; side by side, their waits
	// overlap.
	t.Parallel()
	cp := cptest.Start(t, controlplane.Options{APIServerVerbosity: 6, AuditLog: true})
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this webhook must not be called", http.StatusInternalServerError)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	url := srv.URL + "/admit"
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	rules := []admissionregistrationv1.RuleWithOperations{{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
		Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
	}}
	ctx := context.Background()
	adm := cp.Client.AdmissionregistrationV1()
	if _, err := adm.ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "must-not-be-called"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "validate.bluegreen.test", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: rules, FailurePolicy: &fail, SideEffects: &none, AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "must-not-be-called"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name: "mutate.bluegreen.test", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: rules, FailurePolicy: &fail, SideEffects: &none, AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// No sleep gives the API server "time to see" the configurations: the
	// ConfigMap's creation below is proven handled by the audit log, and
	// the admission chains the log lists (no webhook plugin at all) prove
	// that no webhook could be called, however soon after the
	// configurations the request came.
	if _, err := cp.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "admitted"}, Data: map[string]string{"k": "v"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating a ConfigMap that fail-closed webhooks match: %v; want it admitted without calling them", err)
	}
	ev := auditEvent(t, cp, "create", "configmaps", "default", "admitted")
	if ev.ResponseStatus.Code != http.StatusCreated {
		t.Errorf("the audit log answers the ConfigMap's creation with %d; want 201", ev.ResponseStatus.Code)
	}
	for k, v := range ev.Annotations {
		if strings.Contains(k, "webhook.admission.k8s.io") {
			t.Errorf("the audit log records a webhook on the ConfigMap's creation: %s=%s", k, v)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the webhook server saw %d connections; want 0", n)
	}

	b, err := os.ReadFile(cp.LogPath("kube-apiserver"))
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	host := strings.TrimPrefix(srv.URL, "https://")
	if strings.Contains(log, host) {
		t.Errorf("the API server's log mentions the webhook's address %s:\n%s", host, grepLines(log, host))
	}
	// At --v=6 client-go logs each request the API server's own clients
	// send, with its URL: there must be some (or the log could not have
	// shown a webhook call either), and every one must go to 127.0.0.1.
	sent := regexp.MustCompile(`"Response" verb="[A-Z]+" url="([^"]+)"`).FindAllStringSubmatch(log, -1)
	if len(sent) == 0 {
		t.Errorf("the API server's log at --v=6 shows no request of its own clients; the checks above prove nothing")
	}
	for _, m := range sent {
		if !strings.HasPrefix(m[1], "https://127.0.0.1:") {
			t.Errorf("the API server sent a request to %s; want 127.0.0.1 only", m[1])
		}
	}
	loaded := regexp.MustCompile(`Loaded \d+ (mutating|validating) admission controller\(s\) successfully in the following order: ([^".]+)`).FindAllStringSubmatch(log, -1)
	if len(loaded) < 2 {
		t.Fatalf("the API server's log lists %d admission chains; want the mutating and the validating one", len(loaded))
	}
	for _, l := range loaded {
		if strings.Contains(l[2], "Webhook") {
			t.Errorf("%s admission chain includes a webhook plugin: %s", l[1], l[2])
		}
	}
}

// TestStopEndsEveryProcess checks that Stop leaves none of the processes
// running, and that a deleted namespace is removed (the controller
// manager's namespace controller runs).
func TestStopEndsEveryProcess(t *testing.T) {
	t.Parallel()
	bins := cptest.Binaries(t)
	cp, err := controlplane.Start(wait.Context(t, 0), bins, controlplane.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Stop()
	ctx := context.Background()
	ns := cp.Client.CoreV1().Namespaces()
	if _, err := ns.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ns.Delete(ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wait.ForWatch(t, "namespace doomed removed after its deletion (the namespace controller)", wait.Options{Log: cptest.Log(cp, "kube-controller-manager")},
		cptest.ListWatch(ns.List, ns.Watch, "metadata.name=doomed"),
		func(got []*corev1.Namespace) (bool, string, error) {
			if len(got) == 0 {
				return true, "", nil
			}
			return false, fmt.Sprintf("phase %s, conditions %+v", got[0].Status.Phase, got[0].Status.Conditions), nil
		})

	pids := cp.Processes()
	if len(pids) != 3 {
		t.Fatalf("processes: got %v; want etcd, kube-apiserver and kube-controller-manager", pids)
	}
	cp.Stop()
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists after Stop (kill 0: %v)", name, pid, err)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// auditRecord is the part of an audit event (audit.k8s.io/v1 Event) the
// tests read.
type auditRecord struct {
	Stage     string `json:"stage"`
	Verb      string `json:"verb"`
	ObjectRef struct {
		Resource, Namespace, Name string
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Annotations map[string]string `json:"annotations"`
}

// auditEvent waits until the API server's audit log records that it
// answered verb on resource namespace/name, and returns that event.
func auditEvent(t *testing.T, cp *controlplane.ControlPlane, verb, resource, namespace, name string) auditRecord {
	t.Helper()
	var found auditRecord
	// Polled (wait.For reads the file again every 100 ms): the audit log
	// is a file the API server appends to, and no API announces a write
	// to it (inotify would, through a library not among the module's
	// dependencies).
	what := fmt.Sprintf("the audit log's record of the answer to %s %s %s/%s", verb, resource, namespace, name)
	wait.For(t, what, wait.Options{Log: func() (string, string) { return "kube-apiserver", cp.LogTail("kube-apiserver", 30) }}, func() (bool, string, error) {
		b, err := os.ReadFile(cp.LogPath("audit"))
		if err != nil {
			return false, err.Error(), nil
		}
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			var ev auditRecord
			if line == "" || json.Unmarshal([]byte(line), &ev) != nil {
				continue
			}
			n++
			r := ev.ObjectRef
			if ev.Stage == "ResponseComplete" && ev.Verb == verb && r.Resource == resource && r.Namespace == namespace && r.Name == name {
				found = ev
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("%d events, none of it", n), nil
	})
	return found
}

// TestStartsAgainWhenAPortIsTaken takes a port picked for etcd and one
// picked for istiod after the pick and before the process binds it, as a
// client's connection or another test binary did under load (istiod then
// failed with "bind: address already in use"). Each must fail on it, keep
// that attempt's log with the kernel's answer, and be started again on
// fresh ports; etcd must then serve. istiod's second start is not awaited
// (it becomes ready only once Istio's CRDs are installed, which
// gatewayistiod's tests do): the test ends it by cancelling its context as
// it begins.
func TestStartsAgainWhenAPortIsTaken(t *testing.T) {
	ctx, cancel := context.WithCancel(wait.Context(t, 0))
	defer cancel()
	given := map[string][][]int{}
	controlplane.SetBeforeStart(t, func(name string, attempt int, ps []int) {
		given[name] = append(given[name], ps)
		// etcd's client port; istiod's HTTP (debug and readiness) port,
		// which it binds first.
		take := map[string]int{"etcd": 0, "istiod": 1}
		i, ok := take[name]
		switch {
		case !ok:
			return
		case attempt == 1:
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(ps[i])))
			if err != nil {
				t.Errorf("taking port %d of %s: %v", ps[i], name, err)
				return
			}
			t.Cleanup(func() { l.Close() })
		case name == "istiod":
			cancel()
		}
	})
	cp := cptest.Start(t, controlplane.Options{})
	_, err := cp.StartIstiod(ctx, controlplane.IstiodOptions{})
	if !errors.Is(err, context.Canceled) && (err == nil || !strings.Contains(err.Error(), "context canceled")) {
		t.Errorf("istiod's start: got %v; want it ended by the test's cancel during the second attempt", err)
	}
	for _, name := range []string{"etcd", "istiod"} {
		if len(given[name]) < 2 {
			t.Errorf("%s started %d times (ports %v); want a second start after the taken port", name, len(given[name]), given[name])
			continue
		}
		if a, b := given[name][0], given[name][1]; slices.Equal(a, b) {
			t.Errorf("%s's second start on the same ports %v", name, a)
		}
		kept := strings.TrimSuffix(cp.LogPath(name), ".log") + ".attempt-1.log"
		b, err := os.ReadFile(kept)
		if err != nil {
			t.Errorf("the failed attempt's log of %s: %v", name, err)
			continue
		}
		if !strings.Contains(strings.ToLower(string(b)), "address already in use") {
			t.Errorf("%s's first attempt (ports %v): its log does not say an address was in use:\n%s", name, given[name][0], b)
		}
	}
	// The API server stores an object, so etcd serves on its new ports.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "after-a-taken-port"}}
	if _, err := cp.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Errorf("the API server after etcd's second start: %v", err)
	}
}
