package cli

import (
	"io"
	"time"

	"github.com/bluegreen-mesh/bluegreen/internal/pipeline"
	"github.com/bluegreen-mesh/bluegreen/internal/verify"
	"github.com/bluegreen-mesh/bluegreen/mesh"
)

// envoyRoutes judges routes' answers for environment e by the Envoy routes
// istiod generates (verify.Envoy): e's install plan, as the offline
// pipeline computes it from cdktf.json without synthesizing, goes into a
// local control plane, and every case of every app is asked of Envoy's
// routes beside what routes says. g is e's routing, bins the control
// plane's programs (verify.FindBinaries), timeout bounds the whole run.
func envoyRoutes(bins verify.Binaries, timeout time.Duration, e *pipeline.Environment, g *gateway, cases []mesh.Case, stdout, stderr io.Writer) error {
	plan, err := e.InstallPlan()
	if err != nil {
		return err
	}
	p := e.Env.Istio.WithDefaults()
	return verify.Envoy(bins, timeout, verify.EnvoyRun{
		Env:            e.Env.Name,
		Plan:           plan,
		Model:          g.model,
		IstioNamespace: p.Namespace,
		IstioRevision:  p.Revision,
		IstioVersion:   p.Version,
		GatewayAPI:     len(g.specs) > 0,
		APIOf:          g.apiOf,
		Cases:          cases,
	}, stdout, stderr)
}
