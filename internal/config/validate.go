package config

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/mesh/check"
)

var (
	regionRE        = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	minorVersionRE  = regexp.MustCompile(`^1\.[0-9]{2}$`)
	bucketRE        = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	dynamoDBTableRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
)

// validate reports every problem in e, which has its defaults applied, under
// the field path p.
func (e Environment) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, e.validateTarget(p)...)
	errs = append(errs, e.validateBackend(p.Child("backend"))...)
	errs = append(errs, e.Providers.validate(p.Child("providers"))...)
	errs = append(errs, e.AWS.validate(p.Child("aws"), e.Production)...)
	if e.Target.Type == TargetEKS {
		errs = append(errs, e.Cluster.ValidateAt(p.Child("cluster"))...)
	} else if !reflect.ValueOf(e.Cluster).IsZero() {
		errs = append(errs, field.Forbidden(p.Child("cluster"), `only allowed when target.type is "eks"; an existing cluster is not managed here`))
	}
	errs = append(errs, e.validateMesh(p)...)
	errs = append(errs, e.GatewayAPI.validateAt(p.Child("gatewayAPI"))...)
	errs = append(errs, e.validateApps(p)...)
	errs = append(errs, e.validateAcknowledge(p.Child("acknowledge"))...)
	errs = append(errs, e.Promotion.ValidateAt(p.Child("promotion"))...)
	for _, a := range e.Apps() {
		if a.Field.String() != "app" {
			errs = append(errs, a.Promotion.ValidateAt(p.Child("apps").Key(a.Name).Child("promotion"))...)
		}
	}
	secretErrs, _ := e.secretProblems(p)
	errs = append(errs, secretErrs...)
	return errs
}

func (e Environment) validateAcknowledge(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, code := range e.Acknowledge {
		switch {
		case slices.Contains(check.Acknowledgeable, code):
			if slices.Contains(e.Acknowledge[:i], code) {
				errs = append(errs, field.Duplicate(p.Index(i), code))
			}
		case slices.ContainsFunc(check.All, func(d check.Doc) bool { return d.Code == code }):
			errs = append(errs, field.Invalid(p.Index(i), code, "is an error, which must be fixed; only warnings can be acknowledged: "+strings.Join(check.Acknowledgeable, ", ")))
		default:
			errs = append(errs, field.NotSupported(p.Index(i), code, check.Acknowledgeable))
		}
	}
	return errs
}

// warningCodeRE finds the check code a warning ends with, such as
// " (BG013)".
var warningCodeRE = regexp.MustCompile(` \(([A-Z]{2}[0-9]{3})\)$`)

// Acknowledged splits warnings (of WarningsOn) into those to print and
// those whose code the environment acknowledges, counted by code.
func (e Environment) Acknowledged(warnings []string) (kept []string, acknowledged map[string]int) {
	acknowledged = map[string]int{}
	for _, w := range warnings {
		if m := warningCodeRE.FindStringSubmatch(w); m != nil && slices.Contains(e.Acknowledge, m[1]) {
			acknowledged[m[1]]++
			continue
		}
		kept = append(kept, w)
	}
	return kept, acknowledged
}

// Warnings lists settings of e that synthesize but deserve a second look,
// on today's date (see WarningsOn).
func (e Environment) Warnings() []string { return e.WarningsOn(time.Now()) }

// WarningsOn lists settings of e that synthesize but deserve a second look,
// among them an Istio release or EKS version that is past (or near) the
// end of its support on today.
func (e Environment) WarningsOn(today time.Time) []string {
	p := field.NewPath("context", "environments").Key(e.Name)
	var out []string
	if e.Target.Type == TargetEKS {
		out = append(out, e.Cluster.Warnings(p.Child("cluster"))...)
		out = append(out, e.Cluster.SupportWarnings(p.Child("cluster"), today)...)
	}
	out = append(out, e.Istio.SupportWarnings(p.Child("istio"), today)...)
	out = append(out, e.meshWarnings(p)...)
	out = append(out, e.appWarnings(p)...)
	out = append(out, e.shared...)
	_, secretWarnings := e.secretProblems(p)
	out = append(out, secretWarnings...)
	return out
}

