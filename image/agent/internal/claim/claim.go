// Package claim creates an object exactly once on any S3 server: restore claims, the
// run lease's generations and a folder's owner record. It never trusts a single
// answer: every record carries a random nonce, and
//
//   - a conditional create (If-None-Match: *) that answers 412 is read back: our own
//     nonce means an earlier attempt of ours landed (the SDK retried after a lost
//     response), so the claim is ours;
//   - on a versioned bucket, a create that answers 200 is ours only if the key's
//     earliest version is ours (the server orders versions, so every writer agrees
//     on the first one, whether or not it honoured the header); a losing version is
//     deleted again so the winner's record stays current. Servers date a version when
//     its upload starts (MinIO, AWS), so a slow write can commit later with an earlier
//     date: where the header is not honoured, the check waits Settle first, and a write
//     that itself took longer than half of Settle never wins (a writer that decided
//     after its settle time cannot be overtaken by one faster than that);
//   - on a bucket without versioning, a 200 counts only where a probe showed that
//     the server refuses a second conditional create, and is read back;
//   - anywhere else nothing is written: the caller gets an *UnsafeError saying why.
package claim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Support is what a server does with If-None-Match: * on PutObject.
type Support string

const (
	// Unknown: not probed.
	Unknown Support = ""
	// Honoured: a second conditional create of one key answers 412.
	Honoured Support = "honoured"
	// Ignored: a second conditional create answers 200 and overwrites.
	Ignored Support = "ignored"
	// Refused: the server answers a conditional create with an error (versitygw before
	// 1.2 answers 403): claims are written unconditionally there.
	Refused Support = "refused"
)

// Capabilities of a bucket that decide how a claim is made there.
type Capabilities struct {
	ConditionalWrites Support `json:"conditionalWrites"`
	Versioned         bool    `json:"versioned"`
}

// Exclusive reports whether a claim can be made exactly once here.
func (c Capabilities) Exclusive() bool { return c.Versioned || c.ConditionalWrites == Honoured }

// Describe says how claims hold on this bucket, for logs, `status` and errors.
func (c Capabilities) Describe() string {
	switch {
	case c.Versioned && c.ConditionalWrites == Honoured:
		return "the server honours If-None-Match and the bucket is versioned: claims hold"
	case c.Versioned:
		return fmt.Sprintf("the server %s If-None-Match, but the bucket is versioned: claims hold by the key's earliest version", describeSupport(c.ConditionalWrites))
	case c.ConditionalWrites == Honoured:
		return "the server honours If-None-Match (the bucket is not versioned): claims hold by conditional create"
	}
	return fmt.Sprintf("the server %s If-None-Match and the bucket is not versioned: nothing makes a claim exclusive here (enable versioning on the bucket)", describeSupport(c.ConditionalWrites))
}

func describeSupport(s Support) string {
	switch s {
	case Honoured:
		return "honours"
	case Ignored:
		return "ignores"
	case Refused:
		return "refuses"
	}
	return "was not probed for"
}

// UnsafeError: a claim cannot be made exclusive on this bucket; nothing was written.
type UnsafeError struct {
	Key  string
	Caps Capabilities
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("cannot claim %s exactly once: %s", e.Key, e.Caps.Describe())
}

// NewNonce is a random nonce for a record.
func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NonceOf reads a record's nonce ("" when it has none).
func NonceOf(record []byte) string {
	var r struct {
		Nonce string `json:"nonce"`
	}
	_ = json.Unmarshal(record, &r)
	return r.Nonce
}

// Settle is how long a claim on a server that ignores If-None-Match waits before it
// reads the key's versions (a variable for tests).
var Settle = 2 * time.Second

// Result of a claim.
type Result struct {
	// Won: the record written is the key's, and ours.
	Won bool
	// Holder is the record that holds the key when we lost (may be empty if unreadable).
	Holder []byte
	// VersionID of our record when we won on a versioned bucket.
	VersionID string
}

// Once claims key with record (a JSON object whose "nonce" is nonce) once and for
// ever: on a versioned bucket, whoever wrote the key's first version ever holds it, also
// after the key was deleted (a restore id never runs twice, whatever happens to its
// record).
func Once(ctx context.Context, b s3store.Bucket, key string, record []byte, nonce string, caps Capabilities) (Result, error) {
	return create(ctx, b, key, record, nonce, caps, false)
}

// Create claims key with record among the writers of its current life: a key that was
// deleted (an operator cleared it, an old lease generation was pruned) can be claimed
// again, and of those writers exactly one wins.
func Create(ctx context.Context, b s3store.Bucket, key string, record []byte, nonce string, caps Capabilities) (Result, error) {
	return create(ctx, b, key, record, nonce, caps, true)
}

