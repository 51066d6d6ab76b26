// Package records keeps what the agent knows of each model's runs on the workdir
// volume, where every process of the deployment (daemon, `once`, the health check,
// `status`) reads and writes it: one JSON file per model, replaced atomically.
package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
)

// Outcome of a run.
type Outcome string

const (
	Running     Outcome = "running"
	Succeeded   Outcome = "succeeded"
	Failed      Outcome = "failed"
	Interrupted Outcome = "interrupted"
	// Skipped is not a run's outcome but a tick's: a run of the model was in progress.
	Skipped Outcome = "skipped"
)

// Archive is the verified archive of a successful run.
type Archive struct {
	Name string `json:"name"`
	// Keys: s3://<bucket>/<key> of every copy in a bucket.
	Locations  []string `json:"locations"`
	Bytes      int64    `json:"bytes"`
	SHA256     string   `json:"sha256"`
	ETag       string   `json:"etag"`
	VerifiedBy string   `json:"verifiedBy"`
	// ObjectETag is the bucket's ETag of the verified object (what an audit compares).
	ObjectETag string `json:"objectEtag,omitempty"`
	// VerifySeconds is what verification added after GoBackup exited: the archive's
	// digest (mostly computed while tar wrote it), the bucket's answer, the manifest.
	VerifySeconds float64 `json:"verifySeconds,omitempty"`
}

// Run is one run of a model.
type Run struct {
	ID         string     `json:"id"`
	Trigger    string     `json:"trigger"`
	PID        int        `json:"pid"`
	Host       string     `json:"host"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	Outcome    Outcome    `json:"outcome"`
	// Cause is why a run failed or was interrupted, in GoBackup's or the bucket's own words.
	Cause    string   `json:"cause,omitempty"`
	Archive  *Archive `json:"archive,omitempty"`
	Duration float64  `json:"durationSeconds,omitempty"`
	// Warnings are things an operator should see that did not fail the run.
	Warnings []string `json:"warnings,omitempty"`
	// Retention is what the retention policy did after this run's archive was verified.
	Retention []Retention `json:"retention,omitempty"`
}

// Retention is the policy's pass over one folder.
type Retention struct {
	Location  string    `json:"location"`
	Policy    string    `json:"policy"`
	Kept      int       `json:"kept"`
	Removed   []Removal `json:"removed,omitempty"`
	Problem   string    `json:"problem,omitempty"`
	CheckedAt time.Time `json:"checkedAt"`
}

// Removal is one archive the policy deleted, and why.
type Removal struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Audit is a later look at the newest verified archive: is it still in the bucket,
// with the bytes that were verified?
type Audit struct {
	CheckedAt time.Time `json:"checkedAt"`
	// Archive is the location checked.
	Archive string `json:"archive"`
	// Problem: what is wrong with it ("" when it is intact).
	Problem string `json:"problem,omitempty"`
	// Error: the check itself failed (the bucket did not answer); says nothing of the archive.
	Error string `json:"error,omitempty"`
}

// Skip is a tick that found a run of the model in progress.
type Skip struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Model is everything recorded of one model.
type Model struct {
	Model       string `json:"model"`
	LastRun     *Run   `json:"lastRun,omitempty"`
	LastSuccess *Run   `json:"lastSuccess,omitempty"`
	// LastFinished is the last run that ended (succeeded, failed or interrupted): while
	// the next one is in progress, health is judged by it, so a retry of a failed
	// backup is not reported healthy before it has succeeded.
	LastFinished *Run `json:"lastFinished,omitempty"`
	// LastVerified is the last run whose archive is verified in the bucket (a run can
	// fail after that, e.g. its local copy, and still leave a restorable archive).
	LastVerified *Run           `json:"lastVerified,omitempty"`
	LastSkip     *Skip          `json:"lastSkip,omitempty"`
	Counts       map[string]int `json:"counts"`
	// Audit is the last check of the newest verified archive in the bucket.
	Audit *Audit `json:"audit,omitempty"`
	// Drills are the model's restore drills run from this volume.
	Drills *Drills `json:"drills,omitempty"`
}

// Started records that run is in progress; what it replaces as LastRun stays the
// last finished run (records written before LastFinished existed gain it here).
func (m *Model) Started(run Run) {
	if m.LastRun != nil && m.LastRun.Outcome != Running {
		m.LastFinished = m.LastRun
	}
	m.LastRun = &run
}

// Finished records a run that ended.
func (m *Model) Finished(run Run) {
	m.LastRun = &run
	m.LastFinished = &run
	m.Counts[string(run.Outcome)]++
}

// Store is the records directory: <state>/models/<model>.json.
type Store struct{ Dir string }

func (s Store) file(model string) string { return filepath.Join(s.Dir, "models", model+".json") }

// LockFile is where the model's run lock lives (see package lock).
func (s Store) LockFile(model string) string { return filepath.Join(s.Dir, "locks", model+".lock") }

// Read returns the model's record (empty when none was written yet).
func (s Store) Read(model string) (Model, error) {
	data, err := os.ReadFile(s.file(model))
	if errors.Is(err, os.ErrNotExist) {
		return Model{Model: model, Counts: map[string]int{}}, nil
	}
	if err != nil {
		return Model{}, err
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return Model{}, fmt.Errorf("record %s is damaged: %w", s.file(model), err)
	}
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	return m, nil
}

// Update applies fn to the model's record under a lock and writes it atomically.
func (s Store) Update(model string, fn func(*Model)) error {
	return lock.With(s.file(model)+".lock", func() error {
		m, err := s.Read(model)
		if err != nil {
			// A damaged record must not stop backups: start a new one.
			m = Model{Model: model, Counts: map[string]int{}}
		}
		fn(&m)
		return writeAtomic(s.file(model), m)
	})
}

// writeAtomic writes v as JSON to a temporary file and renames it over path, so a
// reader never sees half a record, also when the writer is killed midway.
func writeAtomic(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteJSON writes any small state file atomically (the daemon's heartbeat, the volume's baseline).
func WriteJSON(path string, v any) error { return writeAtomic(path, v) }

// ReadJSON reads a state file written by WriteJSON.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
