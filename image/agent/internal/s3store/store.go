// Package s3store talks to the bucket for the agent: listing, HEAD, reads, manifests,
// conditional creates and a key's versions (for claims), incomplete multipart uploads,
// with the keys GoBackup uses, on any S3 server.
package s3store

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Options say where the bucket is and how to reach it.
type Options struct {
	// Endpoint is the S3 API's URL; empty means AWS S3 for Region.
	Endpoint string
	Region   string
	Bucket   string
	// PathStyle addresses the bucket as <endpoint>/<bucket> (MinIO, most gateways)
	// rather than <bucket>.<endpoint host> (AWS S3's virtual-hosted style).
	PathStyle       bool
	AccessKeyID     string
	SecretAccessKey string
	// CACertificates (PEM) are trusted besides the system's roots: a private
	// certificate authority of a self-hosted S3 server. TLS is always verified.
	CACertificates []byte
	// RequestTimeout bounds one HTTP request (GoBackup's `timeout`). 0: 300 s.
	RequestTimeout time.Duration
}

// Store is one bucket.
type Store struct {
	client *s3.Client
	bucket string
	// streaming is the HTTP client of GetRange: no bound on the whole request (a
	// large object takes as long as it takes), only on waiting (idleTimeout).
	streaming   *http.Client
	idleTimeout time.Duration
}

// Object is what a listing or a HEAD tells of one object.
type Object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// ErrNotFound: no object under that key.
var ErrNotFound = errors.New("no such object")

// ErrExists: a conditional create found the key taken (HTTP 412).
var ErrExists = errors.New("the object already exists")

// Error is a failed request, with the operation and key it was for.
type Error struct {
	Op     string
	Bucket string
	Key    string
	Err    error
}

func (e *Error) Error() string {
	target := "s3://" + e.Bucket + "/" + e.Key
	msg := fmt.Sprintf("%s %s: %s", e.Op, target, describe(e.Err))
	if code := errorCode(e.Err); code == "AccessDenied" || code == "Forbidden" {
		msg += " (a bucket that does not exist, or a key outside the user's policy, also answers Access Denied)"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a Store for opts.Bucket.
func New(opts Options) (*Store, error) {
	if opts.Bucket == "" {
		return nil, errors.New("no bucket given")
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if len(opts.CACertificates) > 0 && !roots.AppendCertsFromPEM(opts.CACertificates) {
		return nil, errors.New("the CA bundle holds no PEM certificate")
	}
	timeout := opts.RequestTimeout
	if timeout == 0 {
		timeout = 300 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	region := opts.Region
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: transport, Timeout: timeout},
		// Only when an operation requires it: many S3-compatible servers refuse or
		// mishandle the SDK's default CRC32 trailers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	streaming := transport.Clone()
	streaming.ResponseHeaderTimeout = timeout
	return &Store{client: client, bucket: opts.Bucket, streaming: &http.Client{Transport: streaming}, idleTimeout: timeout}, nil
}

// Bucket is the store's bucket name.
func (s *Store) Bucket() string { return s.bucket }

func (s *Store) fail(op, key string, err error) error {
	switch status(err) {
	case http.StatusNotFound:
		if code := errorCode(err); code == "" || code == "NoSuchKey" || code == "NotFound" {
			return &Error{Op: op, Bucket: s.bucket, Key: key, Err: fmt.Errorf("%w: %v", ErrNotFound, err)}
		}
	case http.StatusPreconditionFailed:
		return &Error{Op: op, Bucket: s.bucket, Key: key, Err: fmt.Errorf("%w: %v", ErrExists, err)}
	}
	return &Error{Op: op, Bucket: s.bucket, Key: key, Err: err}
}

// List returns every object whose key starts with prefix, sorted by key.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	paginator := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return nil, s.fail("LIST", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: strings.Trim(aws.ToString(o.ETag), `"`), LastModified: aws.ToTime(o.LastModified)})
		}
	}
	return out, nil
}

// Head returns the object's size and ETag.
func (s *Store) Head(ctx context.Context, key string) (Object, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return Object{}, s.fail("HEAD", key, err)
	}
	return Object{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: strings.Trim(aws.ToString(out.ETag), `"`), LastModified: aws.ToTime(out.LastModified)}, nil
}

// get opens a small object for reading, in one request bounded by RequestTimeout as a
// whole; an archive is read with GetRange. The caller closes it.
func (s *Store) get(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, s.fail("GET", key, err)
	}
	return out.Body, nil
}

// GetRange opens length bytes of the object from offset; the caller closes it. Unlike
// every other request, it is not bounded as a whole by RequestTimeout (reading a large
// archive takes as long as it takes), only its waits are: for the answer, and for each
// read of the body (a stalled connection fails after RequestTimeout without data).
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	byteRange := fmt.Sprintf("bytes=%d-%d", offset, offset+length-1)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key, Range: &byteRange}, func(o *s3.Options) { o.HTTPClient = s.streaming })
	if err != nil {
		cancel()
		return nil, s.fail("GET", key, err)
	}
	return newIdleBody(out.Body, s.idleTimeout, cancel), nil
}

// ReadAll returns a small object's content.
func (s *Store) ReadAll(ctx context.Context, key string) ([]byte, error) {
	body, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 16<<20))
	if err != nil {
		return nil, s.fail("GET", key, err)
	}
	return data, nil
}

// Written is what the server answered to a write.
type Written struct {
	ETag string
	// VersionID of the new version ("" in a bucket without versioning).
	VersionID string
}

