package schedule

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseReadsCronAsKubernetesDoes(t *testing.T) {
	for text, wantErr := range map[string]string{
		"0 2 * * *":        "",
		"@daily":           "",
		"@every 6h":        "",
		"0 2 * * 7":        "end of range (7) above maximum (6)",
		"TZ=UTC 0 2 * * *": "must not hold TZ",
		"0 0 31 2 *":       "never runs",
		"* * * *":          "expected exactly 5 fields",
		"0 2 * * MON-FRI":  "",
		"*/15 * * * *":     "",
		"0 24 * * *":       "above maximum (23)",
	} {
		_, err := Parse(text)
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%q: %v", text, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%q: got %v, want an error with %q", text, err, wantErr)
		}
	}
}

func TestNextRunsInTheTimeZone(t *testing.T) {
	spec, _ := Parse("0 2 * * *")
	berlin, err := LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	next := spec.Next(time.Date(2026, 6, 1, 12, 0, 0, 0, berlin))
	if next.UTC().Format(time.RFC3339) != "2026-06-02T00:00:00Z" {
		t.Fatalf("02:00 in Berlin in summer is 00:00 UTC, got %s", next.UTC())
	}
}

func TestLoadLocationIsCaseSensitiveAndRefusesLocal(t *testing.T) {
	if _, err := LoadLocation("europe/berlin"); err == nil {
		t.Error("europe/berlin must be refused, as Go and Kubernetes refuse it")
	}
	if _, err := LoadLocation("Local"); err == nil {
		t.Error("Local must be refused")
	}
	if loc, err := LoadLocation(""); err != nil || loc != time.UTC {
		t.Error("empty is UTC")
	}
}

func TestTheSchedulerFiresEachTickAndWaitsForRunsOnlyWithinTheGrace(t *testing.T) {
	spec, _ := Parse("@every 1s")
	var mu sync.Mutex
	ticks := 0
	s := &Scheduler{Jobs: []Job{{Model: "orders", Spec: spec}}, Location: time.UTC, Tick: func(ctx context.Context, model string, at time.Time) {
		mu.Lock()
		ticks++
		mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	runCtx, stopRuns := context.WithCancel(context.Background())
	s.Run(ctx, runCtx)
	mu.Lock()
	got := ticks
	mu.Unlock()
	if got < 3 || got > 4 {
		t.Fatalf("%d ticks in 3.5 s of @every 1s", got)
	}
	if s.Wait(100 * time.Millisecond) {
		t.Fatal("runs still in progress must not count as ended within a short grace")
	}
	stopRuns()
	if !s.Wait(2 * time.Second) {
		t.Fatal("cancelled runs must end")
	}
}
