package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
)

const usage = `sqlserver-backup-agent: scheduled, verified SQL Server backups with GoBackup and sqlpackage.

  daemon    run GoBackup per model on its cron schedule (RUN_MODE=daemon)
  once      back up every model now and exit with the outcome (RUN_MODE=once)
  tick      once for a scheduler (a CronJob's pod): a model whose run is in progress elsewhere is skipped
  check     check the configuration and exit
  status    each model's last outcome and health; exit 1 when unhealthy
  health    the container's health check (status, readiness first after a start)
  list      list the backups in the bucket (MINIO_* and RESTORE_DATABASE)
  exporter  serve the metrics of runs made elsewhere (CronJob pods) from the bucket (EXPORTER_MODELS)
  restore   restore one backup into SQL Server (RESTORE_*)
  drill     restore the newest verified backup into a new database, check it, drop it (DRILL_*)
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
	case "daemon", "once", "tick", "first-backup", "restore", "drill":
		// A reload or quit signal (docker kill -s HUP, a terminal's hangup) must never
		// kill a backup or a restore halfway: only SIGTERM and SIGINT stop them, with grace.
		// GoBackup and sqlpackage inherit the ignored dispositions.
		signal.Ignore(syscall.SIGHUP, syscall.SIGQUIT)
	}
	switch mode {
	case "daemon", "once", "tick", "check", "first-backup":
		d, err := Prepare(src, environ, mode == "daemon")
		if err != nil {
			log.Error("%v", err)
			if mode == "once" || mode == "tick" || mode == "first-backup" {
				line := strings.ReplaceAll(err.Error(), "\n", " ")
				var configErr *ConfigError
				if errors.As(err, &configErr) {
					line = configErr.OneLine()
				}
				reportOutcome(stdout, "failed: "+line)
			}
			return 2
		}
		for _, ignored := range d.Settings.Ignored {
			log.Warn("%s is set but no longer used", ignored)
		}
		switch mode {
		case "daemon":
			return daemon(d, log)
		case "once", "tick", "first-backup":
			return once(d, log, stdout, mode)
		default:
			if err := d.Ready("check"); err != nil {
				log.Error("%v", err)
				return 1
			}
			log.Info("configuration is valid: %d model(s) from %s", len(d.Config.Models), d.Source)
			return d.checkBuckets(log)
		}
	case "status", "health":
		s, err := LoadSettings(src)
		if err != nil {
			fmt.Fprintln(stdout, "unhealthy:", err)
			return 1
		}
		if mode == "status" {
			// An operator asked: look at the bucket now (the health check reads the daemon's findings).
			auditNow(src, environ)
		}
		return statusCommand(s, stdout, mode == "health")
	case "list":
		return listCommand(src, log, stdout)
	case "exporter":
		return exporter(src, log)
	case "restore":
		return restoreCommand(src, log, stdout)
	case "drill":
		return drillCommand(src, log, stdout)
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

// auditNow checks the newest verified archive of every model in the bucket, when the
// environment holds the deployment's config (as in its container).
func auditNow(src env.Source, environ []string) {
	d, err := Prepare(src, environ, false)
	if err != nil {
		return
	}
	runner := d.Runner(logx.New(io.Discard, "audit"))
	for _, m := range d.Config.Models {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		runner.Audit(ctx, m.Name)
		cancel()
	}
}

// checkBuckets probes every S3 storage once (If-None-Match, versioning) and says how
// the run lease, the folder's owner record and restore claims hold there.
func (d *Deployment) checkBuckets(log *logx.Logger) int {
	runner := d.Runner(log)
	code := 0
	for _, m := range d.Config.Models {
		for _, storage := range m.S3Storages() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			bucket, err := runner.Bucket(storage)
			if err == nil {
				var caps claim.Capabilities
				if caps, err = d.capabilities(ctx, storage, bucket); err == nil {
					level := log.Info
					if !caps.Exclusive() {
						level = log.Warn
					}
					level("model %s: s3://%s/%s: %s", m.Name, bucket.Bucket(), storage.Folder(), caps.Describe())
				}
			}
			cancel()
			if err != nil {
				log.Error("model %s: storage %s: %v", m.Name, storage.Name, err)
				code = 1
			}
		}
	}
	return code
}
