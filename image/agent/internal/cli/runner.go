package cli

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/backup"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Version is the agent's version, set at build time (-ldflags -X).
var Version = "dev"

// Runner builds the backup runner of a prepared deployment.
func (d *Deployment) Runner(log *logx.Logger) *backup.Runner {
	s := d.Settings
	host, _ := os.Hostname()
	var mu sync.Mutex
	buckets := map[string]s3store.Bucket{}
	return &backup.Runner{
		Paths: backup.Paths{
			Workdir: s.Workdir, StateDir: s.StateDir, GoBackupDir: s.GoBackupDir,
			LocalCopies: filepath.Join(s.Workdir, "archives"), GoBackup: s.GoBackupBin, ShimDir: s.ShimDir, CABundle: d.CABundle,
		},
		Config: d.Config, ConfigText: d.Text, ChildEnv: d.ChildEnv, Redactor: d.Redactor, Records: d.Records, Location: d.Location,
		Preflight: d.preflightTargets(), Host: host, Log: log,
		Retention: s.Retention, LocalKeep: s.LocalKeep, Owner: s.DeploymentID, TakeOverFrom: s.TakeOverFrom, LeaseTTL: s.LeaseTTL, HostSlots: s.HostSlots, VolumeID: d.VolumeID,
		Capabilities: d.capabilities,
		Bucket: func(storage gbconfig.Storage) (s3store.Bucket, error) {
			mu.Lock()
			defer mu.Unlock()
			if b, ok := buckets[storage.Name]; ok {
				return b, nil
			}
			b, err := s3store.New(s3store.Options{
				Endpoint: storage.Endpoint, Region: storage.Region, Bucket: storage.Bucket, PathStyle: storage.PathStyle,
				AccessKeyID: storage.AccessKeyID, SecretAccessKey: storage.SecretAccessKey, CACertificates: d.CAPEM,
				RequestTimeout: time.Duration(storage.TimeoutSeconds) * time.Second,
			})
			if err != nil {
				return nil, err
			}
			buckets[storage.Name] = b
			return b, nil
		},
		Versions: func() backup.Versions {
			return backup.Versions{Sqlpackage: firstLine("sqlpackage", "/Version"), GoBackup: firstLine(s.GoBackupBin, "-v"), Agent: Version}
		},
	}
}

// capabilitiesFor is how long a probe of a bucket's capabilities is trusted.
const capabilitiesFor = 24 * time.Hour

type probed struct {
	caps claim.Capabilities
	at   time.Time
}

// capabilities learns how claims hold on a storage's bucket (versioning, and a probe
// of If-None-Match), once a day per process, and records it in the folder for
// restores, whose identity cannot delete a probe.
func (d *Deployment) capabilities(ctx context.Context, storage gbconfig.Storage, bucket s3store.Bucket) (claim.Capabilities, error) {
	d.probeMu.Lock()
	defer d.probeMu.Unlock()
	if p, ok := d.probes[storage.Name]; ok && time.Since(p.at) < capabilitiesFor {
		return p.caps, nil
	}
	caps, err := claim.Discover(ctx, bucket, storage.Folder()+".agent/probe-"+claim.NewNonce()+".json", true)
	if err != nil {
		return claim.Capabilities{}, err
	}
	_ = claim.Record(ctx, bucket, storage.Folder(), caps)
	if d.probes == nil {
		d.probes = map[string]probed{}
	}
	d.probes[storage.Name] = probed{caps: caps, at: time.Now()}
	return caps, nil
}

// firstLine is a program's first line of output (its version), or "" when it cannot run.
func firstLine(program string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, program, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

// preflightTargets: PREFLIGHT_TARGETS, else every SQL Server and S3 endpoint of the config.
func (d *Deployment) preflightTargets() []string {
	if d.Settings.SkipPreflight {
		return nil
	}
	if d.Settings.Preflight != nil {
		return d.Settings.Preflight
	}
	seen := map[string]bool{}
	var out []string
	add := func(target string) {
		if target != "" && !seen[target] {
			seen[target] = true
			out = append(out, target)
		}
	}
	for _, m := range d.Config.Models {
		for _, db := range m.Databases {
			add(net.JoinHostPort(db.Host, strconv.Itoa(db.Port)))
		}
		for _, st := range m.S3Storages() {
			if u, err := url.Parse(st.Endpoint); err == nil && u.Host != "" {
				port := u.Port()
				if port == "" {
					port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
				}
				add(net.JoinHostPort(u.Hostname(), port))
			}
		}
	}
	return out
}

// recoverInterrupted marks runs whose process died (no one holds their lock) as interrupted.
func recoverInterrupted(store records.Store, models []string, log *logx.Logger) {
	for _, model := range models {
		m, err := store.Read(model)
		if err != nil || m.LastRun == nil || m.LastRun.Outcome != records.Running || lock.Held(store.LockFile(model)) {
			continue
		}
		_ = store.Update(model, func(m *records.Model) {
			if m.LastRun == nil || m.LastRun.Outcome != records.Running {
				return
			}
			now := time.Now().UTC()
			killed := *m.LastRun
			killed.Outcome = records.Interrupted
			killed.FinishedAt = &now
			killed.Cause = fmt.Sprintf("the run started %s was killed before it finished (the container was stopped or replaced, or ran out of memory); no archive of it is verified", killed.StartedAt.Format(time.RFC3339))
			m.Finished(killed)
		})
		log.Warn("model %s: the run started %s did not finish (its process was killed); recorded as interrupted", model, m.LastRun.StartedAt.Format(time.RFC3339))
	}
}

func modelNames(c gbconfig.Config) []string {
	out := make([]string, 0, len(c.Models))
	for _, m := range c.Models {
		out = append(out, m.Name)
	}
	return out
}
