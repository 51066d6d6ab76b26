package claim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

const key = "backups/.restores/r1.json"

// Long enough that a fake-bucket write on a loaded CI machine stays under Settle/2.
func init() { Settle = 400 * time.Millisecond }

func record(nonce string) []byte { return []byte(fmt.Sprintf(`{"nonce":%q,"id":"r1"}`, nonce)) }

func bucket(t *testing.T, honours, versioned bool) *s3storetest.FakeBucket {
	b := s3storetest.NewFakeBucket("b", t.TempDir())
	b.IgnoresIfNoneMatch = !honours
	b.Versioning = versioned
	return b
}

func caps(honours, versioned bool) Capabilities {
	c := Capabilities{ConditionalWrites: Ignored, Versioned: versioned}
	if honours {
		c.ConditionalWrites = Honoured
	}
	return c
}

func TestOfTwoClaimsOfOneKeyExactlyOneWinsOnEveryKindOfServerThatCanHoldThem(t *testing.T) {
	ctx := context.Background()
	for _, server := range []struct{ honours, versioned bool }{{true, false}, {true, true}, {false, true}} {
		t.Run(fmt.Sprintf("honours=%v versioned=%v", server.honours, server.versioned), func(t *testing.T) {
			b := bucket(t, server.honours, server.versioned)
			first, err := Create(ctx, b, key, record("aaaa"), "aaaa", caps(server.honours, server.versioned))
			if err != nil || !first.Won {
				t.Fatalf("first claim: %+v %v", first, err)
			}
			second, err := Create(ctx, b, key, record("bbbb"), "bbbb", caps(server.honours, server.versioned))
			if err != nil || second.Won {
				t.Fatalf("second claim won too: %+v %v", second, err)
			}
			if NonceOf(second.Holder) != "aaaa" {
				t.Fatalf("the loser was told the holder is %s", second.Holder)
			}
			current, _ := b.ReadAll(ctx, key)
			if NonceOf(current) != "aaaa" {
				t.Fatalf("the winner's record is no longer current: %s", current)
			}
		})
	}
}

func TestARaceOnAServerThatIgnoresIfNoneMatchIsWonByTheEarliestVersion(t *testing.T) {
	ctx := context.Background()
	b := bucket(t, false, true)
	// B writes between A's decision to create and A's write: B's version is the first.
	raced := false
	b.BeforeWrite = func(string) {
		if raced {
			return
		}
		raced = true
		if r, err := Create(ctx, b, key, record("bbbb"), "bbbb", caps(false, true)); err != nil || !r.Won {
			t.Errorf("B: %+v %v", r, err)
		}
	}
	a, err := Create(ctx, b, key, record("aaaa"), "aaaa", caps(false, true))
	if a.Won {
		t.Fatalf("A won a claim B made first: %+v %v", a, err)
	}
	current, _ := b.ReadAll(ctx, key)
	if NonceOf(current) != "bbbb" {
		t.Fatalf("A's losing version stayed current: %s", current)
	}
}

func TestARetriedCreateWhoseFirstAttemptLandedIsOurs(t *testing.T) {
	ctx := context.Background()
	for _, versioned := range []bool{false, true} {
		b := bucket(t, true, versioned)
		b.LoseResponse[key] = true
		r, err := Create(ctx, b, key, record("aaaa"), "aaaa", caps(true, versioned))
		if err != nil || !r.Won {
			t.Fatalf("versioned=%v: our own landed attempt was taken for another's claim: %+v %v", versioned, r, err)
		}
	}
}

func TestNothingIsWrittenWhereAClaimCannotBeExclusive(t *testing.T) {
	b := bucket(t, false, false)
	_, err := Create(context.Background(), b, key, record("aaaa"), "aaaa", caps(false, false))
	var unsafe *UnsafeError
	if !errors.As(err, &unsafe) {
		t.Fatalf("want an UnsafeError, got %v", err)
	}
	if len(b.Keys()) != 0 {
		t.Fatalf("wrote %v", b.Keys())
	}
	if msg := err.Error(); msg == "" || !strings.Contains(msg, "enable versioning") {
		t.Fatalf("message does not say what to do: %s", msg)
	}
}

func TestProbeTellsAServerThatHonoursIfNoneMatchFromOneThatIgnoresIt(t *testing.T) {
	ctx := context.Background()
	for _, honours := range []bool{true, false} {
		b := bucket(t, honours, false)
		got, err := Probe(ctx, b, "p/.agent/probe-1", true)
		want := Ignored
		if honours {
			want = Honoured
		}
		if err != nil || got != want {
			t.Fatalf("honours=%v: probe said %q (%v)", honours, got, err)
		}
		if len(b.Keys()) != 0 {
			t.Fatalf("the probe left %v", b.Keys())
		}
	}
}

func TestASlowWriteDatedBeforeTheWinnersNeverMakesASecondWinner(t *testing.T) {
	// MinIO dates a version when its upload starts: B starts first, is slow, and lands
	// after A has decided; its version is then the earliest.
	ctx := context.Background()
	b := bucket(t, false, true)
	release := make(chan struct{})
	slow := true
	b.BeforeWrite = func(string) {
		if slow {
			slow = false
			<-release
		}
	}
	results := make(chan Result, 2)
	go func() {
		r, err := Create(ctx, b, key, record("bbbb"), "bbbb", caps(false, true))
		if err != nil {
			r = Result{}
		}
		results <- r
	}()
	time.Sleep(20 * time.Millisecond) // B's write has started (and is dated)
	a, err := Create(ctx, b, key, record("aaaa"), "aaaa", caps(false, true))
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	bResult := <-results
	if a.Won && bResult.Won {
		t.Fatal("both writers won the claim")
	}
}

func TestADeletedRecordCanBeClaimedAgainButARestoreIDNever(t *testing.T) {
	ctx := context.Background()
	for _, honours := range []bool{true, false} {
		b := bucket(t, honours, true)
		if r, err := Create(ctx, b, key, record("aaaa"), "aaaa", caps(honours, true)); err != nil || !r.Won {
			t.Fatalf("first: %+v %v", r, err)
		}
		b.Delete(ctx, key)
		if r, err := Create(ctx, b, key, record("bbbb"), "bbbb", caps(honours, true)); err != nil || !r.Won {
			t.Fatalf("honours=%v: a cleared lease generation or owner record could not be claimed again: %+v %v", honours, r, err)
		}
		b.Delete(ctx, key)
		if r, err := Once(ctx, b, key, record("cccc"), "cccc", caps(honours, true)); err != nil || r.Won {
			t.Fatalf("honours=%v: a restore id whose record was deleted was claimed again: %+v %v", honours, r, err)
		}
	}
}
