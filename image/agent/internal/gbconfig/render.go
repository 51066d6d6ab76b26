package gbconfig

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvSettings are the variables a config is rendered from, for users of the image
// without Pulumi (the component renders the same shape in TypeScript:
// components/plan/gobackupConfig.ts; a contract test keeps the two in step).
type EnvSettings struct {
	Workdir        string
	Name           string
	Host           string
	Port           string
	Database       string
	Username       string
	TrustCert      string
	Endpoint       string
	Bucket         string
	Region         string
	Path           string
	PathStyle      string
	Cron           string
	Keep           string
	LocalKeep      string
	TimeoutSeconds string
	MaxRetries     string
}

// Defaults: the same as components/plan/defaults.ts.
var Defaults = EnvSettings{
	Workdir: "/tmp/gobackup", Name: "main", Port: "1433", Username: "sa", TrustCert: "false", Region: "us-east-1",
	Path: "backups/sqlserver", PathStyle: "true", Cron: "0 2 * * *", Keep: "14", LocalKeep: "2", TimeoutSeconds: "300", MaxRetries: "3",
}

// Variables the rendered config references (secrets, resolved from NAME or NAME_FILE).
const (
	PasswordVar  = "MSSQL_PASSWORD"
	AccessKeyVar = "MINIO_ACCESS_KEY"
	SecretKeyVar = "MINIO_SECRET_KEY"
)

// Problem is one thing wrong with the variables, named after the variable.
type Problem struct {
	Variable string
	Message  string
}

func (p Problem) String() string { return p.Variable + " " + p.Message }

// WithDefaults fills every empty field from Defaults.
func (s EnvSettings) WithDefaults() EnvSettings {
	fill := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	fill(&s.Workdir, Defaults.Workdir)
	fill(&s.Name, Defaults.Name)
	fill(&s.Port, Defaults.Port)
	fill(&s.Username, Defaults.Username)
	fill(&s.TrustCert, Defaults.TrustCert)
	fill(&s.Region, Defaults.Region)
	fill(&s.Path, Defaults.Path)
	fill(&s.PathStyle, Defaults.PathStyle)
	fill(&s.Cron, Defaults.Cron)
	fill(&s.Keep, Defaults.Keep)
	fill(&s.LocalKeep, Defaults.LocalKeep)
	fill(&s.TimeoutSeconds, Defaults.TimeoutSeconds)
	fill(&s.MaxRetries, Defaults.MaxRetries)
	return s
}

// Check lists every problem of settings that already have their defaults.
func (s EnvSettings) Check() []Problem {
	var problems []Problem
	add := func(variable, message string) {
		if message != "" {
			problems = append(problems, Problem{variable, message})
		}
	}
	required := map[string]string{"MSSQL_HOST": s.Host, "MSSQL_DATABASE": s.Database, "MINIO_ENDPOINT": s.Endpoint, "MINIO_BUCKET": s.Bucket}
	for _, name := range []string{"MSSQL_HOST", "MSSQL_DATABASE", "MINIO_ENDPOINT", "MINIO_BUCKET"} {
		if required[name] == "" {
			add(name, "is required")
		}
	}
	for name, value := range map[string]string{"MSSQL_HOST": s.Host, "MSSQL_DATABASE": s.Database, "MSSQL_USERNAME": s.Username, "MINIO_ENDPOINT": s.Endpoint, "MINIO_BUCKET": s.Bucket, "MINIO_REGION": s.Region, "MINIO_PATH": s.Path, "BACKUP_NAME": s.Name} {
		if value != "" {
			add(name, LiteralProblem(value))
		}
	}
	add("BACKUP_NAME", ModelNameProblem(s.Name))
	if s.Endpoint != "" {
		add("MINIO_ENDPOINT", EndpointProblem(s.Endpoint))
	}
	if s.Bucket != "" {
		add("MINIO_BUCKET", BucketProblem(s.Bucket))
	}
	add("MINIO_REGION", RegionProblem(s.Region))
	add("MINIO_PATH", PathProblem(s.Path))
	if p, err := strconv.Atoi(s.Port); err != nil || p < 1 || p > 65535 {
		add("MSSQL_PORT", "must be a port number from 1 to 65535")
	}
	for name, value := range map[string]string{"MSSQL_TRUST_CERT": s.TrustCert, "MINIO_FORCE_PATH_STYLE": s.PathStyle} {
		if value != "true" && value != "false" {
			add(name, "must be true or false")
		}
	}
	for name, value := range map[string]string{"BACKUP_KEEP": s.Keep, "MINIO_TIMEOUT": s.TimeoutSeconds} {
		if n, err := strconv.Atoi(value); err != nil || n < 1 {
			add(name, "must be a whole number of at least 1")
		}
	}
	for name, value := range map[string]string{"LOCAL_KEEP": s.LocalKeep, "MINIO_MAX_RETRIES": s.MaxRetries} {
		if n, err := strconv.Atoi(value); err != nil || n < 0 {
			add(name, "must be a whole number")
		}
	}
	return sortProblems(problems)
}

