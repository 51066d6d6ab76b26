package shim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestArchiveArgIsTheFileAfterDashCf(t *testing.T) {
	args := []string{"--ignore-failed-read", "-a", "-cf", "/w/123/2026.11.23.02.00.00.tar", "orders"}
	if got, ok := ArchiveArg(args); !ok || got != "/w/123/2026.11.23.02.00.00.tar" {
		t.Fatalf("got %q %v", got, ok)
	}
	if _, ok := ArchiveArg([]string{"--version"}); ok {
		t.Fatal("tar --version has no archive")
	}
}

func TestHandOverLinksTheArchiveSoItOutlivesGoBackupsCleanup(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "tmp", "2026.11.23.02.00.00.tar")
	os.MkdirAll(filepath.Dir(archive), 0o700)
	os.WriteFile(archive, []byte("archive bytes"), 0o600)
	runDir := filepath.Join(dir, "run")
	os.MkdirAll(runDir, 0o700)
	if err := handOver(runDir, archive); err != nil {
		t.Fatal(err)
	}
	var h Handover
	data, _ := os.ReadFile(filepath.Join(runDir, HandoverFile))
	json.Unmarshal(data, &h)
	if h.Name != "2026.11.23.02.00.00.tar" || h.Link == "" {
		t.Fatalf("got %+v", h)
	}
	os.RemoveAll(filepath.Join(dir, "tmp")) // GoBackup's after()
	if got, err := os.ReadFile(h.Link); err != nil || string(got) != "archive bytes" {
		t.Fatalf("the link must keep the bytes: %q %v", got, err)
	}
}

func TestLocalCopyIsOnlyGoBackupsCopyFromTheWorkdirIntoTheCopies(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(LinkFromEnv, dir)
	t.Setenv(LinkToEnv, filepath.Join(dir, "archives"))
	source := filepath.Join(dir, "123", "a.tar")
	os.MkdirAll(filepath.Dir(source), 0o700)
	os.WriteFile(source, []byte("x"), 0o600)
	if !isLocalCopy(source, filepath.Join(dir, "archives", "orders", "a.tar")) {
		t.Error("the local storage's copy must be linked")
	}
	if isLocalCopy(source, "/elsewhere/a.tar") {
		t.Error("a target outside the local copies is a plain copy")
	}
	if isLocalCopy(filepath.Join(dir, "missing.tar"), filepath.Join(dir, "archives", "b.tar")) {
		t.Error("a missing source is the real cp's to report")
	}
	existing := filepath.Join(dir, "archives", "c.tar")
	os.MkdirAll(filepath.Dir(existing), 0o700)
	os.WriteFile(existing, []byte("y"), 0o600)
	if isLocalCopy(source, existing) {
		t.Error("an existing target is the real cp's business")
	}
}
