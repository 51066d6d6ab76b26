package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

// verdict is what a run proved.
type verdict struct {
	outcome records.Outcome
	cause   string
	// archive: this run's archive, verified in every S3 storage (a manifest beside each).
	archive *records.Archive
	// verifiedIn: the storages it was verified in (where retention may then run).
	verifiedIn []gbconfig.Storage
	warnings   []string
}

// conclude decides a run's outcome from what GoBackup left behind and what the bucket
// holds. A run succeeds only when GoBackup exited 0 without logging an error, every S3
// storage holds exactly this run's archive (a manifest is then written beside it), and
// every local storage has its copy. Whenever the bucket holds the archive exactly, it
// is verified and gets its manifest, also when something else failed (another storage,
// GoBackup's exit status): the run then fails, saying that this archive is restorable.
func (r *Runner) conclude(ctx context.Context, model gbconfig.Model, run records.Run, ev evidence, log *logx.Logger) verdict {
	failed := func(cause string) verdict { return verdict{outcome: records.Failed, cause: cause} }
	switch {
	case ev.stopped:
		cause := "the agent was stopped (SIGTERM) and its shutdown grace period ended before the run did; GoBackup was stopped, and no archive of this run is verified"
		var lost *LeaseLostError
		if errors.As(ev.stopCause, &lost) {
			cause = lost.Error() + "; GoBackup was stopped, and no archive of this run is verified"
		}
		return verdict{outcome: records.Interrupted, cause: cause}
	case ev.startErr != nil:
		return failed(fmt.Sprintf("cannot start gobackup: %v", ev.startErr))
	case ev.handover == nil && ev.exitCode != 0:
		if ev.cause == "" {
			return failed(fmt.Sprintf("gobackup exited with status %d and logged no error; see the log above", ev.exitCode))
		}
		return failed(ev.cause)
	case ev.handover == nil:
		cause := "GoBackup exited 0 but made no archive (it exits 0 after a recovered panic)"
		if ev.cause != "" {
			cause += "; it said: " + ev.cause
		}
		return failed(cause)
	case ev.digestErr != nil:
		return failed(fmt.Sprintf("cannot read this run's archive %s: %v", ev.handover.Name, ev.digestErr))
	case strings.HasSuffix(ev.handover.Name, ".tar") && len(model.Databases) > 0 && len(ev.bacpacs) == 0:
		return failed(fmt.Sprintf("the archive %s holds no .bacpac: sqlpackage exited 0 but exported nothing", ev.handover.Name))
	}

	v := verdict{}
	archive := &records.Archive{Name: ev.handover.Name, Bytes: ev.digest.Size, SHA256: ev.digest.SHA256, ETag: ev.digest.ETag}
	var problems []string
	for _, storage := range model.S3Storages() {
		location, by, objectETag, err := r.verifyAndVouch(ctx, model, run, storage, archive, ev, log)
		var missing *VerificationError
		switch {
		case errors.As(err, &missing) && missing.Missing && ev.exitCode != 0:
			// GoBackup failed before the upload finished: its own cause, below, says why.
			problems = append(problems, "")
			continue
		case err != nil:
			problems = append(problems, r.Redactor.String(err.Error()))
			continue
		}
		archive.VerifiedBy = by
		archive.ObjectETag = objectETag
		archive.Locations = append(archive.Locations, location)
		v.verifiedIn = append(v.verifiedIn, storage)
	}
	archive.VerifySeconds = time.Since(ev.exitedAt).Seconds()
	allVerified := len(problems) == 0
	if allVerified {
		v.archive = archive
	}

	// What else went wrong, in GoBackup's words first.
	if ev.exitCode != 0 {
		cause := ev.cause
		if cause == "" {
			cause = fmt.Sprintf("gobackup exited with status %d and logged no error", ev.exitCode)
		}
		problems = append([]string{cause}, problems...)
	} else if len(ev.errors) > 0 {
		problems = append([]string{"GoBackup logged an error and exited 0: " + strings.Join(ev.errors, " | ")}, problems...)
	}
	for _, storage := range model.LocalStorages() {
		if p := localCopyProblem(storage, archive.Name, archive.Bytes); p != "" && ev.exitCode == 0 {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		v.outcome = records.Succeeded
		return v
	}
	v.outcome = records.Failed
	v.cause = strings.Join(dedupe(problems), "; ")
	if allVerified {
		v.cause += fmt.Sprintf("; this run's archive is verified all the same and restorable (%s)", strings.Join(archive.Locations, ", "))
	}
	return v
}

// verifyAndVouch proves the storage holds this run's archive and writes its manifest.
func (r *Runner) verifyAndVouch(ctx context.Context, model gbconfig.Model, run records.Run, storage gbconfig.Storage, archive *records.Archive, ev evidence, log *logx.Logger) (string, string, string, error) {
	bucket, err := r.Bucket(storage)
	if err != nil {
		return "", "", "", fmt.Errorf("storage %s: %v", storage.Name, err)
	}
	key := storage.ObjectKey(archive.Name)
	by, objectETag, err := Verify(ctx, bucket, key, *ev.digest)
	if err != nil {
		return "", "", "", err
	}
	if by != ByETag {
		log.Warn("model %s: the bucket's ETag for %s does not identify its content; verified by reading it back (slower)", model.Name, key)
	}
	manifest := catalog.Manifest{
		FormatVersion: catalog.CurrentFormat, Model: model.Name, RunID: run.ID,
		Archive:   catalog.ManifestArchive{Key: key, Size: archive.Bytes, SHA256: archive.SHA256, ETag: archive.ETag, VerifiedBy: by, ObjectETag: objectETag},
		Databases: ev.bacpacs, StartedAt: run.StartedAt.Format(time.RFC3339), FinishedAt: time.Now().UTC().Format(time.RFC3339), Host: r.Host,
		Owner: r.OwnerOf(model), Source: Source(model),
	}
	v := r.describeVersions()
	manifest.Sqlpackage, manifest.GoBackup, manifest.Agent = v.Sqlpackage, v.GoBackup, v.Agent
	if err := WriteManifest(ctx, bucket, manifest); err != nil {
		return "", "", "", fmt.Errorf("the archive is verified, but its manifest could not be written (restore refuses an archive without one unless forced): %v", err)
	}
	location := fmt.Sprintf("s3://%s/%s", bucket.Bucket(), key)
	log.Info("model %s: verified %s (%d bytes, sha256 %s, by %s); wrote its manifest", model.Name, location, archive.Bytes, archive.SHA256, by)
	return location, by, objectETag, nil
}

// localCopyProblem: a local storage must hold this run's copy (GoBackup exits 0 after
// a recovered panic that skipped a storage).
func localCopyProblem(storage gbconfig.Storage, name string, size int64) string {
	target := filepath.Join(storage.Path, name)
	info, err := os.Stat(target)
	switch {
	case err != nil:
		return fmt.Sprintf("GoBackup did not write the local copy %s (%v)", target, errors.Unwrap(err))
	case info.Size() != size:
		return fmt.Sprintf("the local copy %s holds %d bytes, the archive %d", target, info.Size(), size)
	}
	return ""
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
