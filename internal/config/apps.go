package config

import (
	"maps"
	"reflect"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"
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
	// Promotion is the app's own promotion block, field by field over the
	// environment's (Environment.PromotionOf); zero for the shorthand.
	Promotion Promotion
}

// AppEntry is one app of apps in cdktf.json: every field of the
// shorthand's app except name (the entry's key is the app's name, and its
// Service's), and its routing. WithDefaults maps it as it maps the
// shorthand (the environment's injected namespace, the gateway selector of
// the environment's Istio, each construct's defaults), except that a
// release's name defaults to "<app>-<colour>" rather than the colour, so
// that the apps' Helm releases, which share the namespace, do not collide.
// Read the apps through Environment.Apps; the methods AppEntry has from
// bluegreen.Props see the app's settings only, not its routing.
type AppEntry struct {
	bluegreen.Props
	// Routing is the Istio routing between the app's colours: every field
	// of the shorthand's routing, pathPrefix among them. Default: the
	// construct's, with pathPrefix "/".
	Routing routing.Props `json:"routing"`
	// Promotion overrides, field by field, the environment's promotion
	// block for this app. Default: the environment's.
	Promotion Promotion `json:"promotion"`
}

// forbiddenMembers are the members of bluegreen.Props an entry of apps
// does not take, with the reason (checkShape reports them).
func (AppEntry) forbiddenMembers() map[string]string {
	return map[string]string{"name": "an app of apps is named by its key under apps; leave name out"}
}

// DefaultPathPrefix is the pathPrefix of routing that sets none: the
// whole host.
const DefaultPathPrefix = "/"

// PathPrefixOf returns the path prefix the app's routing serves:
// routing.pathPrefix, or DefaultPathPrefix where it is empty.
func PathPrefixOf(r routing.Props) string {
	if r.PathPrefix == "" {
		return DefaultPathPrefix
	}
	return r.PathPrefix
}

// AppStackSuffix is the suffix of an app of apps' stack,
// "<env>-app-<name>"; the shorthand's is "<env>-app".
const AppStackSuffix = "-app-"

// Apps returns the environment's apps, sorted by name, with their
// defaults applied (see WithDefaults). The shorthand (app and routing)
// gives one, on the stack <env>-app; each entry of apps one on the stack
// <env>-app-<name>.
func (e Environment) Apps() []App {
	if e.AppEntries == nil {
		return []App{{
			Name:         e.App.Name,
			Stack:        e.Name + "-app",
			Field:        field.NewPath("app"),
			RoutingField: field.NewPath("routing"),
			App:          e.App,
			Routing:      e.Routing,
		}}
	}
	out := make([]App, 0, len(e.AppEntries))
	for _, name := range slices.Sorted(maps.Keys(e.AppEntries)) {
		a := e.AppEntries[name]
		f := field.NewPath("apps").Key(name)
		out = append(out, App{
			Name:         name,
			Stack:        e.Name + AppStackSuffix + name,
			Field:        f,
			RoutingField: f.Child("routing"),
			App:          a.Props,
			Routing:      a.Routing,
			Promotion:    a.Promotion,
		})
	}
	return out
}

// AppNames returns the names of the environment's apps, sorted.
func (e Environment) AppNames() []string {
	var out []string
	for _, a := range e.Apps() {
		out = append(out, a.Name)
	}
	return out
}

// paths returns the app's field and its routing's under the environment's
// field path p.
func (a App) paths(p *field.Path) (app, routing *field.Path) {
	if a.Field.String() == "app" {
		return p.Child("app"), p.Child("routing")
	}
	f := p.Child("apps").Key(a.Name)
	return f, f.Child("routing")
}

// appEntryDefaults maps the entry of apps named name onto the props of the
// app and routing constructs, as appProps does the shorthand's.
func (e Environment) appEntryDefaults(name string, a AppEntry) AppEntry {
	p := a.Props
	p.Name = name
	p.Releases = releasesNamedAfter(name, p.Releases)
	p = bluegreen.WithNamespace(p, e.Namespace)
	a.Props = p
	a.Routing = routing.WithGateway(a.Routing, p, e.Istio)
	return a
}

// releasesNamedAfter returns a copy of releases (the construct's default
// releases when nil) in which a release without a name is named
// "<app>-<colour>".
func releasesNamedAfter(app string, releases map[string]bluegreen.Release) map[string]bluegreen.Release {
	if releases == nil {
		releases = bluegreen.DefaultReleases()
	}
	out := make(map[string]bluegreen.Release, len(releases))
	for colour, r := range releases {
		if r.Name == "" {
			r.Name = app + "-" + colour
		}
		out[colour] = r
	}
	return out
}

// givenMembers returns which of names the decoded JSON object v has.
func givenMembers(v any, names ...string) []string {
	obj, _ := v.(map[string]any)
	var out []string
	for _, n := range names {
		if _, ok := obj[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// validateApps reports the problems of the environment's apps: each app's
// own (validateApp), the shorthand beside apps, an empty apps, a name that
// cannot name a Service, and then, when every app is valid, the problems
// between apps (crossAppErrors).
func (e Environment) validateApps(p *field.Path) field.ErrorList {
	if e.AppEntries == nil {
		return e.validateApp(p, e.Apps()[0])
	}
	var errs field.ErrorList
	given := slices.Clone(e.shorthand)
	if !slices.Contains(given, "app") && !reflect.ValueOf(e.App).IsZero() {
		given = append(given, "app")
	}
	if !slices.Contains(given, "routing") && !reflect.ValueOf(e.Routing).IsZero() {
		given = append(given, "routing")
	}
	for _, m := range given {
		errs = append(errs, field.Forbidden(p.Child(m), "not allowed with apps: app and routing are the shorthand for an environment of one app; move them into an entry of apps (the entry's key is the app's name)"))
	}
	ap := p.Child("apps")
	if len(e.AppEntries) == 0 {
		errs = append(errs, field.Required(ap, `at least one app, such as {"cart": {"routing": {"hosts": ["shop.example.com"], "pathPrefix": "/cart"}}}; or leave apps out and describe one app with app and routing`))
	}
	var valid []App
	for _, a := range e.Apps() {
		if len(validation.IsDNS1035Label(a.Name)) > 0 {
			errs = append(errs, field.Invalid(ap.Key(a.Name), a.Name, "app name must be a DNS-1123 label that starts with a letter, as it names the app's Service: 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit"))
			continue
		}
		appErrs := e.validateApp(p, a)
		errs = append(errs, appErrs...)
		if len(appErrs) == 0 {
			valid = append(valid, a)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, e.crossAppErrors(p, valid)...)
	}
	return errs
}
