// Package stacks composes one environment: the only place that knows which
// constructs an environment gets, in which stack and in what order.
//
// Every environment gets up to three stacks, so that `cdktf deploy 'dev-*'`
// deploys one environment:
//
//	<env>-cluster  the EKS cluster (only when target.type is "eks")
//	<env>-mesh     Istio, Kiali and the sidecar-injected namespace
//	<env>-app      the blue and green releases and their Istio routing
//
// The helm and kubernetes providers of the mesh and app stacks reach the
// cluster through cross-stack references to the cluster stack's outputs, or
// through a kubeconfig for an existing cluster.
package stacks
