package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/retention"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// DefaultKeep and DefaultLocalKeep apply when neither the agent's settings nor the
// config's storages say how many archives to keep.
const (
	DefaultKeep      = 14
	DefaultLocalKeep = 2
)

// Policy is the retention policy in one S3 storage: the agent's, with the storage's
// `keep` from a mounted config as its Keep when the agent's settings give none.
func (r *Runner) Policy(storage gbconfig.Storage) retention.Policy {
	p := r.Retention
	if p.Keep <= 0 {
		p.Keep = storage.Keep
	}
	if p.Keep <= 0 {
		p.Keep = DefaultKeep
	}
	if p.Location == nil {
		p.Location = r.Location
	}
	return p
}

// housekeeping runs after this run's archive was verified in storages: the retention
// policy in each of them, GoBackup's retention state removed (GoBackup keeps writing
// it, though it no longer prunes), orphaned manifests, and the local copies.
func (r *Runner) housekeeping(ctx context.Context, model gbconfig.Model, storages []gbconfig.Storage, log *logx.Logger) []records.Retention {
	var out []records.Retention
	for _, storage := range storages {
		bucket, err := r.Bucket(storage)
		if err != nil {
			continue
		}
		result := r.applyRetention(ctx, bucket, storage, model, log)
		out = append(out, result)
		if err := bucket.Delete(ctx, storage.StateKey(model.Name)); err != nil && !errors.Is(err, s3store.ErrNotFound) {
			log.Warn("model %s: could not remove GoBackup's retention state s3://%s/%s (harmless: the agent does not read it): %v", model.Name, bucket.Bucket(), storage.StateKey(model.Name), err)
		}
		_ = os.Remove(filepath.Join(r.Paths.GoBackupDir, "cycler", model.Name+"_"+storage.Name+".json"))
	}
	for _, storage := range model.LocalStorages() {
		r.pruneLocal(storage, model, log)
		_ = os.Remove(filepath.Join(r.Paths.GoBackupDir, "cycler", model.Name+"_"+storage.Name+".json"))
	}
	return out
}

// applyRetention deletes from one folder what the policy removes, each deletion logged
// with its reason. It deletes nothing when it cannot read the folder and its manifests
// whole (a server answering errors), and stops at the first failed deletion.
func (r *Runner) applyRetention(ctx context.Context, bucket s3store.Bucket, storage gbconfig.Storage, model gbconfig.Model, log *logx.Logger) records.Retention {
	policy := r.Policy(storage)
	result := records.Retention{Location: fmt.Sprintf("s3://%s/%s", bucket.Bucket(), storage.Folder()), Policy: policy.String(), CheckedAt: time.Now().UTC()}
	folder, err := catalog.Read(ctx, bucket, storage.Folder(), model.FilenameFormat, r.Location)
	if err == nil {
		err = folder.Inspect(ctx, bucket)
	}
	if err != nil {
		result.Problem = fmt.Sprintf("retention skipped, nothing deleted: cannot read %s: %v", result.Location, err)
		log.Warn("model %s: %s", model.Name, result.Problem)
		return result
	}
	decisions := retention.Apply(Archives(folder), policy)
	for _, d := range decisions {
		if d.Keep {
			result.Kept++
		}
	}
	for _, d := range retention.Removals(decisions) {
		key := storage.Folder() + d.Archive.Name
		if err := bucket.Delete(ctx, key); err != nil {
			result.Problem = fmt.Sprintf("retention stopped: could not delete s3://%s/%s: %v", bucket.Bucket(), key, err)
			log.Warn("model %s: %s", model.Name, result.Problem)
			return result
		}
		if _, ok := folder.Manifests[d.Archive.Name]; ok {
			_ = bucket.Delete(ctx, key+catalog.ManifestSuffix)
		}
		result.Removed = append(result.Removed, records.Removal{Name: d.Archive.Name, Reason: d.Reason()})
		log.Info("model %s: retention deleted s3://%s/%s: %s", model.Name, bucket.Bucket(), key, d.Reason())
	}
	if removed, err := PruneManifests(ctx, bucket, folder, model.FilenameFormat, r.Location); err != nil {
		log.Warn("model %s: %v", model.Name, err)
	} else if len(removed) > 0 {
		log.Info("model %s: removed %d manifest(s) whose archive is gone", model.Name, len(removed))
	}
	log.Info("model %s: retention in %s (%s): %d kept, %d deleted", model.Name, result.Location, policy, result.Kept, len(result.Removed))
	return result
}

// Archives is a folder (after Inspect) as the retention policy sees it.
func Archives(folder catalog.Folder) []retention.Archive {
	out := make([]retention.Archive, 0, len(folder.Archives))
	for _, e := range folder.Archives {
		out = append(out, retention.Archive{Name: e.Name, Time: e.Time, Verified: e.Verified})
	}
	return out
}

// pruneLocal keeps the newest LocalKeep archives of a local storage (copies made
// whether or not the upload succeeded, so a failed upload loses nothing).
func (r *Runner) pruneLocal(storage gbconfig.Storage, model gbconfig.Model, log *logx.Logger) {
	keep := r.LocalKeep
	if keep <= 0 {
		keep = storage.Keep
	}
	if keep <= 0 {
		keep = DefaultLocalKeep
	}
	entries, err := os.ReadDir(storage.Path)
	if err != nil {
		return
	}
	type copyFile struct {
		name string
		at   time.Time
	}
	var copies []copyFile
	for _, e := range entries {
		if at, ok := catalog.ArchiveTime(e.Name(), model.FilenameFormat, r.Location); ok && e.Type().IsRegular() {
			copies = append(copies, copyFile{e.Name(), at})
		}
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].at.After(copies[j].at) })
	for i := keep; i < len(copies); i++ {
		path := filepath.Join(storage.Path, copies[i].name)
		if err := os.Remove(path); err != nil {
			log.Warn("model %s: could not remove the local copy %s: %v", model.Name, path, err)
			continue
		}
		log.Info("model %s: removed the local copy %s (older than the newest %d)", model.Name, path, keep)
	}
}
