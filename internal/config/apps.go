package config

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/bluegreen"
	"github.com/bluegreen-mesh/bluegreen/constructs/routing"
)

// App is one app of an environment, with its own blue/green and its own
// stack: the app + routing shorthand, or one entry of apps.
type App struct {
	// Name is the app's name: app.name for the shorthand, the key under
	// apps otherwise.
	Name string
	// Stack is the app's stack: "<env>-app" for the shorthand,
	// "<env>-app-<name>" for an entry of apps.
	Stack string
	// Field is where the app's settings live in the environment: "app"
	// for the shorthand, apps[<name>] otherwise; its routing is
	// RoutingField.
	Field *field.Path
	// RoutingField is where the app's routing lives: "routing" for the
	// shorthand, apps[<name>].routing otherwise.
	RoutingField *field.Path
	// App holds the app's releases and Service.
	App bluegreen.Props
	// Routing is the Istio routing between the app's colours.
	Routing routing.Props
}

// Apps returns the environment's apps, sorted by name. The shorthand (app
// and routing) gives one, on the stack <env>-app.
func (e Environment) Apps() []App {
	return []App{{
		Name:         e.App.Name,
		Stack:        e.Name + "-app",
		Field:        field.NewPath("app"),
		RoutingField: field.NewPath("routing"),
		App:          e.App,
		Routing:      e.Routing,
	}}
}
