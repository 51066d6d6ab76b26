package records

import (
	"fmt"
	"time"
)

// DrillSkipped is a drill that found nothing to restore (no verified archive yet).
const DrillSkipped Outcome = "skipped"

// Drill is one restore drill: the newest verified archive restored into a new
// database, checked, and dropped.
type Drill struct {
	ID         string     `json:"id"`
	Host       string     `json:"host"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// Outcome: running, succeeded, failed or skipped.
	Outcome Outcome `json:"outcome"`
	// Cause says why a drill failed or was skipped, naming the step.
	Cause string `json:"cause,omitempty"`
	// Server (host,port) and Database: where the drill restored. The name is recorded
	// before the import starts, so a later drill may drop what a killed one left.
	Server   string `json:"server,omitempty"`
	Database string `json:"database,omitempty"`
	// Archive is the key restored; ArchiveTakenAt the recovery point it proves.
	Archive        string     `json:"archive,omitempty"`
	ArchiveTakenAt *time.Time `json:"archiveTakenAt,omitempty"`
	Checks         []Check    `json:"checks,omitempty"`
	// Dropped: the drill database is gone again (false with a Database: left behind).
	Dropped  bool     `json:"dropped"`
	Duration float64  `json:"durationSeconds,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Check is one check a drill ran on the restored database.
type Check struct {
	Name string `json:"name"`
	// Result: passed, failed or "not run" (Detail says why).
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
}

// Check results.
const (
	CheckPassed = "passed"
	CheckFailed = "failed"
	CheckNotRun = "not run"
)

// RecoveryPointAge is how old the restored archive was when the drill started.
func (d Drill) RecoveryPointAge() (time.Duration, bool) {
	if d.ArchiveTakenAt == nil {
		return 0, false
	}
	return d.StartedAt.Sub(*d.ArchiveTakenAt), true
}

// Drills is what is recorded of a model's drills: in the model's record on the
// workdir volume, and in the bucket beside the restores' records.
type Drills struct {
	Last        *Drill `json:"last,omitempty"`
	LastSuccess *Drill `json:"lastSuccess,omitempty"`
	// LastFinished is the last drill that ended: while the next one runs, it decides.
	LastFinished *Drill         `json:"lastFinished,omitempty"`
	Counts       map[string]int `json:"counts,omitempty"`
}

// Add records a drill's state (running, then its outcome, under one id).
func (h *Drills) Add(d Drill) {
	if h.Last != nil && h.Last.Outcome != Running {
		// Records written before LastFinished existed gain it here.
		h.LastFinished = h.Last
	}
	h.Last = &d
	if d.Outcome == Running {
		return
	}
	h.LastFinished = &d
	if h.Counts == nil {
		h.Counts = map[string]int{}
	}
	h.Counts[string(d.Outcome)]++
	if d.Outcome == Succeeded {
		h.LastSuccess = &d
	}
}

// Decisive is the drill that health and the metrics report: the last one, or while a
// drill runs, the last one that ended (a drill in progress proves nothing yet, and must
// not hide the failure before it). Nil when there is none.
func (h *Drills) Decisive() *Drill {
	if h == nil {
		return nil
	}
	if h.Last != nil && h.Last.Outcome == Running && h.LastFinished != nil {
		return h.LastFinished
	}
	return h.Last
}

// DrillPolicy says how drills count toward health.
type DrillPolicy struct {
	// MaxAge: a model whose last successful drill is older (or that never had one for
	// this long) has a stale drill. 0: drills are not expected.
	MaxAge time.Duration
	// Unhealthy: a failed or stale drill makes the model unhealthy, not only a warning.
	Unhealthy bool
}

// DrillProblem is what is wrong with a model's drills at now ("" when nothing is).
func DrillProblem(h *Drills, policy DrillPolicy, now, baseline time.Time) string {
	if d := h.Decisive(); d != nil && d.Outcome == Failed {
		return fmt.Sprintf("the last restore drill (started %s) failed: %s", stamp(d.StartedAt), d.Cause)
	}
	if policy.MaxAge <= 0 {
		return ""
	}
	var finished *time.Time
	if h != nil && h.LastSuccess != nil {
		finished = h.LastSuccess.FinishedAt
	}
	reference, fromBaseline := since(finished, baseline)
	age := now.Sub(reference)
	switch {
	case age <= policy.MaxAge:
		return ""
	case fromBaseline:
		return fmt.Sprintf("no successful restore drill for %s (limit %s) since the workdir volume was first used", human(age), human(policy.MaxAge))
	default:
		return fmt.Sprintf("no successful restore drill for %s (limit %s); the last one finished %s", human(age), human(policy.MaxAge), stamp(reference))
	}
}

// Describe summarizes the last drill for status.
func (h *Drills) Describe() string {
	if h == nil || h.Last == nil {
		return ""
	}
	d := h.Last
	text := fmt.Sprintf("last restore drill %s (started %s)", d.Outcome, stamp(d.StartedAt))
	if d.Outcome == Succeeded && d.ArchiveTakenAt != nil {
		text += fmt.Sprintf(": %s, taken %s, restored and checked", d.Archive, stamp(*d.ArchiveTakenAt))
	} else if d.Cause != "" {
		text += ": " + d.Cause
	}
	return text
}
