package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lease"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/records"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/sqlserver"
)

// Checks a drill can run on the restored database.
const (
	// CheckImport: sqlpackage imported the archive's bacpac (always run).
	CheckImport = "import"
	// CheckDBCC: DBCC CHECKDB reports no error.
	CheckDBCC = "checkdb"
	// CheckTotals: the tables and their rows equal what the bacpac recorded at export.
	CheckTotals = "totals"
)

// DrillRequest is one drill of the Restorer's database.
type DrillRequest struct {
	ID     string
	Server sqlserver.Server
	// Database is the new database's name (rendered from the template by the caller).
	Database string
	// SourceDatabase is the backed-up database's own name: a drill never uses it.
	SourceDatabase string
	Checks         map[string]bool
	Timeout        time.Duration
	// template names the database ({database}, {timestamp}); ForTarget renders it.
	template string
}

// SQL is what a drill asks of the server it restores into (sqlserver.Client).
type SQL interface {
	Exists(ctx context.Context, name string) (bool, error)
	CheckDB(ctx context.Context, name string) error
	Totals(ctx context.Context, name string) (sqlserver.Totals, error)
	Drop(ctx context.Context, name string) error
	Close() error
}

// Connect opens a SQL session on a server.
type Connect func(ctx context.Context, s sqlserver.Server) (SQL, error)

// ConnectSQLServer connects with Microsoft's driver.
func ConnectSQLServer(ctx context.Context, s sqlserver.Server) (SQL, error) {
	c, err := sqlserver.Open(ctx, s)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DrillsKey is where a database's drill history lives in the bucket: beside the
// restores' records, where the restore identity may write.
func (r *Restorer) DrillsKey() string {
	return r.Location.Prefix + "/.restores/.drills/" + r.Location.Database + ".json"
}

func (r *Restorer) drillLeaseFolder() string {
	return r.Location.Prefix + "/.restores/.drills/" + r.Location.Database + "/"
}

// ReadDrills reads the database's drill history from the bucket (empty when none).
func (r *Restorer) ReadDrills(ctx context.Context) (records.Drills, error) {
	var h records.Drills
	data, err := r.Bucket.ReadAll(ctx, r.DrillsKey())
	if errors.Is(err, s3store.ErrNotFound) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, fmt.Errorf("%s is not a drill record: %v", r.where(r.DrillsKey()), err)
	}
	return h, nil
}

func (r *Restorer) writeDrills(h records.Drills) error {
	data, _ := json.MarshalIndent(h, "", "  ")
	// Its own deadline: the drill's may be over when its outcome is written.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := r.Bucket.Put(ctx, r.DrillsKey(), append(data, '\n'), "application/json")
	return err
}

// drill is one drill in progress: its record and the step it is at.
type drill struct {
	ctx     context.Context
	r       *Restorer
	req     DrillRequest
	record  records.Drill
	history records.Drills
	step    string
}

// fail records the drill as failed; when its deadline or its lease ended it, the
// cause says so and names the step it was at.
func (d *drill) fail(format string, args ...any) {
	d.record.Outcome = records.Failed
	cause := fmt.Sprintf(format, args...)
	if d.ctx != nil {
		if errors.Is(d.ctx.Err(), context.DeadlineExceeded) {
			cause = fmt.Sprintf("the drill did not finish within DRILL_TIMEOUT_SECONDS=%d (it was %s): %s", int(d.req.Timeout.Seconds()), d.step, cause)
		} else if why := context.Cause(d.ctx); why != nil && !errors.Is(why, context.Canceled) {
			cause = fmt.Sprintf("%s (%v)", cause, why)
		}
	}
	d.record.Cause = d.r.Redactor.String(cause)
}

func (d *drill) check(name, result, detail string) {
	d.record.Checks = append(d.record.Checks, records.Check{Name: name, Result: result, Detail: d.r.Redactor.String(detail)})
}

