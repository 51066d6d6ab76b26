package restore

import (
	"regexp"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/sqlserver"
)

// DefaultDrillTemplate names a drill's database: the source's name, then when.
const DefaultDrillTemplate = "{database}_drill_{timestamp}"

// drillTimestamp is {timestamp} in a drill database's name (UTC, sortable, no separators SQL dislikes).
const drillTimestamp = "20060102T150405Z"

// A drill database's name: SQL Server's regular identifier characters, at most 128.
var drillDatabaseName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_@#$-]{0,127}$`)

// DrillChecks are the checks a drill runs unless DRILL_CHECKS names others.
var DrillChecks = []string{CheckDBCC, CheckTotals}

// DrillDatabaseName renders a drill database's name from its template.
func DrillDatabaseName(template, source string, at time.Time) string {
	return strings.NewReplacer("{database}", source, "{timestamp}", at.UTC().Format(drillTimestamp)).Replace(template)
}

// DrillTarget is one database a drill run drills: its backups' name (the folder) and
// the name of the database they were exported from.
type DrillTarget struct {
	Backup string
	Source string
}

// LoadDrillRequests reads a drill run from the environment: DRILL_TARGETS (backup
// name=source database, comma-separated; drilled one after the other),
// DRILL_SERVER_HOST, _PORT, _USERNAME, _PASSWORD (or _FILE), DRILL_TRUST_CERT,
// DRILL_DATABASE_TEMPLATE, DRILL_CHECKS, DRILL_TIMEOUT_SECONDS (each drill's) and
// DRILL_ID. Every problem is named at once.
func LoadDrillRequests(src env.Source, now time.Time) ([]DrillTarget, DrillRequest, error) {
	var p Problems
	var targets []DrillTarget
	spec := get(src, &p, "DRILL_TARGETS")
	for _, item := range strings.Split(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, source, ok := strings.Cut(item, "=")
		if !ok || !backupName.MatchString(name) || source == "" {
			p.add("DRILL_TARGETS %q: %q must be <backup name>=<source database>", spec, item)
			continue
		}
		targets = append(targets, DrillTarget{Backup: name, Source: source})
	}
	if len(targets) == 0 && spec == "" {
		p.add("DRILL_TARGETS is required: <backup name>=<source database>, comma-separated")
	}
	r := loadDrillRequest(src, &p, now)
	for _, t := range targets {
		if name := r.ForTarget(t, now).Database; !drillDatabaseName.MatchString(name) {
			p.add("DRILL_DATABASE_TEMPLATE gives %q for %s, not a database name SQL Server takes unquoted (a letter or _, then letters, digits, _ @ # $ -, at most 128)", name, t.Backup)
		}
	}
	if len(p) > 0 {
		return targets, r, p
	}
	return targets, r, nil
}

// ForTarget is the request for one target: its source, and its database's name.
func (r DrillRequest) ForTarget(t DrillTarget, now time.Time) DrillRequest {
	r.SourceDatabase = t.Source
	r.Database = DrillDatabaseName(r.template, t.Source, now)
	return r
}

func loadDrillRequest(src env.Source, p *Problems, now time.Time) DrillRequest {
	r := DrillRequest{
		ID: get(src, p, "DRILL_ID"),
		Server: sqlserver.Server{Host: get(src, p, "DRILL_SERVER_HOST"), Port: portVar(src, p, "DRILL_SERVER_PORT"), User: get(src, p, "DRILL_SERVER_USERNAME"),
			Password: get(src, p, "DRILL_SERVER_PASSWORD"), TrustCert: flagVar(src, p, "DRILL_TRUST_CERT")},
		Checks:  map[string]bool{},
		Timeout: secondsVar(src, p, "DRILL_TIMEOUT_SECONDS"),
	}
	if r.ID == "" {
		r.ID = now.UTC().Format(drillTimestamp)
	}
	if r.Server.User == "" {
		r.Server.User = "sa"
	}
	for name, value := range map[string]string{"DRILL_SERVER_HOST": r.Server.Host, "DRILL_SERVER_PASSWORD": r.Server.Password} {
		if value == "" {
			p.add("%s is required (secrets may be given as <NAME>_FILE)", name)
		}
	}
	r.template = get(src, p, "DRILL_DATABASE_TEMPLATE")
	if r.template == "" {
		r.template = DefaultDrillTemplate
	}
	if !strings.Contains(r.template, "{timestamp}") {
		p.add("DRILL_DATABASE_TEMPLATE %q must contain {timestamp}: every drill restores into a database of its own", r.template)
	}
	checks := get(src, p, "DRILL_CHECKS")
	if checks == "" {
		checks = strings.Join(DrillChecks, ",")
	}
	for _, c := range strings.Split(checks, ",") {
		switch c = strings.TrimSpace(c); c {
		case CheckDBCC, CheckTotals:
			r.Checks[c] = true
		case "none", "":
		default:
			p.add("DRILL_CHECKS %q: %q is not a check (%s, or none)", checks, c, strings.Join(DrillChecks, ", "))
		}
	}
	return r
}
