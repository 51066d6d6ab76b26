package metrics

import (
	"os"
	"path/filepath"
	"regexp"
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

func TestDrillMetricsReportTheLastDrillAndTheRecoveryPointItProved(t *testing.T) {
	taken := time.Unix(1763863200, 0)
	started := taken.Add(4 * time.Hour)
	finished := started.Add(90 * time.Second)
	ok := records.Drill{Outcome: records.Succeeded, StartedAt: started, FinishedAt: &finished, Duration: 90, ArchiveTakenAt: &taken}
	failed := records.Drill{Outcome: records.Failed, StartedAt: finished, FinishedAt: &finished, Duration: 12, Cause: "DBCC CHECKDB found errors"}
	c := Collector{Samples: func() []Sample {
		return []Sample{{Record: records.Model{Model: "orders", Counts: map[string]int{}, Drills: &records.Drills{Last: &failed, LastSuccess: &ok},
			Audit: &records.Audit{Problem: "the archive is gone"}}}}
	}}
	registry := prometheus.NewRegistry()
	registry.MustRegister(c)
	want := `
# HELP sqlserver_backup_last_drill_success_timestamp_seconds When the model's last successful restore drill finished (Unix time).
# TYPE sqlserver_backup_last_drill_success_timestamp_seconds gauge
sqlserver_backup_last_drill_success_timestamp_seconds{model="orders"} 1.76387769e+09
# HELP sqlserver_backup_last_drill_outcome 1 for the outcome of the model's last restore drill (succeeded, failed, skipped, running; a drill in progress after one that ended counts as that one until it ends), 0 for the others.
# TYPE sqlserver_backup_last_drill_outcome gauge
sqlserver_backup_last_drill_outcome{model="orders",outcome="failed"} 1
sqlserver_backup_last_drill_outcome{model="orders",outcome="running"} 0
sqlserver_backup_last_drill_outcome{model="orders",outcome="skipped"} 0
sqlserver_backup_last_drill_outcome{model="orders",outcome="succeeded"} 0
# HELP sqlserver_backup_last_drill_duration_seconds How long the model's last finished restore drill took.
# TYPE sqlserver_backup_last_drill_duration_seconds gauge
sqlserver_backup_last_drill_duration_seconds{model="orders"} 12
# HELP sqlserver_backup_last_drill_recovery_point_age_seconds Age of the archive the last successful restore drill restored, when it started: the recovery point it proved.
# TYPE sqlserver_backup_last_drill_recovery_point_age_seconds gauge
sqlserver_backup_last_drill_recovery_point_age_seconds{model="orders"} 14400
# HELP sqlserver_backup_newest_backup_intact 0 when the last check of the model's newest verified archive found it changed or gone since it was verified, else 1.
# TYPE sqlserver_backup_newest_backup_intact gauge
sqlserver_backup_newest_backup_intact{model="orders"} 0
`
	names := []string{"sqlserver_backup_last_drill_success_timestamp_seconds", "sqlserver_backup_last_drill_outcome", "sqlserver_backup_last_drill_duration_seconds",
		"sqlserver_backup_last_drill_recovery_point_age_seconds", "sqlserver_backup_newest_backup_intact"}
	if err := testutil.GatherAndCompare(registry, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
}

func TestNamesListsEveryMetricTheAgentDescribes(t *testing.T) {
	ch := make(chan *prometheus.Desc, 64)
	Collector{}.Describe(ch)
	close(ch)
	var described []string
	for d := range ch {
		described = append(described, d.String())
	}
	if len(described) != len(Names) {
		t.Fatalf("%d metrics described, %d named", len(described), len(Names))
	}
	for i, name := range Names {
		if !strings.Contains(described[i], `fqName: "`+name+`"`) {
			t.Fatalf("Names[%d] is %s, the description is %s", i, name, described[i])
		}
	}
}

// The shipped alert rules (alerts/ at the repository's root) name only metrics the agent
// serves: a renamed metric fails here, not silently in a user's Prometheus.
func TestTheShippedAlertRulesNameOnlyMetricsTheAgentServes(t *testing.T) {
	served := map[string]bool{}
	for _, name := range Names {
		served[name] = true
	}
	for _, file := range []string{"sqlserver-backup.rules.yml", "sqlserver-backup.rules.test.yml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "alerts", file))
		if err != nil {
			t.Fatal(err)
		}
		used := regexp.MustCompile(`sqlserver_backup_[a-z_]+`).FindAllString(string(data), -1)
		if len(used) == 0 {
			t.Fatalf("%s names no metric", file)
		}
		for _, name := range used {
			if !served[name] {
				t.Errorf("%s names %s, which the agent does not serve", file, name)
			}
		}
	}
}
