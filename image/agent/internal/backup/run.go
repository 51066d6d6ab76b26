package backup

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/shim"
)

// Versions of the programs that made an archive, for its manifest.
type Versions struct {
	Sqlpackage string
	GoBackup   string
	Agent      string
}

// Paths and switches of the deployment.
type Paths struct {
	// Workdir: GoBackup's workdir (the volume sized for the data).
	Workdir string
	// StateDir: the agent's records, locks and per-run folders (on the volume).
	StateDir string
	// GoBackupDir: GoBackup's own state ($GOBACKUP_DIR).
	GoBackupDir string
	// TempDir: TMPDIR for sqlpackage, which buffers table data there.
	TempDir string
	// LocalCopies: where local storages keep their copies (hard-linked from the workdir).
	LocalCopies string
	// GoBackup: the gobackup binary.
	GoBackup string
	// ShimDir holds the tar and cp shims, first on GoBackup's PATH.
	ShimDir string
	// CABundle: a PEM file GoBackup trusts (SSL_CERT_FILE), "" for the system's roots.
	CABundle string
}

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
	// Versions are read once, when the first archive is described.
	Versions func() Versions
	Location *time.Location
	// Preflight: host:port pairs to reach over TCP before a run ("" entries ignored).
	Preflight []string
	// PruneUntracked deletes archives beyond keep that GoBackup no longer tracks.
	PruneUntracked bool
	Host           string
	Log            *logx.Logger
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
// A scheduled tick (wait false) that finds a run in progress is skipped; `once`
// (wait true) waits for that run to end and then makes its own backup, so that the
// command always ends with a backup taken after it was asked for.
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
		log.Warn("model %s: %s run skipped: %v", modelName, trigger, busy)
		_ = r.Records.Update(modelName, func(m *records.Model) {
			m.LastSkip = &records.Skip{At: start.UTC(), Reason: busy.Error()}
			m.Counts[string(records.Skipped)]++
		})
		return Result{Model: modelName, Outcome: records.Skipped, Cause: busy.Error()}
	}
	if err != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot take the model's run lock: %v", err), nil)
	}
	defer held.Release()
	if err := r.Records.Update(modelName, func(m *records.Model) { m.LastRun = &run }); err != nil {
		log.Warn("model %s: cannot record the run's start: %v", modelName, err)
	}
	log.Info("model %s: backup %s started (%s)", modelName, run.ID, trigger)

	if cause := r.preflight(); cause != "" {
		return r.finish(log, model, run, start, records.Failed, cause, nil)
	}
	runDir := filepath.Join(r.Paths.StateDir, "runs", run.ID)
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot create %s: %v", runDir, err), nil)
	}
	defer os.RemoveAll(runDir)

	var warnings []string
	for _, storage := range model.S3Storages() {
		if w := r.syncState(ctx, model, storage); w != "" {
			log.Warn("model %s: %s", modelName, w)
			warnings = append(warnings, w)
		}
	}
	run.Warnings = warnings

	evidence := r.perform(ctx, model, runDir, log)
	if evidence.stopped {
		return r.finish(log, model, run, start, records.Interrupted, "the agent was stopped (SIGTERM) and its shutdown grace period ended before the run did; GoBackup was stopped, and no archive of this run is verified", nil)
	}
	if evidence.startErr != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot start gobackup: %v", evidence.startErr), nil)
	}
	if evidence.exitCode != 0 {
		cause := evidence.cause
		if cause == "" {
			cause = fmt.Sprintf("gobackup exited with status %d and logged no error; see the log above", evidence.exitCode)
		}
		return r.finish(log, model, run, start, records.Failed, cause, nil)
	}
	if evidence.handover == nil {
		cause := "GoBackup exited 0 but made no archive (it exits 0 after a recovered panic)"
		if evidence.cause != "" {
			cause += "; it said: " + evidence.cause
		}
		return r.finish(log, model, run, start, records.Failed, cause, nil)
	}
	if evidence.digestErr != nil {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("cannot read this run's archive %s: %v", evidence.handover.Name, evidence.digestErr), nil)
	}
	if strings.HasSuffix(evidence.handover.Name, ".tar") && len(model.Databases) > 0 && len(evidence.bacpacs) == 0 {
		return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("the archive %s holds no .bacpac: sqlpackage exited 0 but exported nothing", evidence.handover.Name), nil)
	}

	archive := &records.Archive{Name: evidence.handover.Name, Bytes: evidence.digest.Size, SHA256: evidence.digest.SHA256, ETag: evidence.digest.ETag}
	for _, storage := range model.S3Storages() {
		bucket, err := r.Bucket(storage)
		if err != nil {
			return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("storage %s: %v", storage.Name, err), nil)
		}
		key := storage.ObjectKey(archive.Name)
		by, err := Verify(ctx, bucket, key, *evidence.digest)
		if err != nil {
			return r.finish(log, model, run, start, records.Failed, r.Redactor.String(err.Error()), nil)
		}
		if by != ByETag {
			log.Warn("model %s: the bucket's ETag for %s does not identify its content; verified by reading it back (slower)", modelName, key)
		}
		archive.VerifiedBy = by
		manifest := catalog.Manifest{
			FormatVersion: catalog.CurrentFormat, Model: modelName, RunID: run.ID,
			Archive:   catalog.ManifestArchive{Key: key, Size: archive.Bytes, SHA256: archive.SHA256, ETag: archive.ETag, VerifiedBy: by},
			Databases: evidence.bacpacs, StartedAt: run.StartedAt.Format(time.RFC3339), FinishedAt: time.Now().UTC().Format(time.RFC3339), Host: r.Host,
		}
		v := r.describeVersions()
		manifest.Sqlpackage, manifest.GoBackup, manifest.Agent = v.Sqlpackage, v.GoBackup, v.Agent
		if err := WriteManifest(ctx, bucket, manifest); err != nil {
			return r.finish(log, model, run, start, records.Failed, fmt.Sprintf("the archive is verified, but its manifest could not be written (restore refuses an archive without one unless forced): %v", err), nil)
		}
		archive.Locations = append(archive.Locations, fmt.Sprintf("s3://%s/%s", bucket.Bucket(), key))
		log.Info("model %s: verified s3://%s/%s (%d bytes, sha256 %s, by %s); wrote its manifest", modelName, bucket.Bucket(), key, archive.Bytes, archive.SHA256, by)
	}
	archive.VerifySeconds = time.Since(evidence.exitedAt).Seconds()
	untracked := r.housekeeping(ctx, model, log)
	result := r.finish(log, model, run, start, records.Succeeded, "", archive)
	_ = r.Records.Update(modelName, func(m *records.Model) { m.Untracked = untracked })
	return result
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
		m.LastRun = &run
		if outcome == records.Succeeded {
			m.LastSuccess = &run
		}
		m.Counts[string(outcome)]++
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

