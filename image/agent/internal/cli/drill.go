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

// drillCommand runs one restore drill of each of DRILL_TARGETS, one after the other
// (with the restore identity), and records each outcome in the bucket and on the
// workdir volume. It fails when any drill failed.
func drillCommand(src env.Source, log *logx.Logger, out io.Writer) int {
	settings, err := LoadSettings(src)
	var r *restore.Restorer
	if err == nil {
		r, err = restorerWith(settings, src, log)
	}
	var targets []restore.DrillTarget
	var base restore.DrillRequest
	if err == nil {
		targets, base, err = restore.LoadDrillRequests(src, time.Now())
	}
	if err != nil {
		log.Error("%v", err)
		reportOutcome(out, "failed: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 2
	}
	r.Redactor = redact.New(r.Location.SecretAccessKey, base.Server.Password)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	code := drillExitOK
	var lines []string
	for _, t := range targets {
		if ctx.Err() != nil {
			lines = append(lines, t.Backup+": not run (the agent was stopped)")
			code = drillExitFailed
			continue
		}
		one := *r
		one.Location.Database = t.Backup
		req := base.ForTarget(t, time.Now())
		result := drillOne(ctx, &one, req, log)
		recordDrillLocally(records.Store{Dir: settings.StateDir}, t.Backup, result, log)
		line := string(result.Outcome)
		if result.Cause != "" {
			line += ": " + result.Cause
		}
		if result.Outcome == records.Succeeded {
			line += fmt.Sprintf(" (%s, taken %s, restored into %s and checked in %.0fs)", result.Archive, result.ArchiveTakenAt.Format(time.RFC3339), result.Database, result.Duration)
		}
		if result.Outcome == records.Failed {
			code = drillExitFailed
		}
		if len(targets) > 1 {
			line = t.Backup + ": " + line
		}
		lines = append(lines, line)
	}
	summary := strings.Join(lines, "; ")
	if code != drillExitOK && len(targets) > 1 {
		summary = "failed: " + summary
	}
	reportOutcome(out, summary)
	return code
}

// drillOne runs one drill and logs what it found.
func drillOne(ctx context.Context, r *restore.Restorer, req restore.DrillRequest, log *logx.Logger) records.Drill {
	log.Info("drill %s: restoring the newest verified backup of %s into %s on %s", req.ID, r.Location.Database, req.Database, req.Server.Address())
	result := r.Drill(ctx, req, restore.ConnectSQLServer)
	for _, c := range result.Checks {
		log.Info("%s: check %s: %s%s", r.Location.Database, c.Name, c.Result, detail(c.Detail))
	}
	for _, w := range result.Warnings {
		log.Warn("%s: %s", r.Location.Database, w)
	}
	switch result.Outcome {
	case records.Failed:
		log.Error("%s: drill %s failed: %s", r.Location.Database, req.ID, result.Cause)
	case records.DrillSkipped:
		log.Warn("%s: drill %s skipped: %s", r.Location.Database, req.ID, result.Cause)
	default:
		log.Info("%s: drill %s %s", r.Location.Database, req.ID, result.Outcome)
	}
	return result
}

func detail(text string) string {
	if text == "" {
		return ""
	}
	return " (" + text + ")"
}

// recordDrillLocally adds the drill to the model's record on the workdir volume, where
// status, the health check and the daemon's metrics read it.
func recordDrillLocally(store records.Store, model string, d records.Drill, log *logx.Logger) {
	err := store.Update(model, func(m *records.Model) {
		if m.Drills == nil {
			m.Drills = &records.Drills{}
		}
		m.Drills.Add(d)
	})
	if err != nil {
		log.Warn("could not record the drill on the workdir volume: %v", err)
	}
}
