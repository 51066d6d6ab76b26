package env

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestGetReadsTheFileNamedByNameFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("s3cr/t+key=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	value, ok, err := Get(Map{"MINIO_SECRET_KEY_FILE": file}, "MINIO_SECRET_KEY")
	if err != nil || !ok || value != "s3cr/t+key=" {
		t.Fatalf("got %q %v %v, want the file's content without its trailing newline", value, ok, err)
	}
}

func TestGetKeepsInnerNewlinesAndDropsOnlyOneTrailingNewline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pem")
	if err := os.WriteFile(file, []byte("a\nb\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	value, _, _ := Get(Map{"X_FILE": file}, "X")
	if value != "a\nb\n" {
		t.Fatalf("got %q", value)
	}
}

func TestGetRefusesBothTheVariableAndItsFile(t *testing.T) {
	_, _, err := Get(Map{"X": "a", "X_FILE": "/nowhere"}, "X")
	var both *BothSetError
	if !errors.As(err, &both) || both.Name != "X" {
		t.Fatalf("got %v, want BothSetError for X", err)
	}
}

func TestGetNamesTheVariableWhenItsFileIsMissing(t *testing.T) {
	_, _, err := Get(Map{"MSSQL_PASSWORD_FILE": "/run/secrets/none"}, "MSSQL_PASSWORD")
	var fileErr *FileError
	if !errors.As(err, &fileErr) || fileErr.Name != "MSSQL_PASSWORD" || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func TestGetTreatsEmptyValuesAsUnset(t *testing.T) {
	value, ok, err := Get(Map{"X": "", "X_FILE": ""}, "X")
	if ok || err != nil || value != "" {
		t.Fatalf("got %q %v %v", value, ok, err)
	}
	if v, _ := GetOr(Map{}, "Y", "dflt"); v != "dflt" {
		t.Fatalf("GetOr default: %q", v)
	}
}