func (r *Runner) syncState(ctx context.Context, model gbconfig.Model, storage gbconfig.Storage) string {
	bucket, err := r.Bucket(storage)
	if err != nil {
		return err.Error()
	}
	folder, err := catalog.Read(ctx, bucket, storage.Folder(), model.FilenameFormat, r.Location)
	if err != nil {
		return SyncState(ctx, bucket, storage, model.Name, r.Paths.GoBackupDir, nil)
	}
	return SyncState(ctx, bucket, storage, model.Name, r.Paths.GoBackupDir, &folder)
}

// housekeeping after a verified run: orphaned manifests go, and archives beyond keep
// that GoBackup lost track of are reported (and deleted where the user opted in).
func (r *Runner) housekeeping(ctx context.Context, model gbconfig.Model, log *logx.Logger) []records.Untracked {
	var out []records.Untracked
	for _, storage := range model.S3Storages() {
		bucket, err := r.Bucket(storage)
		if err != nil {
			continue
		}
		folder, err := catalog.Read(ctx, bucket, storage.Folder(), model.FilenameFormat, r.Location)
		if err != nil {
			log.Warn("model %s: cannot list s3://%s/%s after the run: %v", model.Name, bucket.Bucket(), storage.Folder(), err)
			continue
		}
		if removed, err := PruneManifests(ctx, bucket, folder, model.FilenameFormat, r.Location); err != nil {
			log.Warn("model %s: %v", model.Name, err)
		} else if len(removed) > 0 {
			log.Info("model %s: removed %d manifest(s) whose archive keep deleted", model.Name, len(removed))
		}
		beyond := Untracked(folder, storage.Keep)
		if len(beyond) == 0 {
			continue
		}
		u := records.Untracked{Storage: storage.Name, Location: fmt.Sprintf("s3://%s/%s", bucket.Bucket(), folder.Prefix), Keep: storage.Keep, Archives: len(folder.Archives), CheckedAt: time.Now().UTC()}
		for _, e := range beyond {
			u.Beyond = append(u.Beyond, e.Name)
		}
		if r.PruneUntracked {
			pruned, err := PruneUntracked(ctx, bucket, beyond)
			u.Pruned = pruned
			if err != nil {
				log.Warn("model %s: pruning untracked archives: %v", model.Name, err)
			}
			log.Info("model %s: deleted %d archive(s) beyond keep: %d that GoBackup no longer tracked: %s", model.Name, len(pruned), storage.Keep, strings.Join(pruned, ", "))
		} else {
			log.Warn("model %s: %d archive(s) in %s are beyond keep: %d and no longer tracked by GoBackup, so nothing deletes them: %s (PRUNE_UNTRACKED=true deletes them)", model.Name, len(beyond), u.Location, storage.Keep, strings.Join(u.Beyond, ", "))
		}
		out = append(out, u)
	}
	return out
}

func (r *Runner) describeVersions() Versions {
	r.versionsOnce.Do(func() {
		if r.Versions != nil {
			r.versions = r.Versions()
		}
	})
	return r.versions
}

// evidence is what one GoBackup run left behind.
type evidence struct {
	startErr error
	exitCode int
	stopped  bool
	cause    string
	handover *shim.Handover
	digest   *digest.Digest
	// exitedAt: when GoBackup exited; what follows is the agent's own cost.
	exitedAt  time.Time
	digestErr error
	bacpacs   []digest.Bacpac
}

