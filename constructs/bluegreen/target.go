package bluegreen

import "github.com/bluegreen-mesh/bluegreen/mesh"

// TargetOf returns the routing Target (package mesh) of an app with props p
// (defaults applied): its name, namespace, Service host and port, and one
// subset per colour with a release.
func TargetOf(p Props) mesh.Target {
	return mesh.Target{
		Name:      p.Name,
		Namespace: p.Namespace,
		Host:      ServiceHostOf(p),
		Port:      p.ServicePort,
		Subsets:   SubsetsOf(p),
	}
}

// Target returns the app's routing Target.
func (a *App) Target() mesh.Target { return TargetOf(a.props) }

// PodLabelsOf returns the labels both colours' pods of an app with props p
// carry, which its shared Service selects (charts blue-green-service and
// blue-green-web-echo write them as "app: <name>"). A colour's own pods
// carry its subset's labels too.
func PodLabelsOf(p Props) map[string]string { return map[string]string{"app": p.Name} }
