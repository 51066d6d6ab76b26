package restore

import (
	"regexp"
	"strconv"
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

// LoadDrillRequest reads a drill from the environment: DRILL_SERVER_HOST, _PORT,
// _USERNAME, _PASSWORD (or _FILE), DRILL_TRUST_CERT, DRILL_SOURCE_DATABASE,
// DRILL_DATABASE_TEMPLATE, DRILL_CHECKS, DRILL_TIMEOUT_SECONDS and DRILL_ID. Every
// problem is named at once.
func LoadDrillRequest(src env.Source, now time.Time) (DrillRequest, error) {
	var p Problems
	r := DrillRequest{
		ID: get(src, &p, "DRILL_ID"),
		Server: sqlserver.Server{Host: get(src, &p, "DRILL_SERVER_HOST"), User: get(src, &p, "DRILL_SERVER_USERNAME"),
			Password: get(src, &p, "DRILL_SERVER_PASSWORD")},
		SourceDatabase: get(src, &p, "DRILL_SOURCE_DATABASE"),
		Checks:         map[string]bool{},
	}
	if r.ID == "" {
		r.ID = now.UTC().Format(drillTimestamp)
	}
	if r.Server.User == "" {
		r.Server.User = "sa"
	}
	port := get(src, &p, "DRILL_SERVER_PORT")
	if port == "" {
		port = "1433"
	}
	var err error
	if r.Server.Port, err = strconv.Atoi(port); err != nil || r.Server.Port < 1 || r.Server.Port > 65535 {
		p.add("DRILL_SERVER_PORT must be a port number from 1 to 65535")
	}
	switch v := strings.ToLower(get(src, &p, "DRILL_TRUST_CERT")); v {
	case "", "0", "false":
	case "1", "true":
		r.Server.TrustCert = true
	default:
		p.add("DRILL_TRUST_CERT must be true or false")
	}
	for name, value := range map[string]string{"DRILL_SERVER_HOST": r.Server.Host, "DRILL_SERVER_PASSWORD": r.Server.Password, "DRILL_SOURCE_DATABASE": r.SourceDatabase} {
		if value == "" {
			p.add("%s is required (secrets may be given as <NAME>_FILE)", name)
		}
	}
	template := get(src, &p, "DRILL_DATABASE_TEMPLATE")
	if template == "" {
		template = DefaultDrillTemplate
	}
	if !strings.Contains(template, "{timestamp}") {
		p.add("DRILL_DATABASE_TEMPLATE %q must contain {timestamp}: every drill restores into a database of its own", template)
	}
	r.Database = DrillDatabaseName(template, r.SourceDatabase, now)
	if r.SourceDatabase != "" && !drillDatabaseName.MatchString(r.Database) {
		p.add("DRILL_DATABASE_TEMPLATE %q gives %q, not a database name SQL Server takes unquoted (a letter or _, then letters, digits, _ @ # $ -, at most 128)", template, r.Database)
	}
	checks := get(src, &p, "DRILL_CHECKS")
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
	if t := get(src, &p, "DRILL_TIMEOUT_SECONDS"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 60 {
			p.add("DRILL_TIMEOUT_SECONDS must be a whole number of seconds, at least 60")
		}
		r.Timeout = time.Duration(n) * time.Second
	}
	if len(p) > 0 {
		return r, p
	}
	return r, nil
}
