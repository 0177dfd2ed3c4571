package envoyroutes

import (
	"context"
	"fmt"
	"slices"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Watch connects to istiod's plaintext xDS address as p, subscribes to the
// listeners and to the route configurations they name, ACKs each response
// as Envoy does, and calls fn with the route configurations (sorted by
// name) of each version istiod pushes, until fn reports done, fn fails,
// the stream fails or ctx ends (ctx's error then). A push of listeners
// that name no route configuration yet (a Gateway istiod has not read)
// is waited past, not an error. It is how a caller waits for the routes
// an edit leads to: istiod pushes them on this stream once it has
// translated the edit.
func Watch(ctx context.Context, xdsAddr string, p Proxy, fn func([]*routev3.RouteConfiguration) (done bool, err error)) error {
	node, err := p.node()
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(xdsAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return fmt.Errorf("xDS stream to istiod at %s: %w", xdsAddr, err)
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: node, TypeUrl: listenerType}); err != nil {
		return err
	}
	var names []string
	for {
		resp, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("xDS stream to istiod at %s: %w", xdsAddr, err)
		}
		switch resp.GetTypeUrl() {
		case listenerType:
			if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: listenerType, VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}); err != nil {
				return err
			}
			got, err := routeNames(resp)
			if err != nil {
				return err
			}
			if len(got) > 0 && !slices.Equal(got, names) {
				names = got
				if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: routeType, ResourceNames: names}); err != nil {
					return err
				}
			}
		case routeType:
			if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: routeType, ResourceNames: names, VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}); err != nil {
				return err
			}
			rcs, err := routeConfigurations(resp)
			if err != nil {
				return err
			}
			done, err := fn(rcs)
			if err != nil || done {
				return err
			}
		}
	}
}

// routeNames returns the sorted names of the route configurations the
// listeners of lds name (through their HTTP connection managers' RDS).
func routeNames(lds *discoveryv3.DiscoveryResponse) ([]string, error) {
	var names []string
	for _, a := range lds.GetResources() {
		l := &listenerv3.Listener{}
		if err := a.UnmarshalTo(l); err != nil {
			return nil, fmt.Errorf("listener: %w", err)
		}
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				hcm := &hcmv3.HttpConnectionManager{}
				if f.GetTypedConfig() == nil || f.GetTypedConfig().UnmarshalTo(hcm) != nil {
					continue
				}
				if n := hcm.GetRds().GetRouteConfigName(); n != "" && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// routeConfigurations returns the route configurations of rds, sorted by
// name.
func routeConfigurations(rds *discoveryv3.DiscoveryResponse) ([]*routev3.RouteConfiguration, error) {
	var out []*routev3.RouteConfiguration
	for _, a := range rds.GetResources() {
		rc := &routev3.RouteConfiguration{}
		if err := a.UnmarshalTo(rc); err != nil {
			return nil, fmt.Errorf("route configuration: %w", err)
		}
		out = append(out, rc)
	}
	slices.SortFunc(out, func(a, b *routev3.RouteConfiguration) int {
		if a.GetName() < b.GetName() {
			return -1
		}
		if a.GetName() > b.GetName() {
			return 1
		}
		return 0
	})
	return out, nil
}
