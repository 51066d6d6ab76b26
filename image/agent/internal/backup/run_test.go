package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

// These tests run the Runner against the GoBackup TEST DOUBLE
// (tests/doubles/gobackup-double) and a directory-backed bucket TEST DOUBLE; the real
// engine and real S3 servers are the integration tier's.

var shimDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agent-shims-")
	if err != nil {
		panic(err)
	}
	agent := filepath.Join(dir, "sqlserver-backup-agent")
	build := exec.Command("go", "build", "-o", agent, "../..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building the agent for its tar and cp shims: " + err.Error())
	}
	shimDir = filepath.Join(dir, "shims")
	os.MkdirAll(shimDir, 0o700)
	for _, name := range []string{"tar", "cp"} {
		os.Symlink(agent, filepath.Join(shimDir, name))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const secret = "Pa$$w/rd+=x"

type harness struct {
	dir    string
	bucket *s3storetest.FakeBucket
	runner *Runner
	log    *bytes.Buffer
	mu     *sync.Mutex
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func newHarness(t *testing.T, keep int, extraEnv ...string) *harness {
	t.Helper()
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	os.MkdirAll(filepath.Join(work, "tmp"), 0o700)
	text := strings.ReplaceAll(`workdir: "WORK"
models:
  orders:
    schedule: {cron: "0 2 * * *"}
    databases:
      orders: {type: mssql, host: sql, database: Orders, password: "${MSSQL_PASSWORD_ORDERS}"}
    storages:
      minio: {type: minio, bucket: sql-backups, endpoint: "http://127.0.0.1:1", path: p/orders, access_key_id: "${MINIO_ACCESS_KEY}", secret_access_key: "${MINIO_SECRET_KEY}", keep: KEEP}
      local: {type: local, path: "WORK/archives/orders", keep: 1}
`, "WORK", work)
	text = strings.ReplaceAll(text, "KEEP", map[bool]string{true: "2", false: "0"}[keep == 2])
	values := map[string]string{"MSSQL_PASSWORD_ORDERS": secret, "MINIO_ACCESS_KEY": "backup-user", "MINIO_SECRET_KEY": "aB/c+d=e"}
	expanded := gbconfig.Expand(text, func(n string) (string, bool) { v, ok := values[n]; return v, ok })
	cfg, err := gbconfig.Parse(expanded.Text)
	if err != nil {
		t.Fatal(err)
	}
	bucket := s3storetest.NewFakeBucket("sql-backups", filepath.Join(dir, "bucket"))
	var buf bytes.Buffer
	mu := &sync.Mutex{}
	env := append([]string{"HOME=" + dir, "GOBACKUP_DOUBLE_UPLOAD_DIR=" + filepath.Join(dir, "bucket", "p", "orders"), "GOBACKUP_DOUBLE_SIZE=300000"}, extraEnv...)
	for k, v := range values {
		env = append(env, k+"="+v)
	}
	repo, _ := filepath.Abs("../../../..")
	r := &Runner{
		Paths: Paths{Workdir: work, StateDir: filepath.Join(work, ".sqlserver-backup"), GoBackupDir: filepath.Join(work, ".gobackup"), TempDir: filepath.Join(work, "tmp"),
			LocalCopies: filepath.Join(work, "archives"), GoBackup: filepath.Join(repo, "tests", "doubles", "gobackup-double"), ShimDir: shimDir},
		Config: cfg, ConfigText: text, ChildEnv: env, Redactor: redact.New(secret, "aB/c+d=e"),
		Records: records.Store{Dir: filepath.Join(work, ".sqlserver-backup")}, Location: time.UTC, Host: "test",
		Bucket:   func(gbconfig.Storage) (s3store.Bucket, error) { return bucket, nil },
		Versions: func() Versions { return Versions{GoBackup: "double", Agent: "test"} },
		Log:      logx.New(lockedBuffer{mu, &buf}, "test"), KillGrace: 2 * time.Second,
	}
	return &harness{dir: dir, bucket: bucket, runner: r, log: &buf, mu: mu}
}

func (h *harness) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

func (h *harness) withMode(mode string) *harness {
	h.runner.ChildEnv = append(h.runner.ChildEnv, "GOBACKUP_DOUBLE_MODE="+mode)
	return h
}

func archives(t *testing.T, b *s3storetest.FakeBucket) []string {
	var out []string
	for _, k := range b.Keys() {
		if strings.HasSuffix(k, ".tar") {
			out = append(out, k)
		}
	}
	return out
}

func TestARunIsVerifiedByETagWithoutReadingTheArchiveBackAndGetsAManifest(t *testing.T) {
	h := newHarness(t, 2)
	h.bucket.FailOn["GET p/orders/2"] = errors.New("the archive must not be downloaded again")
	result := h.runner.Run(context.Background(), "orders", "once", true)
	if result.Outcome != records.Succeeded {
		t.Fatalf("got %+v\n%s", result, h.output())
	}
	keys := archives(t, h.bucket)
	if len(keys) != 1 || result.Run.Archive.VerifiedBy != ByETag || result.Run.Archive.Locations[0] != "s3://sql-backups/"+keys[0] {
		t.Fatalf("archive %+v keys %v", result.Run.Archive, keys)
	}
	data, err := os.ReadFile(filepath.Join(h.bucket.Dir, filepath.FromSlash(keys[0]+catalog.ManifestSuffix)))
	if err != nil {
		t.Fatal("no manifest:", err)
	}
	m, err := catalog.ParseManifest(data)
	if err != nil || m.Archive.SHA256 != result.Run.Archive.SHA256 || len(m.Databases) != 1 || m.Databases[0].Database != "Orders" {
		t.Fatalf("manifest %+v %v", m, err)
	}
	record, _ := h.runner.Records.Read("orders")
	if record.LastSuccess == nil || record.LastRun.Outcome != records.Succeeded || record.Counts["succeeded"] != 1 {
		t.Fatalf("record %+v", record)
	}
	if entries, _ := os.ReadDir(filepath.Join(h.runner.Paths.StateDir, "runs")); len(entries) != 0 {
		t.Fatalf("the run's folder (config copy, archive link) must be removed: %v", entries)
	}
}

func TestAFailedExportIsRecordedWithGoBackupsOwnCauseAndNoSecret(t *testing.T) {
	h := newHarness(t, 2).withMode("dump-error")
	result := h.runner.Run(context.Background(), "orders", "schedule", false)
	if result.Outcome != records.Failed || !strings.Contains(result.Cause, "Dump error: *** Error exporting database:Could not connect to database server. | Login failed for user 'backup_user'.") {
		t.Fatalf("got %+v", result)
	}
	if strings.Contains(h.output(), secret) || !strings.Contains(h.output(), "/SourcePassword:"+redact.Placeholder) {
		t.Fatalf("GoBackup's output must be passed on with the password redacted:\n%s", h.output())
	}
	if len(h.bucket.Keys()) != 0 {
		t.Fatalf("no manifest for a failed run: %v", h.bucket.Keys())
	}
}

func TestExitZeroWithoutAnArchiveIsAFailure(t *testing.T) {
	h := newHarness(t, 2).withMode("no-archive")
	if result := h.runner.Run(context.Background(), "orders", "once", true); result.Outcome != records.Failed || !strings.Contains(result.Cause, "made no archive") {
		t.Fatalf("GoBackup exits 0 after a recovered panic; that must not pass as success: %+v", result)
	}
}

func TestAnUploadWithOtherBytesFailsVerification(t *testing.T) {
	for mode, want := range map[string]string{
		"corrupt":      "holds 307201 bytes, the archive GoBackup made has 307200",
		"flip":         "does not hold the bytes GoBackup archived",
		"not-uploaded": "the archive is not in the bucket",
		"upload-error": "AccessDenied: Access Denied. | status code: 403",
	} {
		h := newHarness(t, 2).withMode(mode)
		result := h.runner.Run(context.Background(), "orders", "once", true)
		if result.Outcome != records.Failed || !strings.Contains(result.Cause, want) {
			t.Errorf("%s: got %+v, want a failure saying %q", mode, result, want)
		}
		for _, k := range h.bucket.Keys() {
			if strings.HasSuffix(k, catalog.ManifestSuffix) {
				t.Errorf("%s: a manifest was written for an unverified archive: %s", mode, k)
			}
		}
	}
}

func TestAnETagThatSaysNothingIsVerifiedByReadingTheArchiveBack(t *testing.T) {
	h := newHarness(t, 2)
	h.bucket.ETagOverride = "kms-encrypted-etag"
	result := h.runner.Run(context.Background(), "orders", "once", true)
	if result.Outcome != records.Succeeded || result.Run.Archive.VerifiedBy != ByDownload {
		t.Fatalf("got %+v", result)
	}
}

func TestATickThatFindsARunInProgressIsSkippedAndRecorded(t *testing.T) {
	h := newHarness(t, 2)
	held, err := lock.TryAcquire(h.runner.Records.LockFile("orders"), lock.Holder{PID: 7, Trigger: "once", RunID: "other", StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	result := h.runner.Run(context.Background(), "orders", "schedule", false)
	record, _ := h.runner.Records.Read("orders")
	if result.Outcome != records.Skipped || record.Counts["skipped"] != 1 || record.LastSkip == nil || !strings.Contains(record.LastSkip.Reason, "run other") {
		t.Fatalf("got %+v, record %+v", result, record)
	}
	if record.LastRun != nil {
		t.Fatal("a skipped tick is not a run")
	}
}

func TestOnceWaitsForTheRunInProgressAndThenBacksUp(t *testing.T) {
	h := newHarness(t, 2)
	held, _ := lock.TryAcquire(h.runner.Records.LockFile("orders"), lock.Holder{PID: 7, Trigger: "schedule", RunID: "scheduled"})
	go func() {
		time.Sleep(1500 * time.Millisecond)
		held.Release()
	}()
	start := time.Now()
	result := h.runner.Run(context.Background(), "orders", "once", true)
	if result.Outcome != records.Succeeded || time.Since(start) < time.Second {
		t.Fatalf("got %+v after %s", result, time.Since(start))
	}
}

func TestTwoRunsOfOneModelNeverOverlap(t *testing.T) {
	h := newHarness(t, 2).withMode("sleep")
	h.runner.ChildEnv = append(h.runner.ChildEnv, "GOBACKUP_DOUBLE_SLEEP=2")
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 300 * time.Millisecond)
			results[i] = h.runner.Run(context.Background(), "orders", "schedule", false)
		}(i)
	}
	wg.Wait()
	if results[0].Outcome != records.Succeeded || results[1].Outcome != records.Skipped {
		t.Fatalf("got %+v / %+v", results[0].Outcome, results[1].Outcome)
	}
}

func TestAStoppedRunIsRecordedInterrupted(t *testing.T) {
	h := newHarness(t, 2).withMode("sleep")
	h.runner.ChildEnv = append(h.runner.ChildEnv, "GOBACKUP_DOUBLE_SLEEP=30")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	result := h.runner.Run(ctx, "orders", "schedule", false)
	record, _ := h.runner.Records.Read("orders")
	if result.Outcome != records.Interrupted || record.LastRun.Outcome != records.Interrupted || time.Since(start) > 10*time.Second {
		t.Fatalf("got %+v after %s", result, time.Since(start))
	}
}

func TestUntrackedArchivesAreReportedAndPrunedOnlyWhenAskedTo(t *testing.T) {
	for _, prune := range []bool{false, true} {
		h := newHarness(t, 2)
		h.runner.PruneUntracked = prune
		for _, old := range []string{"2020.01.01.02.00.00.tar", "2020.01.02.02.00.00.tar", "2020.01.03.02.00.00.tar"} {
			h.bucket.Put(context.Background(), "p/orders/"+old, []byte("old"), "")
		}
		result := h.runner.Run(context.Background(), "orders", "once", true)
		record, _ := h.runner.Records.Read("orders")
		if result.Outcome != records.Succeeded || len(record.Untracked) != 1 || len(record.Untracked[0].Beyond) != 2 {
			t.Fatalf("prune=%v: %+v %+v", prune, result, record.Untracked)
		}
		left := len(archives(t, h.bucket))
		if (prune && left != 2) || (!prune && left != 4) {
			t.Fatalf("prune=%v: %d archives left: %v", prune, left, h.bucket.Keys())
		}
	}
}

func TestAnUnreadableRetentionStateIsSeededFromTheBucketListing(t *testing.T) {
	h := newHarness(t, 2)
	h.bucket.Put(context.Background(), "p/orders/2020.01.01.02.00.00.tar", []byte("old"), "")
	h.bucket.Put(context.Background(), "p/orders/.gobackup-state/orders_minio.json", []byte("[]"), "")
	h.bucket.FailOn["GET p/orders/.gobackup-state/"] = errors.New("AccessDenied")
	result := h.runner.Run(context.Background(), "orders", "once", true)
	if result.Outcome != records.Succeeded || len(result.Run.Warnings) != 1 || !strings.Contains(result.Run.Warnings[0], "seeded from the bucket's 1 archive") {
		t.Fatalf("got %+v", result)
	}
	data, _ := os.ReadFile(LocalStateFile(h.runner.Paths.GoBackupDir, "orders", "minio"))
	var state []statePackage
	if json.Unmarshal(data, &state) != nil || len(state) != 1 || state[0].FileKey != "2020.01.01.02.00.00.tar" {
		t.Fatalf("local state %s", data)
	}
}
