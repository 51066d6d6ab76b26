package restore

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/download"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/lock"
)

// fetched is an archive read from the bucket: its bacpac on disk, and what the
// archive's bytes were.
type fetched struct {
	Bacpac string
	SHA256 string
	Size   int64
}

// fetch reads the archive once, in one pass (download.Stream: hashed on another core as
// it arrives, resumed where it breaks off) and unpacks it on the way, so only the
// bacpac is written: one copy of the data on disk, and the SHA-256 known when the
// stream ends, before sqlpackage starts. An archive that is not a tar, holds no bacpac or
// more than one, or breaks off, leaves nothing behind.
func (r *Restorer) fetch(ctx context.Context, key string, size int64, work string) (got fetched, err error) {
	stream := download.Open(ctx, r.Bucket, key, size)
	defer func() {
		stream.Close()
		if err != nil && got.Bacpac != "" {
			os.Remove(got.Bacpac)
			got.Bacpac = ""
		}
		if err == nil {
			got.SHA256, got.Size = stream.Sum()
		}
	}()
	tr := tar.NewReader(stream)
	var found []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return got, fmt.Errorf("is not a readable tar archive: %v", err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(h.Name, ".bacpac") {
			continue
		}
		found = append(found, h.Name)
		if len(found) > 1 {
			return got, fmt.Errorf("holds more than one .bacpac (%s): a restore imports one database", strings.Join(found, ", "))
		}
		got.Bacpac = filepath.Join(work, path.Base(h.Name))
		if err := writeFile(got.Bacpac, tr, h.Size); err != nil {
			return got, fmt.Errorf("unpacking %s: %v", h.Name, err)
		}
	}
	// The tar's end marker may be followed by padding: it belongs to the archive's bytes.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return got, err
	}
	if len(found) == 0 {
		return got, errors.New("holds no .bacpac file")
	}
	return got, ctx.Err()
}

// writeFile writes a tar entry of size bytes into a new file. The file's room is
// reserved first: a workdir too small for the bacpac fails before the download, not
// after most of it.
func writeFile(name string, from io.Reader, size int64) error {
	out, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := reserve(out, size); err != nil {
		out.Close()
		return err
	}
	// Only the Writer: *os.File's ReadFrom would copy through its own 32 KiB buffer (it
	// has no zero-copy path from a tar entry), a write call per 32 KiB instead of per MiB.
	_, err = io.CopyBuffer(struct{ io.Writer }{out}, from, make([]byte, 1<<20))
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	return err
}

// newWorkFolder makes a restore's own folder in the workdir (and the workdir: a fresh
// volume, a restore-only container, may not have it yet), after removing what killed
// restores left. It holds the folder's lock while the restore lasts, so a later
// restore can tell an abandoned folder from a live one; done removes it.
func (r *Restorer) newWorkFolder() (work string, done func(), err error) {
	if err := os.MkdirAll(r.Workdir, 0o750); err != nil {
		return "", nil, fmt.Errorf("cannot create the workdir %s: %v", r.Workdir, err)
	}
	r.clearLeftovers()
	work, err = os.MkdirTemp(r.Workdir, "restore-")
	if err == nil {
		var held *lock.Lock
		if held, err = lock.TryAcquire(filepath.Join(work, ".lock"), lock.Holder{PID: os.Getpid()}); err == nil {
			return work, func() { held.Release(); os.RemoveAll(work) }, nil
		}
		os.RemoveAll(work)
	}
	return "", nil, fmt.Errorf("cannot create a folder for the download in %s: %v", r.Workdir, err)
}

// clearLeftovers removes the folders of restores that were killed (nobody holds their lock).
func (r *Restorer) clearLeftovers() {
	entries, _ := os.ReadDir(r.Workdir)
	for _, e := range entries {
		dir := filepath.Join(r.Workdir, e.Name())
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "restore-") || lock.Held(filepath.Join(dir, ".lock")) {
			continue
		}
		if err := os.RemoveAll(dir); err == nil {
			r.Log.Info("removed %s, left by a restore that did not finish", dir)
		}
	}
}
