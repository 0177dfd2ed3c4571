// Package envoyroutes reads the HTTP route configuration istiod generates
// for an ingress gateway, over xDS, as the gateway's Envoy would receive it
// (Envoy's own Go types from github.com/envoyproxy/go-control-plane), and
// evaluates requests against it with Envoy's route semantics: virtual host
// by domain, routes in order, path, prefix and safe-regex matchers, header
// and query parameter matchers, prefix and regex rewrites, weighted
// clusters, response headers added, request mirrors, route timeouts,
// redirects.
package envoyroutes

import (
	"context"
	"fmt"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

// Type URLs of the xDS resources read.
const (
	listenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	routeType    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

// Proxy is how the client presents itself to istiod: as a gateway pod.
type Proxy struct {
	// Namespace is the gateway's namespace. Required.
	Namespace string
	// Labels are the gateway pod's labels; istiod applies the Gateways
	// whose selector they match. Required.
	Labels map[string]string
	// IstioVersion is the proxy version announced. Required.
	IstioVersion string
	// ClusterID is istiod's cluster. Default: "Kubernetes".
	ClusterID string
	// Sidecar presents the client as a workload's sidecar instead of a
	// gateway: istiod then sends the outbound routes in-mesh callers use.
	// Default: false (a gateway).
	Sidecar bool
}

func (p Proxy) node() (*corev3.Node, error) {
	if p.ClusterID == "" {
		p.ClusterID = "Kubernetes"
	}
	labels := map[string]any{}
	for k, v := range p.Labels {
		labels[k] = v
	}
	md, err := structpb.NewStruct(map[string]any{
		"NAMESPACE":     p.Namespace,
		"CLUSTER_ID":    p.ClusterID,
		"ISTIO_VERSION": p.IstioVersion,
		"LABELS":        labels,
	})
	if err != nil {
		return nil, err
	}
	pod, typ := "bluegreen-xds-client", "router"
	if p.Sidecar {
		typ = "sidecar"
	}
	return &corev3.Node{
		Id:       fmt.Sprintf("%s~127.0.0.1~%s.%s~%s.svc.cluster.local", typ, pod, p.Namespace, p.Namespace),
		Cluster:  "bluegreen-xds-client." + p.Namespace,
		Metadata: md,
	}, nil
}

// Fetch connects to istiod's plaintext xDS address (127.0.0.1 only),
// requests the listeners for p, then every route configuration those
// listeners name, and returns them sorted by name.
func Fetch(ctx context.Context, xdsAddr string, p Proxy) ([]*routev3.RouteConfiguration, error) {
	node, err := p.node()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	conn, err := grpc.NewClient(xdsAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("xDS stream to istiod at %s: %w", xdsAddr, err)
	}
	defer stream.CloseSend()

	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: node, TypeUrl: listenerType}); err != nil {
		return nil, err
	}
	lds, err := receive(stream, listenerType)
	if err != nil {
		return nil, err
	}
	names, err := routeNames(lds)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("istiod sent %d listeners naming no route configuration for a gateway in %s with labels %v: does a Gateway select these labels?", len(lds.GetResources()), p.Namespace, p.Labels)
	}
	// ACK the listeners, then ask for their routes.
	if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: listenerType, VersionInfo: lds.GetVersionInfo(), ResponseNonce: lds.GetNonce()}); err != nil {
		return nil, err
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: routeType, ResourceNames: names}); err != nil {
		return nil, err
	}
	rds, err := receive(stream, routeType)
	if err != nil {
		return nil, err
	}
	return routeConfigurations(rds)
}

// receive reads responses until one of type typ arrives (istiod may push
// other types on the same stream).
func receive(stream discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient, typ string) (*discoveryv3.DiscoveryResponse, error) {
	for {
		resp, err := stream.Recv()
		if err != nil {
			return nil, fmt.Errorf("waiting for %s from istiod: %w", typ, err)
		}
		if resp.GetTypeUrl() == typ {
			return resp, nil
		}
	}
}
