package backup

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
)

// goBackupTempDir: GoBackup names each run's temp folder by the Unix time in
// nanoseconds (config/config.go); 0.2.0 staged every model's runs in the workdir itself.
var goBackupTempDir = regexp.MustCompile(`^\d{18,20}$`)

// clearLeftovers removes what earlier runs of this model left behind (a run that was
// killed leaves its bacpac and tar, twice the data, and GoBackup never comes back for
// them): the model's staging folder, the run folders of killed runs, temp folders of
// the previous layout in the workdir itself, and the model's incomplete multipart
// uploads in the bucket. It runs under the local lock and the bucket lease, so no run
// of the model is using any of it. It returns warnings for the run's record.
func (r *Runner) clearLeftovers(ctx context.Context, model gbconfig.Model, log *logx.Logger) []string {
	var warnings []string
	var freed int64
	var removed []string
	remove := func(path string) {
		size := du(path)
		if err := os.RemoveAll(path); err != nil {
			warnings = append(warnings, fmt.Sprintf("could not remove %s, left by an earlier run: %v", path, err))
			return
		}
		freed += size
		removed = append(removed, path)
	}
	for _, dir := range []string{r.Paths.Staging(model.Name), r.Paths.Runs(model.Name)} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			remove(filepath.Join(dir, e.Name()))
		}
	}
	if entries, err := os.ReadDir(r.Paths.Workdir); err == nil {
		for _, e := range entries {
			if e.IsDir() && goBackupTempDir.MatchString(e.Name()) {
				remove(filepath.Join(r.Paths.Workdir, e.Name()))
			}
		}
	}
	if len(removed) > 0 {
		log.Info("model %s: removed what earlier runs left in the workdir (%d item(s), %s freed): %v", model.Name, len(removed), humanBytes(freed), removed)
	}
	for _, storage := range model.S3Storages() {
		bucket, err := r.Bucket(storage)
		if err != nil {
			continue
		}
		uploads, err := bucket.Uploads(ctx, storage.Folder())
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("could not list incomplete uploads in s3://%s/%s (they keep using space until a lifecycle rule aborts them): %v", bucket.Bucket(), storage.Folder(), err))
			continue
		}
		for _, u := range uploads {
			if err := bucket.Abort(ctx, u); err != nil {
				warnings = append(warnings, fmt.Sprintf("could not abort the incomplete upload of s3://%s/%s: %v", bucket.Bucket(), u.Key, err))
				continue
			}
			log.Info("model %s: aborted the incomplete upload of s3://%s/%s, started %s by a run that did not finish", model.Name, bucket.Bucket(), u.Key, u.Initiated.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	return warnings
}

// du is the size of the files under path.
func du(path string) int64 {
	var total int64
	_ = filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
