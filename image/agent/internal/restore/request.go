// Package restore lists a model's backups and restores one into SQL Server: the
// chosen archive is downloaded, checked against its manifest's SHA-256, unpacked,
// and imported with sqlpackage into a new or empty database. A restore with an id
// claims it in the bucket first (a conditional create), so one id never runs twice.
package restore

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
)

// Where backups are.
type Location struct {
	Endpoint        string
	Bucket          string
	Region          string
	Prefix          string
	PathStyle       bool
	AccessKeyID     string
	SecretAccessKey string
	CAPEM           []byte
	// Database is the backup's logical name (its model): archives are under <prefix>/<database>/.
	Database string
	// Owner: the deployment whose backups these are (DEPLOYMENT_ID); a folder or an
	// archive of another deployment is refused unless the request allows it.
	Owner string
}

// Folder is the model's folder in the bucket.
func (l Location) Folder() string { return l.Prefix + "/" + l.Database + "/" }

// Request is one restore.
type Request struct {
	// Backup: "latest", an archive name or key, or "before:<time>".
	Backup         string
	Before         time.Time
	TargetHost     string
	TargetPort     int
	TargetDatabase string
	TargetUser     string
	TargetPassword string
	TrustCert      bool
	Force          bool
	ID             string
	Timeout        time.Duration
	// AllowOtherDeployment restores from a folder or archive another deployment made.
	AllowOtherDeployment bool
}

