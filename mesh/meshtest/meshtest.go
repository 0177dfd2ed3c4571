// Package meshtest builds mesh models for tests without Helm or cdktf: the
// walkthrough's app echo, routed by mesh.Build, with the Deployments and
// the Service bluegreen's charts create for it written out as fixtures.
package meshtest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// The app's fixed facts.
const (
	// App is the app's name.
	App = "echo"
	// Namespace is the app's namespace.
	Namespace = "shop"
	// Host is the app Service's cluster-local host.
	Host = "echo.shop.svc.cluster.local"
	// Port is the Service's port.
	Port = 8600
)

// Target is echo's Target with a release for each of colours (both when
// none are given), named after its colour, whose pods carry
// version=<colour>.
func Target(colours ...string) mesh.Target {
	if len(colours) == 0 {
		colours = mesh.Colours
	}
	t := mesh.Target{Name: App, Namespace: Namespace, Host: Host, Port: Port}
	for _, c := range colours {
		t.Subsets = append(t.Subsets, mesh.Subset{Colour: c, Release: c, Labels: map[string]string{"version": c}})
	}
	return t
}

// Model returns the objects of echo routed by p (defaults are applied
// here) with releases for colours (both when none are given): the
// Gateway, VirtualService and DestinationRule Build makes, a Deployment
// echo-<colour> per release (2 replicas, answering "<colour>-answer"), and
// the Service echo with its port named http.
func Model(p mesh.Routing, colours ...string) (*mesh.Model, error) {
	t := Target(colours...)
	o, err := mesh.Build(p.WithDefaults(App), t)
	if err != nil {
		return nil, err
	}
	m := &mesh.Model{}
	m.AddObjects(o, Namespace, map[string]string{"Gateway": App + "-gateway", "VirtualService": App + "-virtualservice", "DestinationRule": App + "-destinationrule"})
	for _, s := range t.Subsets {
		replicas := int32(2)
		labels := map[string]string{"app": App, "version": s.Release}
		m.Workloads = append(m.Workloads, mesh.Workload{Release: s.Release, Deployment: &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: App + "-" + s.Release, Namespace: Namespace},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: App, Args: []string{"-text", s.Colour + "-answer"}}}},
				},
			},
		}})
	}
	m.Services = append(m.Services, mesh.Service{Release: App + "-service", Service: &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: App, Namespace: Namespace},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": App},
			Ports:    []corev1.ServicePort{{Name: "http", Port: Port}},
		},
	}})
	return m, nil
}

// Route returns the HTTP route named name of m's first VirtualService, or
// nil.
func Route(m *mesh.Model, name string) *networkingv1.HTTPRoute {
	if len(m.VirtualServices) == 0 {
		return nil
	}
	for _, r := range m.VirtualServices[0].Spec.GetHttp() {
		if r.GetName() == name {
			return r
		}
	}
	return nil
}