func (e Environment) validateTarget(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	tp := p.Child("target")
	switch e.Target.Type {
	case TargetEKS:
		if e.Region == "" {
			errs = append(errs, field.Required(p.Child("region"), `an AWS region such as "eu-west-1" is required when target.type is "eks"`))
		}
		if e.Target.Auth != AuthExec && e.Target.Auth != AuthToken {
			errs = append(errs, field.NotSupported(tp.Child("auth"), e.Target.Auth, []string{AuthExec, AuthToken}))
		}
		if e.Target.Kubeconfig != (Kubeconfig{}) {
			errs = append(errs, field.Forbidden(tp.Child("kubeconfig"), `only allowed when target.type is "kubeconfig"`))
		}
	case TargetKubeconfig:
		kp := tp.Child("kubeconfig")
		if e.Target.Kubeconfig.Path == "" {
			errs = append(errs, field.Required(kp.Child("path"), `the kubeconfig file of the existing cluster, such as "~/.kube/config"`))
		}
		if e.Target.Kubeconfig.Context == "" {
			errs = append(errs, field.Required(kp.Child("context"), "the kubeconfig context of the existing cluster"))
		}
		if v := e.Target.Kubeconfig.KubernetesVersion; !minorVersionRE.MatchString(v) {
			errs = append(errs, field.Invalid(kp.Child("kubernetesVersion"), v, `must be the cluster's Kubernetes minor version, such as "1.33"`))
		}
		if e.Target.Auth != "" {
			errs = append(errs, field.Forbidden(tp.Child("auth"), `only allowed when target.type is "eks"; a kubeconfig brings its own credentials`))
		}
	default:
		errs = append(errs, field.NotSupported(tp.Child("type"), e.Target.Type, []string{TargetEKS, TargetKubeconfig}))
	}
	if e.Region != "" && !regionRE.MatchString(e.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), e.Region, `must be an AWS region such as "eu-west-1"`))
	}
	return errs
}

func (e Environment) validateBackend(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch e.Backend.Type {
	case BackendLocal:
		if e.Backend.S3 != (S3Backend{}) {
			errs = append(errs, field.Forbidden(p.Child("s3"), `only allowed when backend.type is "s3"`))
		}
	case BackendS3:
		s3 := e.Backend.S3
		sp := p.Child("s3")
		if e.Backend.Local != (LocalBackend{}) {
			errs = append(errs, field.Forbidden(p.Child("local"), `only allowed when backend.type is "local"`))
		}
		if s3.Bucket == "" {
			errs = append(errs, field.Required(sp.Child("bucket"), "the S3 bucket that holds the state"))
		} else if !bucketRE.MatchString(s3.Bucket) {
			errs = append(errs, field.Invalid(sp.Child("bucket"), s3.Bucket, "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'"))
		}
		if s3.Region == "" {
			errs = append(errs, field.Required(sp.Child("region"), "the bucket's region (defaults to the environment's region, which is not set)"))
		} else if !regionRE.MatchString(s3.Region) {
			errs = append(errs, field.Invalid(sp.Child("region"), s3.Region, `must be an AWS region such as "eu-west-1"`))
		}
		if s3.DynamoDBTable != "" && !dynamoDBTableRE.MatchString(s3.DynamoDBTable) {
			errs = append(errs, field.Invalid(sp.Child("dynamodbTable"), s3.DynamoDBTable, "must be a DynamoDB table name: 3-255 letters, digits, '_', '.' or '-'"))
		}
		if s3.DynamoDBTable == "" && !*s3.UseLockfile {
			errs = append(errs, field.Invalid(sp.Child("useLockfile"), false, "state must be locked: set dynamodbTable, or leave useLockfile on"))
		}
		if s3.KMSKeyID != "" && !*s3.Encrypt {
			errs = append(errs, field.Invalid(sp.Child("encrypt"), false, "kmsKeyId needs encrypt on"))
		}
		if !*s3.Encrypt && e.Production {
			errs = append(errs, field.Invalid(sp.Child("encrypt"), false, "state holds secrets: encryption cannot be turned off in a production environment"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), e.Backend.Type, []string{BackendLocal, BackendS3}))
	}
	return errs
}

func (pv Providers) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct{ name, constraint, bindings string }{
		{"aws", pv.AWS, BindingsAWSVersion},
		{"helm", pv.Helm, BindingsHelmVersion},
		{"kubernetes", pv.Kubernetes, BindingsKubernetesVersion},
	} {
		cs, err := version.NewConstraint(c.constraint)
		if err != nil {
			errs = append(errs, field.Invalid(p.Child(c.name), c.constraint, `must be a Terraform version constraint such as "~> `+c.bindings[:len(c.bindings)-2]+`"`))
			continue
		}
		if !cs.Check(version.Must(version.NewVersion(c.bindings))) {
			errs = append(errs, field.Invalid(p.Child(c.name), c.constraint,
				fmt.Sprintf("must allow %s, the provider version the Go bindings were generated for", c.bindings)))
		}
	}
	return errs
}

func (a AWS) validate(p *field.Path, production bool) field.ErrorList {
	var errs field.ErrorList
	if a.LocalEndpoint != "" {
		u, err := url.Parse(a.LocalEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, field.Invalid(p.Child("localEndpoint"), a.LocalEndpoint, `must be an http(s) URL such as "http://127.0.0.1:5000"`))
		}
		if production {
			errs = append(errs, field.Forbidden(p.Child("localEndpoint"), "an emulator endpoint is for local testing; not allowed in a production environment"))
		}
	}
	for _, k := range sortedKeys(a.DefaultTags) {
		v := a.DefaultTags[k]
		if k == "" || len(k) > 128 || len(v) > 256 {
			errs = append(errs, field.Invalid(p.Child("defaultTags").Key(k), v, "tag keys must be 1-128 characters and values at most 256"))
		}
	}
	return errs
}
