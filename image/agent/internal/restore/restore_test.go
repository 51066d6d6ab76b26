package restore

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/env"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

// Restores here import with the sqlpackage TEST DOUBLE (tests/doubles/sqlpackage-double)
// into a directory-backed bucket TEST DOUBLE; real MinIO and versitygw are the
// integration tier's.

var sqlpackage string

func init() { claim.Settle = 50 * time.Millisecond }

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "sqlpackage-double-")
	sqlpackage = filepath.Join(dir, "sqlpackage")
	build := exec.Command("go", "build", "-o", sqlpackage, ".")
	build.Dir = "../../../../tests/doubles/sqlpackage-double"
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tarWithBacpac is an archive as GoBackup makes it, holding a bacpac (a zip, as
// sqlpackage writes one) with content.
func tarWithBacpac(t *testing.T, text string) []byte {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("model.xml")
	w.Write([]byte(text))
	zw.Close()
	content := zipped.String()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "orders/mssql/orders/Orders.bacpac", Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg})
	tw.Write([]byte(content))
	tw.Close()
	return buf.Bytes()
}

// backup puts an archive (and, with manifest, a manifest for exactly its bytes) in the bucket.
func backup(t *testing.T, b *s3storetest.FakeBucket, name string, manifest bool) []byte {
	data := tarWithBacpac(t, "bacpac of "+name)
	key := "backups/sqlserver/orders/" + name
	b.Put(context.Background(), key, data, "")
	if manifest {
		sum := sha256.Sum256(data)
		m, _ := json.Marshal(catalog.Manifest{FormatVersion: 3, Model: "orders", Archive: catalog.ManifestArchive{Key: key, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}})
		b.Put(context.Background(), key+catalog.ManifestSuffix, m, "")
	}
	return data
}

func restorer(t *testing.T) (*Restorer, *s3storetest.FakeBucket, *bytes.Buffer) {
	dir := t.TempDir()
	b := s3storetest.NewFakeBucket("sql-backups", filepath.Join(dir, "bucket"))
	var log bytes.Buffer
	return &Restorer{Location: Location{Prefix: "backups/sqlserver", Database: "orders"}, Bucket: b, TZ: time.UTC, Workdir: dir, Sqlpackage: sqlpackage,
		Redactor: redact.New("target-Pa55"), Log: logx.New(&log, "restore"), Host: "test"}, b, &log
}

func request(backup string) Request {
	return Request{Backup: backup, TargetHost: "sql", TargetPort: 1433, TargetDatabase: "Orders_Restored", TargetUser: "sa", TargetPassword: "target-Pa55", Timeout: time.Minute}
}

func TestLatestIsTheNewestVerifiedArchiveAndUnverifiedOnesAreSkipped(t *testing.T) {
	r, b, log := restorer(t)
	backup(t, b, "2026.11.21.02.00.00.tar", true)
	want := backup(t, b, "2026.11.22.02.00.00.tar", true)
	backup(t, b, "2026.11.23.02.00.00.tar", false)
	copyTo := filepath.Join(t.TempDir(), "imported.bacpac")
	t.Setenv("SQLPACKAGE_DOUBLE_IMPORT_COPY", copyTo)
	outcome := r.Restore(context.Background(), request("latest"))
	if outcome.Code != ExitSucceeded {
		t.Fatalf("got %+v\n%s", outcome, log)
	}
	got, _ := os.ReadFile(copyTo)
	if !bytes.Contains(want, got) || !strings.Contains(log.String(), "skipping backups/sqlserver/orders/2026.11.23.02.00.00.tar") {
		t.Fatalf("imported %q; log:\n%s", got, log)
	}
	if strings.Contains(log.String(), "target-Pa55") {
		t.Fatal("the target password must never be logged")
	}
}

func TestBeforeTakesTheNewestVerifiedArchiveTakenBeforeTheTime(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.21.02.00.00.tar", true)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	folder, _ := catalog.Read(context.Background(), b, r.Location.Folder(), FilenameFormat, time.UTC)
	folder.Inspect(context.Background(), b)
	req := request("before:2026-11-22T01:00:00Z")
	req.Before, _ = ParseBefore("2026-11-22T01:00:00Z", time.UTC)
	e, _, err := Select(folder, req)
	if err != nil || e.Name != "2026.11.21.02.00.00.tar" {
		t.Fatalf("got %+v %v", e, err)
	}
}

