// Package s3storetest has a TEST DOUBLE of a bucket for the agent's unit tests: a
// directory whose files are the objects (so a test double of GoBackup can "upload"
// by writing a file), answering what the agent relies on as S3 does: sizes, ETags
// as S3 computes them for GoBackup's uploads, NotFound, conditional creates. The
// integration tier runs the same code against real MinIO and versitygw.
package s3storetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// FakeBucket is a directory-backed TEST DOUBLE of one bucket.
type FakeBucket struct {
	Name string
	Dir  string
	mu   sync.Mutex
	// FailOn makes an operation ("LIST", "HEAD", "GET", "PUT", "DELETE") on keys with
	// the given prefix fail, as a server answering 403 or timing out would: "GET p/".
	FailOn map[string]error
	// ETagOverride answers HEAD with this ETag for every object (an SSE-KMS bucket's
	// ETags do not identify the content).
	ETagOverride string
}

// NewFakeBucket returns an empty FakeBucket in dir.
func NewFakeBucket(name, dir string) *FakeBucket {
	return &FakeBucket{Name: name, Dir: dir, FailOn: map[string]error{}}
}

// Bucket implements s3store.Bucket.
func (f *FakeBucket) Bucket() string { return f.Name }

func (f *FakeBucket) path(key string) string { return filepath.Join(f.Dir, filepath.FromSlash(key)) }

func (f *FakeBucket) failure(op, key string) error {
	for k, err := range f.FailOn {
		o, prefix, _ := strings.Cut(k, " ")
		if o == op && strings.HasPrefix(key, prefix) {
			return &s3store.Error{Op: op, Bucket: f.Name, Key: key, Err: err}
		}
	}
	return nil
}

func notFound(op, bucket, key string) error {
	return &s3store.Error{Op: op, Bucket: bucket, Key: key, Err: fmt.Errorf("%w: NoSuchKey", s3store.ErrNotFound)}
}

func (f *FakeBucket) object(key string) (s3store.Object, error) {
	info, err := os.Stat(f.path(key))
	if err != nil || info.IsDir() {
		return s3store.Object{}, notFound("HEAD", f.Name, key)
	}
	d, err := digest.File(f.path(key))
	if err != nil {
		return s3store.Object{}, err
	}
	etag := d.ETag
	if f.ETagOverride != "" {
		etag = f.ETagOverride
	}
	return s3store.Object{Key: key, Size: info.Size(), ETag: etag, LastModified: info.ModTime()}, nil
}

// Keys lists every key, sorted.
func (f *FakeBucket) Keys() []string {
	var out []string
	_ = filepath.WalkDir(f.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(f.Dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// List implements s3store.Bucket.
func (f *FakeBucket) List(_ context.Context, prefix string) ([]s3store.Object, error) {
	if err := f.failure("LIST", prefix); err != nil {
		return nil, err
	}
	var out []s3store.Object
	for _, k := range f.Keys() {
		if strings.HasPrefix(k, prefix) {
			o, err := f.object(k)
			if err == nil {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// Head implements s3store.Bucket.
func (f *FakeBucket) Head(_ context.Context, key string) (s3store.Object, error) {
	if err := f.failure("HEAD", key); err != nil {
		return s3store.Object{}, err
	}
	return f.object(key)
}

// Get implements s3store.Bucket.
func (f *FakeBucket) Get(_ context.Context, key string) (io.ReadCloser, int64, error) {
	if err := f.failure("GET", key); err != nil {
		return nil, 0, err
	}
	data, err := os.ReadFile(f.path(key))
	if err != nil {
		return nil, 0, notFound("GET", f.Name, key)
	}
	return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
}

// ReadAll implements s3store.Bucket.
func (f *FakeBucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	body, _, err := f.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(body)
}

// Put implements s3store.Bucket.
func (f *FakeBucket) Put(_ context.Context, key string, data []byte, _ string) error {
	if err := f.failure("PUT", key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.write(key, data)
}

func (f *FakeBucket) write(key string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(f.path(key)), 0o700); err != nil {
		return err
	}
	return os.WriteFile(f.path(key), data, 0o600)
}

// Create implements s3store.Bucket (If-None-Match: *), atomically.
func (f *FakeBucket) Create(_ context.Context, key string, data []byte, _ string) error {
	if err := f.failure("PUT", key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := os.Stat(f.path(key)); err == nil {
		return &s3store.Error{Op: "PUT (if absent)", Bucket: f.Name, Key: key, Err: fmt.Errorf("%w: PreconditionFailed", s3store.ErrExists)}
	}
	return f.write(key, data)
}

// Delete implements s3store.Bucket.
func (f *FakeBucket) Delete(_ context.Context, key string) error {
	if err := f.failure("DELETE", key); err != nil {
		return err
	}
	err := os.Remove(f.path(key))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

var _ s3store.Bucket = (*FakeBucket)(nil)
