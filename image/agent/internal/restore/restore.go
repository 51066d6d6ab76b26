package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/claim"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/owner"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/redact"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/retention"
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
	// Workdir: where the bacpac is written (sized for the data).
	Workdir    string
	Sqlpackage string
	Redactor   *redact.Redactor
	Log        *logx.Logger
	Host       string
	// Policy is the backups' retention policy, to show what the next run deletes in `list`.
	Policy retention.Policy
	// LeaseTTL: the life of a drill's lease without renewal (LEASE_SECONDS): how long a
	// killed drill blocks the next.
	LeaseTTL time.Duration
}

// List prints the model's backups, oldest first, with what retention does with each.
func (r *Restorer) List(ctx context.Context, out io.Writer) error {
	folder, err := catalog.Read(ctx, r.Bucket, r.Location.Folder(), FilenameFormat, r.TZ)
	if err != nil {
		return err
	}
	if len(folder.Archives) == 0 {
		fmt.Fprintf(out, "no backups under s3://%s/%s\n", r.Bucket.Bucket(), folder.Prefix)
		return nil
	}
	if err := folder.Inspect(ctx, r.Bucket); err != nil {
		return err
	}
	decisions := map[string]retention.Decision{}
	if r.Policy.Keep > 0 {
		archives := make([]retention.Archive, 0, len(folder.Archives))
		for _, e := range folder.Archives {
			archives = append(archives, retention.Archive{Name: e.Name, Time: e.Time, Verified: e.Verified})
		}
		for _, d := range retention.Apply(archives, r.Policy) {
			decisions[d.Archive.Name] = d
		}
	}
	fmt.Fprintf(out, "%-20s  %14s  %-8s  %s\n", "TIME", "BYTES", "VERIFIED", "KEY")
	for _, a := range folder.Archives {
		verified := "yes"
		if !a.Verified {
			verified = "no"
		}
		note := ""
		if !a.Verified {
			note = "  (" + a.Problem + ")"
		}
		if d, ok := decisions[a.Name]; ok && !d.Keep {
			note += "  [the next backup deletes it: " + d.Reason() + "]"
		}
		fmt.Fprintf(out, "%-20s  %14d  %-8s  %s%s\n", a.Time.In(r.TZ).Format("2006-01-02 15:04:05"), a.Size, verified, a.Key, note)
	}
	if r.Policy.Keep > 0 {
		fmt.Fprintf(out, "retention: %s\n", r.Policy)
	}
	return nil
}

// Claim is the id's record in the bucket: <prefix>/.restores/<id>.json.
type Claim struct {
	Nonce          string `json:"nonce"`
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
	var claimed *Claim
	fail := func(format string, args ...any) Outcome {
		reason := r.Redactor.String(fmt.Sprintf(format, args...))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			reason = fmt.Sprintf("the restore did not finish within RESTORE_TIMEOUT_SECONDS=%d and was stopped (%s); the target database may be partly written: drop it before a new restore", int(req.Timeout.Seconds()), reason)
		}
		r.Log.Error("%s", reason)
		if claimed != nil {
			r.complete(claimed, "failed", reason)
		}
		return Outcome{Code: ExitFailed, Line: "failed: " + reason}
	}
	if err := r.checkOwner(ctx, req); err != nil {
		return fail("%v", err)
	}
	if req.ID != "" {
		c, outcome, err := r.claim(ctx, req)
		if err != nil {
			// Fail closed: without the claim nothing proves this id runs once.
			return fail("%v", err)
		}
		if outcome != nil {
			return *outcome
		}
		claimed = c
	}
	folder, err := catalog.Read(ctx, r.Bucket, r.Location.Folder(), FilenameFormat, r.TZ)
	if err == nil {
		err = folder.Inspect(ctx, r.Bucket)
	}
	if err != nil {
		return fail("cannot list the backups: %v", err)
	}
	entry, skipped, err := Select(folder, req)
	for _, s := range skipped {
		r.Log.Warn("skipping %s: %s", s.Key, s.Problem)
	}
	if err != nil {
		return fail("%v", err)
	}
	if problem := r.foreign(entry, req); problem != "" {
		return fail("%s", problem)
	}
	if claimed != nil {
		claimed.Archive = entry.Key
	}
	r.Log.Info("restoring %s into database %s on %s,%d", r.where(entry.Key), req.TargetDatabase, req.TargetHost, req.TargetPort)

	work, done, err := r.newWorkFolder()
	if err != nil {
		return fail("%v", err)
	}
	defer done()
	started := time.Now()
	got, err := r.fetch(ctx, entry.Key, entry.Size, work)
	if err != nil {
		return fail("could not download %s: %v%s", r.where(entry.Key), err, r.alternative(folder, entry))
	}
	if want := entry.Vouch; want != nil {
		if want.Archive.SHA256 != got.SHA256 || want.Archive.Size != got.Size {
			if !req.Force {
				os.Remove(got.Bacpac)
				return fail("%s is corrupt: its SHA-256 is %s (%d bytes), the manifest says %s (%d bytes)%s; or set RESTORE_FORCE=1 to use it anyway", entry.Key, got.SHA256, got.Size, want.Archive.SHA256, want.Archive.Size, r.alternative(folder, entry))
			}
			r.Log.Warn("%s does not match its manifest; restoring anyway because RESTORE_FORCE=1", entry.Key)
		} else {
			r.Log.Info("verified %s: sha256 %s matches its manifest (%d bytes in %.1fs)", entry.Key, got.SHA256, got.Size, time.Since(started).Seconds())
		}
	} else {
		r.Log.Warn("%s is not verified (%s); restoring it because RESTORE_FORCE=1", entry.Key, entry.Problem)
	}
	if err := r.sqlpackageImport(ctx, req, got.Bacpac, work); err != nil {
		return fail("%v", err)
	}
	r.Log.Info("restored %s into %s on %s,%d", entry.Key, req.TargetDatabase, req.TargetHost, req.TargetPort)
	if claimed != nil {
		r.complete(claimed, "succeeded", "")
	}
	return Outcome{Code: ExitSucceeded, Line: "succeeded"}
}

