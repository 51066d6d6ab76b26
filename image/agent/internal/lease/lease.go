// Package lease keeps one run of a model at a time, anywhere: on every host, pod and
// container that backs the model up to one bucket folder. The lease lives in the
// bucket beside the archives, as numbered generations under <folder>.agent/lease/:
//
//   - to take it, a run reads the newest generation; if it is neither released nor
//     expired, the lease is held. Otherwise the run claims the next generation (see
//     package claim: exactly once on any server that can hold a claim). Generations
//     are never reused, so a takeover after expiry never races a deletion;
//   - the holder renews its generation's expiry while the run lasts, and gives up the
//     run when a newer generation appears (it was presumed dead) or when it cannot
//     renew before the expiry;
//   - at the end it marks the generation released; older generations are removed.
//
// Where the bucket cannot hold a claim (a server that ignores If-None-Match, without
// versioning) the lease is taken best effort: written, read back after a settle time.
package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Holder says who holds a lease.
type Holder struct {
	Host    string `json:"host"`
	PID     int    `json:"pid"`
	Trigger string `json:"trigger"`
	RunID   string `json:"runId"`
	Owner   string `json:"owner,omitempty"`
	// Volume identifies the workdir volume the run used (its processes share a lock there).
	Volume string `json:"volume,omitempty"`
}

