package istio

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Support is the support window of one Istio minor release.
type Support struct {
	// Ends is the last day of support; the zero time means Istio has not
	// published it yet.
	Ends time.Time
	// Until says when support ends, for a release whose end is not dated
	// yet.
	Until string
}

// SupportEnds lists, per Istio minor release, when its support ends. Istio
// supports each minor release until six weeks after the release two minors
// later (istio.io, "Supported Releases", support policy); each date is the
// N+2 release's date on istio.io/news/releases plus 42 days. A row whose
// N+2 release has no recorded date says so in Until: date it when that
// release is announced.
var SupportEnds = map[string]Support{
	// Six weeks after Istio 1.30.0, released 2026-05-18 (istio.io/news/releases/1.30.x).
	"1.28": {Ends: day(2026, time.June, 29)},
	// Six weeks after Istio 1.31.0, released 2026-08-31 (istio.io/news/releases/1.31.x).
	"1.29": {Ends: day(2026, time.October, 12)},
	// Six weeks after Istio 1.32.0. istio.io's "Supported Releases" table
	// gives 1.30's end of life as "~Jan 2027 (Expected)" (istio/istio.io
	// #17540, merged 2026-08-21); no 1.32.0 release date nor 1.30
	// end-of-life announcement was published on istio.io by 2026-12-07, so
	// the day is not known: date it from that announcement.
	"1.30": {Until: "six weeks after Istio 1.32's release, expected in January 2027 (istio.io)"},
	// Six weeks after Istio 1.33.0, expected in early 2027 (Istio releases a
	// minor about once a quarter; istio.io gives no expected date yet).
	"1.31": {Until: "six weeks after Istio 1.33's release (expected in early 2027)"},
}

// SupportWarnings warns when the Istio release of p (defaults applied) is
// past, or within 60 days of, the end of its support on today, or is about
// to leave support on a date not yet published. It names the release to
// move to. A date never fails a build: these are warnings.
func (p Props) SupportWarnings(fld *field.Path, today time.Time) []string {
	minor, current := Minor(p.Version), Minor(DefaultVersion)
	if minor == "" {
		return nil
	}
	s, ok := SupportEnds[minor]
	if !ok {
		return nil
	}
	move := fmt.Sprintf(`; move to Istio %s (istio.version "%s")`, current, DefaultVersion)
	if minor == current {
		move = ""
	}
	at := fld.Child("version").String() + ": "
	switch {
	case s.Ends.IsZero() && minor != current:
		return []string{fmt.Sprintf("%sIstio %s is supported until %s%s", at, minor, s.Until, move)}
	case s.Ends.IsZero():
		return nil
	case s.Ended(today):
		return []string{fmt.Sprintf("%sIstio %s left support on %s and gets no more security fixes%s", at, minor, s.Ends.Format(time.DateOnly), move)}
	case today.AddDate(0, 0, 60).After(s.Ends):
		return []string{fmt.Sprintf("%sIstio %s leaves support on %s%s", at, minor, s.Ends.Format(time.DateOnly), move)}
	}
	return nil
}

// Ended reports whether the support s describes has ended on today: today
// is after its last day. A support without a date has not ended.
func (s Support) Ended(today time.Time) bool {
	return !s.Ends.IsZero() && !today.Before(s.Ends.AddDate(0, 0, 1))
}

// Minor returns the minor release ("1.31") of an Istio version ("1.31.0"),
// or "" when version is not one.
func Minor(version string) string {
	if m := versionRE.FindStringSubmatch(version); m != nil {
		return "1." + m[1]
	}
	return ""
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
