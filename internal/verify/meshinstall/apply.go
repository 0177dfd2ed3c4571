package meshinstall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bluegreen-mesh/bluegreen/internal/render"
)

// Options configure an Installer.
type Options struct {
	// Kubeconfig is the cluster's kubeconfig file (Helm reads it).
	// Required.
	Kubeconfig string
	// Config is the same cluster's client configuration. Required.
	Config *rest.Config
	// Charts resolves each release's chart. Required.
	Charts ChartSource
	// Variables are the values of the stacks' Terraform variables (all of
	// them secrets, such as Grafana's admin password); they are never
	// printed. Default: none.
	Variables map[string]string
	// Log receives Helm's debug output. Default: discarded.
	Log func(format string, args ...any)
	// CacheDir holds the discovery and HTTP caches of Helm's Kubernetes
	// client. Default: "cache" beside Kubeconfig, which for
	// ~/.kube/config is kubectl's own ~/.kube/cache, and for a local
	// control plane's kubeconfig is in its folder, removed with it.
	CacheDir string
}

// Action is what the installer did with a resource.
type Action string

// Actions.
const (
	Installed    Action = "installed"
	Upgraded     Action = "upgraded"
	Unchanged    Action = "unchanged"
	Created      Action = "created"
	Updated      Action = "updated"
	NotInstalled Action = "not installed"
	Uninstalled  Action = "uninstalled"
	Deleted      Action = "deleted"
	Absent       Action = "absent"
)

// Step is one resource and what was done with it.
type Step struct {
	Resource Resource
	Action   Action
	// Reason says why a resource was not installed.
	Reason string
	// Took is how long the step took.
	Took time.Duration
}

func (s Step) String() string {
	out := fmt.Sprintf("%-13s %5.2fs  %s", s.Action, s.Took.Seconds(), s.Resource)
	if s.Reason != "" {
		out += ": " + s.Reason
	}
	return out
}

// Installer applies and destroys plans in one cluster.
type Installer struct {
	o       Options
	client  kubernetes.Interface
	dynamic dynamic.Interface
	state   map[string]map[string]map[string]any
}

// New returns an Installer for the cluster o names.
func New(o Options) (*Installer, error) {
	if o.Kubeconfig == "" || o.Config == nil || o.Charts == nil {
		return nil, errors.New("meshinstall: Kubeconfig, Config and Charts are required")
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(filepath.Dir(o.Kubeconfig), "cache")
	}
	c, err := kubernetes.NewForConfig(o.Config)
	if err != nil {
		return nil, err
	}
	dc, err := dynamic.NewForConfig(o.Config)
	if err != nil {
		return nil, err
	}
	return &Installer{o: o, client: c, dynamic: dc, state: map[string]map[string]map[string]any{}}, nil
}

// Apply creates or updates every resource of p in order, each stack after
// its data sources are read and their postconditions hold
// (CheckDataSources; a failed one stops the run before the stack changes,
// wrapping ErrPostcondition): a release that
// exists is upgraded only when its chart version or values differ. A
// release whose chart has no offline source is not installed; the
// resources after it are installed all the same (the stacks order them
// after such releases for tidiness, not need), but one that then fails is
// reported as not installed because of it rather than as an error. The
// first other error stops the run; it names the stack, resource and
// release and carries the API server's message.
func (in *Installer) Apply(ctx context.Context, p *Plan) ([]Step, error) {
	var steps []Step
	missing := map[string]string{}
	planned := map[string]bool{}
	plan := func(stack string) error {
		if planned[stack] {
			return nil
		}
		planned[stack] = true
		return in.CheckDataSources(ctx, p, stack)
	}
	for _, r := range p.Resources {
		if err := plan(r.Stack); err != nil {
			return steps, err
		}
		key := r.Stack + "/" + r.Address()
		attrs, err := resolver{vars: in.o.Variables, state: in.stateOf(r.Stack)}.resolveAll(r.Attrs)
		if err != nil {
			return steps, fmt.Errorf("%s: %w", r, err)
		}
		var act Action
		began := time.Now()
		switch r.Type {
		case "helm_release":
			act, err = in.applyRelease(ctx, r, attrs.(map[string]any))
		case "kubernetes_namespace_v1":
			act, err = in.applyNamespace(ctx, attrs.(map[string]any))
		case "kubernetes_secret_v1":
			act, err = in.applySecret(ctx, attrs.(map[string]any))
		}
		var unmet []string
		for _, d := range r.DependsOn {
			if why, ok := missing[r.Stack+"/"+d]; ok {
				unmet = append(unmet, d+" ("+why+")")
			}
		}
		switch {
		case errors.Is(err, ErrNoOfflineSource):
			missing[key] = ErrNoOfflineSource.Error()
			steps = append(steps, Step{Resource: r, Action: NotInstalled, Reason: strings.TrimPrefix(err.Error(), ErrNoOfflineSource.Error()), Took: time.Since(began)})
			continue
		case err != nil && len(unmet) > 0:
			missing[key] = "depends on a release not installed"
			steps = append(steps, Step{Resource: r, Action: NotInstalled, Reason: fmt.Sprintf("needs %s: %v", strings.Join(unmet, ", "), err), Took: time.Since(began)})
			continue
		case err != nil:
			return steps, fmt.Errorf("%s: %w", r, err)
		}
		in.stateOf(r.Stack)[r.Address()] = attrs.(map[string]any)
		steps = append(steps, Step{Resource: r, Action: act, Took: time.Since(began)})
	}
	// A stack of data sources alone is planned too.
	for _, d := range p.DataSources {
		if err := plan(d.Stack); err != nil {
			return steps, err
		}
	}
	return steps, nil
}

