package backup

import (
	"strings"
	"testing"
)

func output(lines ...string) *Output {
	o := &Output{}
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			o.Add(part)
		}
	}
	return o
}

func TestTheCauseIsTheModelsDumpErrorWithSqlpackagesOwnWords(t *testing.T) {
	o := output(
		"2026/11/23 02:00:00 [Model: orders] WorkDir: /tmp/gobackup/1796",
		"2026/11/23 02:00:00 [Database] => database | mssql: orders",
		"2026/11/23 02:00:05 [MSSQL] Dump failed",
		"2026/11/23 02:00:05 [Model] Cleanup temp: /tmp/gobackup/1796/",
		"2026/11/23 02:00:05 [Local] Failed to save cycler state to remote storage: /usr/bin/cp: cannot stat '/w/.gobackup/cycler/cycler-state-1/dummy': No such file or directory",
		"2026/11/23 02:00:05 [Model: orders] \x1b[31m-> Dump error: *** Error exporting database:Could not connect to database server.\nLogin failed for user 'backup_user'.\x1b[0m",
		"2026/11/23 02:00:05 [Model orders] -> Dump error: *** Error exporting database:Could not connect to database server.\nLogin failed for user 'backup_user'.",
	)
	got := o.Cause()
	want := "Dump error: *** Error exporting database:Could not connect to database server. | Login failed for user 'backup_user'."
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestTheCauseOfAFailedUploadIsTheBucketsAnswer(t *testing.T) {
	o := output(
		"2026/11/23 02:00:10 [MinIO] -> Uploading (52 MB)...",
		"2026/11/23 02:00:11 [Model: orders] AccessDenied: Access Denied.\n\tstatus code: 403, request id: 187A, host id: dd9",
	)
	if got := o.Cause(); got != "AccessDenied: Access Denied. | status code: 403, request id: 187A, host id: dd9" {
		t.Fatalf("got %q", got)
	}
}

func TestKnownNoiseIsNeverTheCause(t *testing.T) {
	o := output(
		"2026/11/23 02:00:05 [Local] Failed to save cycler state to remote storage: /usr/bin/cp: cannot stat '/w/cycler-state-9/dummy': No such file or directory",
		"2026/11/23 02:00:05 [Model] Cleanup temp: /tmp/gobackup/1796/",
	)
	if got := o.Cause(); got != "" {
		t.Fatalf("got %q, want no cause", got)
	}
}

func TestWithoutAModelErrorTheLastFailureLineIsTheCause(t *testing.T) {
	o := output("2026/11/23 02:00:00 [Config] Load gobackup config failed: yaml: line 3: did not find expected key")
	if got := o.Cause(); !strings.Contains(got, "did not find expected key") {
		t.Fatalf("got %q", got)
	}
}
