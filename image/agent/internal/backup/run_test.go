package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lease"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/mirror"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/retention"
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

// newHarness runs the model "orders" (keep: keep in the config, which becomes the
// agent's policy) with a local copy, against a bucket TEST DOUBLE that honours
// If-None-Match.
func newHarness(t *testing.T, keep int, extraEnv ...string) *harness {
	t.Helper()
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	os.MkdirAll(work, 0o700)
	text := strings.ReplaceAll(`workdir: "WORK"
models:
  orders:
    schedule:
      cron: "0 2 * * *"
    databases:
      orders:
        type: mssql
        host: sql
        database: Orders
        password: "${MSSQL_PASSWORD_ORDERS}"
    storages:
      minio:
        type: minio
        bucket: sql-backups
        endpoint: "http://127.0.0.1:1"
        path: p/orders
        access_key_id: "${MINIO_ACCESS_KEY}"
        secret_access_key: "${MINIO_SECRET_KEY}"
        keep: KEEP
      local:
        type: local
        path: "WORK/archives/orders"
        keep: 1
`, "WORK", work)
	text = strings.ReplaceAll(text, "KEEP", fmt.Sprint(keep))
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
		Paths: Paths{Workdir: work, StateDir: filepath.Join(work, ".sqlserver-backup"), GoBackupDir: filepath.Join(work, ".gobackup"),
			LocalCopies: filepath.Join(work, "archives"), GoBackup: filepath.Join(repo, "tests", "doubles", "gobackup-double"), ShimDir: shimDir},
		Config: cfg, ConfigText: text, ChildEnv: env, Redactor: redact.New(secret, "aB/c+d=e"),
		Records: records.Store{Dir: filepath.Join(work, ".sqlserver-backup")}, Location: time.UTC, Host: "test",
		Bucket: func(gbconfig.Storage) (s3store.Bucket, error) { return bucket, nil },
		Capabilities: func(ctx context.Context, _ gbconfig.Storage, b s3store.Bucket) (claim.Capabilities, error) {
			return claim.Discover(ctx, b, "p/orders/.agent/probe-"+claim.NewNonce(), true)
		},
		Versions: func() Versions { return Versions{GoBackup: "double", Agent: "test"} },
		Owner:    "shop/prod/orders", Retention: retention.Policy{KeepFailed: 1},
		Log: logx.New(lockedBuffer{mu, &buf}, "test"), KillGrace: 2 * time.Second,
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
		if strings.HasSuffix(k, ".tar") && !strings.Contains(k, "/.agent/") {
			out = append(out, k)
		}
	}
	return out
}

// oldVerified puts archives of earlier runs, each with a manifest (format 3), in the folder.
func (h *harness) oldVerified(names ...string) {
	for _, name := range names {
		h.bucket.Put(context.Background(), "p/orders/"+name, []byte("old"), "")
		m, _ := json.Marshal(catalog.Manifest{FormatVersion: 3, Archive: catalog.ManifestArchive{Key: "p/orders/" + name, Size: 3, SHA256: strings.Repeat("a", 64)}})
		h.bucket.Put(context.Background(), "p/orders/"+name+catalog.ManifestSuffix, m, "")
	}
}

// verified are the archives with a manifest.
func verified(b *s3storetest.FakeBucket) []string {
	var out []string
	for _, k := range b.Keys() {
		if strings.HasSuffix(k, ".tar"+catalog.ManifestSuffix) {
			out = append(out, strings.TrimSuffix(k, catalog.ManifestSuffix))
		}
	}
	return out
}

