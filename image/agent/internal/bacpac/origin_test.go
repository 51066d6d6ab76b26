package bacpac

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// originXML is shaped like the Origin.xml of a bacpac DacFx 16 exported (namespace,
// nesting and element names as sqlpackage writes them).
func originXML(containsData, tables, rows string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<DacOrigin xmlns="http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02">
  <PackageProperties><Version>3.1.0.0</Version><ContainsExportedData>` + containsData + `</ContainsExportedData></PackageProperties>
  <Server><ServerVersion>Microsoft SQL Server 2022</ServerVersion><ObjectCounts><PrimaryKeyConstraint>9</PrimaryKeyConstraint>`)
	if tables != "" {
		b.WriteString("<Table>" + tables + "</Table>")
	}
	b.WriteString(`</ObjectCounts></Server>
  <ExportStatistics><SourceDatabaseSize>11160</SourceDatabaseSize>`)
	if rows != "" {
		b.WriteString("<TableRowCountTotalTag>" + rows + "</TableRowCountTotalTag>")
	}
	b.WriteString(`</ExportStatistics>
  <Checksums><Checksum Uri="/model.xml">2EAA8FDAD031DC05D66FBFE087C4BE01C85EE105ACE4FBAADD4CDCE7F3BE19F7</Checksum></Checksums>
</DacOrigin>`)
	return b.String()
}

func bacpacWith(t *testing.T, files map[string]string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, body := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func TestReadsTheTableCountAndTheRowTotalSqlpackageRecorded(t *testing.T) {
	r := bacpacWith(t, map[string]string{"model.xml": "<x/>", "Origin.xml": originXML("true", "10", "289")})
	got, err := ReadExport(r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	if got != (Export{Tables: 10, Rows: 289}) {
		t.Fatalf("got %+v", got)
	}
}

func TestADatabaseWithoutTablesHasZeroTables(t *testing.T) {
	r := bacpacWith(t, map[string]string{"Origin.xml": originXML("true", "", "0")})
	got, err := ReadExport(r, r.Size())
	if err != nil || got != (Export{}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestRefusesWhatIsNotABacpacSqlpackageWrote(t *testing.T) {
	cases := map[string]struct {
		files map[string]string
		want  string
	}{
		"no Origin.xml":       {map[string]string{"model.xml": "<x/>"}, "no Origin.xml"},
		"a dacpac":            {map[string]string{"Origin.xml": originXML("false", "3", "0")}, "holds no data"},
		"no row total":        {map[string]string{"Origin.xml": originXML("true", "3", "")}, "TableRowCountTotalTag"},
		"a row total of text": {map[string]string{"Origin.xml": originXML("true", "3", "12abc")}, `"12abc", not a count`},
		"broken XML":          {map[string]string{"Origin.xml": "<DacOrigin><Server>"}, "not readable"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := bacpacWith(t, c.files)
			_, err := ReadExport(r, r.Size())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
	_, err := ReadExport(bytes.NewReader([]byte("not a zip")), 9)
	if err == nil || errors.Is(err, ErrNoOrigin) {
		t.Fatalf("a file that is not a zip: %v", err)
	}
}
