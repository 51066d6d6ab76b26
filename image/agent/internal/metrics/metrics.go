// Package metrics serves the agent's records as Prometheus metrics, read at each
// scrape, so runs of any process (the daemon, `once` from docker exec) are counted.
// Names follow Velero's (velero_backup_last_successful_timestamp) and CloudNativePG's
// (cnpg_collector_last_available_backup_timestamp) style.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

// Sample is one model as the metrics see it.
type Sample struct {
	Record  records.Model
	Verdict records.Verdict
}

// Names are every metric the agent serves (the shipped alert rules' test reads them),
// and descriptions their descriptions, in the same order: both filled by metric.
var (
	Names        []string
	descriptions []*prometheus.Desc
)

// metric describes one metric the agent serves, and lists it.
func metric(name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(name, help, labels, nil)
	Names = append(Names, name)
	descriptions = append(descriptions, d)
	return d
}

var (
	lastSuccess = metric("sqlserver_backup_last_success_timestamp_seconds", "When the model's last verified backup finished (Unix time).", "model")
	lastRun     = metric("sqlserver_backup_last_run_timestamp_seconds", "When the model's last run finished, or started if it is running (Unix time).", "model")
	lastOutcome = metric("sqlserver_backup_last_outcome", "1 for the outcome of the model's last run (succeeded, failed, interrupted, running; a run in progress after a failed or interrupted one counts as that one until it ends), 0 for the others.", "model", "outcome")
	duration    = metric("sqlserver_backup_last_duration_seconds", "How long the model's last finished run took.", "model")
	archiveSize = metric("sqlserver_backup_last_archive_size_bytes", "Size of the model's last verified archive.", "model")
	runs        = metric("sqlserver_backup_runs_total", "Runs of the model by outcome, since the workdir volume was created (skipped: a tick found a run in progress).", "model", "outcome")
	healthy     = metric("sqlserver_backup_healthy", "1 when the model is healthy as the health check sees it, else 0.", "model")
	intact      = metric("sqlserver_backup_newest_backup_intact", "0 when the last check of the model's newest verified archive found it changed or gone since it was verified, else 1.", "model")

	maxAge        = metric("sqlserver_backup_max_age_seconds", "The model's health limit: a verified backup older than this (or none for this long since the baseline) is unhealthy.", "model")
	baseline      = metric("sqlserver_backup_baseline_timestamp_seconds", "When the model's health clock started (the workdir volume's first use, or the exporter's start): the age of a model that never succeeded.", "model")
	drillMaxAge   = metric("sqlserver_backup_drill_max_age_seconds", "With restore drills: a successful drill older than this (or none for this long since the baseline) is stale.", "model")
	drillSuccess  = metric("sqlserver_backup_last_drill_success_timestamp_seconds", "When the model's last successful restore drill finished (Unix time).", "model")
	drillOutcome  = metric("sqlserver_backup_last_drill_outcome", "1 for the outcome of the model's last restore drill (succeeded, failed, skipped, running; a drill in progress after one that ended counts as that one until it ends), 0 for the others.", "model", "outcome")
	drillDuration = metric("sqlserver_backup_last_drill_duration_seconds", "How long the model's last finished restore drill took.", "model")
	drillRPO      = metric("sqlserver_backup_last_drill_recovery_point_age_seconds", "Age of the archive the last successful restore drill restored, when it started: the recovery point it proved.", "model")
)

// Collector reads samples at each scrape.
type Collector struct {
	Samples func() []Sample
}

// Describe implements prometheus.Collector.
func (c Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descriptions {
		ch <- d
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Collect implements prometheus.Collector.
func (c Collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.Samples() {
		model := s.Record.Model
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{model}, labels...)...)
		}
		if ls := s.Record.LastSuccess; ls != nil && ls.FinishedAt != nil {
			gauge(lastSuccess, unix(*ls.FinishedAt))
			if ls.Archive != nil {
				gauge(archiveSize, float64(ls.Archive.Bytes))
			}
		}
		if lr := s.Record.LastRun; lr != nil {
			when := lr.StartedAt
			if lr.FinishedAt != nil {
				when = *lr.FinishedAt
				gauge(duration, lr.Duration)
			}
			gauge(lastRun, unix(when))
		}
		for _, outcome := range []records.Outcome{records.Succeeded, records.Failed, records.Interrupted, records.Running} {
			v := 0.0
			if s.Verdict.Outcome == outcome {
				v = 1
			}
			gauge(lastOutcome, v, string(outcome))
		}
		for _, outcome := range []records.Outcome{records.Succeeded, records.Failed, records.Interrupted, records.Skipped} {
			ch <- prometheus.MustNewConstMetric(runs, prometheus.CounterValue, float64(s.Record.Counts[string(outcome)]), model, string(outcome))
		}
		h := 0.0
		if s.Verdict.Healthy {
			h = 1
		}
		gauge(healthy, h)
		ok := 1.0
		if a := s.Record.Audit; a != nil && a.Problem != "" {
			ok = 0
		}
		gauge(intact, ok)
		if s.Verdict.MaxAge > 0 {
			gauge(maxAge, s.Verdict.MaxAge.Seconds())
		}
		if !s.Verdict.Baseline.IsZero() {
			gauge(baseline, unix(s.Verdict.Baseline))
		}
		if s.Verdict.DrillMaxAge > 0 {
			gauge(drillMaxAge, s.Verdict.DrillMaxAge.Seconds())
		}
		collectDrills(s.Record.Drills, gauge)
	}
}

// collectDrills adds the drill metrics of a model that has drills on record.
func collectDrills(h *records.Drills, gauge func(*prometheus.Desc, float64, ...string)) {
	if h == nil || h.Last == nil {
		return
	}
	if ok := h.LastSuccess; ok != nil && ok.FinishedAt != nil {
		gauge(drillSuccess, unix(*ok.FinishedAt))
		if age, known := ok.RecoveryPointAge(); known {
			gauge(drillRPO, age.Seconds())
		}
	}
	last := h.Decisive()
	if last.FinishedAt != nil {
		gauge(drillDuration, last.Duration)
	}
	for _, outcome := range []records.Outcome{records.Succeeded, records.Failed, records.DrillSkipped, records.Running} {
		v := 0.0
		if last.Outcome == outcome {
			v = 1
		}
		gauge(drillOutcome, v, string(outcome))
	}
}

// Serve serves /metrics on address until ctx ends.
func Serve(ctx context.Context, address string, c Collector) error {
	registry := prometheus.NewRegistry()
	registry.MustRegister(c)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
