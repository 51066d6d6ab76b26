package restore

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Exit codes of `restore`: a Kubernetes Job's podFailurePolicy and the component
// tell an id that already ran from a failure by them.
const (
	ExitSucceeded  = 0
	ExitFailed     = 1
	ExitAlreadyRan = 3
)

// Outcome of a restore, as its last line says it.
type Outcome struct {
	Code int
	Line string
}

// FilenameFormat is GoBackup's archive name layout (the component never changes it).
const FilenameFormat = "2006.01.02.15.04.05"

// Restorer restores from one location.
type Restorer struct {
	Location Location
	Bucket   s3store.Bucket
	TZ       *time.Location
	// Workdir: where the archive is downloaded and unpacked (sized for the data).
	Workdir    string
	Sqlpackage string
	Redactor   *redact.Redactor
	Log        *logx.Logger
	Host       string
}

// List prints the model's backups, oldest first.
func (r *Restorer) List(ctx context.Context, out io.Writer) error {
	folder, err := catalog.Read(ctx, r.Bucket, r.Location.Folder(), FilenameFormat, r.TZ)
	if err != nil {
		return err
	}
	if len(folder.Archives) == 0 {
		fmt.Fprintf(out, "no backups under s3://%s/%s\n", r.Bucket.Bucket(), folder.Prefix)
		return nil
	}
	beyond := 0
	if k := r.Location.Keep; k > 0 && len(folder.Archives) > k {
		beyond = len(folder.Archives) - k
	}
	fmt.Fprintf(out, "%-20s  %14s  %-8s  %s\n", "TIME", "BYTES", "MANIFEST", "KEY")
	for i, a := range folder.Archives {
		manifest := "no"
		if a.Manifest {
			manifest = "yes"
		}
		note := ""
		if i < beyond {
			note = "  (beyond keep, untracked)"
		}
		fmt.Fprintf(out, "%-20s  %14d  %-8s  %s%s\n", a.Time.In(r.TZ).Format("2006-01-02 15:04:05"), a.Size, manifest, a.Key, note)
	}
	if beyond > 0 {
		fmt.Fprintf(out, "warning: %d archive(s) beyond keep: %d are no longer tracked by GoBackup's retention (PRUNE_UNTRACKED=true deletes them at the next backup)\n", beyond, r.Location.Keep)
	}
	return nil
}

// Claim is the id's record in the bucket: <prefix>/.restores/<id>.json.
type Claim struct {
	ID             string `json:"id"`
	StartedAt      string `json:"startedAt"`
	BackupName     string `json:"backupName"`
	TargetHost     string `json:"targetHost"`
	TargetDatabase string `json:"targetDatabase"`
	Host           string `json:"host,omitempty"`
	Archive        string `json:"archive,omitempty"`
	Result         string `json:"result,omitempty"`
	Reason         string `json:"reason,omitempty"`
	FinishedAt     string `json:"finishedAt,omitempty"`
}

// ClaimKey is where an id's claim lives.
func (r *Restorer) ClaimKey(id string) string {
	return r.Location.Prefix + "/.restores/" + id + ".json"
}

func (r *Restorer) where(key string) string { return fmt.Sprintf("s3://%s/%s", r.Bucket.Bucket(), key) }

// Restore runs req and returns its outcome; every failure says why.
func (r *Restorer) Restore(ctx context.Context, req Request) Outcome {
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	var claim *Claim
	fail := func(format string, args ...any) Outcome {
		reason := r.Redactor.String(fmt.Sprintf(format, args...))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			reason = fmt.Sprintf("the restore did not finish within RESTORE_TIMEOUT_SECONDS=%d and was stopped (%s); the target database may be partly written: drop it before a new restore", int(req.Timeout.Seconds()), reason)
		}
		r.Log.Error("%s", reason)
		if claim != nil {
			r.complete(claim, "failed", reason)
		}
		return Outcome{Code: ExitFailed, Line: "failed: " + reason}
	}
	if req.ID != "" {
		c := Claim{ID: req.ID, StartedAt: time.Now().UTC().Format(time.RFC3339), BackupName: r.Location.Database, TargetHost: req.TargetHost, TargetDatabase: req.TargetDatabase, Host: r.Host}
		data, _ := json.Marshal(c)
		err := r.Bucket.Create(ctx, r.ClaimKey(req.ID), data, "application/json")
		if errors.Is(err, s3store.ErrExists) {
			summary := r.summary(ctx, req.ID)
			r.Log.Warn("restore %q already ran: %s; nothing is done (use a new id to restore again)", req.ID, summary)
			return Outcome{Code: ExitAlreadyRan, Line: "already-ran: " + summary}
		}
		if err != nil {
			// Fail closed: without the claim nothing proves this id runs once.
			return fail("cannot claim the restore id %q at %s: %v", req.ID, r.where(r.ClaimKey(req.ID)), err)
		}
		claim = &c
	}
	folder, err := catalog.Read(ctx, r.Bucket, r.Location.Folder(), FilenameFormat, r.TZ)
	if err != nil {
		return fail("cannot list the backups: %v", err)
	}
	entry, skipped, err := Select(folder, req)
	for _, s := range skipped {
		r.Log.Warn("skipping %s: it has no manifest (its backup was not verified)", s)
	}
	if err != nil {
		return fail("%v", err)
	}
	if claim != nil {
		claim.Archive = entry.Key
	}
	r.Log.Info("restoring %s into database %s on %s,%d", r.where(entry.Key), req.TargetDatabase, req.TargetHost, req.TargetPort)

	// A fresh volume (a restore-only container) may not have the workdir yet.
	if err := os.MkdirAll(r.Workdir, 0o750); err != nil {
		return fail("cannot create the workdir %s: %v", r.Workdir, err)
	}
	work, err := os.MkdirTemp(r.Workdir, "restore-")
	if err != nil {
		return fail("cannot create a folder for the download in %s: %v", r.Workdir, err)
	}
	defer os.RemoveAll(work)
	archive := filepath.Join(work, "archive")
	sum, size, err := r.download(ctx, entry.Key, archive)
	if err != nil {
		return fail("could not download %s: %v", r.where(entry.Key), err)
	}
	if entry.Manifest {
		data, err := r.Bucket.ReadAll(ctx, entry.Key+catalog.ManifestSuffix)
		if err != nil {
			return fail("could not read the manifest of %s: %v", entry.Key, err)
		}
		m, err := catalog.ParseManifest(data)
		if err != nil {
			return fail("the manifest of %s: %v", entry.Key, err)
		}
		if m.Archive.SHA256 != sum || m.Archive.Size != size {
			if !req.Force {
				return fail("%s is corrupt: its SHA-256 is %s (%d bytes), the manifest says %s (%d bytes); restore another backup, or set RESTORE_FORCE=1 to use it anyway", entry.Key, sum, size, m.Archive.SHA256, m.Archive.Size)
			}
			r.Log.Warn("%s does not match its manifest; restoring anyway because RESTORE_FORCE=1", entry.Key)
		} else {
			r.Log.Info("verified %s: sha256 %s matches its manifest", entry.Key, sum)
		}
	} else {
		r.Log.Warn("%s has no manifest; restoring it unverified because RESTORE_FORCE=1", entry.Key)
	}
	bacpac, err := extractBacpac(archive, work)
	if err != nil {
		return fail("%s: %v", entry.Key, err)
	}
	os.Remove(archive)
	if err := r.sqlpackageImport(ctx, req, bacpac, work); err != nil {
		return fail("%v", err)
	}
	r.Log.Info("restored %s into %s on %s,%d", entry.Key, req.TargetDatabase, req.TargetHost, req.TargetPort)
	if claim != nil {
		r.complete(claim, "succeeded", "")
	}
	return Outcome{Code: ExitSucceeded, Line: "succeeded"}
}

