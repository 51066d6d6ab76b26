package records

import (
	"fmt"
	"strings"
	"time"
)

// Verdict is one model's health as the health check, `status` and metrics report it.
type Verdict struct {
	Model   string
	Healthy bool
	// Outcome is the last run's outcome as it stands (a run that was killed reads
	// interrupted; a run in progress after a failed or interrupted one reads as that one).
	Outcome  Outcome
	Text     string
	Warnings []string
	// DrillProblem: a failed or stale restore drill ("" when none).
	DrillProblem string
	// The clock's limits, for the metrics (alert rules compare against them).
	MaxAge      time.Duration
	DrillMaxAge time.Duration
	Baseline    time.Time
}

// Clock says what health is measured against.
type Clock struct {
	Now time.Time
	// MaxAge: a model whose last verified backup is older is unhealthy.
	MaxAge time.Duration
	// Baseline: when the volume was first used, the age of a model that never succeeded.
	Baseline time.Time
	// Drills: how restore drills count (zero: a failed drill is a warning, none is expected).
	Drills DrillPolicy
}

// Evaluate decides a model's health from its record. runInProgress says whether a
// process holds the model's run lock: a record that says "running" without one is
// a run whose process was killed.
func Evaluate(m Model, clock Clock, runInProgress bool) Verdict {
	v := Verdict{Model: m.Model, Healthy: true, MaxAge: clock.MaxAge, DrillMaxAge: clock.Drills.MaxAge, Baseline: clock.Baseline}
	prefix := fmt.Sprintf("model '%s'", m.Model)
	last := m.LastRun
	running := last != nil && last.Outcome == Running && runInProgress
	if last != nil {
		v.Outcome = last.Outcome
		if last.Outcome == Running && !runInProgress {
			v.Outcome = Interrupted
		}
	}
	// A run in progress proves nothing yet: until it ends, the last finished run decides,
	// so a retry of a failed backup is not healthy (nor its outcome "running") before it
	// has succeeded.
	judged := last
	if running && m.LastFinished != nil && m.LastFinished.Outcome != Succeeded {
		judged = m.LastFinished
		v.Outcome = judged.Outcome
	}
	switch v.Outcome {
	case Failed:
		v.Healthy = false
		v.Text = fmt.Sprintf("unhealthy: %s: the backup started %s failed: %s", prefix, stamp(judged.StartedAt), judged.Cause)
	case Interrupted:
		v.Healthy = false
		cause := judged.Cause
		if judged.Outcome == Running {
			cause = "its process was killed before it finished (the container was stopped or replaced, or ran out of memory)"
		}
		v.Text = fmt.Sprintf("unhealthy: %s: the backup started %s did not finish: %s", prefix, stamp(judged.StartedAt), cause)
	}
	if v.Healthy {
		var finished *time.Time
		if m.LastSuccess != nil {
			finished = m.LastSuccess.FinishedAt
		}
		reference, fromBaseline := since(finished, clock.Baseline)
		what := ""
		if fromBaseline {
			what = "since the workdir volume was first used"
		}
		age := clock.Now.Sub(reference)
		switch {
		case clock.MaxAge > 0 && age > clock.MaxAge:
			v.Healthy = false
			v.Text = fmt.Sprintf("unhealthy: %s: no verified backup for %s (limit %s)", prefix, human(age), human(clock.MaxAge))
			if what == "" {
				v.Text += fmt.Sprintf("; the last one finished %s", stamp(reference))
			} else {
				v.Text += " " + what
			}
		case what == "":
			v.Text = fmt.Sprintf("ok: %s: last verified backup %s ago: %s", prefix, human(age), describeArchive(m.LastSuccess.Archive))
		default:
			due := ""
			if clock.MaxAge > 0 {
				due = fmt.Sprintf("; one is due within %s", human(clock.MaxAge-age))
			}
			v.Text = fmt.Sprintf("ok: %s: no backup yet%s", prefix, due)
		}
	}
	if running {
		v.Text += fmt.Sprintf(" (a backup is running since %s)", stamp(last.StartedAt))
	}
	if a := m.Audit; a != nil && a.Problem != "" && v.Healthy && (m.LastVerified == nil || m.LastVerified.FinishedAt == nil || !m.LastVerified.FinishedAt.After(a.CheckedAt)) {
		v.Healthy = false
		v.Text = fmt.Sprintf("unhealthy: %s: the newest verified backup is no longer intact (checked %s): %s; restore picks the newest intact one, and the next successful backup clears this", prefix, stamp(a.CheckedAt), a.Problem)
	}
	if a := m.Audit; a != nil && a.Error != "" {
		v.Warnings = append(v.Warnings, fmt.Sprintf("could not check the newest verified backup %s at %s: %s", a.Archive, stamp(a.CheckedAt), a.Error))
	}
	if last != nil {
		for _, r := range last.Retention {
			if r.Problem != "" {
				v.Warnings = append(v.Warnings, fmt.Sprintf("retention in %s: %s", r.Location, r.Problem))
			}
		}
	}
	if m.LastSkip != nil && clock.Now.Sub(m.LastSkip.At) < 24*time.Hour {
		v.Warnings = append(v.Warnings, fmt.Sprintf("a scheduled run at %s was skipped: %s", stamp(m.LastSkip.At), m.LastSkip.Reason))
	}
	if last != nil {
		v.Warnings = append(v.Warnings, last.Warnings...)
	}
	if problem := DrillProblem(m.Drills, clock.Drills, clock.Now, clock.Baseline); problem != "" {
		v.DrillProblem = problem
		if clock.Drills.Unhealthy && v.Healthy {
			v.Healthy = false
			v.Text = fmt.Sprintf("unhealthy: %s: %s", prefix, problem)
		} else {
			v.Warnings = append(v.Warnings, fmt.Sprintf("%s: %s", prefix, problem))
		}
	}
	return v
}

// since is when an age counts from: the end of the last success, else the baseline
// (then true: nothing has succeeded yet).
func since(lastSuccess *time.Time, baseline time.Time) (time.Time, bool) {
	if lastSuccess != nil {
		return *lastSuccess, false
	}
	return baseline, true
}

func describeArchive(a *Archive) string {
	if a == nil {
		return "(no archive recorded)"
	}
	where := a.Name
	if len(a.Locations) > 0 {
		where = strings.Join(a.Locations, ", ")
	}
	return fmt.Sprintf("%s (%d bytes, sha256 %s, verified by %s)", where, a.Bytes, a.SHA256, a.VerifiedBy)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// human formats a duration to the second, largest unit first: "26h0m0s" reads "26h".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}