// runs runs the model n times, a second apart (archive names have one-second resolution).
func (h *harness) runs(t *testing.T, n int, mode string) []Result {
	t.Helper()
	var out []Result
	for i := 0; i < n; i++ {
		env := h.runner.ChildEnv
		h.runner.ChildEnv = append(append([]string{}, env...), "GOBACKUP_DOUBLE_MODE="+mode)
		out = append(out, h.runner.Run(context.Background(), "orders", "schedule", false))
		h.runner.ChildEnv = env
		time.Sleep(1100 * time.Millisecond)
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
	if entries, _ := os.ReadDir(h.runner.Paths.Runs("orders")); len(entries) != 0 {
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
	if len(verified(h.bucket)) != 0 || len(archives(t, h.bucket)) != 0 {
		t.Fatalf("no archive and no manifest for a failed export: %v", h.bucket.Keys())
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

func TestGoBackupGetsAConfigThatNeverPrunesAndStagesInTheModelsOwnFolder(t *testing.T) {
	h := newHarness(t, 2)
	copied := filepath.Join(h.dir, "seen.yml")
	h.runner.ChildEnv = append(h.runner.ChildEnv, "GOBACKUP_DOUBLE_CONFIG="+copied)
	if result := h.runner.Run(context.Background(), "orders", "once", true); result.Outcome != records.Succeeded {
		t.Fatalf("%+v\n%s", result, h.output())
	}
	data, _ := os.ReadFile(copied)
	text := string(data)
	if strings.Count(text, "keep: 0") != 2 || strings.Contains(text, "keep: 2") || strings.Contains(text, "keep: 1\n") {
		t.Fatalf("GoBackup would prune (keep must be 0 in every storage):\n%s", text)
	}
	if !strings.Contains(text, `workdir: "`+h.runner.Paths.Staging("orders")+`"`) || !strings.Contains(text, `"${MSSQL_PASSWORD_ORDERS}"`) {
		t.Fatalf("the run's config must stage in the model's folder and keep the env references:\n%s", text)
	}
}

func TestRunsThatFailAfterTheUploadKeepPlusOneTimesNeverDeleteTheVerifiedArchives(t *testing.T) {
	h := newHarness(t, 2)
	for _, r := range h.runs(t, 2, "ok") {
		if r.Outcome != records.Succeeded {
			t.Fatalf("%+v\n%s", r, h.output())
		}
	}
	kept := verified(h.bucket)
	// keep + 1 runs that upload bytes that are not the archive (GoBackup's own keep
	// pruned one verified archive for each of them).
	for _, r := range h.runs(t, 3, "corrupt") {
		if r.Outcome != records.Failed || r.Run.Archive != nil {
			t.Fatalf("%+v", r)
		}
	}
	for _, k := range kept {
		if _, err := os.Stat(filepath.Join(h.bucket.Dir, filepath.FromSlash(k))); err != nil {
			t.Fatalf("a verified archive was deleted after runs that failed after the upload: %s\n%v", k, h.bucket.Keys())
		}
	}
	if n := len(archives(t, h.bucket)); n != 5 {
		t.Fatalf("%d archives; want all 5 (nothing is deleted before a newer verified archive exists): %v", n, h.bucket.Keys())
	}
	// The next verified run applies the policy: the newest 2 verified and 1 failed run stay.
	if r := h.runs(t, 1, "ok")[0]; r.Outcome != records.Succeeded {
		t.Fatalf("%+v", r)
	}
	if v, all := verified(h.bucket), archives(t, h.bucket); len(v) != 2 || len(all) != 3 || v[0] != kept[1] {
		t.Fatalf("verified %v of %v; want %s and the new one, and the newest failed run's upload", v, all, kept[1])
	}
}

func TestAFailureAfterAVerifiedUploadLeavesARestorableArchiveAndSaysBoth(t *testing.T) {
	h := newHarness(t, 2)
	r := h.runs(t, 1, "local-error")[0]
	if r.Outcome != records.Failed || !strings.Contains(r.Cause, "Storage errors") || !strings.Contains(r.Cause, "verified all the same") || r.Run.Archive == nil {
		t.Fatalf("%+v", r)
	}
	record, _ := h.runner.Records.Read("orders")
	if record.LastVerified == nil || record.LastSuccess != nil {
		t.Fatalf("the run is not a success, but its archive is verified: %+v", record)
	}
}

func TestRetentionKeepsTheNewestKeepVerifiedArchivesAndLogsEachDeletionWithItsReason(t *testing.T) {
	h := newHarness(t, 2)
	// A failed run's upload (no manifest) and two old verified archives.
	h.oldVerified("2020.01.01.02.00.00.tar", "2020.01.02.02.00.00.tar")
	h.bucket.Put(context.Background(), "p/orders/2020.01.03.02.00.00.tar", []byte("failed run"), "")
	result := h.runs(t, 1, "ok")[0]
	if result.Outcome != records.Succeeded || len(result.Run.Retention) != 1 {
		t.Fatalf("%+v\n%s", result, h.output())
	}
	got := archives(t, h.bucket)
	if len(got) != 3 || got[0] != "p/orders/2020.01.02.02.00.00.tar" || got[1] != "p/orders/2020.01.03.02.00.00.tar" {
		t.Fatalf("kept %v; want the newest 2 verified and the newest failed run (keepFailed 1)", got)
	}
	removed := result.Run.Retention[0].Removed
	if len(removed) != 1 || removed[0].Name != "2020.01.01.02.00.00.tar" || !strings.Contains(removed[0].Reason, "older than the newest 2") {
		t.Fatalf("removed %+v", removed)
	}
	if !strings.Contains(h.output(), "retention deleted s3://sql-backups/p/orders/2020.01.01.02.00.00.tar: verified, but older than the newest 2") {
		t.Fatalf("the deletion is not logged with its reason:\n%s", h.output())
	}
	if _, err := os.Stat(filepath.Join(h.bucket.Dir, "p/orders/2020.01.01.02.00.00.tar"+catalog.ManifestSuffix)); err == nil {
		t.Fatal("the deleted archive's manifest stayed")
	}
}

func TestWhenTheBucketFailsDuringRetentionNothingIsDeletedAndTheRunSaysSo(t *testing.T) {
	for _, failing := range []string{"LIST =p/orders/", "GET p/orders/2020"} {
		h := newHarness(t, 1)
		h.oldVerified("2020.01.01.02.00.00.tar", "2020.01.02.02.00.00.tar")
		h.bucket.FailOn[failing] = errors.New("503 Service Unavailable")
		result := h.runs(t, 1, "ok")[0]
		if result.Outcome != records.Succeeded || len(result.Run.Retention) != 1 || !strings.Contains(result.Run.Retention[0].Problem, "nothing deleted") {
			t.Fatalf("%s: %+v", failing, result)
		}
		if n := len(archives(t, h.bucket)); n != 3 {
			t.Fatalf("%s: %d archives left, want all 3: %v", failing, n, h.bucket.Keys())
		}
	}
}

func TestASecondDeploymentInTheFolderIsRefusedBeforeItUploadsAnything(t *testing.T) {
	h := newHarness(t, 2)
	if r := h.runs(t, 1, "ok")[0]; r.Outcome != records.Succeeded {
		t.Fatalf("%+v", r)
	}
	before := archives(t, h.bucket)
	h.runner.Owner = "shop/dev/orders"
	r := h.runs(t, 1, "ok")[0]
	if r.Outcome != records.Failed || !strings.Contains(r.Cause, `belongs to deployment "shop/prod/orders"`) || !strings.Contains(r.Cause, "storage.takeOverFrom") {
		t.Fatalf("%+v", r)
	}
	if after := archives(t, h.bucket); len(after) != len(before) {
		t.Fatalf("the foreign deployment uploaded: %v -> %v", before, after)
	}
	h.runner.TakeOverFrom = "shop/prod/orders"
	if r := h.runs(t, 1, "ok")[0]; r.Outcome != records.Succeeded {
		t.Fatalf("a deliberate takeover failed: %+v", r)
	}
}

func TestALeaseHeldByAnotherHostSkipsAScheduledTickAndOnceWaitsForIt(t *testing.T) {
	h := newHarness(t, 2)
	other, err := lease.Acquire(context.Background(), h.bucket, lease.Holder{Host: "other-host", RunID: "elsewhere", Trigger: "schedule"},
		lease.Options{Folder: "p/orders/", Caps: claim.Capabilities{ConditionalWrites: claim.Honoured}, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tick := h.runner.Run(context.Background(), "orders", "schedule", false)
	if tick.Outcome != records.Skipped || !strings.Contains(tick.Cause, "other-host") {
		t.Fatalf("%+v", tick)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		other.Release()
	}()
	start := time.Now()
	once := h.runner.Run(context.Background(), "orders", "once", true)
	if once.Outcome != records.Succeeded || time.Since(start) < time.Second {
		t.Fatalf("once did not wait for the lease: %+v after %s", once, time.Since(start))
	}
	current, ok, _ := lease.Current(context.Background(), h.bucket, "p/orders/")
	if !ok || !current.Released {
		t.Fatalf("the run's lease is not released: %+v", current)
	}
}

func TestLeftoversOfAKilledRunAreRemovedBeforeTheNextRunAndItsUploadAborted(t *testing.T) {
	h := newHarness(t, 2)
	left := filepath.Join(h.runner.Paths.Staging("orders"), "1764813600000000000", "orders", "mssql", "orders")
	os.MkdirAll(left, 0o700)
	os.WriteFile(filepath.Join(left, "Orders.bacpac"), bytes.Repeat([]byte("x"), 1<<20), 0o600)
	oldLayout := filepath.Join(h.runner.Paths.Workdir, "1764813600000000001")
	os.MkdirAll(oldLayout, 0o700)
	h.bucket.PendingUploads = []s3store.Upload{{Key: "p/orders/2026.12.04.02.00.00.tar", UploadID: "u1"}, {Key: "p/other/x.tar", UploadID: "u2"}}
	if r := h.runs(t, 1, "ok")[0]; r.Outcome != records.Succeeded {
		t.Fatalf("%+v", r)
	}
	for _, gone := range []string{left, oldLayout} {
		if _, err := os.Stat(gone); err == nil {
			t.Fatalf("%s is still there", gone)
		}
	}
	if len(h.bucket.PendingUploads) != 1 || h.bucket.PendingUploads[0].UploadID != "u2" {
		t.Fatalf("the model's incomplete upload (only it) must be aborted: %+v", h.bucket.PendingUploads)
	}
	if !strings.Contains(h.output(), "1.0 MiB freed") {
		t.Fatalf("what was freed is not logged:\n%s", h.output())
	}
}

func TestAnErrorGoBackupLogsWhileExitingZeroFailsTheRun(t *testing.T) {
	h := newHarness(t, 2)
	r := h.runs(t, 1, "exit0-error")[0]
	if r.Outcome != records.Failed || !strings.Contains(r.Cause, "GoBackup logged an error and exited 0: Cleanup temp dir") {
		t.Fatalf("%+v", r)
	}
	if len(verified(h.bucket)) != 1 {
		t.Fatal("the archive reached the bucket exactly: it is verified and restorable all the same")
	}
}

func TestAStorageGoBackupSkippedAfterARecoveredPanicFailsTheRun(t *testing.T) {
	h := newHarness(t, 2)
	r := h.runs(t, 1, "no-local-copy")[0]
	if r.Outcome != records.Failed || !strings.Contains(r.Cause, "GoBackup did not write the local copy") {
		t.Fatalf("%+v", r)
	}
}

func TestALongLineIsRedactedBeforeItIsCut(t *testing.T) {
	h := newHarness(t, 2)
	// The secret straddles the 64 KiB cut: cut first, then redacted, its head would show.
	line := strings.Repeat("x", maxLine-4) + secret + strings.Repeat("y", 100) + "\n"
	out := &Output{}
	h.runner.forward(strings.NewReader(line), out, h.runner.Log)
	if strings.Contains(h.output(), secret[:4]) || !strings.Contains(h.output(), "[line cut]") {
		t.Fatalf("a secret's start leaked at the cut:\n%s", h.output()[len(h.output())-200:])
	}
}

func TestALeaseLeftByAKilledRunOnTheSameVolumeIsTakenOverAtOnce(t *testing.T) {
	h := newHarness(t, 2)
	h.runner.VolumeID = "volume-1"
	// A run from this volume was killed: its lease still looks live, but nobody holds the volume's lock.
	if _, err := lease.Acquire(context.Background(), h.bucket, lease.Holder{Host: "old-container", RunID: "killed", Volume: "volume-1"},
		lease.Options{Folder: "p/orders/", Caps: claim.Capabilities{ConditionalWrites: claim.Honoured}, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := h.runner.Run(context.Background(), "orders", "schedule", false); r.Outcome != records.Succeeded || time.Since(start) > 20*time.Second {
		t.Fatalf("%+v after %s", r, time.Since(start))
	}
	// Another volume's live lease is respected.
	if _, err := lease.Acquire(context.Background(), h.bucket, lease.Holder{Host: "other-host", RunID: "live", Volume: "volume-2"},
		lease.Options{Folder: "p/orders/", Caps: claim.Capabilities{ConditionalWrites: claim.Honoured}, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if r := h.runner.Run(context.Background(), "orders", "schedule", false); r.Outcome != records.Skipped {
		t.Fatalf("%+v", r)
	}
}

func mirrored(t *testing.T, b s3store.Bucket) records.Model {
	t.Helper()
	m, found, err := mirror.Read(context.Background(), b, "p/orders/")
	if err != nil || !found {
		t.Fatalf("no run record in the bucket: found %v, %v", found, err)
	}
	return m
}

func TestTheRunRecordIsMirroredInTheBucketAndANewVolumeStartsFromIt(t *testing.T) {
	h := newHarness(t, 2)
	h.runs(t, 1, "ok")
	h.runs(t, 1, "dump-error")
	m := mirrored(t, h.bucket)
	if m.LastRun == nil || m.LastRun.Outcome != records.Failed || m.LastVerified == nil || m.Counts["succeeded"] != 1 || m.Counts["failed"] != 1 {
		t.Fatalf("mirrored %+v", m)
	}
	// A new pod: an empty volume, the same bucket.
	fresh := newHarness(t, 2)
	fresh.runner.Bucket = h.runner.Bucket
	fresh.runner.ChildEnv = h.runner.ChildEnv
	fresh.runs(t, 1, "ok")
	local, _ := fresh.runner.Records.Read("orders")
	if local.Counts["succeeded"] != 2 || local.Counts["failed"] != 1 || mirrored(t, h.bucket).Counts["succeeded"] != 2 {
		t.Fatalf("the new volume did not start from the bucket's record: %+v", local.Counts)
	}
}

func TestAStoppedRunIsMirroredInterrupted(t *testing.T) {
	h := newHarness(t, 2).withMode("sleep")
	h.runner.ChildEnv = append(h.runner.ChildEnv, "GOBACKUP_DOUBLE_SLEEP=30")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h.runner.Run(ctx, "orders", "schedule", false)
	if m := mirrored(t, h.bucket); m.LastRun == nil || m.LastRun.Outcome != records.Interrupted {
		t.Fatalf("mirrored %+v", m.LastRun)
	}
}

func TestRunsAgainstOneSQLServerWaitForASlotWhenTheHostIsAtItsCap(t *testing.T) {
	hostSlotWait = 100 * time.Millisecond
	first, second := newHarness(t, 2), newHarness(t, 2)
	second.runner.Bucket = first.runner.Bucket
	for _, h := range []*harness{first, second} {
		h.runner.HostSlots = 1
	}
	model, _ := first.runner.Config.Model("orders")
	log := first.runner.Log
	held, err := first.runner.takeHostSlot(context.Background(), model, records.Run{ID: "a"}, log)
	if err != nil || held == nil {
		t.Fatalf("first: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := second.runner.takeHostSlot(context.Background(), model, records.Run{ID: "b"}, log)
		if l != nil {
			l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the second run took a slot while the only one was held: %v", err)
	case <-time.After(time.Second):
	}
	held.Release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second run did not get the slot once it was free")
	}
	if dir := HostSlotsDir("p/orders", "sql", 1433); dir != "p/.hosts/sql_1433/" {
		t.Fatalf("slots dir %s", dir)
	}
}

func TestAStoppedWaitForASlotIsAnInterruptedRun(t *testing.T) {
	hostSlotWait = 100 * time.Millisecond
	h := newHarness(t, 2)
	h.runner.HostSlots = 1
	model, _ := h.runner.Config.Model("orders")
	held, _ := h.runner.takeHostSlot(context.Background(), model, records.Run{ID: "other"}, h.runner.Log)
	defer held.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	result := h.runner.Run(ctx, "orders", "schedule", false)
	if result.Outcome != records.Interrupted || !strings.Contains(result.Cause, "waiting for a slot on sql:1433") {
		t.Fatalf("got %+v", result)
	}
}