// stateOf returns what was applied in stack, by address (addresses are
// per stack).
func (in *Installer) stateOf(stack string) map[string]map[string]any {
	if in.state[stack] == nil {
		in.state[stack] = map[string]map[string]any{}
	}
	return in.state[stack]
}

// Parallelism is how many resources Destroy deletes at once, Terraform's
// default (-parallelism=10).
const Parallelism = 10

// Destroy deletes every resource of p the way `terraform destroy` does:
// stack after stack in reverse order, and within a stack each resource once
// every resource that depends on it is gone, resources that do not depend
// on each other at the same time (up to Parallelism). Releases are
// uninstalled (resources Helm marks keep, such as Istio's CRDs, stay);
// namespaces are deleted and waited for until they are gone, as the
// kubernetes provider does (the namespace controller takes at least 5 s
// for each, so deleting independent namespaces together saves that much).
// The steps are in the order the deletions finished. On the first error
// no further deletion starts; the ones under way finish.
func (in *Installer) Destroy(ctx context.Context, p *Plan) ([]Step, error) {
	var steps []Step
	var stacks []string
	for _, r := range p.Resources {
		if !slices.Contains(stacks, r.Stack) {
			stacks = append(stacks, r.Stack)
		}
	}
	for i := len(stacks) - 1; i >= 0; i-- {
		var rs []Resource
		for _, r := range p.Resources {
			if r.Stack == stacks[i] {
				rs = append(rs, r)
			}
		}
		done, err := in.destroyStack(ctx, rs)
		steps = append(steps, done...)
		if err != nil {
			return steps, err
		}
	}
	return steps, nil
}

// destroyStack deletes the resources of one stack, each after its
// dependents, independent ones concurrently.
func (in *Installer) destroyStack(ctx context.Context, rs []Resource) ([]Step, error) {
	type result struct {
		step Step
		err  error
	}
	// dependents[a] counts the resources not yet deleted that depend on a.
	dependents := map[string]int{}
	for _, r := range rs {
		for _, d := range r.DependsOn {
			dependents[d]++
		}
	}
	started := make([]bool, len(rs))
	results := make(chan result)
	var steps []Step
	var firstErr error
	running := 0
	for {
		// Start every resource nothing left depends on, latest first.
		for i := len(rs) - 1; i >= 0 && firstErr == nil && running < Parallelism; i-- {
			r := rs[i]
			if started[i] || dependents[r.Address()] > 0 {
				continue
			}
			started[i] = true
			attrs, err := resolver{vars: in.o.Variables, state: in.stateOf(r.Stack)}.resolveAll(r.Attrs)
			if err != nil {
				firstErr = fmt.Errorf("%s: %w", r, err)
				break
			}
			running++
			go func() {
				began := time.Now()
				act, err := in.destroyOne(ctx, r, attrs.(map[string]any))
				results <- result{step: Step{Resource: r, Action: act, Took: time.Since(began)}, err: err}
			}()
		}
		if running == 0 {
			if firstErr == nil && len(steps) < len(rs) {
				// Only a dependency cycle leaves resources unstarted, and
				// Load refuses those.
				firstErr = fmt.Errorf("%s: %d resources could not be ordered for deletion", rs[0].Stack, len(rs)-len(steps))
			}
			return steps, firstErr
		}
		res := <-results
		running--
		if res.err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("destroying %s: %w", res.step.Resource, res.err)
			}
			continue
		}
		r := res.step.Resource
		delete(in.stateOf(r.Stack), r.Address())
		for _, d := range r.DependsOn {
			dependents[d]--
		}
		steps = append(steps, res.step)
	}
}

