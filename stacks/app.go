package stacks

import (
	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// buildApp composes the <env>-app stack: the blue and green releases and
// their Service in the mesh stack's namespace, then the Istio routing
// between them, served by the mesh stack's ingress gateway. Both read the
// mesh constructs' props only: nothing crosses between the stacks.
func buildApp(set *Set) error {
	env := set.Env
	var err error
	if set.BlueGreen, err = bluegreen.New(set.App, "app", env.App, set.Namespace); err != nil {
		return err
	}
	if set.Routing, err = routing.New(set.App, "routing", env.Routing, set.BlueGreen, set.Istio); err != nil {
		return err
	}
	return nil
}
