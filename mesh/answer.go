package mesh

import (
	"fmt"
	"maps"
	"strings"
)

// Answer is where one request goes through the whole gateway, every app at
// once: the app that takes it, the app's rule, the colours with their
// shares and the path each receives. `routes <env> --output json` prints
// a JSON array of them, one per request, for both routing APIs (Answers,
// and package mesh/gatewayapi's Answers). For example, with the app cart
// under /cart on a canary:
//
//	{"request": {"method": "GET", "host": "shop.example.com", "path": "/cart/v2/items", "headers": {}},
//	 "app": "cart", "rule": "path-green",
//	 "destinations": [{"colour": "green", "weight": 100, "path": "/cart/items"}],
//	 "mirror": null, "notes": []}
type Answer struct {
	// Request is the request as evaluated (method "GET" when not given).
	Request AnswerRequest `json:"request"`
	// App is the app whose routing decided; "" when no app takes the
	// request (a 404, a redirect) or the deciding route is not an app's.
	App string `json:"app"`
	// Rule is the app's rule that decided, with the names the routing
	// gives them in both APIs: "path-blue", "header-green",
	// "cookie-green", "default"; "" when none did.
	Rule string `json:"rule"`
	// Destinations are the colours that receive the request: each with
	// its share of the requests the rule takes (weight, in percent) and
	// the path it receives. Empty (never null) when the request goes
	// nowhere; see Notes.
	Destinations []AnswerDestination `json:"destinations"`
	// Mirror is the colour that receives a copy of the request, its answer
	// discarded, with the share of requests mirrored; null when none.
	Mirror *AnswerMirror `json:"mirror"`
	// Notes say what else happens, one sentence each: a 404 and why, a
	// redirect, a Set-Cookie of a sticky canary, a fault, a field the
	// evaluator does not model. Empty (never null) when there is nothing
	// to say.
	Notes []string `json:"notes"`
}

// AnswerRequest is the request of an Answer.
type AnswerRequest struct {
	Method string `json:"method"`
	Host   string `json:"host"`
	Path   string `json:"path"`
	// Headers are the request's headers, names in lower case; {} when
	// none.
	Headers map[string]string `json:"headers"`
}

// AnswerDestination is a colour that receives a share of the requests.
type AnswerDestination struct {
	// Colour is the colour (the subset, or the per-colour Service's
	// bluegreen.io/colour label); "" when the destination is not a
	// colour.
	Colour string `json:"colour"`
	// Weight is the destination's share of the rule's requests, in
	// percent.
	Weight float64 `json:"weight"`
	// Path is the path, with the query string, the app receives.
	Path string `json:"path"`
}

// AnswerMirror is where a copy of the request goes.
type AnswerMirror struct {
	Colour  string  `json:"colour"`
	Percent float64 `json:"percent"`
}

// RequestOf returns the Answer's request for r, with the defaults the
// evaluators apply (method GET, path /).
func RequestOf(r Request) AnswerRequest {
	out := AnswerRequest{Method: r.Method, Host: r.Host, Path: r.Path, Headers: map[string]string{}}
	if out.Method == "" {
		out.Method = "GET"
	}
	if out.Path == "" {
		out.Path = "/"
	}
	for k, v := range r.Headers {
		out.Headers[strings.ToLower(k)] = v
	}
	return out
}

// Answers evaluates each case through the whole gateway of m (routing
// with VirtualServices, delegation included) and answers it: the app is
// the one whose Service (Target.Host) the destinations reach, the rule
// the route's name in the app's own VirtualService (the delegate's route
// when a root delegated).
func Answers(m *Model, apps []App, cases []Case) ([]Answer, error) {
	var out []Answer
	ev := m.Evaluator()
	for _, c := range cases {
		o, err := ev.Evaluate(c.Request)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, AnswerOf(o, apps, c.Request))
	}
	return out, nil
}

// AnswerOf turns the outcome o of request r into its Answer (see Answers).
func AnswerOf(o Outcome, apps []App, r Request) Answer {
	a := Answer{Request: RequestOf(r), Destinations: []AnswerDestination{}, Notes: []string{}}
	switch {
	case o.NotEvaluated != "":
		a.Notes = append(a.Notes, o.NotEvaluated)
		return a
	case o.Redirect != "":
		a.Notes = append(a.Notes, "301 to "+o.Redirect)
		return a
	case o.NotFound != "":
		a.Notes = append(a.Notes, "404: "+o.NotFound)
		return a
	}
	a.Rule = o.Route
	if o.DelegateRoute != "" {
		a.Rule = o.DelegateRoute
	}
	ns, _, _ := strings.Cut(o.VirtualService, "/")
	if d, _, ok := strings.Cut(o.Delegate, "/"); ok {
		ns = d
	}
	for _, d := range o.Destinations {
		if app := appOfHost(apps, d.Host, ns); app != "" {
			a.App = app
		}
		a.Destinations = append(a.Destinations, AnswerDestination{Colour: d.Subset, Weight: float64(d.Weight), Path: o.Path})
		if d.SetCookie != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("%s answers with Set-Cookie: %s", d.Subset, d.SetCookie))
		}
	}
	if o.Mirror != nil {
		a.Mirror = &AnswerMirror{Colour: o.Mirror.Subset, Percent: o.MirrorPercent}
	}
	if f := o.Abort; f != nil {
		a.Notes = append(a.Notes, fmt.Sprintf("fault: %g%% aborted with %d", f.Percent, f.Status))
	}
	if f := o.Delay; f != nil {
		a.Notes = append(a.Notes, fmt.Sprintf("fault: %g%% delayed %s", f.Percent, f.Delay))
	}
	return a
}

// appOfHost returns the app whose Service a destination host (relative to
// namespace ns) names, or "".
func appOfHost(apps []App, host, ns string) string {
	name, sns := serviceOf(host, ns)
	for _, a := range apps {
		if an, ans := serviceOf(a.Target.Host, a.Target.Namespace); an == name && ans == sns {
			return a.Name
		}
	}
	return ""
}

// AppCases are the standard requests of every app (StandardCases under
// each app's path prefix, with the near misses such as /cartoon), on the
// host RequestHost picks for each, by app name; each case's Name starts
// with the app's name.
func AppCases(apps []App) map[string][]Case {
	out := map[string][]Case{}
	for _, a := range apps {
		for _, c := range StandardCases(a.Routing, RequestHost(a.Routing, a.Name)) {
			c.Name = a.Name + ": " + c.Name
			c.Request.Headers = maps.Clone(c.Request.Headers)
			out[a.Name] = append(out[a.Name], c)
		}
	}
	return out
}
