package lease

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

const folder = "backups/sqlserver/orders/"

// Long enough that a fake-bucket write on a loaded CI machine stays under Settle/2: eight
// acquirers write at once in TestConcurrentRunsNeverBothHoldTheLease.
func init() { claim.Settle = 400 * time.Millisecond }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func setup(t *testing.T, honours, versioned bool) (*s3storetest.FakeBucket, Options, *clock) {
	b := s3storetest.NewFakeBucket("b", t.TempDir())
	b.IgnoresIfNoneMatch, b.Versioning = !honours, versioned
	c := &clock{now: time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)}
	caps := claim.Capabilities{ConditionalWrites: claim.Ignored, Versioned: versioned}
	if honours {
		caps.ConditionalWrites = claim.Honoured
	}
	return b, Options{Folder: folder, Caps: caps, TTL: 5 * time.Minute, Settle: 10 * time.Millisecond, Now: c.Now}, c
}

func holder(run string) Holder {
	return Holder{Host: "h-" + run, PID: 1, Trigger: "schedule", RunID: run}
}

func TestASecondRunFindsTheLeaseHeldWithItsHolderUntilItIsReleased(t *testing.T) {
	ctx := context.Background()
	b, opts, _ := setup(t, true, false)
	first, err := Acquire(ctx, b, holder("r1"), opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(ctx, b, holder("r2"), opts)
	var held *HeldError
	if !errors.As(err, &held) || held.Record.Holder.RunID != "r1" {
		t.Fatalf("the second run was not told r1 holds the lease: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(ctx, b, holder("r2"), opts)
	if err != nil || second.Record().Generation != 2 {
		t.Fatalf("after the release: %+v %v", second, err)
	}
	if keys := b.Keys(); len(keys) != 1 {
		t.Fatalf("older generations stay: %v", keys)
	}
}

func TestAKilledHoldersLeaseIsTakenOverAfterItExpiresAndTheOldHolderLearnsIt(t *testing.T) {
	ctx := context.Background()
	b, opts, c := setup(t, true, true)
	old, err := Acquire(ctx, b, holder("killed"), opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(4 * time.Minute)
	if _, err := Acquire(ctx, b, holder("r2"), opts); err == nil {
		t.Fatal("taken before it expired")
	}
	c.Add(2 * time.Minute)
	if _, err := Acquire(ctx, b, holder("r2"), opts); err != nil {
		t.Fatalf("not taken over after expiry: %v", err)
	}
	var lost *LostError
	if err := old.Renew(ctx); !errors.As(err, &lost) || lost.By.Holder.RunID != "r2" {
		t.Fatalf("the presumed-dead holder renewed anyway: %v", err)
	}
}

func TestConcurrentRunsNeverBothHoldTheLease(t *testing.T) {
	for _, server := range []struct {
		name               string
		honours, versioned bool
	}{{"honours If-None-Match", true, false}, {"ignores it, versioned bucket", false, true}} {
		t.Run(server.name, func(t *testing.T) {
			ctx := context.Background()
			b, opts, _ := setup(t, server.honours, server.versioned)
			// Every acquirer reads the same (empty) state before anyone writes.
			var wg sync.WaitGroup
			var mu sync.Mutex
			winners := 0
			start := make(chan struct{})
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					if _, err := Acquire(ctx, b, holder(string(rune('a'+i))), opts); err == nil {
						mu.Lock()
						winners++
						mu.Unlock()
					} else if !errors.As(err, new(*HeldError)) {
						t.Errorf("acquirer %d: %v", i, err)
					}
				}(i)
			}
			close(start)
			wg.Wait()
			if winners != 1 {
				t.Fatalf("%d runs hold the lease at once", winners)
			}
		})
	}
}

func TestWhereNoClaimCanBeExclusiveTheLeaseIsBestEffortAndSaysSo(t *testing.T) {
	b, opts, _ := setup(t, false, false)
	l, err := Acquire(context.Background(), b, holder("r1"), opts)
	if err != nil || !l.BestEffort {
		t.Fatalf("best-effort lease: %+v %v", l, err)
	}
}

func TestKeepGivesUpTheRunWhenTheLeaseCannotBeRenewedBeforeItExpires(t *testing.T) {
	b, opts, _ := setup(t, true, false)
	opts.TTL = 90 * time.Millisecond
	opts.Now = nil
	l, err := Acquire(context.Background(), b, holder("r1"), opts)
	if err != nil {
		t.Fatal(err)
	}
	b.FailOn["LIST "+Dir(folder)] = errors.New("503 Slow Down")
	lost := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go l.Keep(ctx, func(err error) { lost <- err })
	select {
	case err := <-lost:
		if err == nil {
			t.Fatal("lost without a reason")
		}
	case <-ctx.Done():
		t.Fatal("the run kept going on a lease it could not renew")
	}
}
