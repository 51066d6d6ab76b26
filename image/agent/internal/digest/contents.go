package digest

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/bacpac"
)

// Bacpac is one database export inside an archive.
type Bacpac struct {
	// Database is the file's name without .bacpac (sqlpackage names it after the database).
	Database string `json:"name"`
	// Path inside the archive: <model>/mssql/<database key>/<database>.bacpac.
	Path string `json:"bacpac"`
	Size int64  `json:"size"`
	// Export is what sqlpackage recorded in the bacpac about the source (its tables and
	// their rows): what a restore drill checks the restored database against.
	Export *bacpac.Export `json:"export,omitempty"`
	// ExportUnreadable says why Export is missing (a drill then checks no row counts).
	ExportUnreadable string `json:"exportUnreadable,omitempty"`
}

// ErrNotTar says the archive is not a tar file the agent can read (a compressed or
// encrypted archive is read by restore only after GoBackup's own tools unpack it).
var ErrNotTar = errors.New("not a readable tar archive")

// Bacpacs lists the .bacpac files in the tar archive at file, with the export
// statistics each one holds: it reads the tar's headers and each bacpac's zip
// directory and Origin.xml in place (archive/tar seeks over the data of a file, and a
// zip is read from its end), never the table data.
func Bacpacs(file string) ([]Bacpac, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var out []Bacpac
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotTar, err)
		}
		if h.Typeflag == tar.TypeReg && strings.HasSuffix(h.Name, ".bacpac") {
			b := Bacpac{Database: strings.TrimSuffix(path.Base(h.Name), ".bacpac"), Path: h.Name, Size: h.Size}
			readExport(f, h.Size, &b)
			out = append(out, b)
		}
	}
}

// readExport reads the statistics of the bacpac whose data starts at f's offset (where
// archive/tar leaves it after a header), without moving that offset.
func readExport(f *os.File, size int64, b *Bacpac) {
	offset, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		var e bacpac.Export
		if e, err = bacpac.ReadExport(io.NewSectionReader(f, offset, size), size); err == nil {
			b.Export = &e
			return
		}
	}
	b.ExportUnreadable = err.Error()
}
