package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/retention"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Versions of the programs that made an archive, for its manifest.
type Versions struct {
	Sqlpackage string
	GoBackup   string
	Agent      string
}

// Paths of the deployment.
type Paths struct {
	// Workdir: the volume sized for the data. Each model stages its runs in
	// <Workdir>/staging/<model> (GoBackup's temp folders and sqlpackage's temp data).
	Workdir string
	// StateDir: the agent's records, locks and per-run folders (on the volume).
	StateDir string
	// GoBackupDir: GoBackup's own state ($GOBACKUP_DIR).
	GoBackupDir string
	// LocalCopies: where local storages keep their copies (hard-linked from the workdir).
	LocalCopies string
	// GoBackup: the gobackup binary.
	GoBackup string
	// ShimDir holds the tar and cp shims, first on GoBackup's PATH.
	ShimDir string
	// CABundle: a PEM file GoBackup trusts (SSL_CERT_FILE), "" for the system's roots.
	CABundle string
}

// Staging is where a model's runs stage their dumps and archives.
func (p Paths) Staging(model string) string { return filepath.Join(p.Workdir, "staging", model) }

// Runs is where the agent keeps the folders of a model's runs in progress.
func (p Paths) Runs(model string) string { return filepath.Join(p.StateDir, "runs", model) }

// Runner runs backups of the models of one config.
type Runner struct {
	Paths  Paths
	Config gbconfig.Config
	// ConfigText is the config as given (unexpanded): each run gets a copy of its own.
	ConfigText string
	// ChildEnv is GoBackup's environment: the agent's, with every secret resolved from its _FILE.
	ChildEnv []string
	Redactor *redact.Redactor
	Records  records.Store
	// Bucket opens a storage's bucket.
	Bucket func(gbconfig.Storage) (s3store.Bucket, error)
	// Capabilities says how claims hold on a storage's bucket (probed, cached by the caller).
	Capabilities func(context.Context, gbconfig.Storage, s3store.Bucket) (claim.Capabilities, error)
	// Versions are read once, when the first archive is described.
	Versions func() Versions
	Location *time.Location
	// Preflight: host:port pairs to reach over TCP before a run ("" entries ignored).
	Preflight []string
	// Retention is the policy applied in the bucket after each verified run; Keep 0
	// takes the storage's `keep` from the config, else 14.
	Retention retention.Policy
	// LocalKeep: archives kept in each local storage (0: the storage's `keep`, else 2).
	LocalKeep int
	// Owner is this deployment's id, recorded as the owner of every folder it backs up to.
	Owner string
	// TakeOverFrom: a folder owned by this deployment id is taken over (deliberately).
	TakeOverFrom string
	// LeaseTTL: how long the bucket lease lives without renewal. Default 5 minutes.
	LeaseTTL time.Duration
	// HostSlots caps the runs against one SQL Server at a time across the deployment
	// (every pod, node and container); 0: no cap.
	HostSlots int
	// VolumeID identifies the workdir volume (runs from it share the model's local lock).
	VolumeID string
	Host     string
	Log      *logx.Logger
	// KillGrace is the time between SIGTERM and SIGKILL when a run must be stopped.
	KillGrace time.Duration

	versionsOnce sync.Once
	versions     Versions
}

// Result of one run.
type Result struct {
	Model   string
	Outcome records.Outcome
	Cause   string
	Run     records.Run
}

// Line is the run's outcome in one line, as `once` and the health check print it.
func (r Result) Line() string {
	switch r.Outcome {
	case records.Succeeded:
		if r.Run.Archive != nil {
			return fmt.Sprintf("%s: verified %s", r.Model, strings.Join(r.Run.Archive.Locations, ", "))
		}
		return r.Model + ": succeeded"
	case records.Failed:
		return fmt.Sprintf("%s: %s", r.Model, r.Cause)
	default:
		return fmt.Sprintf("%s: %s: %s", r.Model, r.Outcome, r.Cause)
	}
}

func newRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Run runs one backup of model now. ctx ends the run: GoBackup is stopped and the
// run recorded as interrupted.
//
// One run of a model at a time, anywhere: the local lock keeps processes on one
// volume apart, the bucket lease every host, pod and container. A scheduled tick
// (wait false) that finds a run in progress is skipped; `once` (wait true) waits for
// it to end and then makes its own backup, so that the command always ends with a
// backup taken after it was asked for.
func (r *Runner) Run(ctx context.Context, modelName, trigger string, wait bool) Result {
	log := r.Log.With("agent")
	model, ok := r.Config.Model(modelName)
	if !ok {
		return Result{Model: modelName, Outcome: records.Failed, Cause: "no such model in the config"}
	}
	start := time.Now()
	run := records.Run{ID: newRunID(start), Trigger: trigger, PID: os.Getpid(), Host: r.Host, StartedAt: start.UTC(), Outcome: records.Running}
	holder := lock.Holder{PID: run.PID, Host: r.Host, Trigger: trigger, RunID: run.ID, StartedAt: run.StartedAt}
	held, err := lock.TryAcquire(r.Records.LockFile(modelName), holder)
	var busy *lock.BusyError
	for wait && errors.As(err, &busy) {
		log.Info("model %s: waiting: %v", modelName, busy)
		select {
		case <-ctx.Done():
			return Result{Model: modelName, Outcome: records.Interrupted, Cause: "stopped while waiting for the run in progress"}
		case <-time.After(2 * time.Second):
		}
		start = time.Now()
		run.StartedAt, holder.StartedAt = start.UTC(), start.UTC()
		held, err = lock.TryAcquire(r.Records.LockFile(modelName), holder)
	}
	if errors.As(err, &busy) {
		return r.skip(log, modelName, trigger, start, busy.Error())
	}
	if err != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot take the model's run lock: %v", err), nil)
	}
	defer held.Release()

	if cause := r.preflight(); cause != "" {
		return r.finish(log, model, run, start, records.Failed, cause, nil)
	}
	guard, err := r.takeBucket(ctx, model, run, wait, log)
	var heldElsewhere *skipError
	switch {
	case errors.As(err, &heldElsewhere):
		return r.skip(log, modelName, trigger, start, heldElsewhere.Error())
	case err != nil:
		return r.finish(log, model, run, start, records.Failed, r.Redactor.String(err.Error()), nil)
	}
	// The run proper starts now that it holds the model everywhere (it may have waited).
	start = time.Now()
	run.StartedAt = start.UTC()
	guard.seed(ctx, r.Records, modelName, log)
	if err := r.Records.Update(modelName, func(m *records.Model) { m.Started(run) }); err != nil {
		log.Warn("model %s: cannot record the run's start: %v", modelName, err)
	}
	guard.publish(r.Records, modelName, log)
	log.Info("model %s: backup %s started (%s)", modelName, run.ID, trigger)
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	defer guard.release(log, modelName)
	// Mirrored last, after the outcome is recorded and before the lease is released.
	defer guard.publish(r.Records, modelName, log)
	guard.keep(runCtx, cancelRun)
	run.Warnings = append(run.Warnings, guard.warnings...)
	slot, err := r.takeHostSlot(runCtx, model, run, log)
	if err != nil {
		outcome := records.Failed
		if runCtx.Err() != nil {
			outcome = records.Interrupted
		}
		return r.finish(log, model, run, start, outcome, r.Redactor.String(err.Error()), nil)
	}
	if slot != nil {
		go slot.Keep(runCtx, func(err error) { cancelRun(&LeaseLostError{Err: err}) })
		defer func() { _ = slot.Release() }()
		// The run's time is its own, not the wait for a slot.
		start = time.Now()
		run.StartedAt = start.UTC()
	}
	run.Warnings = append(run.Warnings, r.clearLeftovers(runCtx, model, log)...)

	runDir := filepath.Join(r.Paths.Runs(modelName), run.ID)
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot create %s: %v", runDir, err), nil)
	}
	defer os.RemoveAll(runDir)

	ev := r.perform(runCtx, model, runDir, log)
	v := r.conclude(runCtx, model, run, ev, log)
	run.Warnings = append(run.Warnings, v.warnings...)
	if v.archive != nil {
		run.Retention = r.housekeeping(runCtx, model, v.verifiedIn, log)
	}
	return r.finish(log, model, run, start, v.outcome, v.cause, v.archive)
}

// skip records a tick that found a run of the model in progress.
func (r *Runner) skip(log *logx.Logger, model, trigger string, at time.Time, reason string) Result {
	log.Warn("model %s: %s run skipped: %s", model, trigger, reason)
	_ = r.Records.Update(model, func(m *records.Model) {
		m.LastSkip = &records.Skip{At: at.UTC(), Reason: reason}
		m.Counts[string(records.Skipped)]++
	})
	return Result{Model: model, Outcome: records.Skipped, Cause: reason}
}

// finish records the run's outcome and logs it.
func (r *Runner) finish(log *logx.Logger, model gbconfig.Model, run records.Run, start time.Time, outcome records.Outcome, cause string, archive *records.Archive) Result {
	now := time.Now().UTC()
	run.FinishedAt = &now
	run.Outcome = outcome
	run.Cause = r.Redactor.String(cause)
	run.Archive = archive
	run.Duration = time.Since(start).Seconds()
	if err := r.Records.Update(model.Name, func(m *records.Model) {
		m.Finished(run)
		if outcome == records.Succeeded {
			m.LastSuccess = &run
		}
		if archive != nil {
			m.LastVerified = &run
		}
	}); err != nil {
		log.Error("model %s: cannot record the run's outcome: %v", model.Name, err)
	}
	if outcome == records.Succeeded {
		log.Info("model %s: backup %s succeeded in %.1fs", model.Name, run.ID, run.Duration)
	} else {
		log.Error("model %s: backup %s %s: %s", model.Name, run.ID, outcome, run.Cause)
	}
	return Result{Model: model.Name, Outcome: outcome, Cause: run.Cause, Run: run}
}

func (r *Runner) preflight() string {
	var failed []string
	for _, target := range r.Preflight {
		if target == "" {
			continue
		}
		conn, err := net.DialTimeout("tcp", target, 5*time.Second)
		if err != nil {
			failed = append(failed, target)
			continue
		}
		conn.Close()
	}
	if len(failed) > 0 {
		return fmt.Sprintf("cannot reach %s over TCP within 5s: check the host name, port, network and firewall (SKIP_PREFLIGHT=1 skips this check)", strings.Join(failed, ", "))
	}
	return ""
}

func (r *Runner) describeVersions() Versions {
	r.versionsOnce.Do(func() {
		if r.Versions != nil {
			r.versions = r.Versions()
		}
	})
	return r.versions
}

// Source names a model's database for manifests and owner records: mssql://host:port/database.
func Source(model gbconfig.Model) string {
	var out []string
	for _, db := range model.Databases {
		out = append(out, fmt.Sprintf("mssql://%s/%s", net.JoinHostPort(db.Host, fmt.Sprint(db.Port)), db.Database))
	}
	return strings.Join(out, " ")
}
