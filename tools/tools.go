//go:build tools

// Package tools records the tools built from this module, so that its
// go.mod and go.sum pin them and the product's own go.mod stays small:
//
//   - istioctl, for Istio's configuration analyzer (internal/verify/analyze, `go
//     run . check`), from istio.io/istio at commit eed52ebb66ad: the commit
//     Istio's 1.31.0 and 1.31.0-rc.4 tags point at. `make istioctl` installs
//     it into tools/bin/ and rebuilds it only when go.mod or go.sum change.
//   - pilot-discovery (istiod), from the same commit, for the tests' local
//     control plane (internal/verify/controlplane): Istio itself translates the
//     stacks' routing into the Envoy routes the tests check. `make
//     controlplane` builds it into ${XDG_CACHE_HOME:-$HOME/.cache}/bluegreen/
//     istiod-<version>/, outside the clone.
package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
