package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

// DaemonFile is the daemon's heartbeat: it proves the scheduler runs.
type DaemonFile struct {
	PID         int                  `json:"pid"`
	StartedAt   time.Time            `json:"startedAt"`
	HeartbeatAt time.Time            `json:"heartbeatAt"`
	Next        map[string]time.Time `json:"next"`
}

// heartbeatEvery is how often the daemon rewrites its heartbeat; three missed ones make it not ready.
const heartbeatEvery = 15 * time.Second

// Report is the deployment's health, per model.
type Report struct {
	Healthy  bool
	Lines    []string
	Warnings []string
	Verdicts []records.Verdict
}

// Assess evaluates every model's record. For the health check (health true) of a
// daemon that started less than the settle time ago, only readiness counts (the
// scheduler runs): `pulumi up` waits for the container to be ready, never for a
// backup's outcome, last night's or this container's own first run (a run due seconds
// after the start would otherwise wedge `up` until its timeout, with no cause; the
// first-backup container is what makes `up` wait for, and name, a backup's outcome).
// Afterwards, and always for `status`, the last run counts whoever made it.
func Assess(s Settings, now time.Time, health bool) Report {
	var dep DeploymentFile
	if err := records.ReadJSON(filepath.Join(s.StateDir, "deployment.json"), &dep); err != nil {
		return Report{Lines: []string{"unhealthy: the agent has not prepared this workdir yet (see the container's log)"}}
	}
	var vol Volume
	_ = records.ReadJSON(filepath.Join(s.StateDir, "volume.json"), &vol)
	store := records.Store{Dir: s.StateDir}
	clock := records.Clock{Now: now, MaxAge: time.Duration(dep.MaxAgeSeconds) * time.Second, Baseline: vol.FirstUsedAt,
		Drills: records.DrillPolicy{MaxAge: time.Duration(dep.DrillMaxAgeSeconds) * time.Second, Unhealthy: dep.DrillUnhealthy}}
	report := Report{Healthy: true}
	var daemon DaemonFile
	daemonKnown := records.ReadJSON(filepath.Join(s.StateDir, "daemon.json"), &daemon) == nil
	ready := true
	if dep.Mode == "daemon" {
		switch {
		case !daemonKnown:
			ready = false
			report.Lines = append(report.Lines, "unhealthy: the scheduler has not started")
		case now.Sub(daemon.HeartbeatAt) > 3*heartbeatEvery || !alive(daemon.PID):
			ready = false
			report.Lines = append(report.Lines, fmt.Sprintf("unhealthy: the scheduler is not running (last heartbeat %s, pid %d)", daemon.HeartbeatAt.UTC().Format(time.RFC3339), daemon.PID))
		}
	}
	settling := health && dep.Mode == "daemon" && daemonKnown && now.Sub(daemon.StartedAt) < time.Duration(dep.SettleSeconds)*time.Second
	for _, model := range dep.Models {
		record, err := store.Read(model)
		if err != nil {
			report.Healthy = false
			report.Lines = append(report.Lines, fmt.Sprintf("unhealthy: model '%s': %v", model, err))
			continue
		}
		v := records.Evaluate(record, clock, lock.Held(store.LockFile(model)))
		report.Verdicts = append(report.Verdicts, v)
		report.Lines = append(report.Lines, v.Text)
		report.Warnings = append(report.Warnings, v.Warnings...)
		if !v.Healthy {
			report.Healthy = false
		}
		if next, ok := daemon.Next[model]; ok && dep.Mode == "daemon" {
			report.Lines[len(report.Lines)-1] += fmt.Sprintf("; next run %s", next.UTC().Format(time.RFC3339))
		}
		if drill := record.Drills.Describe(); drill != "" {
			report.Lines = append(report.Lines, fmt.Sprintf("model '%s': %s", model, drill))
		}
	}
	if !ready {
		report.Healthy = false
	}
	if settling && ready {
		ends := daemon.StartedAt.Add(time.Duration(dep.SettleSeconds) * time.Second)
		note := fmt.Sprintf("ready: the scheduler runs (started %s); until %s the health check reports readiness only, then backup health (the lines below)", daemon.StartedAt.UTC().Format(time.RFC3339), ends.UTC().Format(time.RFC3339))
		report.Lines = append([]string{note}, report.Lines...)
		report.Healthy = true
	}
	return report
}

// alive: the process exists (signal 0).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// Print writes the report; warnings follow.
func (r Report) Print(w io.Writer) {
	for _, line := range r.Lines {
		fmt.Fprintln(w, line)
	}
	warnings := append([]string(nil), r.Warnings...)
	sort.Strings(warnings)
	for _, warning := range warnings {
		fmt.Fprintln(w, "warning: "+warning)
	}
}

func statusCommand(s Settings, out io.Writer, health bool) int {
	report := Assess(s, time.Now(), health)
	report.Print(out)
	if !report.Healthy {
		return 1
	}
	return 0
}

// hostname for messages.
func hostname() string {
	h, _ := os.Hostname()
	return strings.TrimSpace(h)
}