// destroyOne deletes one resource whose references are resolved in attrs.
func (in *Installer) destroyOne(ctx context.Context, r Resource, attrs map[string]any) (Action, error) {
	switch r.Type {
	case "helm_release":
		return in.uninstall(r, attrs)
	case "kubernetes_namespace_v1":
		return in.deleteNamespace(ctx, attrs)
	case "kubernetes_secret_v1":
		name, ns := meta(attrs)
		err := in.client.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return Absent, nil
		}
		return Deleted, err
	}
	return "", fmt.Errorf("resource type %s is not managed", r.Type)
}

func (in *Installer) helm(namespace string) (*action.Configuration, error) {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &in.o.Kubeconfig
	flags.Namespace = &namespace
	flags.CacheDir = &in.o.CacheDir
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, namespace, "secret", in.o.Log); err != nil {
		return nil, err
	}
	return cfg, nil
}

// releaseOf returns the release as render reads it, with every reference
// resolved and set_sensitive folded into set as strings (Terraform passes
// their real values; render shows a placeholder).
func releaseOf(r Resource, attrs map[string]any) (render.Release, error) {
	rel := *r.Release
	rel.Name, _ = attrs["name"].(string)
	if ns, _ := attrs["namespace"].(string); ns != "" {
		rel.Namespace = ns
	}
	rel.Values = nil
	for _, v := range render.List(attrs["values"]) {
		s, _ := v.(string)
		rel.Values = append(rel.Values, s)
	}
	var sets []render.Set
	for _, key := range []string{"set", "set_sensitive"} {
		for _, item := range render.List(attrs[key]) {
			b, _ := json.Marshal(item)
			var s render.Set
			if err := json.Unmarshal(b, &s); err != nil {
				return rel, fmt.Errorf("%s: %w", key, err)
			}
			if key == "set_sensitive" {
				s.Type = "string"
			}
			sets = append(sets, s)
		}
	}
	rel.Set, rel.SetSensitive = sets, nil
	return rel, nil
}

func (in *Installer) applyRelease(ctx context.Context, r Resource, attrs map[string]any) (Action, error) {
	rel, err := releaseOf(r, attrs)
	if err != nil {
		return "", err
	}
	chrt, err := in.o.Charts(rel)
	if err != nil {
		return "", err
	}
	vals, err := rel.MergedValues()
	if err != nil {
		return "", err
	}
	cfg, err := in.helm(rel.Namespace)
	if err != nil {
		return "", err
	}
	timeout := 300 * time.Second
	if t, ok := attrs["timeout"].(float64); ok {
		timeout = time.Duration(t) * time.Second
	}
	flag := func(name string) bool { b, _ := attrs[name].(bool); return b }

	current, err := action.NewGet(cfg).Run(rel.Name)
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		i := action.NewInstall(cfg)
		i.ReleaseName, i.Namespace = rel.Name, rel.Namespace
		i.CreateNamespace = flag("create_namespace")
		// No pod ever runs here: waiting would time out, and atomic
		// implies waiting.
		i.Wait, i.Atomic, i.WaitForJobs = false, false, false
		i.Timeout = timeout
		i.SkipCRDs, i.DisableHooks, i.Replace = flag("skip_crds"), flag("disable_webhooks"), flag("replace")
		if _, err := i.RunWithContext(ctx, chrt, vals); err != nil {
			return "", err
		}
		return Installed, nil
	case err != nil:
		return "", err
	}
	if current.Chart.Metadata.Name == chrt.Metadata.Name && current.Chart.Metadata.Version == chrt.Metadata.Version && sameValues(current.Config, vals) {
		return Unchanged, nil
	}
	u := action.NewUpgrade(cfg)
	u.Namespace = rel.Namespace
	u.Wait, u.Atomic, u.WaitForJobs = false, false, false
	u.Timeout = timeout
	u.SkipCRDs, u.DisableHooks = flag("skip_crds"), flag("disable_webhooks")
	if n, ok := attrs["max_history"].(float64); ok {
		u.MaxHistory = int(n)
	}
	if _, err := u.RunWithContext(ctx, rel.Name, chrt, vals); err != nil {
		return "", err
	}
	return Upgraded, nil
}

