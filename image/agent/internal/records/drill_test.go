package records

import (
	"strings"
	"testing"
	"time"
)

func TestDrillProblemIsAFailedDrillOrOneStalePastItsLimit(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	week := DrillPolicy{MaxAge: 8 * 24 * time.Hour}
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	ok := &Drill{Outcome: Succeeded, StartedAt: *at(3 * 24 * time.Hour), FinishedAt: at(3 * 24 * time.Hour)}
	old := &Drill{Outcome: Succeeded, StartedAt: *at(9 * 24 * time.Hour), FinishedAt: at(9 * 24 * time.Hour)}
	failed := &Drill{Outcome: Failed, StartedAt: *at(time.Hour), Cause: "DBCC CHECKDB found errors"}
	cases := []struct {
		name     string
		h        *Drills
		policy   DrillPolicy
		baseline time.Time
		want     string
	}{
		{"a recent success", &Drills{Last: ok, LastSuccess: ok}, week, *at(30 * 24 * time.Hour), ""},
		{"a failed last drill, whatever the limit", &Drills{Last: failed, LastSuccess: ok}, DrillPolicy{}, now, "the last restore drill (started 2026-12-06T11:00:00Z) failed: DBCC CHECKDB found errors"},
		{"a success older than the limit", &Drills{Last: old, LastSuccess: old}, week, *at(30 * 24 * time.Hour), "no successful restore drill for 216h (limit 192h); the last one finished 2026-11-27T12:00:00Z"},
		{"none since a baseline older than the limit", nil, week, *at(10 * 24 * time.Hour), "no successful restore drill for 240h (limit 192h) since the workdir volume was first used"},
		{"none yet, within the limit", nil, week, *at(24 * time.Hour), ""},
		{"none, and drills not expected", nil, DrillPolicy{}, *at(100 * 24 * time.Hour), ""},
	}
	for _, c := range cases {
		got := DrillProblem(c.h, c.policy, now, c.baseline)
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestADrillInProgressAfterAFailedOneDoesNotHideTheFailure(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var h Drills
	h.Add(Drill{ID: "a", Outcome: Failed, StartedAt: now.Add(-7 * 24 * time.Hour), Cause: "DBCC CHECKDB found errors"})
	h.Add(Drill{ID: "b", Outcome: Running, StartedAt: now.Add(-time.Hour)})
	if got := DrillProblem(&h, DrillPolicy{}, now, now); !strings.Contains(got, "DBCC CHECKDB found errors") {
		t.Fatalf("a drill in progress hid the failed one before it: %q", got)
	}
	if d := h.Decisive(); d == nil || d.Outcome != Failed {
		t.Fatalf("the metrics would report %+v, not the failed drill", d)
	}
	finished := now
	h.Add(Drill{ID: "b", Outcome: Succeeded, StartedAt: now.Add(-time.Hour), FinishedAt: &finished})
	if got := DrillProblem(&h, DrillPolicy{}, now, now); got != "" {
		t.Fatalf("after the next drill succeeded: %q", got)
	}
}
