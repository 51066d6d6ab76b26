package cli

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/mirror"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

func TestTheExporterJudgesEachModelFromTheRecordItsRunsMirroredInTheBucket(t *testing.T) {
	bucket := s3storetest.NewFakeBucket("b", filepath.Join(t.TempDir(), "bucket"))
	finished := time.Now().Add(-time.Hour).UTC()
	ok := &records.Run{ID: "1", StartedAt: finished.Add(-time.Minute), FinishedAt: &finished, Outcome: records.Succeeded, Archive: &records.Archive{Bytes: 42}}
	failed := &records.Run{ID: "2", StartedAt: finished, FinishedAt: &finished, Outcome: records.Failed, Cause: "Dump error"}
	mirror.Publish(context.Background(), bucket, "p/orders/", records.Model{Model: "orders", LastRun: ok, LastSuccess: ok, LastVerified: ok, Counts: map[string]int{"succeeded": 3}})
	mirror.Publish(context.Background(), bucket, "p/billing/", records.Model{Model: "billing", LastRun: failed, Counts: map[string]int{"failed": 1}})
	view := &bucketView{bucket: bucket, prefix: "p", models: []string{"orders", "billing", "never"}, maxAge: 26 * time.Hour, since: time.Now(), log: logx.New(io.Discard, "test")}
	view.refresh(context.Background())
	samples := view.samples()
	if len(samples) != 3 {
		t.Fatalf("got %d samples", len(samples))
	}
	byModel := map[string]bool{}
	for _, s := range samples {
		byModel[s.Record.Model] = s.Verdict.Healthy
	}
	if !byModel["orders"] || byModel["billing"] || !byModel["never"] {
		t.Fatalf("verdicts %+v", byModel)
	}
	if samples[0].Record.Counts["succeeded"] != 3 {
		t.Fatalf("counts %+v", samples[0].Record.Counts)
	}
}

func TestTheExporterNeedsTheModelNames(t *testing.T) {
	if _, err := LoadExporterSettings(env.Map{}); err == nil {
		t.Fatal("no EXPORTER_MODELS accepted")
	}
	s, err := LoadExporterSettings(env.Map{"EXPORTER_MODELS": "orders, billing", "START_DEADLINE_SECONDS": "120"})
	if err != nil || len(s.Models) != 2 || s.StartDeadline != 2*time.Minute || s.Address != ":9090" {
		t.Fatalf("%+v %v", s, err)
	}
}
