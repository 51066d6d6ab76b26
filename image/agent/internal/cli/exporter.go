package cli

import (
	"context"
	"fmt"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/kube"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lease"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/metrics"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/mirror"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/restore"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// FailedAnnotation is where the watchdog says why it failed a Job.
const FailedAnnotation = "sqlserver-backup.io/failed"

// ExporterSettings are the exporter's own settings.
type ExporterSettings struct {
	Models   []string
	Address  string
	Interval time.Duration
	MaxAge   time.Duration
	Drills   records.DrillPolicy
	// Watchdog: fail the Jobs of the instance's pods that cannot start (in a cluster).
	Selector      string
	StartDeadline time.Duration
}

// LoadExporterSettings reads EXPORTER_MODELS, METRICS_ADDRESS, EXPORTER_INTERVAL_SECONDS,
// BACKUP_MAX_AGE_SECONDS, WATCHDOG_SELECTOR and START_DEADLINE_SECONDS.
func LoadExporterSettings(src env.Source) (ExporterSettings, error) {
	s := ExporterSettings{Address: lookupOr(src, "METRICS_ADDRESS", ":9090"), Selector: lookupOr(src, "WATCHDOG_SELECTOR", "")}
	for _, m := range strings.Split(lookupOr(src, "EXPORTER_MODELS", ""), ",") {
		if m = strings.TrimSpace(m); m != "" {
			s.Models = append(s.Models, m)
		}
	}
	if len(s.Models) == 0 {
		return s, fmt.Errorf("EXPORTER_MODELS is required: the backup names to export, comma-separated")
	}
	var err error
	if s.Interval, err = seconds(src, "EXPORTER_INTERVAL_SECONDS", 60, 5); err != nil {
		return s, err
	}
	if s.MaxAge, err = seconds(src, "BACKUP_MAX_AGE_SECONDS", 93600, 60); err != nil {
		return s, err
	}
	if s.StartDeadline, err = seconds(src, "START_DEADLINE_SECONDS", 300, 30); err != nil {
		return s, err
	}
	if s.Drills, err = drillPolicy(src); err != nil {
		return s, err
	}
	return s, nil
}

// exporter serves the metrics of models whose runs happen in other processes that do
// not live long enough to be scraped (Kubernetes CronJob pods), from the run records
// each run mirrors into the bucket; its metric names are the daemon's. With a label
// selector it is also the instance's watchdog: a Job whose pod cannot start (an image
// that cannot be pulled) is failed after START_DEADLINE_SECONDS instead of holding the
// schedule until its deadline.
func exporter(src env.Source, log *logx.Logger) int {
	settings, err := LoadExporterSettings(src)
	if err != nil {
		log.Error("%v", err)
		return 2
	}
	location, err := restore.LoadLocation(src)
	if err != nil {
		log.Error("%v", err)
		return 2
	}
	bucket, err := s3store.New(s3store.Options{Endpoint: location.Endpoint, Region: location.Region, Bucket: location.Bucket, PathStyle: location.PathStyle,
		AccessKeyID: location.AccessKeyID, SecretAccessKey: location.SecretAccessKey, CACertificates: location.CAPEM})
	if err != nil {
		log.Error("%v", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	drills := &restore.Restorer{Location: location, Bucket: bucket}
	view := &bucketView{bucket: bucket, prefix: location.Prefix, models: settings.Models, maxAge: settings.MaxAge, drillPolicy: settings.Drills, drills: drills, since: time.Now(), log: log}
	var watchdog *kube.Client
	namespace := ""
	if settings.Selector != "" {
		if watchdog, err = kube.InCluster(kube.ServiceAccountDir); err == nil {
			namespace, err = kube.Namespace(kube.ServiceAccountDir)
		}
		if err != nil {
			log.Error("the watchdog (WATCHDOG_SELECTOR) needs the pod's service account: %v", err)
			return 2
		}
	}
	go func() {
		for {
			view.refresh(ctx)
			if watchdog != nil {
				watch(ctx, watchdog, namespace, settings, log)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(settings.Interval):
			}
		}
	}()
	log.Info("exporting %d model(s) from s3://%s/%s/ on http://%s/metrics", len(settings.Models), location.Bucket, location.Prefix, settings.Address)
	if err := metrics.Serve(ctx, settings.Address, metrics.Collector{Samples: view.samples}); err != nil {
		log.Error("metrics: %v", err)
		return 1
	}
	return 0
}

// watch fails the Jobs whose pods cannot start.
func watch(ctx context.Context, c *kube.Client, namespace string, s ExporterSettings, log *logx.Logger) {
	pods, err := c.Pods(ctx, namespace, s.Selector)
	if err != nil {
		log.Warn("watchdog: cannot list pods: %v", err)
		return
	}
	for _, stuck := range kube.StuckJobs(pods, time.Now(), s.StartDeadline) {
		if err := c.FailJob(ctx, namespace, stuck.Job, FailedAnnotation, stuck.Reason); err != nil {
			log.Warn("watchdog: cannot fail Job %s: %v", stuck.Job, err)
			continue
		}
		log.Error("watchdog: failed Job %s: %s", stuck.Job, stuck.Reason)
	}
}

// bucketView holds the models' records as last read from the bucket.
type bucketView struct {
	bucket s3store.Bucket
	prefix string
	models []string
	maxAge time.Duration
	// drills reads each model's drill history (beside the restores' records).
	drills      *restore.Restorer
	drillPolicy records.DrillPolicy
	// since: the exporter's start, the age of a model that never ran.
	since time.Time
	log   *logx.Logger

	mu      sync.Mutex
	records map[string]records.Model
	running map[string]bool
}

func (v *bucketView) refresh(ctx context.Context) {
	got := map[string]records.Model{}
	running := map[string]bool{}
	for _, model := range v.models {
		folder := v.prefix + "/" + model + "/"
		m, found, err := mirror.Read(ctx, v.bucket, folder)
		if err != nil {
			v.log.Warn("model %s: cannot read its run record: %v", model, err)
			continue
		}
		if !found {
			m = records.Model{Model: model, Counts: map[string]int{}}
		}
		m.Model = model
		if v.drillPolicy.MaxAge > 0 {
			one := *v.drills
			one.Location.Database = model
			if h, err := one.ReadDrills(ctx); err != nil {
				v.log.Warn("model %s: cannot read its drill record: %v", model, err)
			} else if h.Last != nil {
				m.Drills = &h
			}
		}
		got[model] = m
		// A record that says running is a run only while its holder keeps the lease.
		if l, held, err := lease.Current(ctx, v.bucket, folder); err == nil && held {
			running[model] = l.Live(time.Now())
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.records, v.running = got, running
}

func (v *bucketView) samples() []metrics.Sample {
	v.mu.Lock()
	defer v.mu.Unlock()
	clock := records.Clock{Now: time.Now(), MaxAge: v.maxAge, Baseline: v.since, Drills: v.drillPolicy}
	var out []metrics.Sample
	for _, model := range v.models {
		m, ok := v.records[model]
		if !ok {
			continue
		}
		out = append(out, metrics.Sample{Record: m, Verdict: records.Evaluate(m, clock, v.running[model])})
	}
	return out
}