func TestACorruptArchiveIsRefusedUnlessForced(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	b.Put(context.Background(), "backups/sqlserver/orders/2026.11.22.02.00.00.tar", tarWithBacpac(t, "other bytes entirely"), "")
	if outcome := r.Restore(context.Background(), request("latest")); outcome.Code != ExitFailed || !strings.Contains(outcome.Line, "is corrupt") {
		t.Fatalf("got %+v", outcome)
	}
	if left := filesUnder(t, r.Workdir); len(left) != 0 {
		t.Fatalf("a refused archive left %v in the workdir", left)
	}
	forced := request("latest")
	forced.Force = true
	if outcome := r.Restore(context.Background(), forced); outcome.Code != ExitSucceeded {
		t.Fatalf("forced: %+v", outcome)
	}
}

// filesUnder lists the files below dir, the bucket's folder excepted.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() && d.Name() == "bucket" {
			return filepath.SkipDir
		}
		if d != nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	return files
}

func TestWhatAKilledRestoreLeftIsRemovedByTheNextAndALiveRestoresFolderIsNot(t *testing.T) {
	r, b, log := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	// A restore killed during its download: its folder and a partial bacpac, nobody holding its lock.
	killed := filepath.Join(r.Workdir, "restore-killed")
	os.MkdirAll(killed, 0o750)
	os.WriteFile(filepath.Join(killed, "Orders.bacpac"), make([]byte, 4096), 0o600)
	os.WriteFile(filepath.Join(killed, ".lock"), nil, 0o600)
	// One still running (in another process, as far as the lock tells).
	live := filepath.Join(r.Workdir, "restore-live")
	os.MkdirAll(live, 0o750)
	held, err := lock.TryAcquire(filepath.Join(live, ".lock"), lock.Holder{PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if outcome := r.Restore(context.Background(), request("latest")); outcome.Code != ExitSucceeded {
		t.Fatalf("got %+v", outcome)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Fatalf("the killed restore's folder is still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Fatalf("the live restore's folder was removed: %v", err)
	}
	if !strings.Contains(log.String(), "left by a restore that did not finish") {
		t.Fatalf("the removal is not logged:\n%s", log.String())
	}
}

func TestAnIDRunsOnceEvenWhenTwoRestoresRace(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	t.Setenv("SQLPACKAGE_DOUBLE_DELAY_SECONDS", "1")
	var wg sync.WaitGroup
	outcomes := make([]Outcome, 2)
	for i := range outcomes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := request("latest")
			req.ID = "incident-1"
			outcomes[i] = r.Restore(context.Background(), req)
		}(i)
	}
	wg.Wait()
	codes := map[int]int{}
	for _, o := range outcomes {
		codes[o.Code]++
	}
	if codes[ExitSucceeded] != 1 || codes[ExitAlreadyRan] != 1 {
		t.Fatalf("got %+v, want exactly one run and one already-ran", outcomes)
	}
	data, _ := b.ReadAll(context.Background(), "backups/sqlserver/.restores/incident-1.json")
	var c Claim
	json.Unmarshal(data, &c)
	if c.Result != "succeeded" || c.Archive != "backups/sqlserver/orders/2026.11.22.02.00.00.tar" {
		t.Fatalf("claim %+v", c)
	}
}

func TestAClaimThatCannotBeWrittenFailsClosed(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	b.FailOn["PUT backups/sqlserver/.restores/"] = errors.New("InternalError: We encountered an internal error")
	req := request("latest")
	req.ID = "incident-2"
	if outcome := r.Restore(context.Background(), req); outcome.Code != ExitFailed || !strings.Contains(outcome.Line, "cannot claim") {
		t.Fatalf("got %+v", outcome)
	}
}

func TestARequestWithAnUnreadableTimeIsRefusedBeforeItsIDIsUsed(t *testing.T) {
	_, err := LoadRequest(env.Map{"RESTORE_BACKUP": "before:yesterday", "RESTORE_TARGET_HOST": "sql", "RESTORE_TARGET_DATABASE": "[Orders]", "RESTORE_TARGET_PASSWORD": "x", "RESTORE_TARGET_USERNAME": `CORP\svc`, "RESTORE_ID": "Bad_ID"}, time.UTC)
	text := ""
	if err != nil {
		text = err.Error()
	}
	for _, want := range []string{"is not a time", "without brackets", "Windows login", "RESTORE_ID"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in %s", want, text)
		}
	}
}

