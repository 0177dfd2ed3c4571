//go:build tools

// Package kube records the Kubernetes control plane binaries built from this
// module for the tests' local API server (internal/verify/controlplane):
//
//   - kube-apiserver and kube-controller-manager from k8s.io/kubernetes
//     v1.35.4. Kubernetes 1.35 was released in December 2025 and is
//     supported upstream until about February 2027 (each minor gets 14
//     months of patches). The version only has to stay within the skew
//     that istiod and client-go support.
//
// `make kube` builds them into the cache folder named by the version
// (${XDG_CACHE_HOME:-$HOME/.cache}/bluegreen/kube-v1.35.4/), outside the
// clone, so a second make test on the same machine does not rebuild them.
package kube

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