// Files returns the model of the objects in the manifest files (paths
// relative to the test's package), each added as the rendered objects of a
// release "fixture" in namespace "default" are (mesh.Model.AddManifests).
func Files(t testing.TB, files ...string) *mesh.Model {
	t.Helper()
	m := &mesh.Model{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.AddManifests("fixture", "default", b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return m
}

// PrefixRequest is a request to an app under the path prefix /cart, alone
// on its host, with the rule that takes it ("" for a 404), the colour and
// the path the app receives: one table that judges both routing APIs.
type PrefixRequest struct {
	Path    string
	Headers map[string]string
	Rule    string
	Colour  string
	AppPath string
}

// PrefixRequests are the requests to an app under /cart with the default
// version paths and cookie and the header rule x-env (qa for blue, prod
// for green): whole segments only, the version path stripped below the
// prefix, and near misses such as /cartoon answered 404.
var PrefixRequests = []PrefixRequest{
	{"/cart", nil, "default", "blue", "/cart"},
	{"/cart/", nil, "default", "blue", "/cart/"},
	{"/cart/items?id=1", nil, "default", "blue", "/cart/items?id=1"},
	{"/cart/v1", nil, "path-blue", "blue", "/cart"},
	{"/cart/v1/health", nil, "path-blue", "blue", "/cart/health"},
	{"/cart/v2/health?x=1", nil, "path-green", "green", "/cart/health?x=1"},
	{"/cart/v10", nil, "default", "blue", "/cart/v10"},
	{"/cart/items", map[string]string{"x-env": "prod"}, "header-green", "green", "/cart/items"},
	{"/cart", map[string]string{"cookie": "a=b; x-version=v2"}, "cookie-green", "green", "/cart"},
	{"/cartoon", nil, "", "", ""},
	{"/cartoon", map[string]string{"cookie": "x-version=v2"}, "", "", ""},
	{"/", nil, "", "", ""},
	{"/v1/health", nil, "", "", ""},
}

// SharedApp is an app named name in a namespace of its own, with both colours
// released (pods labelled version=<colour>), under the path prefix prefix
// on hosts, its routing's defaults applied.
func SharedApp(name, prefix string, hosts ...string) mesh.App {
	t := mesh.Target{Name: name, Namespace: name, Host: mesh.ServiceHost(name, name), Port: 8600}
	for _, c := range mesh.Colours {
		t.Subsets = append(t.Subsets, mesh.Subset{Colour: c, Release: name + "-" + c, Labels: map[string]string{"version": c}})
	}
	p := mesh.Routing{Hosts: hosts, PathPrefix: prefix, Gateway: mesh.Gateway{Selector: map[string]string{"istio": "ingressgateway"}}}
	return mesh.App{Name: name, Routing: p.WithDefaults(name), Target: t}
}

// AppsRequest is a request through a gateway shared by the apps shop (/)
// and cart (/cart) on shop.example.com and blog (/) on blog.example.com,
// and the answer both routing APIs must give: "<app> <rule>
// <colour>:<weight>:<path>", or "  404".
type AppsRequest struct {
	Host, Path string
	Headers    map[string]string
	Want       string
}

// AppsRequests are the requests of AppsRequest: each app's prefix, version
// paths and cookie, and the near misses /cartoon and /cartoon/v1, which
// shop takes.
var AppsRequests = []AppsRequest{
	{"shop.example.com", "/cart", nil, "cart default blue:100:/cart"},
	{"shop.example.com", "/cart/", nil, "cart default blue:100:/cart/"},
	{"shop.example.com", "/cart/v2/items", nil, "cart path-green green:100:/cart/items"},
	{"shop.example.com", "/cart/v1", nil, "cart path-blue blue:100:/cart"},
	{"shop.example.com", "/cartoon", nil, "shop default blue:100:/cartoon"},
	{"shop.example.com", "/cartoon/v1", nil, "shop default blue:100:/cartoon/v1"},
	{"shop.example.com", "/v1/x", nil, "shop path-blue blue:100:/x"},
	{"shop.example.com", "/", map[string]string{"cookie": "x-version=v2"}, "shop cookie-green green:100:/"},
	{"shop.example.com", "/cart/a", map[string]string{"cookie": "x-version=v2"}, "cart cookie-green green:100:/cart/a"},
	{"blog.example.com", "/v2", nil, "blog path-green green:100:/"},
	{"blog.example.com", "/cart", nil, "blog default blue:100:/cart"},
	{"other.example.com", "/", nil, "  404"},
}

// Summary writes an answer in AppsRequest's words.
func Summary(a mesh.Answer) string {
	var ds []string
	for _, d := range a.Destinations {
		ds = append(ds, fmt.Sprintf("%s:%g:%s", d.Colour, d.Weight, d.Path))
	}
	s := a.App + " " + a.Rule + " " + strings.Join(ds, ", ")
	if len(a.Notes) > 0 && strings.HasPrefix(a.Notes[0], "404") {
		s += "404"
	}
	return s
}

// AppsModel returns the model of apps sharing the Gateway istio-ingress/shared
// (mesh.BuildApps, with the first app's Gateway settings): the shared
// objects, then each app's, as the stacks create them; and the objects.
func AppsModel(t testing.TB, apps ...mesh.App) (*mesh.Model, mesh.SharedObjects, map[string]mesh.AppObjects) {
	t.Helper()
	s, objs, err := mesh.BuildApps(mesh.SharedGateway{Name: "shared", Namespace: "istio-ingress", Gateway: apps[0].Routing.Gateway}, apps)
	if err != nil {
		t.Fatal(err)
	}
	m := &mesh.Model{}
	m.AddShared(s, nil)
	for _, a := range apps {
		m.AddObjects(objs[a.Name].Objects, a.Target.Namespace, nil)
	}
	return m, s, objs
}
