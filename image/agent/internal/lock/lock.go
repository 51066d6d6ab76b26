// Package lock holds one lock per model across every process that shares the
// workdir volume (the daemon, `once` from docker exec, the first-backup container),
// so that two runs of one model never overlap. It is flock(2) on a file in the
// volume: the kernel releases it when the holder dies, so a killed run never leaves a
// stale lock behind.
package lock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Holder describes who holds a lock (written into the lock file by the holder).
type Holder struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Trigger   string    `json:"trigger"`
	RunID     string    `json:"runId"`
	StartedAt time.Time `json:"startedAt"`
}

// BusyError says another run holds the lock.
type BusyError struct{ Holder Holder }

func (e *BusyError) Error() string {
	if e.Holder.PID == 0 {
		return "another run of this model is in progress"
	}
	return fmt.Sprintf("another run of this model is in progress (%s, run %s, started %s, pid %d on %s)",
		e.Holder.Trigger, e.Holder.RunID, e.Holder.StartedAt.UTC().Format(time.RFC3339), e.Holder.PID, e.Holder.Host)
}

// Lock is a held lock; Release gives it up.
type Lock struct{ file *os.File }

// TryAcquire takes the lock at path without waiting; *BusyError when it is held.
func TryAcquire(path string, holder Holder) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		var current Holder
		if data, readErr := os.ReadFile(path); readErr == nil {
			_ = json.Unmarshal(data, &current)
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &BusyError{Holder: current}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	data, _ := json.Marshal(holder)
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(data, 0)
	}
	return &Lock{file: f}, nil
}

// Held reports whether some process holds the lock at path (a probe: it takes and
// releases the lock when nobody holds it).
func Held(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// Release gives the lock up.
func (l *Lock) Release() {
	if l == nil || l.file == nil {
		return
	}
	_ = syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
	l.file.Close()
	l.file = nil
}

// With runs fn while holding the lock at path, waiting for it (short critical
// sections such as a record's read-modify-write).
func With(path string, fn func() error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck
	return fn()
}
