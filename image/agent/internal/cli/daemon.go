package cli

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/metrics"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/schedule"
)

// daemon schedules every model and runs a fresh `gobackup perform` per tick. On
// SIGTERM it stops scheduling and lets runs in progress finish within the grace
// period (SHUTDOWN_GRACE_SECONDS); a run still going then is stopped and recorded
// as interrupted.
func daemon(d *Deployment, log *logx.Logger) int {
	if err := d.Ready("daemon"); err != nil {
		log.Error("%v", err)
		return 1
	}
	recoverInterrupted(d.Records, modelNames(d.Config), log)
	runner := d.Runner(log)
	stop, cancelStop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancelStop()
	runs, stopRuns := context.WithCancel(context.Background())
	defer stopRuns()

	heartbeat := &DaemonFile{PID: os.Getpid(), StartedAt: time.Now().UTC(), Next: map[string]time.Time{}}
	var mu sync.Mutex
	writeHeartbeat := func() {
		mu.Lock()
		defer mu.Unlock()
		heartbeat.HeartbeatAt = time.Now().UTC()
		if err := records.WriteJSON(filepath.Join(d.Settings.StateDir, "daemon.json"), heartbeat); err != nil {
			log.Warn("cannot write the heartbeat: %v", err)
		}
	}
	var jobs []schedule.Job
	for _, m := range d.Config.Models {
		jobs = append(jobs, schedule.Job{Model: m.Name, Spec: d.Specs[m.Name]})
	}
	if d.Drills != nil {
		jobs = append(jobs, schedule.Job{Model: drillJob, Spec: *d.Drills})
	}
	scheduler := &schedule.Scheduler{
		Jobs: jobs, Location: d.Location,
		Tick: func(ctx context.Context, model string, at time.Time) {
			if model == drillJob {
				runDrills(ctx, log)
				return
			}
			runner.Run(ctx, model, "schedule", false)
		},
		OnNext: func(model string, next time.Time) {
			if model == drillJob {
				log.Info("restore drills: next %s (%s)", next.Format(time.RFC3339), d.Drills.Text)
				return
			}
			mu.Lock()
			heartbeat.Next[model] = next
			mu.Unlock()
			log.Info("model %s: next run %s (%s)", model, next.Format(time.RFC3339), d.Specs[model].Text)
		},
	}
	writeHeartbeat()
	go func() {
		ticker := time.NewTicker(heartbeatEvery)
		defer ticker.Stop()
		for {
			select {
			case <-stop.Done():
				return
			case <-ticker.C:
				writeHeartbeat()
			}
		}
	}()
	if address := d.Settings.Metrics; address != "" {
		go func() {
			log.Info("serving metrics on http://%s/metrics", address)
			if err := metrics.Serve(stop, address, metrics.Collector{Samples: d.samples}); err != nil {
				log.Error("metrics: %v", err)
			}
		}()
	}
	// The newest verified archive of each model is checked now and then: one deleted or
	// replaced in the bucket turns the model unhealthy without waiting for a run.
	go func() {
		ticker := time.NewTicker(d.Settings.AuditEvery)
		defer ticker.Stop()
		for {
			for _, m := range d.Config.Models {
				if !lock.Held(d.Records.LockFile(m.Name)) {
					ctx, cancel := context.WithTimeout(stop, time.Minute)
					runner.Audit(ctx, m.Name)
					cancel()
				}
			}
			select {
			case <-stop.Done():
				return
			case <-ticker.C:
			}
		}
	}()
	if d.Settings.BackupOnStart {
		scheduler.Go(func() {
			for _, m := range d.Config.Models {
				runner.Run(runs, m.Name, "start", true)
			}
		})
	}
	log.Info("scheduler started for %d model(s), config %s, time zone %s", len(jobs), d.Source, d.Settings.TZ)
	scheduler.Run(stop, runs)
	log.Info("stopping: no new runs; waiting up to %s for runs in progress", d.Settings.Grace)
	if !scheduler.Wait(d.Settings.Grace) {
		log.Warn("the shutdown grace period ended with a run in progress: stopping it")
		stopRuns()
		scheduler.Wait(30 * time.Second)
	}
	return 0
}

// samples are the models' records and verdicts, for the metrics.
func (d *Deployment) samples() []metrics.Sample {
	report := Assess(d.Settings, time.Now(), false)
	var out []metrics.Sample
	for _, v := range report.Verdicts {
		record, err := d.Records.Read(v.Model)
		if err == nil {
			out = append(out, metrics.Sample{Record: record, Verdict: v})
		}
	}
	return out
}
