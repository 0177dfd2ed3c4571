// Package istio installs an Istio control plane and its ingress gateway from
// typed props in the spirit of the IstioOperator API (profile, revision,
// component resources, mesh config, ingress gateway settings), the two ways
// that work on a current Istio:
//
//   - InstallMode "helm" (the default): helm_release resources for Istio's
//     own base, istiod and gateway charts, pinned, applied in that order.
//     The base chart renders Istio's CRDs as templates, so a later upgrade
//     of the release upgrades them too, and they carry
//     helm.sh/resource-policy: keep, so an uninstall never deletes them (and
//     with them every VirtualService in the cluster). With Dataplane
//     "ambient", Istio's cni and ztunnel charts follow istiod (base, istiod,
//     cni, ztunnel, gateway), and base, istiod, cni and ztunnel get the
//     charts' "ambient" profile.
//   - InstallMode "operator": the Sail Operator chart, then an Istio resource
//     (sailoperator.io/v1) built from the same props and delivered through
//     the local chart istio-sail-controlplane (kubernetes_manifest would need
//     the CRD at plan time, which a single apply cannot give it), then the
//     same gateway chart. With Dataplane "ambient" the same local chart
//     also renders the Sail Operator's IstioCNI and ZTunnel resources, and
//     the Istio resource gets the "ambient" profile.
//
// The istiod values are built once from the props and used in either mode
// (as the istiod release's values, or as the Istio resource's spec.values),
// so the same props give the same control plane. ExtraValues is deep-merged
// last, with Helm's own rules (see addon.MergeValues).
package istio