// Put writes a small object.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (Written, error) {
	out, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String(contentType)})
	if err != nil {
		return Written{}, s.fail("PUT", key, err)
	}
	return Written{ETag: strings.Trim(aws.ToString(out.ETag), `"`), VersionID: aws.ToString(out.VersionId)}, nil
}

// Create writes a small object only if no object has that key (If-None-Match: *);
// it returns an error wrapping ErrExists when one has. Not every server honours the
// header (see package claim, which never relies on it alone).
func (s *Store) Create(ctx context.Context, key string, data []byte, contentType string) (Written, error) {
	out, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String(contentType), IfNoneMatch: aws.String("*")})
	if err != nil {
		return Written{}, s.fail("PUT (if absent)", key, err)
	}
	return Written{ETag: strings.Trim(aws.ToString(out.ETag), `"`), VersionID: aws.ToString(out.VersionId)}, nil
}

// Version is one version of a key in a versioned bucket.
type Version struct {
	VersionID    string
	DeleteMarker bool
	LastModified time.Time
}

// Versions lists the versions of exactly key, oldest first, in the order the server
// keeps them (not by time stamps, which can tie).
func (s *Store) Versions(ctx context.Context, key string) ([]Version, error) {
	var newestFirst []Version
	paginator := s3.NewListObjectVersionsPaginator(s.client, &s3.ListObjectVersionsInput{Bucket: &s.bucket, Prefix: &key})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return nil, s.fail("LIST VERSIONS", key, err)
		}
		// S3 lists a key's versions newest first; delete markers come in a list of their own.
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key {
				newestFirst = append(newestFirst, Version{VersionID: aws.ToString(v.VersionId), LastModified: aws.ToTime(v.LastModified)})
			}
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				newestFirst = append(newestFirst, Version{VersionID: aws.ToString(m.VersionId), DeleteMarker: true, LastModified: aws.ToTime(m.LastModified)})
			}
		}
	}
	// Merge the two lists back into one history: stable by time, newest first, the
	// server's own order kept among equal times.
	sort.SliceStable(newestFirst, func(i, j int) bool { return newestFirst[i].LastModified.After(newestFirst[j].LastModified) })
	out := make([]Version, len(newestFirst))
	for i, v := range newestFirst {
		out[len(newestFirst)-1-i] = v
	}
	return out, nil
}

// GetVersion returns one version of a small object.
func (s *Store) GetVersion(ctx context.Context, key, versionID string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key, VersionId: &versionID})
	if err != nil {
		return nil, s.fail("GET (version)", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, 16<<20))
	if err != nil {
		return nil, s.fail("GET (version)", key, err)
	}
	return data, nil
}

// DeleteVersion removes one version of a key for good.
func (s *Store) DeleteVersion(ctx context.Context, key, versionID string) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key, VersionId: &versionID}); err != nil {
		return s.fail("DELETE (version)", key, err)
	}
	return nil
}

// Versioned reports whether the bucket's versioning is enabled (not suspended).
func (s *Store) Versioned(ctx context.Context) (bool, error) {
	out, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &s.bucket})
	if err != nil {
		return false, s.fail("GET VERSIONING", "", err)
	}
	return out.Status == types.BucketVersioningStatusEnabled, nil
}

// Upload is an incomplete multipart upload.
type Upload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// Uploads lists the incomplete multipart uploads under prefix.
func (s *Store) Uploads(ctx context.Context, prefix string) ([]Upload, error) {
	var out []Upload
	input := &s3.ListMultipartUploadsInput{Bucket: &s.bucket, Prefix: &prefix}
	for {
		page, err := s.client.ListMultipartUploads(ctx, input)
		if err != nil {
			return nil, s.fail("LIST UPLOADS", prefix, err)
		}
		for _, u := range page.Uploads {
			out = append(out, Upload{Key: aws.ToString(u.Key), UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		input.KeyMarker, input.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
}

// Abort ends an incomplete multipart upload and frees its parts.
func (s *Store) Abort(ctx context.Context, u Upload) error {
	if _, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &u.Key, UploadId: &u.UploadID}); err != nil {
		return s.fail("ABORT UPLOAD", u.Key, err)
	}
	return nil
}

// Delete removes an object.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return s.fail("DELETE", key, err)
	}
	return nil
}

func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// describe is the server's own words: its error code and message, or the transport error.
func describe(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		text := apiErr.ErrorCode()
		if msg := apiErr.ErrorMessage(); msg != "" && msg != text {
			text += ": " + msg
		}
		if code := status(err); code != 0 {
			text += fmt.Sprintf(" (HTTP %d)", code)
		}
		return text
	}
	if code := status(err); code != 0 {
		return fmt.Sprintf("HTTP %d", code)
	}
	var op *smithy.OperationError
	if errors.As(err, &op) {
		return op.Err.Error()
	}
	return err.Error()
}

// Bucket is what the agent does with a bucket; *Store is the real one.
type Bucket interface {
	Bucket() string
	List(ctx context.Context, prefix string) ([]Object, error)
	Head(ctx context.Context, key string) (Object, error)
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	ReadAll(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, data []byte, contentType string) (Written, error)
	Create(ctx context.Context, key string, data []byte, contentType string) (Written, error)
	Delete(ctx context.Context, key string) error
	Versioned(ctx context.Context) (bool, error)
	Versions(ctx context.Context, key string) ([]Version, error)
	GetVersion(ctx context.Context, key, versionID string) ([]byte, error)
	DeleteVersion(ctx context.Context, key, versionID string) error
	Uploads(ctx context.Context, prefix string) ([]Upload, error)
	Abort(ctx context.Context, u Upload) error
}

var _ Bucket = (*Store)(nil)
