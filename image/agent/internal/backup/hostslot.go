package backup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lease"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

// hostSlotWait is how often a run waiting for a slot on its SQL Server looks again.
var hostSlotWait = 10 * time.Second

// HostSlotsDir is where a deployment's runs share the slots of one SQL Server: a
// lease per slot, in the bucket every run of the deployment uses, so the cap holds
// across pods and nodes (a fleet of per-database CronJobs).
func HostSlotsDir(storagePath, host string, port int) string {
	server := strings.NewReplacer(":", "_", "/", "_", "\\", "_").Replace(net.JoinHostPort(host, fmt.Sprint(port)))
	return path.Dir(strings.TrimSuffix(storagePath, "/")) + "/.hosts/" + server + "/"
}

// takeHostSlot waits for one of the r.HostSlots slots of the model's SQL Server and
// holds it (renewed) while ctx lasts. Without a cap it holds nothing.
func (r *Runner) takeHostSlot(ctx context.Context, model gbconfig.Model, run records.Run, log *logx.Logger) (*lease.Lease, error) {
	storages := model.S3Storages()
	if r.HostSlots <= 0 || len(storages) == 0 || len(model.Databases) == 0 {
		return nil, nil
	}
	storage := storages[0]
	bucket, err := r.Bucket(storage)
	if err != nil {
		return nil, err
	}
	caps, err := r.Capabilities(ctx, storage, bucket)
	if err != nil {
		return nil, err
	}
	db := model.Databases[0]
	dir := HostSlotsDir(storage.Path, db.Host, db.Port)
	holder := lease.Holder{Host: r.Host, PID: run.PID, Trigger: run.Trigger, RunID: run.ID, Owner: r.OwnerOf(model), Volume: r.VolumeID}
	ttl := r.LeaseTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	announced := false
	for {
		for slot := 0; slot < r.HostSlots; slot++ {
			opts := lease.Options{Folder: fmt.Sprintf("%sslot-%d/", dir, slot), Caps: caps, TTL: ttl, Settle: 2 * time.Second}
			l, err := lease.Acquire(ctx, bucket, holder, opts)
			var held *lease.HeldError
			if errors.As(err, &held) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("taking a slot on %s:%d: %w", db.Host, db.Port, err)
			}
			log.Info("model %s: holds slot %d of %d on %s:%d", model.Name, slot+1, r.HostSlots, db.Host, db.Port)
			return l, nil
		}
		if !announced {
			log.Info("model %s: waiting: all %d slots on %s:%d are taken (maxConcurrentPerHost)", model.Name, r.HostSlots, db.Host, db.Port)
			announced = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped while waiting for a slot on %s:%d", db.Host, db.Port)
		case <-time.After(hostSlotWait):
		}
	}
}
