package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
)

func baseEnv(dir string) env.Map {
	return env.Map{
		"GOBACKUP_WORKDIR": filepath.Join(dir, "work"), "GOBACKUP_CONFIG": filepath.Join(dir, "not-mounted.yml"),
		"MSSQL_HOST": "sql", "MSSQL_DATABASE": "Orders", "MSSQL_PASSWORD": "Pa$$w0rd",
		"MINIO_ENDPOINT": "https://s3.example.com", "MINIO_BUCKET": "sql-backups", "MINIO_ACCESS_KEY": "AKIA", "MINIO_SECRET_KEY": "wJal/r+X=",
	}
}

func TestPrepareRendersFromTheEnvironmentAndGivesGoBackupTheSecretsAsValues(t *testing.T) {
	dir := t.TempDir()
	src := baseEnv(dir)
	file := filepath.Join(dir, "secret")
	os.WriteFile(file, []byte("wJal/r+X=\n"), 0o600)
	delete(src, "MINIO_SECRET_KEY")
	src["MINIO_SECRET_KEY_FILE"] = file
	d, err := Prepare(src, []string{"MINIO_SECRET_KEY_FILE=" + file, "KEEP_ME=1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != "rendered from the environment" || d.Specs["main"].Text != "0 2 * * *" {
		t.Fatalf("got %+v", d)
	}
	joined := strings.Join(d.ChildEnv, "\n")
	if !strings.Contains(joined, "MINIO_SECRET_KEY=wJal/r+X=") || strings.Contains(joined, "MINIO_SECRET_KEY_FILE") || !strings.Contains(joined, "KEEP_ME=1") {
		t.Fatalf("child env:\n%s", joined)
	}
	if d.Redactor.String("x wJal/r+X= y") != "x [redacted] y" {
		t.Fatal("secrets must be redacted")
	}
}

func TestPrepareNamesEveryMissingVariableAndEveryValueGoBackupWouldMangle(t *testing.T) {
	dir := t.TempDir()
	src := baseEnv(dir)
	src["GOBACKUP_CONFIG_YAML"] = `workdir: /w
models:
  orders:
    schedule: {cron: "0 2 * * 7"}
    databases: {orders: {type: mssql, database: O, password: "${MSSQL_PASSWORD_ORDERS}"}}
    storages: {minio: {type: minio, bucket: b, access_key_id: "${KEY_ID}", secret_access_key: "P@$$w0rd"}}
`
	src["KEY_ID"] = "has space"
	_, err := Prepare(src, nil, true)
	text := ""
	if err != nil {
		text = err.Error()
	}
	for _, want := range []string{"missing required environment variable(s): MSSQL_PASSWORD_ORDERS", `the config holds "$$"`, "KEY_ID contains a space"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

func TestTheConfigGivenInTheEnvironmentWinsOverAMountedFile(t *testing.T) {
	dir := t.TempDir()
	src := baseEnv(dir)
	os.WriteFile(src["GOBACKUP_CONFIG"], []byte("models: {}\n"), 0o600)
	if _, source, err := configText(src, Settings{ConfigFile: src["GOBACKUP_CONFIG"]}); err != nil || source != src["GOBACKUP_CONFIG"] {
		t.Fatalf("a mounted file wins over rendering: %s %v", source, err)
	}
	src["GOBACKUP_CONFIG_YAML"] = "models: {}\n"
	if _, source, _ := configText(src, Settings{ConfigFile: src["GOBACKUP_CONFIG"]}); source != "GOBACKUP_CONFIG_YAML" {
		t.Fatalf("got %s", source)
	}
}

func writeState(t *testing.T, s Settings, daemonStarted time.Time, heartbeat time.Time, last records.Run) {
	t.Helper()
	records.WriteJSON(filepath.Join(s.StateDir, "deployment.json"), DeploymentFile{Models: []string{"orders"}, Mode: "daemon", MaxAgeSeconds: 93600, SettleSeconds: 120})
	records.WriteJSON(filepath.Join(s.StateDir, "volume.json"), Volume{FirstUsedAt: daemonStarted.Add(-48 * time.Hour)})
	records.WriteJSON(filepath.Join(s.StateDir, "daemon.json"), DaemonFile{PID: os.Getpid(), StartedAt: daemonStarted, HeartbeatAt: heartbeat})
	store := records.Store{Dir: s.StateDir}
	store.Update("orders", func(m *records.Model) {
		m.LastRun = &last
		ok := daemonStarted.Add(-20 * time.Hour)
		m.LastSuccess = &records.Run{FinishedAt: &ok, Archive: &records.Archive{Name: "a.tar"}}
	})
}

func TestAfterAFailedNightANewContainerIsReadyButStatusKeepsShowingTheFailure(t *testing.T) {
	s := Settings{StateDir: t.TempDir()}
	now := time.Now()
	failedAt := now.Add(-5 * time.Hour)
	writeState(t, s, now.Add(-10*time.Second), now, records.Run{StartedAt: failedAt, FinishedAt: &failedAt, Outcome: records.Failed, Cause: "Dump error: Login failed"})
	health := Assess(s, now, true)
	if !health.Healthy || !strings.HasPrefix(health.Lines[0], "ready:") || !strings.Contains(strings.Join(health.Lines, "\n"), "Login failed") {
		t.Fatalf("health during the settle time: %+v", health)
	}
	if status := Assess(s, now, false); status.Healthy {
		t.Fatalf("status must report the failure: %+v", status)
	}
	if later := Assess(s, now.Add(3*time.Minute), true); later.Healthy {
		t.Fatalf("after the settle time the failure counts: %+v", later)
	}
}

func TestAFailedFirstRunOfThisContainerNeverWedgesItsStartButCountsAfterTheSettleTime(t *testing.T) {
	// A schedule whose first tick falls seconds after the start (@every 5s, or * * * * *
	// one start in six): ready, so `pulumi up` goes on; the failure shows in status at
	// once, and in the health check from the end of the settle time.
	s := Settings{StateDir: t.TempDir()}
	now := time.Now()
	failedAt := now.Add(-2 * time.Second)
	writeState(t, s, now.Add(-10*time.Second), now, records.Run{StartedAt: failedAt, FinishedAt: &failedAt, Outcome: records.Failed, Cause: "Dump error"})
	if health := Assess(s, now, true); !health.Healthy || !strings.Contains(strings.Join(health.Lines, "\n"), "Dump error") {
		t.Fatalf("during the settle time: %+v", health)
	}
	if status := Assess(s, now, false); status.Healthy {
		t.Fatalf("status: %+v", status)
	}
	if later := Assess(s, now.Add(3*time.Minute), true); later.Healthy {
		t.Fatalf("after the settle time: %+v", later)
	}
}

func TestAStoppedSchedulerIsNotReady(t *testing.T) {
	s := Settings{StateDir: t.TempDir()}
	now := time.Now()
	ok := now.Add(-time.Hour)
	writeState(t, s, now.Add(-10*time.Second), now.Add(-2*time.Minute), records.Run{StartedAt: ok, FinishedAt: &ok, Outcome: records.Succeeded})
	if health := Assess(s, now, true); health.Healthy || !strings.Contains(health.Lines[0], "scheduler is not running") {
		t.Fatalf("got %+v", health)
	}
}

func TestAOneShotRunWritesItsOutcomeAsTheContainersTerminationMessage(t *testing.T) {
	dir := t.TempDir()
	message := filepath.Join(dir, "termination-log")
	t.Setenv("TERMINATION_MESSAGE_PATH", message)
	src := baseEnv(dir)
	delete(src, "MSSQL_HOST")
	var out bytes.Buffer
	if code := Main([]string{"tick"}, src, nil, &out, &out); code != 2 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	data, err := os.ReadFile(message)
	if err != nil || !strings.HasPrefix(string(data), "OUTCOME: failed: ") || !strings.Contains(string(data), "MSSQL_HOST") {
		t.Fatalf("termination message %q (%v)", data, err)
	}
}
