package gbconfig

import (
	"fmt"
	"strings"
)

// Problems lists what in a parsed config the agent cannot run as asked: it verifies
// every archive in an S3 bucket, so each model needs an S3 storage and an archive the
// agent can recognise; a daemon needs a cron schedule per model.
func (c Config) Problems(daemon bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.Workdir == "" {
		add("workdir: is not set: the agent needs GoBackup's workdir on the volume sized for the data")
	}
	for _, m := range c.Models {
		at := "models." + m.Name
		if p := ModelNameProblem(m.Name); p != "" {
			add("%s: the model name %s", at, p)
		}
		if m.Compress != "tar" {
			add("%s.compress_with.type: %q is not supported: restore reads plain tar archives, and a .bacpac is already a zip (gzip or zstd spend CPU for almost no size); use type: tar", at, m.Compress)
		}
		if m.CompressArgs {
			add("%s.compress_with.args: is not supported: GoBackup passes it to tar before the archive name, so tar takes it for the archive and the upload fails; remove it", at)
		}
		if m.Encrypt != "" {
			add("%s.encrypt_with: is not supported: the agent proves the uploaded archive is the one tar made, which an encrypted upload is not; encrypt the bucket instead (server-side encryption)", at)
		}
		if m.Split {
			add("%s.split_with: is not supported: the agent verifies one archive object per run", at)
		}
		for _, db := range m.Databases {
			if db.Type != "mssql" {
				add("%s.databases.%s.type: %q is not supported: this image exports SQL Server with sqlpackage only (type: mssql)", at, db.Key, db.Type)
			}
		}
		if len(m.Databases) == 0 {
			add("%s.databases: none: give at least one database of type mssql", at)
		}
		if len(m.S3Storages()) == 0 {
			add("%s.storages: no storage of type minio or s3: the agent verifies every archive in an S3 bucket", at)
		}
		for _, s := range m.Storages {
			sat := at + ".storages." + s.Name
			switch {
			case s.IsS3():
				if s.Bucket == "" {
					add("%s.bucket: is required", sat)
				}
				if s.Endpoint != "" {
					if p := EndpointProblem(s.Endpoint); p != "" {
						add("%s.endpoint: %s", sat, p)
					}
				}
				if strings.HasPrefix(s.Path, "/") || strings.HasSuffix(s.Path, "/") {
					add("%s.path: %q must not start or end with '/' (GoBackup joins it to the archive name)", sat, s.Path)
				}
				if s.AccessKeyID == "" || s.SecretAccessKey == "" {
					add("%s: access_key_id and secret_access_key are required", sat)
				}
			case s.Type == "local":
				if !strings.HasPrefix(s.Path, "/") {
					add("%s.path: %q must be absolute", sat, s.Path)
				}
			default:
				add("%s.type: %q is not supported: the agent verifies archives in S3 (minio or s3) and keeps local copies (local)", sat, s.Type)
			}
			if s.Keep < 0 {
				add("%s.keep: must not be negative", sat)
			}
		}
		if daemon {
			switch {
			case m.Schedule.Every != "":
				add("%s.schedule.every: is not supported: write the schedule as schedule.cron (e.g. \"0 2 * * *\" or \"@every 6h\")", at)
			case m.Schedule.Cron == "":
				add("%s.schedule.cron: is required to run as a daemon (or run `once` from your own scheduler)", at)
			}
		}
	}
	return problems
}
