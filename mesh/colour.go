package mesh

// The two colours.
const (
	Blue  = "blue"
	Green = "green"
)

// Colours are the colours an app can have, in order.
var Colours = []string{Blue, Green}

// Subset is what the routing needs to send traffic to one colour.
type Subset struct {
	// Colour is "blue" or "green"; it names the DestinationRule subset.
	Colour string
	// Release is the Helm release of the colour.
	Release string
	// Labels select the colour's pods.
	Labels map[string]string
}

// Target is what the routing needs to know about the app it routes to. The
// app provides it (constructs/bluegreen's TargetOf), so subsets and labels
// are never typed twice.
type Target struct {
	// Name is the app's name; the routing objects are named after it.
	Name string
	// Namespace is the app's namespace.
	Namespace string
	// Host is the app Service's cluster-local host name.
	Host string
	// Port is the Service's port.
	Port int
	// Subsets are the colours with a release.
	Subsets []Subset
}

// Colours lists the colours of t's subsets, in order.
func (t Target) Colours() []string {
	var out []string
	for _, s := range t.Subsets {
		out = append(out, s.Colour)
	}
	return out
}
