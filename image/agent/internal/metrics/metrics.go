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

var (
	lastSuccess = prometheus.NewDesc("sqlserver_backup_last_success_timestamp_seconds", "When the model's last verified backup finished (Unix time).", []string{"model"}, nil)
	lastRun     = prometheus.NewDesc("sqlserver_backup_last_run_timestamp_seconds", "When the model's last run finished, or started if it is running (Unix time).", []string{"model"}, nil)
	lastOutcome = prometheus.NewDesc("sqlserver_backup_last_outcome", "1 for the outcome of the model's last run (succeeded, failed, interrupted, running), 0 for the others.", []string{"model", "outcome"}, nil)
	duration    = prometheus.NewDesc("sqlserver_backup_last_duration_seconds", "How long the model's last finished run took.", []string{"model"}, nil)
	archiveSize = prometheus.NewDesc("sqlserver_backup_last_archive_size_bytes", "Size of the model's last verified archive.", []string{"model"}, nil)
	runs        = prometheus.NewDesc("sqlserver_backup_runs_total", "Runs of the model by outcome, since the workdir volume was created (skipped: a tick found a run in progress).", []string{"model", "outcome"}, nil)
	healthy     = prometheus.NewDesc("sqlserver_backup_healthy", "1 when the model is healthy as the health check sees it, else 0.", []string{"model"}, nil)
)

// Collector reads samples at each scrape.
type Collector struct {
	Samples func() []Sample
}

// Describe implements prometheus.Collector.
func (c Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lastSuccess, lastRun, lastOutcome, duration, archiveSize, runs, healthy} {
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