// summary describes the record of an id that ran before.
func (r *Restorer) summary(ctx context.Context, id string) string {
	where := r.where(r.ClaimKey(id))
	data, err := r.Bucket.ReadAll(ctx, r.ClaimKey(id))
	if err != nil {
		return where
	}
	var c Claim
	if json.Unmarshal(data, &c) != nil {
		return where
	}
	result := c.Result
	if result == "" {
		result = "unfinished"
	}
	if c.Reason != "" {
		result += ": " + c.Reason
	}
	return fmt.Sprintf("started %s, %s (%s)", c.StartedAt, result, where)
}

// complete writes the outcome into the id's claim; the claim itself is what stops a second run.
func (r *Restorer) complete(c *Claim, result, reason string) {
	c.Result, c.Reason, c.FinishedAt = result, reason, time.Now().UTC().Format(time.RFC3339)
	data, _ := json.Marshal(c)
	// A fresh context: the restore's own may be past its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Bucket.Put(ctx, r.ClaimKey(c.ID), data, "application/json"); err != nil {
		r.Log.Warn("could not complete the restore's record %s: %v", r.where(r.ClaimKey(c.ID)), err)
	}
}

// download streams the object to file, hashing it on the way.
func (r *Restorer) download(ctx context.Context, key, file string) (string, int64, error) {
	body, _, err := r.Bucket.Get(ctx, key)
	if err != nil {
		return "", 0, err
	}
	defer body.Close()
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// extractBacpac writes the archive's .bacpac into dir.
func extractBacpac(archive, dir string) (string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReaderSize(f, 1<<20))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", errors.New("holds no .bacpac file")
		}
		if err != nil {
			return "", fmt.Errorf("is not a readable tar archive: %v", err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(h.Name, ".bacpac") {
			continue
		}
		target := filepath.Join(dir, path.Base(h.Name))
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(out, tr)
		if closeErr := out.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return "", fmt.Errorf("unpacking %s: %v", h.Name, err)
		}
		return target, nil
	}
}

// sqlpackageImport imports bacpac into the target. sqlpackage takes the password
// only on its command line (it has no file or environment form), so it is visible in
// this container's process list while the import runs; it is never logged.
func (r *Restorer) sqlpackageImport(ctx context.Context, req Request, bacpac, work string) error {
	args := []string{"/Action:Import", "/SourceFile:" + bacpac, "/TargetServerName:" + req.TargetHost + "," + strconv.Itoa(req.TargetPort),
		"/TargetDatabaseName:" + req.TargetDatabase, "/TargetUser:" + req.TargetUser, "/TargetPassword:" + req.TargetPassword}
	if req.TrustCert {
		args = append(args, "/TargetTrustServerCertificate:True")
	}
	cmd := exec.Command(r.Sqlpackage, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TMPDIR="+work)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(redactingWriter{r}, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start sqlpackage: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("sqlpackage import failed (%v): %s (the target database must be new or empty, and the login must be allowed to create it)", err, r.Redactor.String(tail.String()))
		}
		return nil
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return fmt.Errorf("sqlpackage was stopped: %v", ctx.Err())
	}
}

type redactingWriter struct{ r *Restorer }

func (w redactingWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			w.r.Log.Raw(w.r.Redactor.String(line))
		}
	}
	return len(p), nil
}

// tailBuffer keeps the last lines written, for the failure's reason.
type tailBuffer struct{ lines []string }

func (t *tailBuffer) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			t.lines = append(t.lines, line)
			if len(t.lines) > 3 {
				t.lines = t.lines[len(t.lines)-3:]
			}
		}
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.Join(t.lines, " | ") }
