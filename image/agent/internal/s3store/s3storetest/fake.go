// Package s3storetest has a TEST DOUBLE of a bucket for the agent's unit tests: a
// directory whose files are the objects (so a test double of GoBackup can "upload"
// by writing a file), answering what the agent relies on as S3 does: sizes, ETags
// as S3 computes them for GoBackup's uploads, NotFound, conditional creates (honoured or
// ignored), a versioned bucket's versions, incomplete multipart uploads. The
// integration tier runs the same code against real MinIO and versitygw.
package s3storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// FakeBucket is a directory-backed TEST DOUBLE of one bucket.
type FakeBucket struct {
	Name string
	Dir  string
	mu   sync.Mutex
	// FailOn makes an operation ("LIST", "HEAD", "GET", "PUT", "DELETE", "LIST VERSIONS",
	// "LIST UPLOADS", "VERSIONING") on keys with the given prefix fail, as a server
	// answering 403 or timing out would: "GET p/"; "=" before the key matches it exactly.
	FailOn map[string]error
	// ETagOverride answers HEAD with this ETag for every object (an SSE-KMS bucket's
	// ETags do not identify the content).
	ETagOverride string
	// IgnoresIfNoneMatch answers a conditional create with 200 even when the key
	// exists, as SeaweedFS before 3.97 and versitygw before 1.2 do.
	IgnoresIfNoneMatch bool
	// Versioning keeps every version written through the API, as a versioned bucket does.
	Versioning bool
	// BeforeWrite runs before a Put or Create of key writes (outside the lock): a
	// test makes a second writer race the first there.
	BeforeWrite func(key string)
	// LoseResponse, for a key, makes the next Create of it write and then answer as an
	// SDK's retry after a lost response does: 412, although the first attempt landed.
	LoseResponse map[string]bool
	// GetRangeHook, when set, wraps what GetRange answers for a range from offset: a
	// test makes a range break off, as a dropped connection does.
	GetRangeHook func(key string, offset int64, part io.Reader) io.Reader
	// PendingUploads are incomplete multipart uploads (Uploads lists, Abort removes).
	PendingUploads []s3store.Upload

	versions map[string][]fakeVersion
	nextID   int
}

type fakeVersion struct {
	id      string
	data    []byte
	deleted bool
	// started: a version is dated when its write starts (as MinIO and AWS date it), so
	// a slow write can land after a faster one and still be the earlier version.
	started time.Time
}

// NewFakeBucket returns an empty FakeBucket in dir.
func NewFakeBucket(name, dir string) *FakeBucket {
	return &FakeBucket{Name: name, Dir: dir, FailOn: map[string]error{}, LoseResponse: map[string]bool{}, versions: map[string][]fakeVersion{}}
}

// Bucket implements s3store.Bucket.
func (f *FakeBucket) Bucket() string { return f.Name }

func (f *FakeBucket) path(key string) string { return filepath.Join(f.Dir, filepath.FromSlash(key)) }

