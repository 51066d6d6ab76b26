package gbconfig

import (
	"strings"
	"testing"
)

func lookup(values map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := values[name]
		return v, ok
	}
}

func TestExpandDoesWhatGoBackupsExpandEnvDoes(t *testing.T) {
	e := Expand(`password: "${MSSQL_PASSWORD}" user: $USER_X odd: "P@$$w0rd ${A:-b} $1"`, lookup(map[string]string{"MSSQL_PASSWORD": "Pa$$w/rd+=", "USER_X": "sa"}))
	if !strings.Contains(e.Text, `password: "Pa$$w/rd+="`) {
		t.Errorf("a value is inserted verbatim, not expanded again: %s", e.Text)
	}
	if !strings.Contains(e.Text, `odd: "P@w0rd  "`) {
		t.Errorf("$$, ${A:-b} and $1 expand to nothing, as in GoBackup: %s", e.Text)
	}
	if strings.Join(e.Variables, ",") != "MSSQL_PASSWORD,USER_X" || len(e.Missing) != 0 {
		t.Errorf("variables %v missing %v", e.Variables, e.Missing)
	}
	if strings.Join(e.Eaten, ",") != "$$,$1,${A:-b}" {
		t.Errorf("eaten %v", e.Eaten)
	}
}

func TestParseReadsKeysCaseInsensitivelyWithGoBackupsDefaults(t *testing.T) {
	cfg, err := Parse(`
workdir: /tmp/gobackup
models:
  Orders:
    schedule: {cron: "0 2 * * *"}
    databases:
      orders: {type: mssql, host: sql, Port: "14330", database: Orders}
    storages:
      minio: {type: minio, bucket: b, endpoint: "http://m:9000", path: p/orders, access_key_id: k, secret_access_key: s, keep: "7"}
      local: {type: local, path: /tmp/gobackup/archives/orders, keep: 2}
`)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := cfg.Model("orders")
	if !ok || m.Compress != "tar" || m.FilenameFormat != "2006.01.02.15.04.05" {
		t.Fatalf("model %+v", m)
	}
	s := m.S3Storages()[0]
	if s.Keep != 7 || !s.PathStyle || s.Region != "us-east-1" || s.TimeoutSeconds != 300 || s.ObjectKey("a.tar") != "p/orders/a.tar" || s.StateKey("orders") != "p/orders/.gobackup-state/orders_minio.json" {
		t.Fatalf("storage %+v", s)
	}
	if m.Databases[0].Port != 14330 || m.Databases[0].Username != "sa" {
		t.Fatalf("database %+v", m.Databases[0])
	}
	if p := cfg.Problems(true); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

func TestProblemsNameWhatTheAgentCannotVerify(t *testing.T) {
	cfg, err := Parse(`
models:
  orders:
    schedule: {every: 1day}
    encrypt_with: {type: openssl}
    databases: {pg: {type: postgresql}}
    storages: {ftp: {type: ftp}}
`)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(cfg.Problems(true), "\n")
	for _, want := range []string{"workdir: is not set", "encrypt_with", "postgresql", "no storage of type minio or s3", "storages.ftp.type", "schedule.every"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

func TestSecretProblemMatchesTheComponentsRule(t *testing.T) {
	for secret, ok := range map[string]bool{
		"Pa$$w0rd/+=": true, "it's": true, "with space": false, "a\"b": false, `a\b`: false, "a\u2028b": false, "": false, "tab\there": false,
	} {
		if got := SecretProblem(secret) == ""; got != ok {
			t.Errorf("%q: acceptable=%v, want %v", secret, got, ok)
		}
	}
}

func TestRenderFromTheEnvironmentParsesBackToTheSameSettings(t *testing.T) {
	s := EnvSettings{Host: "sql.internal", Database: "Orders", Endpoint: "https://s3.example.com", Bucket: "sql-backups", LocalKeep: "3", PathStyle: "false"}.WithDefaults()
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	text, err := s.Render()
	if err != nil {
		t.Fatal(err)
	}
	e := Expand(text, lookup(map[string]string{PasswordVar: "p", AccessKeyVar: "k", SecretKeyVar: "s"}))
	cfg, err := Parse(e.Text)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cfg.Model("main")
	if m.Schedule.Cron != "0 2 * * *" || len(m.LocalStorages()) != 1 || m.S3Storages()[0].PathStyle || m.S3Storages()[0].Path != "backups/sqlserver/main" {
		t.Fatalf("got %+v", m)
	}
	if strings.Contains(text, "keep") {
		t.Fatalf("retention is the agent's (BACKUP_KEEP, LOCAL_KEEP): GoBackup must get no keep:\n%s", text)
	}
	if p := cfg.Problems(true); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

func TestCheckNamesEveryBadVariable(t *testing.T) {
	p := EnvSettings{Host: "sql internal", Endpoint: "minio:9000", Bucket: "B", Port: "0", Keep: "0"}.WithDefaults().Check()
	text := ""
	for _, x := range p {
		text += x.String() + "\n"
	}
	for _, want := range []string{"MSSQL_DATABASE is required", "MSSQL_HOST contains whitespace", "MINIO_ENDPOINT must be a URL", "MINIO_BUCKET must be 3-63", "MSSQL_PORT must be a port", "BACKUP_KEEP must be a whole number of at least 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

func TestTheRunsConfigStagesInTheModelsFolderAndSetsEveryKeepToZero(t *testing.T) {
	text := "# mounted\nworkdir: /data\nmodels:\n  orders:\n    storages:\n      s3: {type: s3, keep: 14, secret_access_key: \"${MINIO_SECRET_KEY}\"}\n      local:\n        type: local\n        Keep: 3\n"
	out, err := RunConfig(text, "/data/staging/orders")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(Expand(out, lookup(map[string]string{"MINIO_SECRET_KEY": "x"})).Text)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cfg.Model("orders")
	if cfg.Workdir != "/data/staging/orders" || m.Storages[0].Keep != 0 || m.Storages[1].Keep != 0 {
		t.Fatalf("got %+v\n%s", cfg, out)
	}
	if !strings.Contains(out, `"${MINIO_SECRET_KEY}"`) || !strings.Contains(out, "# mounted") {
		t.Fatalf("env references and comments must survive:\n%s", out)
	}
}

func TestCheckRefusesCompressorsRestoreCannotReadAndCompressArgs(t *testing.T) {
	for _, section := range []string{"compress_with: {type: tgz}", "compress_with: {type: tar, args: --zstd}"} {
		cfg, err := Parse("workdir: /w\nmodels:\n  orders:\n    " + section + "\n    databases: {orders: {type: mssql}}\n    storages: {s3: {type: s3, bucket: b, access_key_id: k, secret_access_key: s}}\n")
		if err != nil {
			t.Fatal(err)
		}
		problems := strings.Join(cfg.Problems(false), "\n")
		if !strings.Contains(problems, "compress_with") {
			t.Errorf("%s passes check: %s", section, problems)
		}
	}
}
