package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

func TestMetricsReportTheLastSuccessOutcomeAndCounts(t *testing.T) {
	finished := time.Unix(1763863200, 0)
	c := Collector{Samples: func() []Sample {
		return []Sample{{
			Record: records.Model{Model: "orders", Counts: map[string]int{"succeeded": 3, "failed": 1},
				LastRun:     &records.Run{Outcome: records.Failed, StartedAt: finished, FinishedAt: &finished, Duration: 12},
				LastSuccess: &records.Run{FinishedAt: &finished, Archive: &records.Archive{Bytes: 4096}}},
			Verdict: records.Verdict{Outcome: records.Failed, Healthy: false},
		}}
	}}
	registry := prometheus.NewRegistry()
	registry.MustRegister(c)
	want := `
# HELP sqlserver_backup_last_success_timestamp_seconds When the model's last verified backup finished (Unix time).
# TYPE sqlserver_backup_last_success_timestamp_seconds gauge
sqlserver_backup_last_success_timestamp_seconds{model="orders"} 1.7638632e+09
# HELP sqlserver_backup_runs_total Runs of the model by outcome, since the workdir volume was created (skipped: a tick found a run in progress).
# TYPE sqlserver_backup_runs_total counter
sqlserver_backup_runs_total{model="orders",outcome="failed"} 1
sqlserver_backup_runs_total{model="orders",outcome="interrupted"} 0
sqlserver_backup_runs_total{model="orders",outcome="skipped"} 0
sqlserver_backup_runs_total{model="orders",outcome="succeeded"} 3
# HELP sqlserver_backup_healthy 1 when the model is healthy as the health check sees it, else 0.
# TYPE sqlserver_backup_healthy gauge
sqlserver_backup_healthy{model="orders"} 0
`
	if err := testutil.GatherAndCompare(registry, strings.NewReader(want), "sqlserver_backup_last_success_timestamp_seconds", "sqlserver_backup_runs_total", "sqlserver_backup_healthy"); err != nil {
		t.Fatal(err)
	}
}
