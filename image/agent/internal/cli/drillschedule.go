package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/schedule"
)

// drillJob is the scheduler's name for the restore drills (never a model's: a
// model's name starts with a letter).
const drillJob = ".drill"

// drillSchedule reads DRILL_SCHEDULE: the daemon's drills, when drills are configured.
func drillSchedule(src env.Source) (schedule.Spec, bool, error) {
	text := lookupOr(src, "DRILL_SCHEDULE", "")
	if text == "" {
		return schedule.Spec{}, false, nil
	}
	spec, err := schedule.Parse(text)
	if err != nil {
		return schedule.Spec{}, false, fmt.Errorf("DRILL_SCHEDULE %q: %v", text, err)
	}
	return spec, true, nil
}

// runDrills runs the agent's own `drill` as a child with this container's environment
// (DRILL_* and the restore identity's files), so a drill is the same program whether
// the daemon, `docker exec` or a CronJob starts it. When the daemon stops, the drill
// gets SIGTERM and up to a minute to drop its database.
func runDrills(ctx context.Context, log *logx.Logger) {
	self, err := os.Executable()
	if err != nil {
		log.Error("restore drill: cannot find the agent's binary: %v", err)
		return
	}
	cmd := exec.CommandContext(ctx, self, "drill")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		log.Warn("restore drill: %v (its outcome is in status and the metrics)", err)
	}
}
