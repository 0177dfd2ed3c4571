package gatewayistiod_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"
	"sigs.k8s.io/yaml"

	"github.com/bluegreen-mesh/bluegreen/internal/repo"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/cptest"
	"github.com/bluegreen-mesh/bluegreen/internal/testutil/wait"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/envoyroutes"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/mesh/gatewayapi"
)

// cluster is the local control plane with the CRDs istiod needs.
type cluster struct {
	cp *controlplane.ControlPlane
	gw gwclient.Interface
}

// startCluster starts the control plane and installs Istio's CRDs and the
// Gateway API's standard CRDs into it.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	cp := cptest.Start(t, controlplane.Options{})
	gw, err := gwclient.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{cp: cp, gw: gw}
	istio, err := istiocharts.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	c.installCRDs(t, filepath.Join(istio, "manifests", "charts", "base", "files", "crd-all.gen.yaml"))
	tools, err := repo.ToolsDir()
	if err != nil {
		t.Fatal(err)
	}
	// Istio is built with this Gateway API release (tools/go.mod); its
	// CRDs are the ones istiod reads.
	mod, err := repo.DownloadModule(tools, "sigs.k8s.io/gateway-api")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(mod.Dir, "config", "crd", "standard", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c.installCRDs(t, files...)
	return c
}

// installCRDs creates every CustomResourceDefinition in files (other
// documents, such as a ValidatingAdmissionPolicy, are passed over) and
// waits until each is established.
func (c *cluster) installCRDs(t *testing.T, files ...string) {
	t.Helper()
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := yaml.Unmarshal(doc, crd); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if crd.Kind != "CustomResourceDefinition" {
				continue
			}
			crds = append(crds, crd)
		}
	}
	if len(crds) == 0 {
		t.Fatalf("no CRD in %v", files)
	}
	cptest.CreateCRDs(t, c.cp, crds...)
}

// namespace creates namespace name.
func (c *cluster) namespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.cp.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createServices creates Services.
func (c *cluster) createServices(t *testing.T, svcs ...*corev1.Service) {
	t.Helper()
	for _, s := range svcs {
		if _, err := c.cp.Client.CoreV1().Services(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("Service %s/%s: %v", s.Namespace, s.Name, err)
		}
	}
}

// createGateway creates gw, and the Service Istio's gateway deployment
// controller would create for it (<name>-istio, selecting the Gateway's
// pods by their gateway-name label): without it istiod sends the gateway
// no listeners.
func (c *cluster) createGateway(t *testing.T, gw *gwv1.Gateway) {
	t.Helper()
	if _, err := c.gw.GatewayV1().Gateways(gw.Namespace).Create(context.Background(), gw, metav1.CreateOptions{}); err != nil {
		t.Fatalf("Gateway %s/%s: %v", gw.Namespace, gw.Name, err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: gw.Name + "-istio", Namespace: gw.Namespace},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{envoyroutes.GatewayNameLabel: gw.Name}},
	}
	for _, l := range gw.Spec.Listeners {
		if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == int32(l.Port) }) {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: string(l.Name), Port: int32(l.Port)})
		}
	}
	c.createServices(t, svc)
}

// applyRoutes creates each HTTPRoute, or replaces the spec of the one
// stored under its name.
func (c *cluster) applyRoutes(t *testing.T, routes ...*gwv1.HTTPRoute) {
	t.Helper()
	ctx := context.Background()
	for _, r := range routes {
		client := c.gw.GatewayV1().HTTPRoutes(r.Namespace)
		stored, err := client.Get(ctx, r.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.Create(ctx, r, metav1.CreateOptions{})
		case err == nil:
			stored.Spec, stored.Annotations = r.Spec, r.Annotations
			_, err = client.Update(ctx, stored, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Fatalf("HTTPRoute %s/%s: %v", r.Namespace, r.Name, err)
		}
	}
}

// install stores the objects Build makes, and the TLS Secret their
// Gateway names, in a new namespace.
func (c *cluster) install(t *testing.T, o gatewayapi.Objects, s gatewayapi.Spec) {
	t.Helper()
	c.namespace(t, s.Namespace)
	if s.Gateway.TLS != nil {
		c.tlsSecret(t, s.Namespace, s.Gateway.TLS.CredentialName, s.Hosts)
	}
	c.createServices(t, o.Services...)
	c.createGateway(t, o.Gateway)
	c.applyRoutes(t, o.Routes()...)
}

// stored returns the model of the Gateways, HTTPRoutes and Services stored
// in namespace ns, as the API server returns them (defaults applied,
// creation times set).
func (c *cluster) stored(t *testing.T, ns string) gatewayapi.Model {
	t.Helper()
	ctx := context.Background()
	var m gatewayapi.Model
	gws, err := c.gw.GatewayV1().Gateways(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range gws.Items {
		m.Gateways = append(m.Gateways, &gws.Items[i])
	}
	routes, err := c.gw.GatewayV1().HTTPRoutes(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range routes.Items {
		m.HTTPRoutes = append(m.HTTPRoutes, &routes.Items[i])
	}
	svcs, err := c.cp.Client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range svcs.Items {
		m.Services = append(m.Services, &svcs.Items[i])
	}
	return m
}

// waitPastCreation waits until the API server's clock, which stamps
// creation times in whole seconds, has passed the creation second of
// HTTPRoute ns/name: until an object it would create now (a dry run,
// nothing stored) gets a later creation time. It returns the route's
// creation time.
func (c *cluster) waitPastCreation(t *testing.T, ns, name string) time.Time {
	t.Helper()
	ctx := context.Background()
	r, err := c.gw.GatewayV1().HTTPRoutes(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := r.CreationTimestamp.Time
	// Polled (wait.For asks every 100 ms): the API server's clock
	// announces no second passing; a dry run is the one way to read it.
	probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "clock-", Namespace: ns}}
	wait.For(t, fmt.Sprintf("the API server's clock past the creation time of HTTPRoute %s/%s, %s", ns, name, created.Format(time.RFC3339)),
		wait.Options{Log: cptest.Log(c.cp, "kube-apiserver")}, func() (bool, string, error) {
			got, err := c.cp.Client.CoreV1().ConfigMaps(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil {
				return false, "", err
			}
			if got.CreationTimestamp.IsZero() {
				return false, "", fmt.Errorf("the API server's dry run gave ConfigMap %s no creation time", got.Name)
			}
			return got.CreationTimestamp.After(created), "it stamps " + got.CreationTimestamp.Format(time.RFC3339), nil
		})
	return created
}

// routesRead waits until istiod has read every HTTPRoute stored in ns at
// the generation stored now (package controlplane, WaitForObjects).
func (c *cluster) routesRead(t *testing.T, ist *controlplane.Istiod, ns string) {
	t.Helper()
	routes, err := c.gw.GatewayV1().HTTPRoutes(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var objs []controlplane.Object
	for _, r := range routes.Items {
		objs = append(objs, controlplane.Object{Kind: "HTTPRoute", Namespace: r.Namespace, Name: r.Name, UID: string(r.UID), Generation: r.Generation})
	}
	if len(objs) == 0 {
		t.Fatalf("no HTTPRoute stored in %s", ns)
	}
	if err := ist.WaitForObjects(wait.Context(t, 0), objs...); err != nil {
		t.Fatal(err)
	}
}

// tlsSecret stores a kubernetes.io/tls Secret with a self-signed
// certificate for hosts, made now.
func (c *cluster) tlsSecret(t *testing.T, ns, name string, hosts []string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			corev1.TLSPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		},
	}
	if _, err := c.cp.Client.CoreV1().Secrets(ns).Create(context.Background(), secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
