package backup

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/download"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Ways an archive in the bucket was proven to be the local bytes.
const (
	ByETag     = "etag"
	ByDownload = "download"
)

// VerificationError says the bucket does not hold the archive this run made.
type VerificationError struct {
	Reason string
	// Missing: there is no object at all (the upload never completed).
	Missing bool
}

func (e *VerificationError) Error() string { return e.Reason }

// Verify proves that the object at key holds exactly the bytes the local digest was
// computed from, without reading them again where the server allows: its size, and
// its ETag against the one computed from the same bytes with GoBackup's part size.
// Where the ETag says nothing about the content (SSE-KMS, some gateways) or differs
// from S3's scheme, it reads the object back once and compares SHA-256. It also
// returns the bucket's ETag of the object, for the manifest.
func Verify(ctx context.Context, bucket s3store.Bucket, key string, local digest.Digest) (string, string, error) {
	where := fmt.Sprintf("s3://%s/%s", bucket.Bucket(), key)
	head, err := bucket.Head(ctx, key)
	if errors.Is(err, s3store.ErrNotFound) {
		return "", "", &VerificationError{Reason: fmt.Sprintf("GoBackup reported success, but the archive is not in the bucket at %s", where), Missing: true}
	}
	if err != nil {
		return "", "", err
	}
	if head.Size != local.Size {
		return "", "", &VerificationError{Reason: fmt.Sprintf("%s holds %d bytes, the archive GoBackup made has %d", where, head.Size, local.Size)}
	}
	if digest.ETagComparable(head.ETag) && head.ETag == local.ETag {
		return ByETag, head.ETag, nil
	}
	stream := download.Open(ctx, bucket, key, head.Size)
	_, err = io.Copy(io.Discard, stream)
	stream.Close()
	if err != nil {
		return "", "", fmt.Errorf("reading %s back: %w", where, err)
	}
	// The stream holds exactly head.Size bytes, already compared with local.Size.
	if sum, _ := stream.Sum(); sum != local.SHA256 {
		return "", "", &VerificationError{Reason: fmt.Sprintf("%s does not hold the bytes GoBackup archived: read back, its %d bytes have SHA-256 %s, the archive's have %s", where, local.Size, sum, local.SHA256)}
	}
	return ByDownload, head.ETag, nil
}
