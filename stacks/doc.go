// Package stacks composes one environment: the only place that knows which
// constructs an environment gets, with which props, in which stack and in
// what order.
//
// The composition is written once, as data: Environment describes an
// environment (the props of its constructs, its apps, its stacks'
// settings; FromConfig gives it for an environment of cdktf.json, and a
// program of its own can fill one in), and Environment.Stacks lists its
// stacks in order, each with its constructs in order, and each construct
// with its id, what it waits for, what it creates (its pure specs:
// namespaces, secrets, Helm releases) and how it is built (its New, from
// the same props). New builds exactly that list into cdktf stacks; the
// offline pipeline (routes, graph, check, promote) and the install plan of
// routes --envoy read the same list without cdktf.
//
// Every environment gets these stacks, so that `cdktf deploy 'dev-*'`
// deploys one environment:
//
//	<env>-cluster      the EKS cluster (only with Environment.Cluster)
//	<env>-mesh         Istio, Kiali and the sidecar-injected namespace, and
//	                   the routing objects its apps share
//	<env>-app          the one app of the app + routing shorthand: its blue
//	                   and green releases and their Istio routing
//	<env>-app-<name>   each app of apps, likewise, after the mesh stack
//
// The helm and kubernetes providers of the mesh and app stacks reach the
// cluster through cross-stack references to the cluster stack's outputs, or
// through a kubeconfig for an existing cluster.
package stacks
