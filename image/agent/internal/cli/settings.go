// Package cli is the agent's command line: one subcommand per mode of the image.
package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
)

// Settings are the agent's own knobs, from its environment (see the README's image section).
type Settings struct {
	Workdir       string
	GoBackupDir   string
	StateDir      string
	ConfigFile    string
	GoBackupBin   string
	ShimDir       string
	TZ            string
	MaxAge        time.Duration
	Grace         time.Duration
	Settle        time.Duration
	Metrics       string
	Prune         bool
	Preflight     []string
	SkipPreflight bool
	BackupOnStart bool
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
	s.Prune, err = flag(src, "PRUNE_UNTRACKED")
	collect(err)
	s.SkipPreflight, err = flag(src, "SKIP_PREFLIGHT")
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
