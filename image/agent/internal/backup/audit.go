package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Audit checks that the model's newest verified archive is still in every S3 storage
// with the size and ETag it was verified with (one HEAD per storage), and records the
// finding: an archive deleted or replaced outside the agent turns the model unhealthy
// until a newer backup is verified.
func (r *Runner) Audit(ctx context.Context, modelName string) records.Audit {
	model, ok := r.Config.Model(modelName)
	record, err := r.Records.Read(modelName)
	if !ok || err != nil || record.LastVerified == nil || record.LastVerified.Archive == nil {
		return records.Audit{}
	}
	archive := record.LastVerified.Archive
	audit := records.Audit{CheckedAt: time.Now().UTC()}
	for _, storage := range model.S3Storages() {
		bucket, err := r.Bucket(storage)
		if err != nil {
			audit.Error = err.Error()
			break
		}
		key := storage.ObjectKey(archive.Name)
		audit.Archive = fmt.Sprintf("s3://%s/%s", bucket.Bucket(), key)
		head, err := bucket.Head(ctx, key)
		switch {
		case errors.Is(err, s3store.ErrNotFound):
			audit.Problem = fmt.Sprintf("%s is gone: it was deleted outside the agent (a versioned bucket keeps its last version as noncurrent until the lifecycle expires it)", audit.Archive)
		case err != nil:
			audit.Error = r.Redactor.String(err.Error())
		case head.Size != archive.Bytes:
			audit.Problem = fmt.Sprintf("%s was replaced: it holds %d bytes, the verified archive %d", audit.Archive, head.Size, archive.Bytes)
		case archive.ObjectETag != "" && head.ETag != archive.ObjectETag:
			audit.Problem = fmt.Sprintf("%s was replaced: its ETag is %s, the verified object's was %s", audit.Archive, head.ETag, archive.ObjectETag)
		}
		if audit.Problem != "" || audit.Error != "" {
			break
		}
	}
	_ = r.Records.Update(modelName, func(m *records.Model) { m.Audit = &audit })
	if audit.Problem != "" {
		r.Log.With("agent").Error("model %s: %s", modelName, audit.Problem)
	}
	return audit
}
