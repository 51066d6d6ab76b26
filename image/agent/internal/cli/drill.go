package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/restore"
)

// Exit codes of `drill`: a skipped drill (nothing to drill yet, or one already
// running) is no failure of the backups.
const (
	drillExitOK     = 0
	drillExitFailed = 1
)

// drillCommand runs one restore drill (DRILL_*, with the restore identity) and records
// its outcome in the bucket and on the workdir volume.
func drillCommand(src env.Source, log *logx.Logger, out io.Writer) int {
	r, err := restorer(src, log)
	var req restore.DrillRequest
	if err == nil {
		req, err = restore.LoadDrillRequest(src, time.Now())
	}
	if err != nil {
		log.Error("%v", err)
		reportOutcome(out, "failed: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 2
	}
	r.Redactor = redact.New(r.Location.SecretAccessKey, req.Server.Password)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	log.Info("drill %s: restoring the newest verified backup of %s into %s on %s", req.ID, r.Location.Database, req.Database, req.Server.Address())
	result := r.Drill(ctx, req, restore.ConnectSQLServer)
	for _, c := range result.Checks {
		log.Info("check %s: %s%s", c.Name, c.Result, detail(c.Detail))
	}
	for _, w := range result.Warnings {
		log.Warn("%s", w)
	}
	recordDrillLocally(src, r.Location.Database, result, log)
	line := string(result.Outcome)
	if result.Cause != "" {
		line += ": " + result.Cause
	}
	if result.Outcome == records.Failed {
		log.Error("drill %s failed: %s", req.ID, result.Cause)
		reportOutcome(out, line)
		return drillExitFailed
	}
	if result.Outcome == records.Succeeded {
		line += fmt.Sprintf(": %s (taken %s) restored into %s and checked in %.0fs", result.Archive, result.ArchiveTakenAt.Format(time.RFC3339), result.Database, result.Duration)
	}
	reportOutcome(out, line)
	return drillExitOK
}

func detail(text string) string {
	if text == "" {
		return ""
	}
	return " (" + text + ")"
}

// recordDrillLocally adds the drill to the model's record on the workdir volume, where
// status, the health check and the daemon's metrics read it.
func recordDrillLocally(src env.Source, model string, d records.Drill, log *logx.Logger) {
	s, err := LoadSettings(src)
	if err != nil {
		return
	}
	err = records.Store{Dir: s.StateDir}.Update(model, func(m *records.Model) {
		if m.Drills == nil {
			m.Drills = &records.Drills{}
		}
		m.Drills.Add(d)
	})
	if err != nil {
		log.Warn("could not record the drill on the workdir volume: %v", err)
	}
}
