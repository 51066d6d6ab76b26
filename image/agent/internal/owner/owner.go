// Package owner gives every bucket folder one owner: the deployment whose agent made
// its first run there. Two deployments in one folder (dev and prod of one program, or
// two servers that each have an `orders` database) would prune, verify and restore
// each other's archives, so a run or restore from any other deployment stops before
// it uploads or deletes anything, naming both and the fix.
package owner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Record is <folder>.agent/owner.json.
type Record struct {
	Nonce string `json:"nonce"`
	// Owner is the deployment id (the component derives it from the Pulumi project,
	// stack and component name; DEPLOYMENT_ID).
	Owner string `json:"owner"`
	// Source is the SQL Server database the folder's archives come from.
	Source        string    `json:"source"`
	Since         time.Time `json:"since"`
	TakenOverFrom string    `json:"takenOverFrom,omitempty"`
}

// Key is where a folder's owner record lives.
func Key(folder string) string { return folder + ".agent/owner.json" }

// ForeignError: the folder belongs to another deployment.
type ForeignError struct {
	Folder string
	Found  Record
	Ours   string
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%s belongs to deployment %q (backing up %s, since %s), not to this one, %q: two deployments in one folder delete and restore each other's backups. "+
		"Give this deployment its own folder (another storage prefix or database name), or, to move the folder to it deliberately, set DEPLOYMENT_TAKE_OVER_FROM=%q (component: storage.takeOverFrom)",
		e.Folder, e.Found.Owner, e.Found.Source, e.Found.Since.UTC().Format(time.RFC3339), e.Ours, e.Found.Owner)
}

// Read returns the folder's owner record (false when it has none yet).
func Read(ctx context.Context, b s3store.Bucket, folder string) (Record, bool, error) {
	data, err := b.ReadAll(ctx, Key(folder))
	if errors.Is(err, s3store.ErrNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, false, fmt.Errorf("the owner record %s is damaged: %v", Key(folder), err)
	}
	return r, true, nil
}

// Ensure makes sure the folder is ours: it claims a folder that has no owner yet
// (exactly once), takes it over from takeOverFrom when that is its owner, and returns
// a *ForeignError otherwise. It returns what it did, for the log ("" when nothing).
func Ensure(ctx context.Context, b s3store.Bucket, where, folder, ours, source, takeOverFrom string, caps claim.Capabilities) (string, error) {
	found, ok, err := Read(ctx, b, folder)
	if err != nil {
		return "", err
	}
	if ok {
		switch found.Owner {
		case ours:
			return "", nil
		case takeOverFrom:
			taken := Record{Nonce: claim.NewNonce(), Owner: ours, Source: source, Since: time.Now().UTC(), TakenOverFrom: found.Owner}
			data, _ := json.Marshal(taken)
			if _, err := b.Put(ctx, Key(folder), data, "application/json"); err != nil {
				return "", fmt.Errorf("taking over %s: %w", where, err)
			}
			return fmt.Sprintf("took %s over from deployment %q (DEPLOYMENT_TAKE_OVER_FROM)", where, found.Owner), nil
		}
		return "", &ForeignError{Folder: where, Found: found, Ours: ours}
	}
	record := Record{Nonce: claim.NewNonce(), Owner: ours, Source: source, Since: time.Now().UTC()}
	data, _ := json.Marshal(record)
	result, err := claim.Create(ctx, b, Key(folder), data, record.Nonce, caps)
	var unsafe *claim.UnsafeError
	if errors.As(err, &unsafe) {
		// Best effort where no claim can be exclusive: the record still stops every later
		// deployment; only two first runs at the same moment could both pass.
		if _, err := b.Put(ctx, Key(folder), data, "application/json"); err != nil {
			return "", fmt.Errorf("recording the owner of %s: %w", where, err)
		}
		return fmt.Sprintf("recorded deployment %q as the owner of %s (best effort: %s)", ours, where, caps.Describe()), nil
	}
	if err != nil {
		return "", fmt.Errorf("recording the owner of %s: %w", where, err)
	}
	if !result.Won {
		var winner Record
		_ = json.Unmarshal(result.Holder, &winner)
		if winner.Owner == ours {
			return "", nil
		}
		return "", &ForeignError{Folder: where, Found: winner, Ours: ours}
	}
	return fmt.Sprintf("recorded deployment %q as the owner of %s", ours, where), nil
}
