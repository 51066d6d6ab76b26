package backup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lease"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/mirror"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/owner"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// skipError: a run of the model holds the bucket lease elsewhere (another host, pod
// or container); a scheduled tick is skipped.
type skipError struct{ held *lease.HeldError }

func (e *skipError) Error() string { return e.held.Error() }

// guard is what a run holds in the bucket while it lasts: the lease of every S3
// storage's folder, taken after the folder's owner was found to be this deployment.
type guard struct {
	leases []*lease.Lease
	// folders are the leased folders, where the run's record is mirrored.
	folders  []leasedFolder
	warnings []string
}

// leasedFolder is one storage's folder this run holds the lease of.
type leasedFolder struct {
	bucket s3store.Bucket
	folder string
}

// leaseWait is how often `once` looks again at a lease held elsewhere.
const leaseWait = 5 * time.Second

// takeBucket checks each S3 storage's owner and takes its lease. Nothing is uploaded
// or deleted before this succeeds.
func (r *Runner) takeBucket(ctx context.Context, model gbconfig.Model, run records.Run, wait bool, log *logx.Logger) (*guard, error) {
	g := &guard{}
	storages := model.S3Storages()
	sort.Slice(storages, func(i, j int) bool { return storages[i].Name < storages[j].Name })
	for _, storage := range storages {
		bucket, err := r.Bucket(storage)
		if err != nil {
			g.release(log, model.Name)
			return nil, fmt.Errorf("storage %s: %v", storage.Name, err)
		}
		where := fmt.Sprintf("s3://%s/%s", bucket.Bucket(), storage.Folder())
		caps, err := r.Capabilities(ctx, storage, bucket)
		if err != nil {
			g.release(log, model.Name)
			return nil, fmt.Errorf("cannot learn how %s keeps claims: %v", where, err)
		}
		if !caps.Exclusive() {
			g.warnings = append(g.warnings, fmt.Sprintf("%s: %s; the run lease and the folder's owner record are best effort there", where, caps.Describe()))
		}
		did, err := owner.Ensure(ctx, bucket, where, storage.Folder(), r.OwnerOf(model), Source(model), r.TakeOverFrom, caps)
		if err != nil {
			g.release(log, model.Name)
			return nil, err
		}
		if did != "" {
			log.Info("model %s: %s", model.Name, did)
		}
		l, err := r.acquire(ctx, bucket, storage, caps, run, wait, log, model)
		if err != nil {
			g.release(log, model.Name)
			return nil, err
		}
		g.leases = append(g.leases, l)
		g.folders = append(g.folders, leasedFolder{bucket: bucket, folder: storage.Folder()})
	}
	return g, nil
}

func (r *Runner) acquire(ctx context.Context, bucket s3store.Bucket, storage gbconfig.Storage, caps claim.Capabilities, run records.Run, wait bool, log *logx.Logger, model gbconfig.Model) (*lease.Lease, error) {
	ttl := r.LeaseTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	opts := lease.Options{Folder: storage.Folder(), Caps: caps, TTL: ttl, Settle: 2 * time.Second,
		// This run holds the model's lock on the volume: a holder that ran from the same
		// volume is dead (killed without releasing), whatever its lease says.
		Dead: func(h lease.Holder) bool { return r.VolumeID != "" && h.Volume == r.VolumeID }}
	holder := lease.Holder{Host: r.Host, PID: run.PID, Trigger: run.Trigger, RunID: run.ID, Owner: r.OwnerOf(model), Volume: r.VolumeID}
	for {
		l, err := lease.Acquire(ctx, bucket, holder, opts)
		var held *lease.HeldError
		if !errors.As(err, &held) {
			return l, err
		}
		if !wait {
			return nil, &skipError{held: held}
		}
		log.Info("model %s: waiting: %v", model.Name, held)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped while waiting for the bucket lease: %v", held)
		case <-time.After(leaseWait):
		}
	}
}

// keep renews every lease while ctx lasts; losing one stops the run with the reason.
func (g *guard) keep(ctx context.Context, stop context.CancelCauseFunc) {
	for _, l := range g.leases {
		go l.Keep(ctx, func(err error) { stop(&LeaseLostError{Err: err}) })
	}
}

// seed starts a volume that has never run the model (a new Kubernetes pod) from the
// record mirrored in the bucket, so counts and the last verified backup carry over.
func (g *guard) seed(ctx context.Context, store records.Store, model string, log *logx.Logger) {
	if len(g.folders) == 0 {
		return
	}
	first := g.folders[0]
	published, found, err := mirror.Read(ctx, first.bucket, first.folder)
	if err != nil {
		log.Warn("model %s: cannot read the run record mirrored in the bucket: %v", model, err)
		return
	}
	if !found {
		return
	}
	if err := store.Update(model, func(m *records.Model) { *m = mirror.Seed(*m, published) }); err != nil {
		log.Warn("model %s: cannot seed the run record from the bucket: %v", model, err)
	}
}

// publish mirrors the model's record into every leased folder, best effort (the
// bucket's answer never changes the run's outcome). It has its own deadline: a run
// stopped by SIGTERM still publishes that it was interrupted.
func (g *guard) publish(store records.Store, model string, log *logx.Logger) {
	m, err := store.Read(model)
	if err != nil {
		log.Warn("model %s: cannot read the run record to mirror it: %v", model, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, f := range g.folders {
		if err := mirror.Publish(ctx, f.bucket, f.folder, m); err != nil {
			log.Warn("model %s: cannot mirror the run record to s3://%s/%s: %v", model, f.bucket.Bucket(), mirror.Key(f.folder), err)
		}
	}
}

// release gives every lease up.
func (g *guard) release(log *logx.Logger, model string) {
	for _, l := range g.leases {
		if err := l.Release(); err != nil {
			log.Warn("model %s: could not release the bucket lease (it expires by itself at %s): %v", model, l.Record().ExpiresAt.UTC().Format(time.RFC3339), err)
		}
	}
	g.leases = nil
}

// OwnerOf is the deployment id that owns the model's folders: Owner, or, when the
// deployment has none, the source database itself (two servers' `orders` databases
// then still never share a folder).
func (r *Runner) OwnerOf(model gbconfig.Model) string {
	if r.Owner != "" {
		return r.Owner
	}
	return "source " + Source(model)
}

// LeaseLostError stops a run whose bucket lease was taken over or could not be renewed.
type LeaseLostError struct{ Err error }

func (e *LeaseLostError) Error() string { return "the run lost its bucket lease: " + e.Err.Error() }

func (e *LeaseLostError) Unwrap() error { return e.Err }