// Drill restores the newest verified archive into a new database on req.Server,
// runs the checks, drops the database whatever happened, and records the outcome in
// the bucket. One drill of a database runs at a time (a lease beside its record).
func (r *Restorer) Drill(ctx context.Context, req DrillRequest, connect Connect) records.Drill {
	d := &drill{r: r, req: req, record: records.Drill{ID: req.ID, Host: r.Host, StartedAt: time.Now().UTC(), Outcome: records.Running, Server: req.Server.Address()}}
	defer d.stamp()
	if strings.EqualFold(req.Database, req.SourceDatabase) {
		d.fail("the drill database's name %q is the backed-up database's own: a drill never restores over a database; use a template with {timestamp}", req.Database)
		return d.record
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	caps, err := r.capabilities(ctx)
	if err != nil {
		d.fail("cannot tell how the bucket holds a lease: %v", err)
		return d.record
	}
	held, err := lease.Acquire(ctx, r.Bucket, lease.Holder{Host: r.Host, PID: os.Getpid(), Trigger: "drill", RunID: req.ID, Owner: r.Location.Owner},
		lease.Options{Folder: r.drillLeaseFolder(), Caps: caps, TTL: r.LeaseTTL, Settle: 5 * time.Second})
	var busy *lease.HeldError
	if errors.As(err, &busy) {
		d.record.Outcome = records.DrillSkipped
		h := busy.Record.Holder
		d.record.Cause = fmt.Sprintf("another drill of this database is running (drill %s, pid %d on %s, since %s)", h.RunID, h.PID, h.Host, busy.Record.AcquiredAt.UTC().Format(time.RFC3339))
		return d.record
	}
	if err != nil {
		d.fail("cannot take the drill lease: %v", err)
		return d.record
	}
	defer held.Release()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go held.Keep(ctx, func(err error) { stop(fmt.Errorf("the drill lease was lost: %w", err)) })
	d.ctx = ctx

	if d.history, err = r.ReadDrills(ctx); err != nil {
		d.fail("cannot read the drill record: %v", err)
		return d.record
	}
	d.run(ctx, connect)
	d.finish()
	return d.record
}

// run is the drill once the lease is held; its outcome is in d.record (the caller
// records it in the bucket).
func (d *drill) run(ctx context.Context, connect Connect) {
	r, req := d.r, d.req
	d.step = "listing the backups"
	folder, err := catalog.Read(ctx, r.Bucket, r.Location.Folder(), FilenameFormat, r.TZ)
	if err == nil {
		err = folder.Inspect(ctx, r.Bucket)
	}
	if err != nil {
		d.fail("cannot list the backups: %v", err)
		return
	}
	// The newest backup: the newest archive a run verified (it has a manifest). One that
	// no longer matches its manifest is what a drill exists to find: it fails, naming
	// it, rather than quietly drilling an older one. Archives of failed runs (no
	// manifest) were never backups.
	entry, ok := newestBackup(folder)
	if !ok {
		d.record.Outcome = records.DrillSkipped
		d.record.Cause = fmt.Sprintf("no verified backup under %s yet: nothing to drill", r.where(folder.Prefix))
		return
	}
	taken := entry.Time.UTC()
	d.record.Archive, d.record.ArchiveTakenAt = entry.Key, &taken
	if !entry.Verified {
		d.fail("the newest backup %s is no longer intact: %s", entry.Key, entry.Problem)
		return
	}
	if problem := r.foreign(entry, Request{}); problem != "" {
		d.fail("%s", problem)
		return
	}

	d.step = "connecting to " + req.Server.Address()
	sql, err := connect(ctx, req.Server)
	if err != nil {
		d.fail("%v", err)
		return
	}
	defer sql.Close()
	d.dropLeftover(ctx, sql)
	exists, err := sql.Exists(ctx, req.Database)
	if err != nil {
		d.fail("%v", err)
		return
	}
	if exists {
		d.fail("database %s already exists on %s: a drill never restores into an existing database (drop it, or change the drill's database name template)", req.Database, req.Server.Address())
		return
	}
	// The name is in the bucket before the database can exist: whatever happens to
	// this process, the next drill knows what it may drop.
	d.record.Database = req.Database
	d.history.Add(d.record)
	if err := r.writeDrills(d.history); err != nil {
		d.fail("cannot record the drill in %s before it starts: %v", r.where(r.DrillsKey()), err)
		d.record.Database = ""
		return
	}
	defer d.drop(sql)
	d.restoreAndCheck(ctx, sql, entry)
}

// restoreAndCheck downloads, verifies and imports the archive, then runs the checks.
func (d *drill) restoreAndCheck(ctx context.Context, sql SQL, entry catalog.Entry) {
	r, req := d.r, d.req
	d.step = "downloading " + entry.Key
	work, done, err := r.newWorkFolder()
	if err != nil {
		d.fail("%v", err)
		return
	}
	defer done()
	got, err := r.fetch(ctx, entry.Key, entry.Size, work)
	if err != nil {
		d.fail("could not download %s: %v", r.where(entry.Key), err)
		return
	}
	if want := entry.Vouch.Archive; want.SHA256 != got.SHA256 || want.Size != got.Size {
		os.Remove(got.Bacpac)
		d.fail("%s is corrupt: its SHA-256 is %s (%d bytes), the manifest says %s (%d bytes)", entry.Key, got.SHA256, got.Size, want.SHA256, want.Size)
		return
	}
	d.step = "importing into " + req.Database
	err = r.sqlpackageImport(ctx, Request{TargetHost: req.Server.Host, TargetPort: req.Server.Port, TargetDatabase: req.Database,
		TargetUser: req.Server.User, TargetPassword: req.Server.Password, TrustCert: req.Server.TrustCert}, got.Bacpac, work)
	os.Remove(got.Bacpac)
	if err != nil {
		d.check(CheckImport, records.CheckFailed, err.Error())
		d.fail("the import failed: %v", err)
		return
	}
	d.check(CheckImport, records.CheckPassed, "")
	if req.Checks[CheckDBCC] {
		d.step = "running DBCC CHECKDB on " + req.Database
		if err := sql.CheckDB(ctx, req.Database); err != nil {
			d.check(CheckDBCC, records.CheckFailed, err.Error())
			var corrupt *sqlserver.CheckError
			if errors.As(err, &corrupt) {
				d.fail("%v", err)
			} else {
				d.fail("DBCC CHECKDB could not run: %v", err)
			}
			return
		}
		d.check(CheckDBCC, records.CheckPassed, "")
	}
	if req.Checks[CheckTotals] {
		d.step = "counting tables and rows in " + req.Database
		if !d.checkTotals(ctx, sql, entry) {
			return
		}
	}
	d.record.Outcome = records.Succeeded
}

// newestBackup is the newest archive with a readable manifest, intact or not.
func newestBackup(folder catalog.Folder) (catalog.Entry, bool) {
	for i := len(folder.Archives) - 1; i >= 0; i-- {
		if folder.Archives[i].Vouch != nil {
			return folder.Archives[i], true
		}
	}
	return catalog.Entry{}, false
}

// checkTotals compares the restored tables and rows with what the bacpac recorded.
func (d *drill) checkTotals(ctx context.Context, sql SQL, entry catalog.Entry) bool {
	var recorded *records.Check
	for _, db := range entry.Vouch.Databases {
		switch {
		case db.Export != nil:
			got, err := sql.Totals(ctx, d.req.Database)
			if err != nil {
				d.check(CheckTotals, records.CheckFailed, err.Error())
				d.fail("%v", err)
				return false
			}
			if got.Tables != db.Export.Tables || got.Rows != db.Export.Rows {
				detail := fmt.Sprintf("the backup recorded %d tables and %d rows, the restored database has %d tables and %d rows", db.Export.Tables, db.Export.Rows, got.Tables, got.Rows)
				d.check(CheckTotals, records.CheckFailed, detail)
				d.fail("the restored data does not match the backup: %s", detail)
				return false
			}
			d.check(CheckTotals, records.CheckPassed, fmt.Sprintf("%d tables, %d rows", got.Tables, got.Rows))
			return true
		case db.ExportUnreadable != "":
			recorded = &records.Check{Name: CheckTotals, Result: records.CheckNotRun, Detail: "the backup recorded no totals: " + db.ExportUnreadable}
		}
	}
	if recorded == nil {
		recorded = &records.Check{Name: CheckTotals, Result: records.CheckNotRun, Detail: "the backup's manifest predates recorded totals (agent 0.4.0)"}
	}
	d.check(recorded.Name, recorded.Result, recorded.Detail)
	d.record.Warnings = append(d.record.Warnings, "tables and rows were not compared: "+recorded.Detail)
	return true
}

// drop removes the drill database, with a deadline of its own (the drill's may be over).
// It runs before the outcome is recorded, so a database left behind is in the record.
func (d *drill) drop(sql SQL) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := sql.Drop(ctx, d.req.Database); err != nil {
		note := fmt.Sprintf("the drill database %s could not be dropped and is still on %s: %v; drop it by hand", d.req.Database, d.req.Server.Address(), err)
		if d.record.Outcome == records.Succeeded {
			d.record.Outcome, d.record.Cause = records.Failed, note
		} else {
			d.record.Cause += "; " + note
		}
	} else {
		d.record.Dropped = true
		d.r.Log.Info("dropped the drill database %s on %s", d.req.Database, d.req.Server.Address())
	}
}

