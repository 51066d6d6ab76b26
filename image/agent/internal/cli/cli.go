package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
)

const usage = `sqlserver-backup-agent: scheduled, verified SQL Server backups with GoBackup and sqlpackage.

  daemon    run GoBackup per model on its cron schedule (RUN_MODE=daemon)
  once      back up every model now and exit with the outcome (RUN_MODE=once)
  check     check the configuration and exit
  status    each model's last outcome and health; exit 1 when unhealthy
  health    the container's health check (status, readiness first after a start)
  list      list the backups in the bucket (MINIO_* and RESTORE_DATABASE)
  restore   restore one backup into SQL Server (RESTORE_*)
  render    print the GoBackup config rendered from MSSQL_*, MINIO_* and BACKUP_*
  version   print the agent's version

Settings come from the environment; every secret may be given as <NAME>_FILE.`

// Main runs the agent with args (without the program name) and returns its exit code.
func Main(args []string, src env.Source, environ []string, stdout, stderr io.Writer) int {
	log := logx.New(stdout, "agent")
	mode := ""
	if len(args) > 0 {
		mode = args[0]
	}
	if mode == "" {
		mode = lookupOr(src, "RUN_MODE", "daemon")
	}
	switch mode {
	case "daemon", "once", "check", "first-backup":
		d, err := Prepare(src, environ, mode == "daemon")
		if err != nil {
			log.Error("%v", err)
			if mode == "once" || mode == "first-backup" {
				line := strings.ReplaceAll(err.Error(), "\n", " ")
				var configErr *ConfigError
				if errors.As(err, &configErr) {
					line = configErr.OneLine()
				}
				fmt.Fprintf(stdout, "%sfailed: %s\n", OutcomePrefix, line)
			}
			return 2
		}
		switch mode {
		case "daemon":
			return daemon(d, log)
		case "once", "first-backup":
			return once(d, log, stdout, mode)
		default:
			if err := d.Ready("check"); err != nil {
				log.Error("%v", err)
				return 1
			}
			log.Info("configuration is valid: %d model(s) from %s", len(d.Config.Models), d.Source)
			return 0
		}
	case "status", "health":
		s, err := LoadSettings(src)
		if err != nil {
			fmt.Fprintln(stdout, "unhealthy:", err)
			return 1
		}
		return statusCommand(s, stdout, mode == "health")
	case "list":
		return listCommand(src, log, stdout)
	case "restore":
		return restoreCommand(src, log, stdout)
	case "render":
		return renderCommand(src, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "sqlserver-backup-agent", Version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "unknown mode %q\n\n%s\n", mode, usage)
	return 2
}

// renderCommand prints the config rendered from the environment (MSSQL_*, MINIO_*, BACKUP_*).
func renderCommand(src env.Source, stdout, stderr io.Writer) int {
	s, err := LoadSettings(src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	rendered := envSettings(src, s.Workdir)
	if problems := rendered.Check(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.String())
		}
		return 2
	}
	text, err := rendered.Render()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprint(stdout, text)
	return 0
}

// Environ is the process environment as a Source and a list.
func Environ() (env.Source, []string) { return env.OS{}, os.Environ() }
