// Package schedule reads a model's cron as Kubernetes and GoBackup read it
// (robfig/cron v3's standard parser, in the process' time zone) and runs the ticks.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Spec is a parsed schedule.
type Spec struct {
	Text     string
	schedule cron.Schedule
}

// Parse reads text with robfig/cron v3's ParseStandard: five fields or a descriptor
// (@daily, @every 6h). A TZ= or CRON_TZ= prefix is refused: Kubernetes refuses it,
// and the time zone is TZ's.
func Parse(text string) (Spec, error) {
	if strings.Contains(text, "TZ") {
		return Spec{}, fmt.Errorf("schedule %q must not hold TZ or CRON_TZ: set the time zone in TZ", text)
	}
	s, err := cron.ParseStandard(text)
	if err != nil {
		return Spec{}, fmt.Errorf("schedule %q is not a cron expression Kubernetes and GoBackup accept: %v (e.g. \"0 2 * * *\" or \"@daily\")", text, err)
	}
	spec := Spec{Text: text, schedule: s}
	probe := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if spec.Next(probe).IsZero() {
		return Spec{}, fmt.Errorf("schedule %q never runs (no day matches it)", text)
	}
	return spec, nil
}

// Next is the first run after t, in t's location; zero when there is none.
func (s Spec) Next(t time.Time) (next time.Time) {
	defer func() {
		// robfig/cron v3.0.1 panics on a few inputs (issues #554, #555); never take the daemon down.
		if recover() != nil {
			next = time.Time{}
		}
	}()
	return s.schedule.Next(t)
}

// LoadLocation loads a time zone as Kubernetes and GoBackup do (Go's
// time.LoadLocation, case-sensitive); empty is UTC. "Local" is refused, as
// Kubernetes refuses it: it means whatever the machine says.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("TZ %q is not allowed: name an IANA time zone such as Etc/UTC or Europe/Berlin", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("TZ %q is not a time zone Go knows (names are case-sensitive, e.g. Europe/Berlin): %v", name, err)
	}
	return loc, nil
}