var (
	restoreID   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$`)
	archiveName = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	backupName  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// beforeLayouts are the times `before:` accepts; the component checks the same at
// preview (components/args/restore.ts): RFC 3339, or a time or date in TZ.
var beforeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseBefore reads the time of a `before:` selection.
func ParseBefore(text string, loc *time.Location) (time.Time, error) {
	for _, layout := range beforeLayouts {
		if t, err := time.ParseInLocation(layout, text, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-23T02:30:00Z), a time in TZ (2026-11-23T02:30) or a date (2026-11-23)", text)
}

// Problems collects what is wrong with the variables, all at once.
type Problems []string

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p Problems) Error() string {
	return fmt.Sprintf("invalid restore settings (%d problem(s)):\n  - %s", len(p), strings.Join(p, "\n  - "))
}

func get(src env.Source, problems *Problems, name string) string {
	v, _, err := env.Get(src, name)
	if err != nil {
		problems.add("%v", err)
	}
	return v
}

// portVar reads a TCP port; SQL Server's 1433 when unset.
func portVar(src env.Source, problems *Problems, name string) int {
	text := get(src, problems, name)
	if text == "" {
		return 1433
	}
	port, err := strconv.Atoi(text)
	if err != nil || port < 1 || port > 65535 {
		problems.add("%s must be a port number from 1 to 65535", name)
	}
	return port
}

// flagVar reads true or false (1 or 0); false when unset.
func flagVar(src env.Source, problems *Problems, name string) bool {
	switch strings.ToLower(get(src, problems, name)) {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	problems.add("%s must be true or false", name)
	return false
}

// secondsVar reads a whole number of seconds; 0 (none) when unset.
func secondsVar(src env.Source, problems *Problems, name string) time.Duration {
	text := get(src, problems, name)
	if text == "" {
		return 0
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 {
		problems.add("%s must be a whole number of seconds", name)
	}
	return time.Duration(n) * time.Second
}

// LoadLocation reads where backups are from the environment.
func LoadLocation(src env.Source) (Location, error) {
	var p Problems
	l := Location{
		Endpoint: get(src, &p, "MINIO_ENDPOINT"), Bucket: get(src, &p, "MINIO_BUCKET"), Region: get(src, &p, "MINIO_REGION"), Prefix: get(src, &p, "MINIO_PATH"),
		PathStyle: true,
	}
	// The read-only restore identity when it is there (it can read backups and record
	// restores, nothing else), else the backup user's keys.
	l.AccessKeyID, l.SecretAccessKey = get(src, &p, "RESTORE_ACCESS_KEY"), get(src, &p, "RESTORE_SECRET_KEY")
	if l.AccessKeyID == "" && l.SecretAccessKey == "" {
		l.AccessKeyID, l.SecretAccessKey = get(src, &p, "MINIO_ACCESS_KEY"), get(src, &p, "MINIO_SECRET_KEY")
	}
	if ca := get(src, &p, "MINIO_CA_CERT"); ca != "" {
		l.CAPEM = []byte(ca)
	}
	if l.Region == "" {
		l.Region = "us-east-1"
	}
	if l.Prefix == "" {
		l.Prefix = "backups/sqlserver"
	}
	if v := get(src, &p, "MINIO_FORCE_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.add("MINIO_FORCE_PATH_STYLE must be true or false")
		}
		l.PathStyle = b
	}
	l.Database = get(src, &p, "RESTORE_DATABASE")
	if l.Database == "" {
		l.Database = get(src, &p, "BACKUP_NAME")
	}
	if l.Database == "" {
		l.Database = "main"
	}
	l.Owner = get(src, &p, "DEPLOYMENT_ID")
	for name, value := range map[string]string{"MINIO_ENDPOINT": l.Endpoint, "MINIO_BUCKET": l.Bucket, "RESTORE_ACCESS_KEY (or MINIO_ACCESS_KEY)": l.AccessKeyID, "RESTORE_SECRET_KEY (or MINIO_SECRET_KEY)": l.SecretAccessKey} {
		if value == "" {
			p.add("%s is required (secrets may be given as <NAME>_FILE)", name)
		}
	}
	if l.Endpoint != "" {
		if problem := gbconfig.EndpointProblem(l.Endpoint); problem != "" {
			p.add("MINIO_ENDPOINT %s", problem)
		}
	}
	if problem := gbconfig.PathProblem(l.Prefix); problem != "" {
		p.add("MINIO_PATH %s", problem)
	}
	if !backupName.MatchString(l.Database) {
		p.add("RESTORE_DATABASE %q is not a backup name (lower-case letters, digits, - and _)", l.Database)
	}
	if len(p) > 0 {
		return l, p
	}
	return l, nil
}

// LoadRequest reads the restore's request; every problem is named before anything
// is claimed, so a bad request never uses up its id.
func LoadRequest(src env.Source, loc *time.Location) (Request, error) {
	var p Problems
	r := Request{
		Backup: get(src, &p, "RESTORE_BACKUP"), TargetHost: get(src, &p, "RESTORE_TARGET_HOST"), TargetDatabase: get(src, &p, "RESTORE_TARGET_DATABASE"),
		TargetUser: get(src, &p, "RESTORE_TARGET_USERNAME"), TargetPassword: get(src, &p, "RESTORE_TARGET_PASSWORD"), ID: get(src, &p, "RESTORE_ID"),
	}
	if r.Backup == "" {
		r.Backup = "latest"
	}
	if r.TargetUser == "" {
		r.TargetUser = "sa"
	}
	r.TargetPort = portVar(src, &p, "RESTORE_TARGET_PORT")
	r.TrustCert = flagVar(src, &p, "RESTORE_TRUST_CERT")
	r.Force = flagVar(src, &p, "RESTORE_FORCE")
	r.AllowOtherDeployment = flagVar(src, &p, "RESTORE_ALLOW_OTHER_DEPLOYMENT")
	r.Timeout = secondsVar(src, &p, "RESTORE_TIMEOUT_SECONDS")
	var err error
	for name, value := range map[string]string{"RESTORE_TARGET_HOST": r.TargetHost, "RESTORE_TARGET_DATABASE": r.TargetDatabase, "RESTORE_TARGET_PASSWORD": r.TargetPassword} {
		if value == "" {
			p.add("%s is required", name)
		}
	}
	for name, value := range map[string]string{"RESTORE_TARGET_HOST": r.TargetHost, "RESTORE_TARGET_DATABASE": r.TargetDatabase, "RESTORE_TARGET_USERNAME": r.TargetUser} {
		if strings.ContainsAny(value, " \t\r\n") {
			p.add("%s must not contain whitespace", name)
		}
	}
	if strings.ContainsAny(r.TargetDatabase, "[]") {
		p.add("RESTORE_TARGET_DATABASE %q: give the name without brackets; sqlpackage quotes it itself", r.TargetDatabase)
	}
	if strings.Contains(r.TargetUser, `\`) {
		p.add("RESTORE_TARGET_USERNAME %q is a Windows login: sqlpackage's /TargetUser is SQL Server authentication only", r.TargetUser)
	}
	if r.ID != "" && !restoreID.MatchString(r.ID) {
		p.add("RESTORE_ID %q must be 1-20 lower-case letters, digits or '-'", r.ID)
	}
	switch {
	case r.Backup == "latest":
	case strings.HasPrefix(r.Backup, "before:"):
		if r.Before, err = ParseBefore(strings.TrimPrefix(r.Backup, "before:"), loc); err != nil {
			p.add("RESTORE_BACKUP: %v", err)
		}
	case !archiveName.MatchString(r.Backup):
		p.add("RESTORE_BACKUP %q must be latest, an archive name or key, or before:<time>", r.Backup)
	}
	if len(p) > 0 {
		return r, p
	}
	return r, nil
}
