// Package cli is the agent's command line: one subcommand per mode of the image.
package cli

import (
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"

	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/retention"
)

// Settings are the agent's own knobs, from its environment (see the README's image section).
type Settings struct {
	Workdir     string
	GoBackupDir string
	StateDir    string
	ConfigFile  string
	GoBackupBin string
	ShimDir     string
	TZ          string
	MaxAge      time.Duration
	// Drills: how restore drills count toward health (DRILL_MAX_AGE_SECONDS, DRILL_UNHEALTHY).
	Drills        records.DrillPolicy
	Grace         time.Duration
	Settle        time.Duration
	Metrics       string
	Preflight     []string
	SkipPreflight bool
	BackupOnStart bool
	// Retention: the policy applied after each verified run (Keep 0: the config's `keep`).
	Retention retention.Policy
	// LocalKeep: local copies kept per model (0: the config's local `keep`, else 2).
	LocalKeep int
	// DeploymentID owns the bucket folders this deployment backs up to ("" : the source database).
	DeploymentID string
	// TakeOverFrom: take a folder over from this deployment id, deliberately.
	TakeOverFrom string
	// LeaseTTL: the bucket lease's life without renewal.
	LeaseTTL time.Duration
	// HostSlots: runs against one SQL Server at a time across the deployment (0: no cap).
	HostSlots int
	// AuditEvery: how often the daemon checks that each model's newest verified archive is intact.
	AuditEvery time.Duration
	// Ignored names variables that are set but no longer do anything, for a warning.
	Ignored []string
}

// SettingsError is a variable with a value the agent cannot use.
type SettingsError struct {
	Variable string
	Message  string
}

func (e *SettingsError) Error() string { return e.Variable + " " + e.Message }

func seconds(src env.Source, name string, def int, min int) (time.Duration, error) {
	text, err := env.GetOr(src, name, "")
	if err != nil || text == "" {
		return time.Duration(def) * time.Second, err
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < min {
		return 0, &SettingsError{name, fmt.Sprintf("must be a whole number of seconds, at least %d (got %q)", min, text)}
	}
	return time.Duration(n) * time.Second, nil
}

func flag(src env.Source, name string) (bool, error) {
	text, _ := src.Lookup(name)
	switch strings.ToLower(text) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, &SettingsError{name, fmt.Sprintf("must be true or false (got %q)", text)}
}

func lookupOr(src env.Source, name, def string) string {
	if v, ok := src.Lookup(name); ok && v != "" {
		return v
	}
	return def
}

// LoadSettings reads the settings; every problem is named in one error.
func LoadSettings(src env.Source) (Settings, error) {
	s := Settings{}
	s.Workdir = lookupOr(src, "GOBACKUP_WORKDIR", "/tmp/gobackup")
	s.GoBackupDir = lookupOr(src, "GOBACKUP_DIR", filepath.Join(s.Workdir, ".gobackup"))
	s.StateDir = lookupOr(src, "AGENT_STATE_DIR", filepath.Join(s.Workdir, ".sqlserver-backup"))
	s.ConfigFile = lookupOr(src, "GOBACKUP_CONFIG", "/etc/gobackup/gobackup.yml")
	s.GoBackupBin = lookupOr(src, "GOBACKUP_BIN", "gobackup")
	s.ShimDir = lookupOr(src, "SQLSERVER_BACKUP_SHIMS", "")
	s.TZ = lookupOr(src, "TZ", "Etc/UTC")
	s.Metrics = lookupOr(src, "METRICS_ADDRESS", "")
	if targets, ok := src.Lookup("PREFLIGHT_TARGETS"); ok {
		s.Preflight = strings.Fields(targets)
	}
	var problems []string
	collect := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	var err error
	s.MaxAge, err = seconds(src, "BACKUP_MAX_AGE_SECONDS", 93600, 60)
	collect(err)
	s.Grace, err = seconds(src, "SHUTDOWN_GRACE_SECONDS", 300, 0)
	collect(err)
	s.Settle, err = seconds(src, "HEALTH_SETTLE_SECONDS", 120, 0)
	collect(err)
	if _, ok := src.Lookup("PRUNE_UNTRACKED"); ok {
		s.Ignored = append(s.Ignored, "PRUNE_UNTRACKED (the agent's retention policy deletes what it removes, after verification; see BACKUP_KEEP*)")
	}
	count := func(name string) int {
		text, _ := src.Lookup(name)
		if text == "" {
			return 0
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 {
			collect(&SettingsError{name, fmt.Sprintf("must be a whole number, 0 or more (got %q)", text)})
		}
		return n
	}
	s.Retention = retention.Policy{Keep: count("BACKUP_KEEP"), Daily: count("BACKUP_KEEP_DAILY"), Weekly: count("BACKUP_KEEP_WEEKLY"), Monthly: count("BACKUP_KEEP_MONTHLY"), KeepFailed: 2}
	if _, ok := src.Lookup("BACKUP_KEEP_FAILED"); ok {
		s.Retention.KeepFailed = count("BACKUP_KEEP_FAILED")
	}
	s.LocalKeep = count("LOCAL_KEEP")
	s.HostSlots = count("HOST_CONCURRENCY")
	s.DeploymentID = lookupOr(src, "DEPLOYMENT_ID", "")
	s.TakeOverFrom = lookupOr(src, "DEPLOYMENT_TAKE_OVER_FROM", "")
	s.LeaseTTL, err = seconds(src, "LEASE_SECONDS", 300, 30)
	collect(err)
	s.AuditEvery, err = seconds(src, "AUDIT_INTERVAL_SECONDS", 900, 60)
	collect(err)
	s.SkipPreflight, err = flag(src, "SKIP_PREFLIGHT")
	collect(err)
	s.Drills, err = drillPolicy(src)
	collect(err)
	s.BackupOnStart, err = flag(src, "BACKUP_ON_START")
	collect(err)
	if len(problems) > 0 {
		return s, fmt.Errorf("invalid settings: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// ensureShims makes the tar and cp shims (links to this binary) unless the image
// names a directory of its own.
func (s *Settings) ensureShims() error {
	if s.ShimDir != "" {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := filepath.Join(s.StateDir, "shims")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, name := range []string{"tar", "cp"} {
		link := filepath.Join(dir, name)
		if target, err := os.Readlink(link); err == nil && target == self {
			continue
		}
		os.Remove(link)
		if err := os.Symlink(self, link); err != nil {
			return err
		}
	}
	s.ShimDir = dir
	return nil
}

// drillPolicy reads DRILL_MAX_AGE_SECONDS (0 or unset: no drill is expected) and
// DRILL_UNHEALTHY (a failed or stale drill makes the model unhealthy, not a warning).
func drillPolicy(src env.Source) (records.DrillPolicy, error) {
	var p records.DrillPolicy
	maxAge, err := seconds(src, "DRILL_MAX_AGE_SECONDS", 0, 0)
	if err != nil {
		return p, err
	}
	p.MaxAge = maxAge
	p.Unhealthy, err = flag(src, "DRILL_UNHEALTHY")
	return p, err
}