// alternative names the newest intact archive other than entry, for a failure message.
func (r *Restorer) alternative(folder catalog.Folder, entry catalog.Entry) string {
	for i := len(folder.Archives) - 1; i >= 0; i-- {
		if a := folder.Archives[i]; a.Verified && a.Key != entry.Key {
			return fmt.Sprintf("; the newest other intact backup is %s (RESTORE_BACKUP=%s)", a.Key, a.Name)
		}
	}
	return "; no other intact backup is left"
}

// checkOwner refuses a folder that belongs to another deployment than the one named.
func (r *Restorer) checkOwner(ctx context.Context, req Request) error {
	if r.Location.Owner == "" || req.AllowOtherDeployment {
		return nil
	}
	found, ok, err := owner.Read(ctx, r.Bucket, r.Location.Folder())
	if err != nil {
		return fmt.Errorf("cannot read the owner of %s: %v", r.where(r.Location.Folder()), err)
	}
	if ok && found.Owner != r.Location.Owner {
		return fmt.Errorf("%s belongs to deployment %q (backing up %s), not to %q: its backups are another deployment's; set RESTORE_ALLOW_OTHER_DEPLOYMENT=1 to restore from it deliberately",
			r.where(r.Location.Folder()), found.Owner, found.Source, r.Location.Owner)
	}
	return nil
}

// foreign: an archive whose manifest names another deployment is refused unless asked for.
func (r *Restorer) foreign(entry catalog.Entry, req Request) string {
	if entry.Vouch == nil || entry.Vouch.Owner == "" || r.Location.Owner == "" || req.AllowOtherDeployment || entry.Vouch.Owner == r.Location.Owner {
		return ""
	}
	return fmt.Sprintf("%s was made by deployment %q from %s, not by %q; set RESTORE_ALLOW_OTHER_DEPLOYMENT=1 to restore it deliberately", entry.Key, entry.Vouch.Owner, entry.Vouch.Source, r.Location.Owner)
}

// claim records the id's claim exactly once; an outcome when the id ran before.
func (r *Restorer) claim(ctx context.Context, req Request) (*Claim, *Outcome, error) {
	caps, err := r.capabilities(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot claim the restore id %q: %v", req.ID, err)
	}
	c := Claim{Nonce: claim.NewNonce(), ID: req.ID, StartedAt: time.Now().UTC().Format(time.RFC3339), BackupName: r.Location.Database, TargetHost: req.TargetHost, TargetDatabase: req.TargetDatabase, Host: r.Host}
	data, _ := json.Marshal(c)
	result, err := claim.Once(ctx, r.Bucket, r.ClaimKey(req.ID), data, c.Nonce, caps)
	var unsafe *claim.UnsafeError
	switch {
	case errors.As(err, &unsafe):
		return nil, nil, fmt.Errorf("RESTORE_ID %q cannot be guaranteed to run once here: %v. Enable versioning on the bucket, or restore by hand without RESTORE_ID", req.ID, unsafe)
	case err != nil:
		return nil, nil, fmt.Errorf("cannot claim the restore id %q at %s: %v", req.ID, r.where(r.ClaimKey(req.ID)), err)
	case !result.Won:
		// The holder's record as it stands now (its outcome was written after its claim).
		current, readErr := r.Bucket.ReadAll(ctx, r.ClaimKey(req.ID))
		if readErr != nil || claim.NonceOf(current) != claim.NonceOf(result.Holder) {
			current = result.Holder
		}
		summary := summarize(current, r.where(r.ClaimKey(req.ID)))
		r.Log.Warn("restore %q already ran: %s; nothing is done (use a new id to restore again)", req.ID, summary)
		return nil, &Outcome{Code: ExitAlreadyRan, Line: "already-ran: " + summary}, nil
	}
	return &c, nil, nil
}

// capabilities: as the backup agent recorded them for the folder, else probed here
// (under .restores/, where this identity may write; it cannot delete the probe).
func (r *Restorer) capabilities(ctx context.Context) (claim.Capabilities, error) {
	if caps, ok := claim.ReadRecorded(ctx, r.Bucket, r.Location.Folder()); ok {
		return caps, nil
	}
	return claim.Discover(ctx, r.Bucket, r.Location.Prefix+"/.restores/.probe/"+claim.NewNonce()+".json", false)
}

// summarize describes the record of an id that ran before.
func summarize(record []byte, where string) string {
	var c Claim
	if json.Unmarshal(record, &c) != nil || c.ID == "" {
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
	if _, err := r.Bucket.Put(ctx, r.ClaimKey(c.ID), data, "application/json"); err != nil {
		r.Log.Warn("could not complete the restore's record %s: %v", r.where(r.ClaimKey(c.ID)), err)
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
