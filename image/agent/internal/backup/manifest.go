package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// WriteManifest puts <key>.manifest.json beside a verified archive.
func WriteManifest(ctx context.Context, bucket s3store.Bucket, m catalog.Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = bucket.Put(ctx, m.Archive.Key+catalog.ManifestSuffix, append(data, '\n'), "application/json")
	return err
}

// PruneManifests removes manifests whose archive is gone (GoBackup's keep deleted it)
// and that are older than the newest archive kept: a manifest newer than that may
// belong to an archive another run is uploading right now.
func PruneManifests(ctx context.Context, bucket s3store.Bucket, folder catalog.Folder, format string, loc *time.Location) ([]string, error) {
	newest, ok := folder.Newest()
	if !ok {
		return nil, nil
	}
	var removed []string
	for name, object := range folder.Manifests {
		if folder.Has(name) {
			continue
		}
		when, known := catalog.ArchiveTime(name, format, loc)
		if !known || !when.Before(newest.Time) {
			continue
		}
		if err := bucket.Delete(ctx, object.Key); err != nil {
			return removed, fmt.Errorf("removing the orphaned manifest %s: %w", object.Key, err)
		}
		removed = append(removed, object.Key)
	}
	return removed, nil
}