func TestParseBeforeReadsTheDocumentedForms(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for text, want := range map[string]string{
		"2026-11-23T02:30:00Z":      "2026-11-23T02:30:00Z",
		"2026-11-23T03:30:00+01:00": "2026-11-23T02:30:00Z",
		"2026-11-23T03:30":          "2026-11-23T02:30:00Z",
		"2026-11-23 03:30:00":       "2026-11-23T02:30:00Z",
		"2026-11-23":                "2026-11-22T23:00:00Z",
	} {
		got, err := ParseBefore(text, berlin)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("%s: %v %v, want %s", text, got.UTC(), err, want)
		}
	}
}

func TestTheRestoreIdentityIsPreferredOverTheBackupUsersKeys(t *testing.T) {
	l, err := LoadLocation(env.Map{"MINIO_ENDPOINT": "http://m:9000", "MINIO_BUCKET": "b", "MINIO_ACCESS_KEY": "backup", "MINIO_SECRET_KEY": "backup-secret", "RESTORE_ACCESS_KEY": "restore", "RESTORE_SECRET_KEY": "restore-secret"})
	if err != nil || l.AccessKeyID != "restore" || l.SecretAccessKey != "restore-secret" {
		t.Fatalf("got %+v %v", l, err)
	}
	l, _ = LoadLocation(env.Map{"MINIO_ENDPOINT": "http://m:9000", "MINIO_BUCKET": "b", "MINIO_ACCESS_KEY": "backup", "MINIO_SECRET_KEY": "backup-secret"})
	if l.AccessKeyID != "backup" {
		t.Fatalf("without a restore identity, the backup keys: %+v", l)
	}
}

func TestARestoreIDRunsOnceOnAServerThatIgnoresIfNoneMatchWhenTheBucketIsVersioned(t *testing.T) {
	r, b, _ := restorer(t)
	b.IgnoresIfNoneMatch, b.Versioning = true, true
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	req := request("latest")
	req.ID = "incident-3"
	if o := r.Restore(context.Background(), req); o.Code != ExitSucceeded {
		t.Fatalf("first: %+v", o)
	}
	if o := r.Restore(context.Background(), req); o.Code != ExitAlreadyRan || !strings.Contains(o.Line, "succeeded") {
		t.Fatalf("the same id ran twice on a server that ignores If-None-Match: %+v", o)
	}
}

func TestARestoreIDIsRefusedWhereNothingCanMakeItRunOnce(t *testing.T) {
	r, b, _ := restorer(t)
	b.IgnoresIfNoneMatch = true
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	req := request("latest")
	req.ID = "incident-4"
	o := r.Restore(context.Background(), req)
	if o.Code != ExitFailed || !strings.Contains(o.Line, "cannot be guaranteed to run once") || !strings.Contains(o.Line, "Enable versioning") {
		t.Fatalf("got %+v", o)
	}
	if _, err := b.ReadAll(context.Background(), r.ClaimKey("incident-4")); err == nil {
		t.Fatal("a claim was written although it cannot hold")
	}
}

func TestAClaimWhoseFirstAttemptLandedBeforeALostResponseIsOursAndRuns(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	b.LoseResponse[r.ClaimKey("incident-5")] = true
	req := request("latest")
	req.ID = "incident-5"
	if o := r.Restore(context.Background(), req); o.Code != ExitSucceeded {
		t.Fatalf("an SDK retry's 412 was taken for an earlier restore: %+v", o)
	}
}

func TestAReplacedNewestArchiveIsPassedOverAndAnExplicitRequestForItNamesTheNewestIntactOne(t *testing.T) {
	r, b, log := restorer(t)
	backup(t, b, "2026.11.21.02.00.00.tar", true)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	b.Put(context.Background(), "backups/sqlserver/orders/2026.11.22.02.00.00.tar", []byte("truncated"), "")
	copyTo := filepath.Join(t.TempDir(), "imported.bacpac")
	t.Setenv("SQLPACKAGE_DOUBLE_IMPORT_COPY", copyTo)
	if o := r.Restore(context.Background(), request("latest")); o.Code != ExitSucceeded || !strings.Contains(log.String(), "skipping backups/sqlserver/orders/2026.11.22.02.00.00.tar: the object changed after it was verified") {
		t.Fatalf("got %+v\n%s", o, log)
	}
	o := r.Restore(context.Background(), request("2026.11.22.02.00.00.tar"))
	if o.Code != ExitFailed || !strings.Contains(o.Line, "the newest intact backup is 2026.11.21.02.00.00.tar") {
		t.Fatalf("got %+v", o)
	}
}