// progressBar: pb's progress lines, which GoBackup writes during an upload.
var progressBar = regexp.MustCompile(`\[[=\->]*\]\s+\d+(\.\d+)?%`)

// perform runs `gobackup perform -m <model>` with a config file of its own, in a
// working directory that outlives it (GoBackup chdirs into its temp dir and deletes
// it; a fresh process per run never inherits that), and hashes the archive the tar
// shim hands over while GoBackup uploads it.
func (r *Runner) perform(ctx context.Context, model gbconfig.Model, runDir string, log *logx.Logger) evidence {
	var ev evidence
	configFile := filepath.Join(runDir, "gobackup.yml")
	if err := os.WriteFile(configFile, []byte(r.ConfigText), 0o600); err != nil {
		ev.startErr = err
		return ev
	}
	cmd := exec.Command(r.Paths.GoBackup, "perform", "--model", model.Name, "--config", configFile)
	cmd.Dir = r.Paths.Workdir
	cmd.Env = append(append([]string{}, r.ChildEnv...),
		"PATH="+r.Paths.ShimDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOBACKUP_DIR="+r.Paths.GoBackupDir,
		"TMPDIR="+r.Paths.TempDir,
		shim.RunDirEnv+"="+runDir,
		shim.LinkFromEnv+"="+r.Paths.Workdir,
		shim.LinkToEnv+"="+r.Paths.LocalCopies,
	)
	if r.Paths.CABundle != "" {
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+r.Paths.CABundle)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	reader, writer, err := os.Pipe()
	if err != nil {
		ev.startErr = err
		return ev
	}
	cmd.Stdout, cmd.Stderr = writer, writer
	if err := cmd.Start(); err != nil {
		reader.Close()
		writer.Close()
		ev.startErr = err
		return ev
	}
	writer.Close()

	output := &Output{}
	outputDone := make(chan struct{})
	go func() {
		defer close(outputDone)
		r.forward(reader, output, log)
	}()

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var hashing sync.WaitGroup
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	var waitErr error
loop:
	for {
		select {
		case waitErr = <-exited:
			break loop
		case <-poll.C:
			if ev.handover == nil {
				r.takeHandover(runDir, &ev, &hashing)
			}
		case <-ctx.Done():
			ev.stopped = true
			r.stop(cmd, exited, log, model.Name)
			waitErr = nil
			break loop
		}
	}
	ev.exitedAt = time.Now()
	<-outputDone
	reader.Close()
	if ev.handover == nil && !ev.stopped {
		r.takeHandover(runDir, &ev, &hashing)
	}
	hashing.Wait()
	ev.cause = r.Redactor.String(output.Cause())
	if waitErr != nil {
		var exit *exec.ExitError
		if errors.As(waitErr, &exit) {
			ev.exitCode = exit.ExitCode()
			if ev.exitCode < 0 {
				ev.exitCode = 128
			}
		} else {
			ev.exitCode = 1
		}
	}
	return ev
}

// takeHandover reads the tar shim's handover, once it is there, and starts hashing.
func (r *Runner) takeHandover(runDir string, ev *evidence, hashing *sync.WaitGroup) {
	data, err := os.ReadFile(filepath.Join(runDir, shim.HandoverFile))
	if err != nil {
		return
	}
	var h shim.Handover
	if err := json.Unmarshal(data, &h); err != nil {
		ev.digestErr = fmt.Errorf("the tar shim's handover is damaged: %v", err)
		ev.handover = &shim.Handover{Name: "(unknown)"}
		return
	}
	ev.handover = &h
	if h.Digest != nil {
		ev.digest, ev.bacpacs = h.Digest, h.Bacpacs
		return
	}
	hashing.Add(1)
	go func() {
		defer hashing.Done()
		d, err := digest.File(h.Link)
		if err != nil {
			ev.digestErr = err
			return
		}
		ev.digest = &d
		ev.bacpacs, _ = digest.Bacpacs(h.Link)
	}()
}

// forward passes GoBackup's output on, redacted, and keeps it for the cause.
func (r *Runner) forward(reader io.Reader, output *Output, log *logx.Logger) {
	buffered := bufio.NewReaderSize(reader, 64<<10)
	var line strings.Builder
	flush := func() {
		text := r.Redactor.String(line.String())
		line.Reset()
		if strings.TrimSpace(text) == "" || progressBar.MatchString(text) {
			return
		}
		output.Add(text)
		log.Raw(text)
	}
	for {
		b, err := buffered.ReadByte()
		if err != nil {
			flush()
			return
		}
		if b == '\n' || b == '\r' {
			flush()
			continue
		}
		if line.Len() < 64<<10 {
			line.WriteByte(b)
		}
	}
}

// stop ends GoBackup and its children (one process group): SIGTERM, then SIGKILL.
func (r *Runner) stop(cmd *exec.Cmd, exited <-chan error, log *logx.Logger, model string) {
	log.Warn("model %s: stopping GoBackup (process group %d)", model, cmd.Process.Pid)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	grace := r.KillGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}
