// Package mirror keeps a copy of each model's run record in the bucket, next to the
// folder's other agent records (<folder>.agent/record.json). A Kubernetes pod's
// volume dies with the pod: the next run's pod starts from the bucket's copy (its
// counts and last verified backup), and the exporter, which runs no backups, serves
// the same metrics from it. Only the holder of the folder's run lease writes it.
package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Key is where a folder's run record lives.
func Key(folder string) string { return folder + ".agent/record.json" }

// Publish writes the record to the folder.
func Publish(ctx context.Context, b s3store.Bucket, folder string, m records.Model) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = b.Put(ctx, Key(folder), data, "application/json")
	return err
}

// Read returns the folder's record (false when none was published yet).
func Read(ctx context.Context, b s3store.Bucket, folder string) (records.Model, bool, error) {
	data, err := b.ReadAll(ctx, Key(folder))
	if errors.Is(err, s3store.ErrNotFound) {
		return records.Model{}, false, nil
	}
	if err != nil {
		return records.Model{}, false, err
	}
	var m records.Model
	if err := json.Unmarshal(data, &m); err != nil {
		return records.Model{}, false, fmt.Errorf("the run record %s is damaged: %v", Key(folder), err)
	}
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	return m, true, nil
}

// Seed is the record a run starts from: the volume's own, or, when the volume has
// never seen a run of the model (a new pod), the bucket's.
func Seed(local, published records.Model) records.Model {
	if local.LastRun != nil || len(local.Counts) > 0 {
		return local
	}
	published.Model = local.Model
	return published
}
