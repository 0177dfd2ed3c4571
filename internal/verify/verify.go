// Package verify is the one door from the product into the packages that
// judge it (internal/verify/...): the local control plane, Helm's
// installer, the Envoy route reader, Istio's analyzer and Istio's own
// charts. The product's commands reach them only through the names below
// (TestProductReachesVerifyThroughOneDoor holds every other product package
// to that), so what `routes --envoy`, `check` and the offline pipeline take
// from the judge is this one list.
package verify

import (
	"github.com/bluegreen-mesh/bluegreen/internal/verify/analyze"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/controlplane"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/istiocharts"
	"github.com/bluegreen-mesh/bluegreen/internal/verify/meshinstall"
)

// What `check` runs: Istio's analyzer over the rendered objects, with the
// allowlist of findings kept on purpose.
type (
	// AnalyzeOptions configure one analyzer run (analyze.Options).
	AnalyzeOptions = analyze.Options
	// AnalyzeResult is what the analyzer found (analyze.Result).
	AnalyzeResult = analyze.Result
	// Allowlist holds the analyzer findings allowed, each with a reason.
	Allowlist = analyze.Allowlist
	// Objects are rendered objects, as the analyzer reads them.
	Objects = analyze.Objects
)

const (
	// AllowlistFile is the analyzer allowlist's default path.
	AllowlistFile = analyze.AllowlistFile
	// IstioRelease is the Istio release whose charts the checks render.
	IstioRelease = istiocharts.Release
	// PinnedCommit is the istio.io/istio commit Istio's charts come from.
	PinnedCommit = istiocharts.PinnedCommit
)

var (
	// Analyze runs Istio's analyzer over a folder of rendered objects.
	Analyze = analyze.Check
	// AnalyzeObjects runs Istio's analyzer over objects in memory.
	AnalyzeObjects = analyze.CheckObjects
	// ReadAllowlist reads the analyzer allowlist.
	ReadAllowlist = analyze.ReadAllowlist
	// FromRendered turns rendered releases into the analyzer's objects.
	FromRendered = analyze.FromRendered
	// RenderOptions say how the pipeline renders objects for the analyzer.
	RenderOptions = analyze.RenderOptions
)

// What the offline pipeline takes from Istio's own charts and the
// installer: which releases are Istio's, the pinned release and commit,
// and the install plan's types.
var (
	// IsIstio reports whether a release installs one of Istio's charts.
	IsIstio = istiocharts.IsIstio
	// LoadStacks reads synthesized stacks into the installer's resources.
	LoadStacks = meshinstall.Load
	// NewPlan orders resources as Terraform applies them.
	NewPlan = meshinstall.NewPlan
	// CacheDir is the folder the built tools and the render cache live in.
	CacheDir = controlplane.CacheDir
	// FindBinaries finds the local control plane's built programs, or
	// says how to build them.
	FindBinaries = controlplane.FindBinaries
)

type (
	// Plan is an environment's install plan: its stacks in order.
	Plan = meshinstall.Plan
	// Resource is one resource of the plan.
	Resource = meshinstall.Resource
	// Stack is one stack of the plan.
	Stack = meshinstall.Stack
	// Binaries are the local control plane's programs.
	Binaries = controlplane.Binaries
)