// Record is one generation's object.
type Record struct {
	Nonce      string    `json:"nonce"`
	Generation int64     `json:"generation"`
	Holder     Holder    `json:"holder"`
	AcquiredAt time.Time `json:"acquiredAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	Released   bool      `json:"released,omitempty"`
}

// Live: held by someone at now.
func (r Record) Live(now time.Time) bool { return !r.Released && now.Before(r.ExpiresAt) }

// HeldError: another run holds the lease.
type HeldError struct{ Record Record }

func (e *HeldError) Error() string {
	h := e.Record.Holder
	return fmt.Sprintf("another run of this model holds the bucket lease (%s run %s, pid %d on %s, since %s, until %s unless renewed)",
		h.Trigger, h.RunID, h.PID, h.Host, e.Record.AcquiredAt.UTC().Format(time.RFC3339), e.Record.ExpiresAt.UTC().Format(time.RFC3339))
}

// LostError: a newer generation was taken while this run held the lease.
type LostError struct{ By Record }

func (e *LostError) Error() string {
	return fmt.Sprintf("the bucket lease was taken over by %s run %s on %s (this run was presumed dead: it could not renew in time)", e.By.Holder.Trigger, e.By.Holder.RunID, e.By.Holder.Host)
}

// Options of a lease.
type Options struct {
	// Folder is the model's folder with a trailing "/".
	Folder string
	Caps   claim.Capabilities
	// TTL: how long a lease lives without renewal (a killed holder blocks others this long).
	TTL time.Duration
	// Settle: best-effort leases wait this long before reading back.
	Settle time.Duration
	Now    func() time.Time
	// Dead reports a live-looking holder that is known to be gone: the caller holds the
	// lock its run would hold (the same workdir volume), so the lease is taken over at
	// once instead of after it expires.
	Dead func(Holder) bool
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Dir is where a folder's lease generations live.
func Dir(folder string) string { return folder + ".agent/lease/" }

func key(folder string, generation int64) string {
	return fmt.Sprintf("%s%020d.json", Dir(folder), generation)
}

// Lease is a held lease.
type Lease struct {
	bucket     s3store.Bucket
	opts       Options
	mu         sync.Mutex
	record     Record
	key        string
	BestEffort bool
}

// Record is the lease as last written.
func (l *Lease) Record() Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.record
}

// generations lists the folder's lease generations, newest first.
func generations(ctx context.Context, b s3store.Bucket, folder string) ([]int64, error) {
	objects, err := b.List(ctx, Dir(folder))
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, o := range objects {
		name := strings.TrimSuffix(path.Base(o.Key), ".json")
		if n, err := strconv.ParseInt(name, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out, nil
}

func read(ctx context.Context, b s3store.Bucket, k string) (Record, error) {
	data, err := b.ReadAll(ctx, k)
	if err != nil {
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("the lease %s is damaged: %v", k, err)
	}
	return r, nil
}

// Current is the newest generation's record (false when the folder never had a lease).
func Current(ctx context.Context, b s3store.Bucket, folder string) (Record, bool, error) {
	gens, err := generations(ctx, b, folder)
	if err != nil || len(gens) == 0 {
		return Record{}, false, err
	}
	r, err := read(ctx, b, key(folder, gens[0]))
	if errors.Is(err, s3store.ErrNotFound) {
		return Record{}, false, nil
	}
	return r, err == nil, err
}

// Acquire takes the folder's lease for holder, or returns a *HeldError.
func Acquire(ctx context.Context, b s3store.Bucket, holder Holder, opts Options) (*Lease, error) {
	gens, err := generations(ctx, b, opts.Folder)
	if err != nil {
		return nil, fmt.Errorf("reading the bucket lease: %w", err)
	}
	next := int64(1)
	if len(gens) > 0 {
		current, err := read(ctx, b, key(opts.Folder, gens[0]))
		if err != nil && !errors.Is(err, s3store.ErrNotFound) {
			return nil, fmt.Errorf("reading the bucket lease: %w", err)
		}
		if err == nil && current.Live(opts.now()) && (opts.Dead == nil || !opts.Dead(current.Holder)) {
			return nil, &HeldError{Record: current}
		}
		next = gens[0] + 1
	}
	for attempt := 0; ; attempt++ {
		now := opts.now().UTC()
		l := &Lease{bucket: b, opts: opts, key: key(opts.Folder, next),
			record: Record{Nonce: claim.NewNonce(), Generation: next, Holder: holder, AcquiredAt: now, ExpiresAt: now.Add(opts.TTL)}}
		data, _ := json.Marshal(l.record)
		result, err := claim.Create(ctx, b, l.key, data, l.record.Nonce, opts.Caps)
		var unsafe *claim.UnsafeError
		switch {
		case errors.As(err, &unsafe):
			return l.bestEffort(ctx, data)
		case err != nil:
			return nil, fmt.Errorf("taking the bucket lease: %w", err)
		case !result.Won:
			var winner Record
			_ = json.Unmarshal(result.Holder, &winner)
			if winner.Live(opts.now()) || attempt == 2 {
				return nil, &HeldError{Record: winner}
			}
			// Lost to a record that holds nothing (a generation cleared by hand and
			// written again): the next generation is free.
			next++
			continue
		}
		l.prune(ctx, gens)
		return l, nil
	}
}

// bestEffort takes the lease where no claim can be exclusive: write, wait, read back.
func (l *Lease) bestEffort(ctx context.Context, data []byte) (*Lease, error) {
	l.BestEffort = true
	if _, err := l.bucket.Put(ctx, l.key, data, "application/json"); err != nil {
		return nil, fmt.Errorf("taking the bucket lease: %w", err)
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(l.opts.Settle):
	}
	current, err := read(ctx, l.bucket, l.key)
	if err != nil {
		return nil, fmt.Errorf("reading back the bucket lease: %w", err)
	}
	if current.Nonce != l.record.Nonce {
		return nil, &HeldError{Record: current}
	}
	return l, nil
}

// prune removes generations older than the one just claimed (best effort; they are
// released or expired, and the newest generation is never removed, so none is reused).
func (l *Lease) prune(ctx context.Context, older []int64) {
	for _, g := range older {
		_ = l.bucket.Delete(ctx, key(l.opts.Folder, g))
	}
}

// Renew extends the lease by its TTL; *LostError when a newer generation exists.
func (l *Lease) Renew(ctx context.Context) error {
	gens, err := generations(ctx, l.bucket, l.opts.Folder)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(gens) > 0 && gens[0] > l.record.Generation {
		by, _ := read(ctx, l.bucket, key(l.opts.Folder, gens[0]))
		return &LostError{By: by}
	}
	renewed := l.record
	renewed.ExpiresAt = l.opts.now().UTC().Add(l.opts.TTL)
	data, _ := json.Marshal(renewed)
	if _, err := l.bucket.Put(ctx, l.key, data, "application/json"); err != nil {
		return err
	}
	l.record = renewed
	return nil
}

// Keep renews the lease every TTL/3 until ctx ends. It calls lost (once) when the
// lease is taken over, or when it could not be renewed and is about to expire: the
// run must stop, because another may now take it.
func (l *Lease) Keep(ctx context.Context, lost func(error)) {
	every := l.opts.TTL / 3
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		renewCtx, cancel := context.WithTimeout(ctx, every)
		err := l.Renew(renewCtx)
		cancel()
		var takenOver *LostError
		switch {
		case err == nil:
		case errors.As(err, &takenOver):
			lost(err)
			return
		case l.opts.now().Add(every).After(l.Record().ExpiresAt):
			lost(fmt.Errorf("could not renew the bucket lease before it expires (%v): another run may take it", err))
			return
		}
	}
}

// Release marks the lease released (never deleted: the newest generation stays, so
// its number is not reused). It uses its own short deadline: the run's may be over.
func (l *Lease) Release() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	released := l.record
	released.Released = true
	released.ExpiresAt = l.opts.now().UTC()
	data, _ := json.Marshal(released)
	if _, err := l.bucket.Put(ctx, l.key, data, "application/json"); err != nil {
		return err
	}
	l.record = released
	return nil
}
