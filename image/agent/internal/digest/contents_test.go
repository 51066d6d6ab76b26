package digest

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"
)

func writeTar(t *testing.T, files map[string]int) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "a.tar")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for name, size := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(size), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(make([]byte, size)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	f.Close()
	return file
}

func TestBacpacsListsTheExportsInsideGoBackupsArchive(t *testing.T) {
	file := writeTar(t, map[string]int{"orders/mssql/orders/Orders.bacpac": 1234, "orders/notes.txt": 3})
	got, err := Bacpacs(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Database != "Orders" || got[0].Size != 1234 || got[0].Path != "orders/mssql/orders/Orders.bacpac" {
		t.Fatalf("got %+v", got)
	}
}

func TestBacpacsRefusesAFileThatIsNotATar(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.tar")
	os.WriteFile(file, []byte("this is not a tar archive, it is far too short and wrong"), 0o600)
	if _, err := Bacpacs(file); err == nil {
		t.Fatal("want an error")
	}
}