// dropLeftover drops the database of an earlier drill that was killed before it
// could: its name was recorded before it was created, and the lease says no drill
// runs now, so nobody else's database is touched.
func (d *drill) dropLeftover(ctx context.Context, sql SQL) {
	last := d.history.Last
	if last == nil || last.Outcome != records.Running || last.Database == "" || last.Dropped || last.Server != d.req.Server.Address() {
		return
	}
	if strings.EqualFold(last.Database, d.req.SourceDatabase) {
		return
	}
	if err := sql.Drop(ctx, last.Database); err != nil {
		d.record.Warnings = append(d.record.Warnings, fmt.Sprintf("the drill started %s was killed and left %s on %s; it could not be dropped: %v", last.StartedAt.Format(time.RFC3339), last.Database, last.Server, err))
		return
	}
	d.record.Warnings = append(d.record.Warnings, fmt.Sprintf("dropped %s, left on %s by the drill started %s that was killed", last.Database, last.Server, last.StartedAt.Format(time.RFC3339)))
}

// stamp records when the drill ended (once).
func (d *drill) stamp() {
	if d.record.FinishedAt == nil {
		finished := time.Now().UTC()
		d.record.FinishedAt = &finished
		d.record.Duration = finished.Sub(d.record.StartedAt).Seconds()
	}
}

// finish records the outcome in the bucket (the caller records it locally).
func (d *drill) finish() {
	d.stamp()
	d.history.Add(d.record)
	if err := d.r.writeDrills(d.history); err != nil {
		d.record.Warnings = append(d.record.Warnings, fmt.Sprintf("could not record the drill's outcome in %s: %v", d.r.where(d.r.DrillsKey()), err))
	}
}