func sortProblems(p []Problem) []Problem {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].String() < p[j-1].String(); j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	return p
}

// node helpers: a mapping in the given key order; strings double-quoted, as the
// component renders them (GoBackup expands before parsing, so quoting is what keeps a
// value from changing the document).
type kv struct {
	key   string
	value *yaml.Node
}

func mapping(pairs ...kv) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range pairs {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p.key}, p.value)
	}
	return n
}

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.DoubleQuotedStyle}
}

func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func envRef(name string) *yaml.Node { return quoted("${" + name + "}") }

// Render writes the config for settings that passed Check (after WithDefaults). No
// storage gets a `keep`: retention is the agent's (BACKUP_KEEP, LOCAL_KEEP), applied
// after verification; GoBackup's own would prune before it.
func (s EnvSettings) Render() (string, error) {
	storages := []kv{{"minio", mapping(
		kv{"type", plain("minio")},
		kv{"bucket", quoted(s.Bucket)},
		kv{"endpoint", quoted(s.Endpoint)},
		kv{"region", quoted(s.Region)},
		kv{"path", quoted(s.Path + "/" + s.Name)},
		kv{"access_key_id", envRef(AccessKeyVar)},
		kv{"secret_access_key", envRef(SecretKeyVar)},
		kv{"force_path_style", plain(s.PathStyle)},
		kv{"timeout", plain(s.TimeoutSeconds)},
		kv{"max_retries", plain(s.MaxRetries)},
	)}}
	if s.LocalKeep != "0" {
		storages = append(storages, kv{"local", mapping(
			kv{"type", plain("local")},
			kv{"path", quoted(strings.TrimSuffix(s.Workdir, "/") + "/archives/" + s.Name)},
		)})
	}
	model := mapping(
		kv{"description", quoted(fmt.Sprintf("SQL Server database %s on %s,%s", s.Database, s.Host, s.Port))},
		kv{"schedule", mapping(kv{"cron", quoted(s.Cron)})},
		kv{"databases", mapping(kv{s.Name, mapping(
			kv{"type", plain("mssql")},
			kv{"host", quoted(s.Host)},
			kv{"port", plain(s.Port)},
			kv{"database", quoted(s.Database)},
			kv{"username", quoted(s.Username)},
			kv{"password", envRef(PasswordVar)},
			kv{"trust_server_certificate", plain(s.TrustCert)},
		)})},
		kv{"compress_with", mapping(kv{"type", plain("tar")}, kv{"filename_format", quoted("2006.01.02.15.04.05")})},
		kv{"default_storage", plain("minio")},
		kv{"storages", mapping(storages...)},
	)
	doc := mapping(
		kv{"workdir", quoted(s.Workdir)},
		kv{"web", mapping(kv{"enabled", plain("false")})},
		kv{"models", mapping(kv{s.Name, model})},
	)
	var b strings.Builder
	b.WriteString("# Rendered by the sqlserver-backup agent from its environment.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	enc.Close()
	return b.String(), nil
}