func TestAFolderOfAnotherDeploymentIsRefusedUnlessAllowed(t *testing.T) {
	r, b, _ := restorer(t)
	backup(t, b, "2026.11.22.02.00.00.tar", true)
	b.Put(context.Background(), "backups/sqlserver/orders/.agent/owner.json", []byte(`{"owner":"shop/prod/orders","source":"mssql://prod:1433/Orders"}`), "")
	r.Location.Owner = "shop/dev/orders"
	if o := r.Restore(context.Background(), request("latest")); o.Code != ExitFailed || !strings.Contains(o.Line, `belongs to deployment "shop/prod/orders"`) {
		t.Fatalf("got %+v", o)
	}
	req := request("latest")
	req.AllowOtherDeployment = true
	if o := r.Restore(context.Background(), req); o.Code != ExitSucceeded {
		t.Fatalf("allowed: %+v", o)
	}
}

// fetchIntact fetches the archive backup put in the bucket and fails unless the
// SHA-256 and size it reports are those of data.
func fetchIntact(t *testing.T, r *Restorer, data []byte, work string) {
	t.Helper()
	got, err := r.fetch(context.Background(), "backups/sqlserver/orders/2026.11.22.02.00.00.tar", int64(len(data)), work)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(data)) {
		t.Fatalf("got %+v, want the archive's %d bytes with SHA-256 %x", got, len(data), sum)
	}
}

func TestTheArchiveIsReadInOnePassThatWritesOnlyTheBacpac(t *testing.T) {
	r, b, _ := restorer(t)
	data := backup(t, b, "2026.11.22.02.00.00.tar", true)
	work := t.TempDir()
	fetchIntact(t, r, data, work)
	entries, _ := os.ReadDir(work)
	if len(entries) != 1 || entries[0].Name() != "Orders.bacpac" {
		t.Fatalf("the work folder holds %v: only the bacpac may be written", entries)
	}
}

func TestArchivesWithoutABacpacWithTwoOrCutShortAreRefusedAndLeaveNothingBehind(t *testing.T) {
	r, b, _ := restorer(t)
	one := tarWithBacpac(t, "x")
	var two bytes.Buffer
	tw := tar.NewWriter(&two)
	for _, name := range []string{"a/A.bacpac", "b/B.bacpac"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: 3, Typeflag: tar.TypeReg})
		tw.Write([]byte("abc"))
	}
	tw.Close()
	var none bytes.Buffer
	tw = tar.NewWriter(&none)
	tw.WriteHeader(&tar.Header{Name: "readme.txt", Mode: 0o600, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	for name, content := range map[string][]byte{"two": two.Bytes(), "none": none.Bytes(), "cut": one[:560]} {
		b.Put(context.Background(), "k/"+name, content, "")
		work := t.TempDir()
		_, err := r.fetch(context.Background(), "k/"+name, int64(len(content)), work)
		want := map[string]string{"two": "more than one .bacpac", "none": "holds no .bacpac", "cut": "unpacking"}[name]
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
		if entries, _ := os.ReadDir(work); len(entries) != 0 {
			t.Errorf("%s: left %v", name, entries)
		}
	}
}

func TestADownloadThatBreaksOffAndCannotResumeLeavesNothingBehind(t *testing.T) {
	r, b, _ := restorer(t)
	data := backup(t, b, "2026.11.22.02.00.00.tar", true)
	// The first stream breaks off after 600 bytes, as a download does when the
	// connection or the server is killed, and every resumption fails at once.
	b.GetRangeHook = func(_ string, offset int64, part io.Reader) io.Reader {
		if offset == 0 {
			return s3storetest.BreakOff(part, 600)
		}
		return s3storetest.BreakOff(part, 0)
	}
	work := t.TempDir()
	_, err := r.fetch(context.Background(), "backups/sqlserver/orders/2026.11.22.02.00.00.tar", int64(len(data)), work)
	if err == nil || !strings.Contains(err.Error(), "connection reset") || !strings.Contains(err.Error(), "broke off at byte 600") {
		t.Fatalf("got %v", err)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}

func TestADownloadThatBreaksOffResumesWhereItStoppedAndRestoresIntactBytes(t *testing.T) {
	r, b, _ := restorer(t)
	data := backup(t, b, "2026.11.22.02.00.00.tar", true)
	var offsets []int64
	b.GetRangeHook = func(_ string, offset int64, part io.Reader) io.Reader {
		offsets = append(offsets, offset)
		return s3storetest.BreakOff(part, 600)
	}
	fetchIntact(t, r, data, t.TempDir())
	if len(offsets) < 3 || offsets[1] != 600 || offsets[2] != 1200 {
		t.Fatalf("ranges asked for from %v: each resumption must start where the last stopped", offsets)
	}
}
