package records

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUpdateIsAtomicAndSerialisedAcrossWriters(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Update("orders", func(m *Model) { m.Counts["succeeded"]++ }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	m, err := s.Read("orders")
	if err != nil || m.Counts["succeeded"] != 20 {
		t.Fatalf("got %+v %v, want 20 counted runs", m.Counts, err)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func clock() Clock {
	return Clock{Now: at("2026-11-23T10:00:00Z"), MaxAge: 26 * time.Hour, Baseline: at("2026-11-20T00:00:00Z")}
}

func TestAFailedRunIsUnhealthyAtOnceWithItsCause(t *testing.T) {
	m := Model{Model: "orders", LastRun: &Run{StartedAt: at("2026-11-23T02:00:00Z"), FinishedAt: ptr(at("2026-11-23T02:01:00Z")), Outcome: Failed, Cause: "Dump error: Login failed for user 'backup'"},
		LastSuccess: &Run{FinishedAt: ptr(at("2026-11-23T01:00:00Z")), Archive: &Archive{Name: "x.tar"}}}
	v := Evaluate(m, clock(), false)
	if v.Healthy || !strings.Contains(v.Text, "Login failed for user 'backup'") {
		t.Fatalf("got %+v", v)
	}
}

func TestARunningRecordWithoutALockHolderReadsAsInterrupted(t *testing.T) {
	m := Model{Model: "orders", LastRun: &Run{StartedAt: at("2026-11-23T02:00:00Z"), Outcome: Running}}
	if v := Evaluate(m, clock(), false); v.Healthy || v.Outcome != Interrupted || !strings.Contains(v.Text, "killed") {
		t.Fatalf("got %+v", v)
	}
	m.LastSuccess = &Run{FinishedAt: ptr(at("2026-11-23T01:00:00Z")), Archive: &Archive{Name: "x.tar"}}
	if v := Evaluate(m, clock(), true); !v.Healthy || !strings.Contains(v.Text, "running since") {
		t.Fatalf("with the lock held: %+v", v)
	}
}

func TestAnOldSuccessIsUnhealthyAfterTheLimit(t *testing.T) {
	m := Model{Model: "orders", LastRun: &Run{Outcome: Succeeded}, LastSuccess: &Run{FinishedAt: ptr(at("2026-11-22T07:00:00Z")), Archive: &Archive{Name: "x.tar"}}}
	v := Evaluate(m, clock(), false)
	if v.Healthy || !strings.Contains(v.Text, "no verified backup for 27h (limit 26h)") {
		t.Fatalf("got %+v", v)
	}
}

func TestTheAgeOfAModelThatNeverSucceededCountsFromTheVolumesFirstUse(t *testing.T) {
	c := clock()
	if v := Evaluate(Model{Model: "orders"}, c, false); v.Healthy {
		t.Fatalf("three days without a backup must be unhealthy: %+v", v)
	}
	c.Baseline = at("2026-11-23T09:00:00Z")
	if v := Evaluate(Model{Model: "orders"}, c, false); !v.Healthy || !strings.Contains(v.Text, "no backup yet") {
		t.Fatalf("got %+v", v)
	}
}

func TestAVerifiedArchiveDeletedOrReplacedInTheBucketIsUnhealthyUntilANewerOneIsVerified(t *testing.T) {
	success := &Run{FinishedAt: ptr(at("2026-11-23T09:00:00Z")), Archive: &Archive{Name: "x.tar"}}
	m := Model{Model: "orders", LastRun: &Run{Outcome: Succeeded}, LastSuccess: success, LastVerified: success,
		Audit: &Audit{CheckedAt: at("2026-11-23T10:00:00Z"), Archive: "s3://b/p/orders/x.tar", Problem: "s3://b/p/orders/x.tar is gone"}}
	v := Evaluate(m, clock(), false)
	if v.Healthy || !strings.Contains(v.Text, "no longer intact") || !strings.Contains(v.Text, "is gone") {
		t.Fatalf("got %+v", v)
	}
	newer := &Run{FinishedAt: ptr(at("2026-11-23T11:00:00Z")), Archive: &Archive{Name: "y.tar"}}
	m.LastSuccess, m.LastVerified = newer, newer
	if v := Evaluate(m, clock(), false); !v.Healthy {
		t.Fatalf("a newer verified backup clears it: %+v", v)
	}
}

func TestACheckThatCouldNotReachTheBucketIsAWarningNotAVerdict(t *testing.T) {
	success := &Run{FinishedAt: ptr(at("2026-11-23T09:00:00Z")), Archive: &Archive{Name: "x.tar"}}
	m := Model{Model: "orders", LastSuccess: success, LastVerified: success, Audit: &Audit{CheckedAt: at("2026-11-23T10:00:00Z"), Archive: "s3://b/p/orders/x.tar", Error: "HTTP 503"}}
	v := Evaluate(m, clock(), false)
	if !v.Healthy || len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], "HTTP 503") {
		t.Fatalf("got %+v", v)
	}
}

func TestARunInProgressAfterAFailedOneStaysUnhealthyWithThatFailuresCause(t *testing.T) {
	m := Model{Model: "orders", Counts: map[string]int{}, LastSuccess: &Run{FinishedAt: ptr(at("2026-11-23T01:00:00Z")), Archive: &Archive{Name: "x.tar"}}}
	m.Finished(Run{StartedAt: at("2026-11-23T02:00:00Z"), FinishedAt: ptr(at("2026-11-23T02:01:00Z")), Outcome: Failed, Cause: "Dump error: Login failed for user 'backup'"})
	m.Started(Run{StartedAt: at("2026-11-23T03:00:00Z"), Outcome: Running})
	v := Evaluate(m, clock(), true)
	if v.Healthy || v.Outcome != Failed || !strings.Contains(v.Text, "Login failed for user 'backup'") || !strings.Contains(v.Text, "running since") {
		t.Fatalf("a retry in progress was judged without the failure before it: %+v", v)
	}
	// Once the retry succeeds, it is healthy again.
	m.Finished(Run{StartedAt: at("2026-11-23T03:00:00Z"), FinishedAt: ptr(at("2026-11-23T03:01:00Z")), Outcome: Succeeded, Archive: &Archive{Name: "y.tar"}})
	m.LastSuccess = m.LastRun
	if v := Evaluate(m, clock(), false); !v.Healthy || v.Outcome != Succeeded {
		t.Fatalf("after the retry succeeded: %+v", v)
	}
}

func TestARecordFromBeforeLastFinishedExistedGainsItWhenTheNextRunStarts(t *testing.T) {
	// An older agent wrote only lastRun: a failed run.
	m := Model{Model: "orders", Counts: map[string]int{}, LastRun: &Run{StartedAt: at("2026-11-23T02:00:00Z"), FinishedAt: ptr(at("2026-11-23T02:01:00Z")), Outcome: Interrupted, Cause: "SIGTERM"}}
	m.Started(Run{StartedAt: at("2026-11-23T03:00:00Z"), Outcome: Running})
	if v := Evaluate(m, clock(), true); v.Healthy || v.Outcome != Interrupted || !strings.Contains(v.Text, "SIGTERM") {
		t.Fatalf("got %+v", v)
	}
}
