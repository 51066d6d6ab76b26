package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// statePackage is one entry of GoBackup's retention state (storage/cycler.go Package).
type statePackage struct {
	FileKey   string    `json:"file_key"`
	FileKeys  []string  `json:"file_keys,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// LocalStateFile is where GoBackup keeps a storage's retention state on disk:
// $GOBACKUP_DIR/cycler/<model>_<storage>.json.
func LocalStateFile(gobackupDir, model, storage string) string {
	return filepath.Join(gobackupDir, "cycler", model+"_"+storage+".json")
}

// SyncState makes GoBackup's local retention state the bucket's before a run.
// GoBackup reads the bucket's state itself, but on any failure it falls back to its
// local file and then overwrites the bucket's state with what it has: an empty file
// on a fresh Kubernetes pod, so every older archive falls out of `keep` and stays
// for ever. Here the local file is the bucket's state when it can be read, and the
// bucket's own listing when the state exists but cannot be read, so GoBackup never
// writes back less than the bucket holds. It returns a warning for the run's record.
func SyncState(ctx context.Context, bucket s3store.Bucket, storage gbconfig.Storage, model, gobackupDir string, folder *catalog.Folder) string {
	local := LocalStateFile(gobackupDir, model, storage.Name)
	data, err := bucket.ReadAll(ctx, storage.StateKey(model))
	if err == nil {
		var packages []statePackage
		if json.Unmarshal(data, &packages) == nil {
			if writeErr := writeState(local, data); writeErr != nil {
				return fmt.Sprintf("could not copy the retention state to %s: %v", local, writeErr)
			}
			return ""
		}
		err = errors.New("it is not GoBackup's JSON")
	}
	if errors.Is(err, s3store.ErrNotFound) {
		// No state yet (a first run, or it was deleted): GoBackup starts one. Archives
		// it does not know are reported as untracked after the run.
		return ""
	}
	if folder == nil {
		return fmt.Sprintf("could not read the retention state s3://%s/%s (%v), nor list the folder: GoBackup may overwrite the state with less than the bucket holds", bucket.Bucket(), storage.StateKey(model), err)
	}
	packages := make([]statePackage, 0, len(folder.Archives))
	for _, a := range folder.Archives {
		packages = append(packages, statePackage{FileKey: a.Name, CreatedAt: a.Time})
	}
	seeded, _ := json.Marshal(packages)
	if writeErr := writeState(local, seeded); writeErr != nil {
		return fmt.Sprintf("could not seed the retention state at %s: %v", local, writeErr)
	}
	return fmt.Sprintf("could not read the retention state s3://%s/%s (%v); GoBackup's state was seeded from the bucket's %d archive(s) so that it does not lose track of them", bucket.Bucket(), storage.StateKey(model), err, len(packages))
}

func writeState(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".sync"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Untracked are the oldest archives beyond keep (GoBackup deletes down to keep after
// each upload, so any left over are archives its state no longer lists).
func Untracked(folder catalog.Folder, keep int) []catalog.Entry {
	if keep <= 0 || len(folder.Archives) <= keep {
		return nil
	}
	return folder.Archives[:len(folder.Archives)-keep]
}

// PruneUntracked deletes untracked archives and their manifests.
func PruneUntracked(ctx context.Context, bucket s3store.Bucket, entries []catalog.Entry) ([]string, error) {
	var pruned []string
	for _, e := range entries {
		if err := bucket.Delete(ctx, e.Key); err != nil {
			return pruned, err
		}
		if e.Manifest {
			if err := bucket.Delete(ctx, e.Key+catalog.ManifestSuffix); err != nil {
				return pruned, err
			}
		}
		pruned = append(pruned, e.Name)
	}
	return pruned, nil
}
