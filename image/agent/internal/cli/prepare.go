package cli

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/schedule"
)

// Deployment is a prepared, checked configuration the agent can run.
type Deployment struct {
	Settings Settings
	// Source says where the config came from, for the log.
	Source string
	// Text is the config as given; GoBackup expands it itself from ChildEnv.
	Text     string
	Config   gbconfig.Config
	ChildEnv []string
	Redactor *redact.Redactor
	Location *time.Location
	// CAPEM: certificates trusted besides the system's (MINIO_CA_CERT); CABundle: the
	// file with both that GoBackup reads (SSL_CERT_FILE), "" when none was given.
	CAPEM    []byte
	CABundle string
	Records  records.Store
	Specs    map[string]schedule.Spec
	// Drills: when the daemon runs restore drills (DRILL_SCHEDULE); nil: it does not.
	Drills *schedule.Spec

	// VolumeID: the workdir volume's id (set by Ready).
	VolumeID string

	probeMu sync.Mutex
	probes  map[string]probed
}

// ConfigError lists everything wrong with a configuration, each with what to do.
type ConfigError struct{ Problems []string }

// OneLine is the error on one line (an OUTCOME line).
func (e *ConfigError) OneLine() string {
	return fmt.Sprintf("invalid configuration: %s", strings.Join(e.Problems, "; "))
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// envSettings reads the variables a config is rendered from.
func envSettings(src env.Source, workdir string) gbconfig.EnvSettings {
	get := func(name string) string { v, _ := src.Lookup(name); return v }
	return gbconfig.EnvSettings{
		Workdir: workdir, Name: get("BACKUP_NAME"), Host: get("MSSQL_HOST"), Port: get("MSSQL_PORT"), Database: get("MSSQL_DATABASE"),
		Username: get("MSSQL_USERNAME"), TrustCert: get("MSSQL_TRUST_CERT"), Endpoint: get("MINIO_ENDPOINT"), Bucket: get("MINIO_BUCKET"),
		Region: get("MINIO_REGION"), Path: get("MINIO_PATH"), PathStyle: get("MINIO_FORCE_PATH_STYLE"), Cron: get("BACKUP_CRON"),
		Keep: get("BACKUP_KEEP"), LocalKeep: get("LOCAL_KEEP"), TimeoutSeconds: get("MINIO_TIMEOUT"), MaxRetries: get("MINIO_MAX_RETRIES"),
	}.WithDefaults()
}

// configText chooses the config: GOBACKUP_CONFIG_YAML, else a mounted file, else one
// rendered from the environment.
func configText(src env.Source, s Settings) (string, string, error) {
	if text, ok := src.Lookup("GOBACKUP_CONFIG_YAML"); ok && strings.TrimSpace(text) != "" {
		return text, "GOBACKUP_CONFIG_YAML", nil
	}
	if data, err := os.ReadFile(s.ConfigFile); err == nil {
		return string(data), s.ConfigFile, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("cannot read the mounted config %s: %w", s.ConfigFile, err)
	}
	rendered := envSettings(src, s.Workdir)
	var list []string
	for _, p := range rendered.Check() {
		list = append(list, p.String())
	}
	for _, secret := range []string{gbconfig.PasswordVar, gbconfig.AccessKeyVar, gbconfig.SecretKeyVar} {
		if _, ok, err := env.Get(src, secret); err != nil {
			list = append(list, err.Error())
		} else if !ok {
			list = append(list, secret+" is required (or "+secret+"_FILE)")
		}
	}
	if len(list) > 0 {
		sort.Strings(list)
		list = append(list, fmt.Sprintf("(or give the whole config in GOBACKUP_CONFIG_YAML, or mount it at %s)", s.ConfigFile))
		return "", "", &ConfigError{Problems: list}
	}
	text, err := rendered.Render()
	return text, "rendered from the environment", err
}

// Prepare loads and checks everything a run needs; daemon also requires schedules.
func Prepare(src env.Source, environ []string, daemon bool) (*Deployment, error) {
	s, err := LoadSettings(src)
	if err != nil {
		return nil, err
	}
	d := &Deployment{Settings: s, Records: records.Store{Dir: s.StateDir}, Specs: map[string]schedule.Spec{}}
	if d.Location, err = schedule.LoadLocation(s.TZ); err != nil {
		return nil, err
	}
	if d.Text, d.Source, err = configText(src, s); err != nil {
		return nil, err
	}
	var problems []string
	resolved := map[string]string{}
	expansion := gbconfig.Expand(d.Text, func(name string) (string, bool) {
		value, ok, err := env.Get(src, name)
		if err != nil {
			problems = append(problems, err.Error())
			return "", true
		}
		resolved[name] = value
		return value, ok
	})
	if len(expansion.Missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing required environment variable(s): %s (each may also be given as <NAME>_FILE)", strings.Join(expansion.Missing, " ")))
	}
	for _, eaten := range expansion.Eaten {
		problems = append(problems, fmt.Sprintf("the config holds %q, which GoBackup replaces with nothing (its $ expansion has no escape)", eaten))
	}
	for _, name := range expansion.Variables {
		if value, ok := resolved[name]; ok && value != "" {
			if p := gbconfig.SecretProblem(value); p != "" {
				problems = append(problems, fmt.Sprintf("%s %s (the value is not shown)", name, p))
			}
		}
	}
	if len(problems) == 0 {
		d.Config, err = gbconfig.Parse(expansion.Text)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			problems = append(problems, d.Config.Problems(daemon)...)
		}
	}
	if daemon && len(problems) == 0 {
		for _, m := range d.Config.Models {
			spec, err := schedule.Parse(m.Schedule.Cron)
			if err != nil {
				problems = append(problems, fmt.Sprintf("models.%s.schedule.cron: %v", m.Name, err))
				continue
			}
			d.Specs[m.Name] = spec
		}
		if spec, ok, err := drillSchedule(src); err != nil {
			problems = append(problems, err.Error())
		} else if ok {
			d.Drills = &spec
		}
	}
	caPEM, _, err := env.Get(src, "MINIO_CA_CERT")
	if err != nil {
		problems = append(problems, err.Error())
	} else if caPEM != "" {
		if p := pemProblem([]byte(caPEM)); p != "" {
			problems = append(problems, "MINIO_CA_CERT "+p)
		}
		d.CAPEM = []byte(caPEM)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	d.ChildEnv = childEnvironment(environ, resolved)
	secrets := make([]string, 0, len(resolved))
	for _, v := range resolved {
		secrets = append(secrets, v)
	}
	d.Redactor = redact.New(secrets...)
	return d, nil
}

// Ready creates what runs need on the volume: the agent's folders, the shims, the CA
// bundle, the baseline of the health clock and the deployment file.
func (d *Deployment) Ready(mode string) error {
	s := &d.Settings
	for _, dir := range []string{s.Workdir, s.StateDir, s.GoBackupDir, filepath.Join(s.Workdir, "tmp")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create %s: is the workdir volume writable by uid %d? %v", dir, os.Getuid(), err)
		}
	}
	if err := s.ensureShims(); err != nil {
		return fmt.Errorf("cannot create the tar and cp shims: %v", err)
	}
	if len(d.CAPEM) > 0 {
		bundle := filepath.Join(s.StateDir, "ca-bundle.pem")
		system := systemRoots()
		if err := os.WriteFile(bundle, append(append(system, '\n'), d.CAPEM...), 0o600); err != nil {
			return err
		}
		d.CABundle = bundle
	}
	baseline := filepath.Join(s.StateDir, "volume.json")
	var volume Volume
	if err := records.ReadJSON(baseline, &volume); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if volume.FirstUsedAt.IsZero() || volume.ID == "" {
		if volume.FirstUsedAt.IsZero() {
			volume.FirstUsedAt = time.Now().UTC()
		}
		if volume.ID == "" {
			volume.ID = claim.NewNonce()
		}
		if err := records.WriteJSON(baseline, volume); err != nil {
			return err
		}
	}
	d.VolumeID = volume.ID
	models := make([]string, 0, len(d.Config.Models))
	for _, m := range d.Config.Models {
		models = append(models, m.Name)
	}
	sort.Strings(models)
	return records.WriteJSON(filepath.Join(s.StateDir, "deployment.json"), DeploymentFile{Models: models, Mode: mode, MaxAgeSeconds: int(s.MaxAge.Seconds()), SettleSeconds: int(s.Settle.Seconds()), Source: d.Source, TZ: s.TZ,
		DrillMaxAgeSeconds: int(s.Drills.MaxAge.Seconds()), DrillUnhealthy: s.Drills.Unhealthy})
}

