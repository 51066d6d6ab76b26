// Package retention decides which archives of one database folder survive, as a pure
// function from the folder's archives to a keep-or-remove decision with reasons
// (restic's `forget` is the model). The agent applies it after it has verified a run;
// nothing else deletes an archive.
package retention

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Policy says what survives in one folder.
type Policy struct {
	// Keep: the newest Keep verified archives survive (at least the newest one always does).
	Keep int
	// Daily, Weekly, Monthly: the newest verified archive of each of the newest N days,
	// ISO weeks and months that have one survives (calendar tiers, in Location).
	Daily   int
	Weekly  int
	Monthly int
	// KeepFailed: unverified archives (uploads of runs that failed) older than the
	// newest verified archive; the newest KeepFailed of them are kept for diagnosis.
	KeepFailed int
	// Location: the time zone the calendar tiers count days, weeks and months in.
	Location *time.Location
}

// String describes the policy for logs and `status`.
func (p Policy) String() string {
	parts := []string{fmt.Sprintf("the newest %d verified", p.Keep)}
	for _, tier := range []struct {
		n    int
		what string
	}{{p.Daily, "daily"}, {p.Weekly, "weekly"}, {p.Monthly, "monthly"}} {
		if tier.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", tier.n, tier.what))
		}
	}
	return fmt.Sprintf("%s; %d failed run(s) kept for diagnosis", strings.Join(parts, ", "), p.KeepFailed)
}

// Problems names what is wrong with the policy.
func (p Policy) Problems() []string {
	var out []string
	if p.Keep < 1 {
		out = append(out, "keep must be at least 1: the newest verified archive always stays")
	}
	for name, n := range map[string]int{"keepDaily": p.Daily, "keepWeekly": p.Weekly, "keepMonthly": p.Monthly, "keepFailed": p.KeepFailed} {
		if n < 0 {
			out = append(out, name+" must not be negative")
		}
	}
	sort.Strings(out)
	return out
}

// Archive is one archive as the policy sees it.
type Archive struct {
	Name string
	// Time the archive was taken.
	Time time.Time
	// Verified: its manifest is there and the bucket's object still matches it.
	Verified bool
}

// Decision is the policy's verdict on one archive.
type Decision struct {
	Archive Archive
	Keep    bool
	// Reasons why it is kept (every rule that keeps it), or why it goes (one).
	Reasons []string
}

// Reason is the decision's reasons on one line.
func (d Decision) Reason() string { return strings.Join(d.Reasons, "; ") }

// Apply decides every archive, newest first. Its guarantees, for any input and any
// policy (property-tested): the newest min(Keep, verified) verified archives and the
// newest verified archive are kept, and no archive newer than the newest verified
// one is removed (it may be a run in progress or the evidence of failed runs).
func Apply(archives []Archive, p Policy) []Decision {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	sorted := append([]Archive(nil), archives...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Time.Equal(sorted[j].Time) {
			return sorted[i].Time.After(sorted[j].Time)
		}
		return sorted[i].Name > sorted[j].Name
	})
	decisions := make([]Decision, len(sorted))
	for i, a := range sorted {
		decisions[i] = Decision{Archive: a}
	}

	newestVerified := -1
	verifiedSeen := 0
	tiers := []*tier{
		{limit: p.Daily, what: "daily", key: func(t time.Time) string { return t.In(loc).Format("2006-01-02") }},
		{limit: p.Weekly, what: "weekly", key: func(t time.Time) string { y, w := t.In(loc).ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) }},
		{limit: p.Monthly, what: "monthly", key: func(t time.Time) string { return t.In(loc).Format("2006-01") }},
	}
	for i := range decisions {
		d := &decisions[i]
		if !d.Archive.Verified {
			continue
		}
		if newestVerified < 0 {
			newestVerified = i
			d.keep("the newest verified archive")
		}
		verifiedSeen++
		if verifiedSeen <= p.Keep {
			d.keep(fmt.Sprintf("one of the newest %d verified", p.Keep))
		}
		for _, t := range tiers {
			if label, ok := t.claim(d.Archive.Time); ok {
				d.keep(fmt.Sprintf("the %s archive of %s", t.what, label))
			}
		}
		if !d.Keep {
			d.Reasons = []string{fmt.Sprintf("verified, but older than the newest %d and not the newest of a kept day, week or month", p.Keep)}
		}
	}

	failedSeen := 0
	for i := range decisions {
		d := &decisions[i]
		if d.Archive.Verified {
			continue
		}
		if newestVerified < 0 || i < newestVerified {
			d.keep("not verified, but no verified archive is newer: kept until one is")
			continue
		}
		failedSeen++
		if failedSeen <= p.KeepFailed {
			d.keep(fmt.Sprintf("not verified (its run failed); one of the newest %d kept for diagnosis", p.KeepFailed))
			continue
		}
		d.Reasons = []string{"not verified (its run failed), and a newer verified archive exists"}
	}
	return decisions
}

func (d *Decision) keep(reason string) {
	d.Keep = true
	d.Reasons = append(d.Reasons, reason)
}

// tier is one calendar tier: it keeps the newest archive of each of the newest limit periods.
type tier struct {
	limit int
	what  string
	key   func(time.Time) string
	seen  map[string]bool
}

// claim is true when t (visited newest first) is the newest archive of a period the tier still keeps.
func (t *tier) claim(at time.Time) (string, bool) {
	if t.limit <= 0 {
		return "", false
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	k := t.key(at)
	if t.seen[k] || len(t.seen) >= t.limit {
		return "", false
	}
	t.seen[k] = true
	return k, true
}

// Removals are the decisions that remove an archive, oldest first.
func Removals(decisions []Decision) []Decision {
	var out []Decision
	for i := len(decisions) - 1; i >= 0; i-- {
		if !decisions[i].Keep {
			out = append(out, decisions[i])
		}
	}
	return out
}
