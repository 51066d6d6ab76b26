package digest

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Bacpac is one database export inside an archive.
type Bacpac struct {
	// Database is the file's name without .bacpac (sqlpackage names it after the database).
	Database string `json:"name"`
	// Path inside the archive: <model>/mssql/<database key>/<database>.bacpac.
	Path string `json:"bacpac"`
	Size int64  `json:"size"`
}

// ErrNotTar says the archive is not a tar file the agent can read (a compressed or
// encrypted archive is read by restore only after GoBackup's own tools unpack it).
var ErrNotTar = errors.New("not a readable tar archive")

// Bacpacs lists the .bacpac files in the tar archive at file, reading headers only
// (archive/tar seeks over the data of a file).
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
			out = append(out, Bacpac{Database: strings.TrimSuffix(path.Base(h.Name), ".bacpac"), Path: h.Name, Size: h.Size})
		}
	}
}