// Volume is the workdir volume's identity and first use (the health clock's baseline),
// kept across restarts.
type Volume struct {
	FirstUsedAt time.Time `json:"firstUsedAt"`
	// ID tells a lease taken from this volume from one taken elsewhere.
	ID string `json:"id,omitempty"`
}

// DeploymentFile tells `status` and the health check what this deployment runs.
type DeploymentFile struct {
	Models        []string `json:"models"`
	Mode          string   `json:"mode"`
	MaxAgeSeconds int      `json:"maxAgeSeconds"`
	SettleSeconds int      `json:"settleSeconds"`
	Source        string   `json:"configSource"`
	TZ            string   `json:"tz"`
	// DrillMaxAgeSeconds and DrillUnhealthy: how restore drills count (0: none expected).
	DrillMaxAgeSeconds int  `json:"drillMaxAgeSeconds,omitempty"`
	DrillUnhealthy     bool `json:"drillUnhealthy,omitempty"`
}

func pemProblem(data []byte) string {
	found := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return "holds a certificate that does not parse: " + err.Error()
		}
		found++
	}
	if found == 0 {
		return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
	}
	return ""
}

func systemRoots() []byte {
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"} {
		if data, err := os.ReadFile(f); err == nil {
			return data
		}
	}
	return nil
}

// childEnvironment is GoBackup's environment: the agent's, without the config text and
// without the _FILE variables of the secrets, which it gets as values instead.
func childEnvironment(environ []string, resolved map[string]string) []string {
	out := make([]string, 0, len(environ)+len(resolved))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if name == "GOBACKUP_CONFIG_YAML" || name == "PATH" || name == "TMPDIR" || name == "GOBACKUP_DIR" {
			continue
		}
		if base, isFile := strings.CutSuffix(name, "_FILE"); isFile {
			if _, ok := resolved[base]; ok {
				continue
			}
		}
		if _, ok := resolved[name]; ok {
			continue
		}
		out = append(out, kv)
	}
	names := make([]string, 0, len(resolved))
	for name := range resolved {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, name+"="+resolved[name])
	}
	return out
}