func create(ctx context.Context, b s3store.Bucket, key string, record []byte, nonce string, caps Capabilities, sinceDeleted bool) (Result, error) {
	if !caps.Exclusive() {
		return Result{}, &UnsafeError{Key: key, Caps: caps}
	}
	write := b.Create
	if caps.ConditionalWrites == Refused {
		write = b.Put
	}
	started := time.Now()
	written, err := write(ctx, key, record, "application/json")
	took := time.Since(started)
	if errors.Is(err, s3store.ErrExists) {
		current, readErr := b.ReadAll(ctx, key)
		if readErr != nil {
			return Result{}, fmt.Errorf("%v; reading the record that holds it: %w", err, readErr)
		}
		if NonceOf(current) == nonce {
			// Our first attempt landed; the answer we saw belongs to the SDK's retry.
			return Result{Won: true}, nil
		}
		return Result{Holder: current}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if caps.Versioned {
		if caps.ConditionalWrites != Honoured {
			select {
			case <-ctx.Done():
				return Result{}, ctx.Err()
			case <-time.After(Settle):
			}
		}
		result, err := earliestWins(ctx, b, key, nonce, written.VersionID, sinceDeleted)
		if err == nil && result.Won && caps.ConditionalWrites != Honoured && took > Settle/2 {
			// Too slow to be sure nobody decided before our version became visible.
			_ = b.DeleteVersion(ctx, key, result.VersionID)
			return Result{}, fmt.Errorf("the claim of %s took %s, longer than it may on a server that ignores If-None-Match (%s); withdrawn, try again", key, took.Round(time.Millisecond), Settle/2)
		}
		return result, err
	}
	current, err := b.ReadAll(ctx, key)
	if err != nil {
		return Result{}, fmt.Errorf("reading back %s: %w", key, err)
	}
	if NonceOf(current) != nonce {
		// Overwritten after our create: this server did not honour the header this time.
		return Result{Holder: current}, nil
	}
	return Result{Won: true}, nil
}

// earliestWins decides a create on a versioned bucket: the key's first version wins
// (of its current life, after its last delete marker, when sinceDeleted).
func earliestWins(ctx context.Context, b s3store.Bucket, key, nonce, ours string, sinceDeleted bool) (Result, error) {
	versions, err := b.Versions(ctx, key)
	if err != nil {
		return Result{}, fmt.Errorf("listing the versions of %s (the claim needs s3:ListBucketVersions and s3:GetObjectVersion): %w", key, err)
	}
	var first *s3store.Version
	for i := range versions {
		switch {
		case versions[i].DeleteMarker && sinceDeleted:
			first = nil
		case !versions[i].DeleteMarker && first == nil:
			first = &versions[i]
		}
	}
	if first == nil {
		return Result{}, fmt.Errorf("%s has no version after it was written", key)
	}
	if first.VersionID == ours && ours != "" {
		return Result{Won: true, VersionID: ours}, nil
	}
	holder, err := b.GetVersion(ctx, key, first.VersionID)
	if err != nil {
		return Result{}, fmt.Errorf("reading the first version of %s: %w", key, err)
	}
	if NonceOf(holder) == nonce {
		return Result{Won: true, VersionID: first.VersionID}, nil
	}
	if ours != "" {
		// Lost: take our version away again, so the holder's record stays current.
		if err := b.DeleteVersion(ctx, key, ours); err != nil {
			return Result{Holder: holder}, fmt.Errorf("lost the claim of %s to an earlier writer, and could not remove our own version %s of it: %w", key, ours, err)
		}
	}
	return Result{Holder: holder}, nil
}

// Probe learns whether the server honours If-None-Match on PutObject: two conditional
// creates of one fresh key. The probe object is removed when the identity may delete.
func Probe(ctx context.Context, b s3store.Bucket, key string, removable bool) (Support, error) {
	if _, err := b.Create(ctx, key, []byte(`{"probe":1}`), "application/json"); err != nil {
		// A server that refuses the header answers the very first create with an error;
		// one that refuses the key (a policy) refuses a plain write too.
		if _, plainErr := b.Put(ctx, key, []byte(`{"probe":1}`), "application/json"); plainErr != nil {
			return Unknown, fmt.Errorf("probing conditional writes at %s: %w", key, plainErr)
		}
		if removable {
			_ = b.Delete(ctx, key)
		}
		return Refused, nil
	}
	_, err := b.Create(ctx, key, []byte(`{"probe":2}`), "application/json")
	support := Ignored
	switch {
	case errors.Is(err, s3store.ErrExists):
		support = Honoured
	case err != nil:
		return Unknown, fmt.Errorf("probing conditional writes at %s: %w", key, err)
	}
	if removable {
		_ = b.Delete(ctx, key)
	}
	return support, nil
}

// RecordKey is where the backup agent records a folder's capabilities, for restores
// (whose identity may not delete, so they probe only where nothing was recorded).
func RecordKey(folder string) string { return folder + ".agent/capabilities.json" }

// Recorded is what RecordKey holds.
type Recorded struct {
	Capabilities
	ProbedAt time.Time `json:"probedAt"`
}

// Discover learns a bucket's capabilities: its versioning (a bucket whose versioning
// cannot be read counts as unversioned) and a probe at probeKey.
func Discover(ctx context.Context, b s3store.Bucket, probeKey string, removable bool) (Capabilities, error) {
	versioned, _ := b.Versioned(ctx)
	support, err := Probe(ctx, b, probeKey, removable)
	if err != nil {
		return Capabilities{}, err
	}
	return Capabilities{ConditionalWrites: support, Versioned: versioned}, nil
}

// ReadRecorded reads the capabilities the backup agent recorded for a folder.
func ReadRecorded(ctx context.Context, b s3store.Bucket, folder string) (Capabilities, bool) {
	data, err := b.ReadAll(ctx, RecordKey(folder))
	if err != nil {
		return Capabilities{}, false
	}
	var r Recorded
	if json.Unmarshal(data, &r) != nil || r.ConditionalWrites == Unknown {
		return Capabilities{}, false
	}
	return r.Capabilities, true
}

// Record writes a folder's capabilities for restores.
func Record(ctx context.Context, b s3store.Bucket, folder string, caps Capabilities) error {
	data, _ := json.Marshal(Recorded{Capabilities: caps, ProbedAt: time.Now().UTC()})
	_, err := b.Put(ctx, RecordKey(folder), data, "application/json")
	return err
}