// sameValues compares two values trees as JSON, so numbers read from YAML
// and from --set compare equal.
func sameValues(a, b map[string]any) bool {
	norm := func(m map[string]any) any {
		j, _ := json.Marshal(m)
		var v any
		_ = json.Unmarshal(j, &v)
		if v == nil {
			v = map[string]any{}
		}
		return v
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func (in *Installer) uninstall(r Resource, attrs map[string]any) (Action, error) {
	rel, err := releaseOf(r, attrs)
	if err != nil {
		return "", err
	}
	cfg, err := in.helm(rel.Namespace)
	if err != nil {
		return "", err
	}
	if _, err := action.NewGet(cfg).Run(rel.Name); errors.Is(err, driver.ErrReleaseNotFound) {
		return Absent, nil
	}
	u := action.NewUninstall(cfg)
	u.Wait = false
	if _, err := u.Run(rel.Name); err != nil {
		return "", err
	}
	return Uninstalled, nil
}

// meta returns metadata.name and metadata.namespace of a kubernetes_*
// resource.
func meta(attrs map[string]any) (name, namespace string) {
	m, _ := index(attrs["metadata"], 0).(map[string]any)
	name, _ = m["name"].(string)
	namespace, _ = m["namespace"].(string)
	if namespace == "" {
		namespace = "default"
	}
	return name, namespace
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

func objectMeta(attrs map[string]any) metav1.ObjectMeta {
	m, _ := index(attrs["metadata"], 0).(map[string]any)
	name, ns := meta(attrs)
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: stringMap(m["labels"]), Annotations: stringMap(m["annotations"])}
}

func (in *Installer) applyNamespace(ctx context.Context, attrs map[string]any) (Action, error) {
	om := objectMeta(attrs)
	om.Namespace = ""
	nss := in.client.CoreV1().Namespaces()
	_, err := nss.Create(ctx, &corev1.Namespace{ObjectMeta: om}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return Created, err
	}
	cur, err := nss.Get(ctx, om.Name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	cur.Labels, cur.Annotations = om.Labels, om.Annotations
	_, err = nss.Update(ctx, cur, metav1.UpdateOptions{})
	return Updated, err
}

func (in *Installer) deleteNamespace(ctx context.Context, attrs map[string]any) (Action, error) {
	name, _ := meta(attrs)
	nss := in.client.CoreV1().Namespaces()
	if err := nss.Delete(ctx, name, metav1.DeleteOptions{}); apierrors.IsNotFound(err) {
		return Absent, nil
	} else if err != nil {
		return "", err
	}
	// The provider waits until the namespace is gone; so does this, up to
	// ctx's deadline or, when ctx has none, 2 minutes.
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	seen := ""
	for {
		ns, err := nss.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return Deleted, nil
		}
		if err != nil {
			seen = err.Error()
		} else {
			// The namespace controller says in the conditions what keeps
			// the namespace (content remaining, a discovery failure).
			seen = "phase " + string(ns.Status.Phase)
			for _, c := range ns.Status.Conditions {
				if c.Status == corev1.ConditionTrue {
					seen += fmt.Sprintf("; %s: %s", c.Type, c.Message)
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("namespace %s still exists %s after its deletion (%v); last seen: %s", name, time.Since(start).Round(time.Second), ctx.Err(), seen)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (in *Installer) applySecret(ctx context.Context, attrs map[string]any) (Action, error) {
	om := objectMeta(attrs)
	s := &corev1.Secret{ObjectMeta: om, StringData: stringMap(attrs["data"])}
	if t, _ := attrs["type"].(string); t != "" {
		s.Type = corev1.SecretType(t)
	}
	secrets := in.client.CoreV1().Secrets(om.Namespace)
	_, err := secrets.Create(ctx, s, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return Created, err
	}
	cur, err := secrets.Get(ctx, om.Name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	s.ResourceVersion = cur.ResourceVersion
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
	return Updated, err
}
