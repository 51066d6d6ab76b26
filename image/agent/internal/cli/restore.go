package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/backup"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/kube"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/restore"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/schedule"
)

// restorer builds a Restorer from the environment (the restore needs no GoBackup config).
func restorer(src env.Source, log *logx.Logger) (*restore.Restorer, error) {
	settings, err := LoadSettings(src)
	if err != nil {
		return nil, err
	}
	return restorerWith(settings, src, log)
}

// restorerWith builds a Restorer from settings already loaded.
func restorerWith(settings Settings, src env.Source, log *logx.Logger) (*restore.Restorer, error) {
	tz, err := schedule.LoadLocation(settings.TZ)
	if err != nil {
		return nil, err
	}
	location, err := restore.LoadLocation(src)
	if err != nil {
		return nil, err
	}
	bucket, err := s3store.New(s3store.Options{Endpoint: location.Endpoint, Region: location.Region, Bucket: location.Bucket, PathStyle: location.PathStyle,
		AccessKeyID: location.AccessKeyID, SecretAccessKey: location.SecretAccessKey, CACertificates: location.CAPEM})
	if err != nil {
		return nil, err
	}
	password, _, _ := env.Get(src, "RESTORE_TARGET_PASSWORD")
	policy := settings.Retention
	if policy.Keep <= 0 {
		policy.Keep = backup.DefaultKeep
	}
	policy.Location = tz
	return &restore.Restorer{Location: location, Bucket: bucket, TZ: tz, Workdir: settings.Workdir, Sqlpackage: lookupOr(src, "SQLPACKAGE_BIN", "sqlpackage"),
		Redactor: redact.New(location.SecretAccessKey, password), Log: log, Host: hostname(), Policy: policy, LeaseTTL: settings.LeaseTTL}, nil
}

func listCommand(src env.Source, log *logx.Logger, out io.Writer) int {
	r, err := restorer(src, log)
	if err != nil {
		log.Error("%v", err)
		return 2
	}
	if err := r.List(context.Background(), out); err != nil {
		log.Error("cannot list the backups: %v", err)
		return 1
	}
	return 0
}

func restoreCommand(src env.Source, log *logx.Logger, out io.Writer) int {
	r, err := restorer(src, log)
	if err == nil {
		var req restore.Request
		if req, err = restore.LoadRequest(src, r.TZ); err == nil {
			ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer cancel()
			removePasswordFromCluster(ctx, src, log)
			outcome := r.Restore(ctx, req)
			reportOutcome(out, outcome.Line)
			return outcome.Code
		}
	}
	// Refused before anything was claimed: the id stays unused.
	log.Error("%v", err)
	reportOutcome(out, fmt.Sprintf("failed: %v", err))
	return restore.ExitFailed
}

// removePasswordFromCluster removes the target's password from the Kubernetes Secret it
// came in (RESTORE_PASSWORD_SECRET) once the agent holds it in memory, so the password
// leaves the cluster with the restore's start, whatever happens to the `pulumi up`
// that started it. The Secret itself stays (nothing then creates it again with the
// password); the pod's service account may patch that one Secret and nothing else.
func removePasswordFromCluster(ctx context.Context, src env.Source, log *logx.Logger) {
	name := lookupOr(src, "RESTORE_PASSWORD_SECRET", "")
	if name == "" {
		return
	}
	client, err := kube.InCluster(kube.ServiceAccountDir)
	namespace := ""
	if err == nil {
		namespace, err = kube.Namespace(kube.ServiceAccountDir)
	}
	if err == nil {
		err = client.RemoveSecretKey(ctx, namespace, name, "RESTORE_TARGET_PASSWORD")
	}
	if err != nil {
		log.Warn("cannot remove the target's password from the Secret %s (the pulumi up that waits for this restore empties it): %v", name, err)
		return
	}
	log.Info("removed the target's password from the Secret %s: it is no longer in the cluster", name)
}
