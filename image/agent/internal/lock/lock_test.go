package lock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestASecondRunOfTheSameModelIsRefusedWhileTheFirstHoldsTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locks", "orders.lock")
	first, err := TryAcquire(path, Holder{PID: 42, Trigger: "schedule", RunID: "r1", StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = TryAcquire(path, Holder{PID: 43, Trigger: "once"})
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Holder.RunID != "r1" || busy.Holder.Trigger != "schedule" {
		t.Fatalf("got %v, want BusyError naming run r1", err)
	}
	if !Held(path) {
		t.Fatal("Held must see the lock")
	}
	first.Release()
	if Held(path) {
		t.Fatal("released lock still held")
	}
	again, err := TryAcquire(path, Holder{PID: 44})
	if err != nil {
		t.Fatal(err)
	}
	again.Release()
}

// A lock held by a process that is killed is free at once: the kernel drops flocks
// with the process, so no stale lock blocks the next run.
func TestALockOfAKilledProcessIsFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.lock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	holder := exec.Command("flock", "--close", path, "sleep", "30")
	if err := holder.Start(); err != nil {
		t.Skip("flock(1) is not installed:", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !Held(path) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !Held(path) {
		t.Fatal("the child never took the lock")
	}
	holder.Process.Kill()
	holder.Wait()
	l, err := TryAcquire(path, Holder{})
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}
