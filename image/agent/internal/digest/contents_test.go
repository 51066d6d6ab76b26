package digest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/bacpac"
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

func TestBacpacsReadsWhatSqlpackageRecordedInEachBacpac(t *testing.T) {
	var zipped bytes.Buffer
	w := zip.NewWriter(&zipped)
	origin, _ := w.Create("Origin.xml")
	origin.Write([]byte(`<DacOrigin xmlns="http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02">` +
		`<PackageProperties><ContainsExportedData>true</ContainsExportedData></PackageProperties>` +
		`<Server><ObjectCounts><Table>4</Table></ObjectCounts></Server>` +
		`<ExportStatistics><TableRowCountTotalTag>5120</TableRowCountTotalTag></ExportStatistics></DacOrigin>`))
	data, _ := w.CreateHeader(&zip.FileHeader{Name: "Data/dbo.T/TableData-000-00000.BCP", Method: zip.Store})
	data.Write(make([]byte, 70000))
	w.Close()

	file := filepath.Join(t.TempDir(), "a.tar")
	f, _ := os.Create(file)
	tw := tar.NewWriter(f)
	add := func(name string, body []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	add("orders/notes.txt", []byte("before"))
	add("orders/mssql/orders/Orders.bacpac", zipped.Bytes())
	add("orders/mssql/sales/Sales.bacpac", []byte("not a zip"))
	tw.Close()
	f.Close()

	got, err := Bacpacs(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Export == nil || *got[0].Export != (bacpac.Export{Tables: 4, Rows: 5120}) {
		t.Fatalf("got %+v", got)
	}
	if got[1].Export != nil || !strings.Contains(got[1].ExportUnreadable, "not a readable zip") {
		t.Fatalf("an unreadable bacpac must say why it has no statistics: %+v", got[1])
	}
}

func TestBacpacsRefusesAFileThatIsNotATar(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.tar")
	os.WriteFile(file, []byte("this is not a tar archive, it is far too short and wrong"), 0o600)
	if _, err := Bacpacs(file); err == nil {
		t.Fatal("want an error")
	}
}