func (f *FakeBucket) failure(op, key string) error {
	for k, err := range f.FailOn {
		o, prefix := k[:strings.LastIndex(k, " ")], k[strings.LastIndex(k, " ")+1:]
		exact, isExact := strings.CutPrefix(prefix, "=")
		if o == op && ((isExact && key == exact) || (!isExact && strings.HasPrefix(key, prefix))) {
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

// get reads an object.
func (f *FakeBucket) get(_ context.Context, key string) (io.ReadCloser, int64, error) {
	if err := f.failure("GET", key); err != nil {
		return nil, 0, err
	}
	data, err := os.ReadFile(f.path(key))
	if err != nil {
		return nil, 0, notFound("GET", f.Name, key)
	}
	return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
}

// GetRange implements s3store.Bucket: GetRangeHook, when set, may replace the range's
// reader (a connection that breaks off).
func (f *FakeBucket) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	body, size, err := f.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length <= 0 || offset+length > size {
		return nil, &s3store.Error{Op: "GET", Bucket: f.Name, Key: key, Err: fmt.Errorf("InvalidRange: bytes=%d-%d of %d", offset, offset+length-1, size)}
	}
	data, _ := io.ReadAll(body)
	var part io.Reader = bytes.NewReader(data[offset : offset+length])
	if f.GetRangeHook != nil {
		part = f.GetRangeHook(key, offset, part)
	}
	return io.NopCloser(part), nil
}

// BreakOff passes after bytes of part on and then fails as a connection reset by the
// peer does: for GetRangeHook.
func BreakOff(part io.Reader, after int64) io.Reader {
	return io.MultiReader(io.LimitReader(part, after), brokenConnection{})
}

type brokenConnection struct{}

func (brokenConnection) Read([]byte) (int, error) {
	return 0, errors.New("read tcp 127.0.0.1:9000: connection reset by peer")
}

// ReadAll implements s3store.Bucket.
func (f *FakeBucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	body, _, err := f.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(body)
}

// Put implements s3store.Bucket.
func (f *FakeBucket) Put(_ context.Context, key string, data []byte, _ string) (s3store.Written, error) {
	if err := f.failure("PUT", key); err != nil {
		return s3store.Written{}, err
	}
	started := time.Now()
	if f.BeforeWrite != nil {
		f.BeforeWrite(key)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.write(key, data, started)
}

func (f *FakeBucket) write(key string, data []byte, started time.Time) (s3store.Written, error) {
	if err := os.MkdirAll(filepath.Dir(f.path(key)), 0o700); err != nil {
		return s3store.Written{}, err
	}
	if err := os.WriteFile(f.path(key), data, 0o600); err != nil {
		return s3store.Written{}, err
	}
	d, _ := digest.Reader(bytes.NewReader(data), int64(len(data)))
	w := s3store.Written{ETag: d.ETag}
	if f.Versioning {
		f.nextID++
		w.VersionID = fmt.Sprintf("v%04d", f.nextID)
		f.versions[key] = append(f.versions[key], fakeVersion{id: w.VersionID, data: append([]byte(nil), data...), started: started})
		sort.SliceStable(f.versions[key], func(i, j int) bool { return f.versions[key][i].started.Before(f.versions[key][j].started) })
	}
	return w, nil
}

// Create implements s3store.Bucket (If-None-Match: *), atomically unless IgnoresIfNoneMatch.
func (f *FakeBucket) Create(_ context.Context, key string, data []byte, _ string) (s3store.Written, error) {
	if err := f.failure("PUT", key); err != nil {
		return s3store.Written{}, err
	}
	started := time.Now()
	if f.BeforeWrite != nil {
		f.BeforeWrite(key)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	exists := &s3store.Error{Op: "PUT (if absent)", Bucket: f.Name, Key: key, Err: fmt.Errorf("%w: PreconditionFailed", s3store.ErrExists)}
	if _, err := os.Stat(f.path(key)); err == nil && !f.IgnoresIfNoneMatch {
		return s3store.Written{}, exists
	}
	w, err := f.write(key, data, started)
	if err == nil && f.LoseResponse[key] {
		delete(f.LoseResponse, key)
		return s3store.Written{}, exists
	}
	return w, err
}

// Delete implements s3store.Bucket.
func (f *FakeBucket) Delete(_ context.Context, key string) error {
	if err := f.failure("DELETE", key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Versioning {
		f.nextID++
		f.versions[key] = append(f.versions[key], fakeVersion{id: fmt.Sprintf("v%04d", f.nextID), deleted: true, started: time.Now()})
	}
	err := os.Remove(f.path(key))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// Versioned implements s3store.Bucket.
func (f *FakeBucket) Versioned(context.Context) (bool, error) {
	if err := f.failure("VERSIONING", ""); err != nil {
		return false, err
	}
	return f.Versioning, nil
}

// Versions implements s3store.Bucket: oldest first.
func (f *FakeBucket) Versions(_ context.Context, key string) ([]s3store.Version, error) {
	if err := f.failure("LIST VERSIONS", key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []s3store.Version
	for _, v := range f.versions[key] {
		out = append(out, s3store.Version{VersionID: v.id, DeleteMarker: v.deleted})
	}
	return out, nil
}

// GetVersion implements s3store.Bucket.
func (f *FakeBucket) GetVersion(_ context.Context, key, id string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.versions[key] {
		if v.id == id && !v.deleted {
			return append([]byte(nil), v.data...), nil
		}
	}
	return nil, notFound("GET (version)", f.Name, key)
}

// DeleteVersion implements s3store.Bucket: the current content falls back to the newest remaining version.
func (f *FakeBucket) DeleteVersion(_ context.Context, key, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.versions[key][:0]
	for _, v := range f.versions[key] {
		if v.id != id {
			kept = append(kept, v)
		}
	}
	f.versions[key] = kept
	if len(kept) == 0 || kept[len(kept)-1].deleted {
		os.Remove(f.path(key))
		return nil
	}
	return os.WriteFile(f.path(key), kept[len(kept)-1].data, 0o600)
}

// Uploads implements s3store.Bucket.
func (f *FakeBucket) Uploads(_ context.Context, prefix string) ([]s3store.Upload, error) {
	if err := f.failure("LIST UPLOADS", prefix); err != nil {
		return nil, err
	}
	var out []s3store.Upload
	for _, u := range f.PendingUploads {
		if strings.HasPrefix(u.Key, prefix) {
			out = append(out, u)
		}
	}
	return out, nil
}

// Abort implements s3store.Bucket.
func (f *FakeBucket) Abort(_ context.Context, u s3store.Upload) error {
	kept := f.PendingUploads[:0]
	for _, p := range f.PendingUploads {
		if p.UploadID != u.UploadID {
			kept = append(kept, p)
		}
	}
	f.PendingUploads = kept
	return nil
}

var _ s3store.Bucket = (*FakeBucket)(nil)
