// Package digest computes what the agent knows of an archive without a second
// transfer: its SHA-256 (for the manifest, checked again by restore) and the ETag an
// S3 server gives it when GoBackup uploads it, so that the bucket's object can be
// compared with the local bytes by a HEAD request.
package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"sync"
)

// GoBackup's uploader (storage/s3.go, aws-sdk-go v1 s3manager): 64 MiB parts,
// concurrency 1, and a larger part when 64 MiB would need more than 10,000 parts.
const (
	goBackupPartSize = 64 << 20
	maxParts         = 10000
)

// PartSize is the part size GoBackup's uploader uses for a file of size bytes.
func PartSize(size int64) int64 {
	partSize := int64(goBackupPartSize)
	if size/partSize > maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	return partSize
}

// Digest of one archive.
type Digest struct {
	Size   int64
	SHA256 string
	// ETag is the ETag S3 computes for this content as GoBackup uploads it, unquoted:
	// the MD5 of the content for a single PUT (smaller than one part), else the MD5 of
	// the parts' MD5s with "-<parts>" (aws-sdk-go v1 reads a non-seekable body, so a
	// file of exactly one part is a one-part multipart upload).
	ETag     string
	PartSize int64
	Parts    int
}

// File digests the file at path.
func File(path string) (Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return Digest{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Digest{}, err
	}
	return Reader(f, info.Size())
}

// Reader digests size bytes from r. SHA-256 and the part MD5s run in parallel, each
// on its own core, fed the same buffers.
func Reader(r io.Reader, size int64) (Digest, error) {
	partSize := PartSize(size)
	whole := sha256.New()
	parts := &partHasher{size: partSize, current: md5.New(), all: md5.New()}
	const chunk = 4 << 20
	buffers := make(chan []byte, 4)
	pool := sync.Pool{New: func() any { return make([]byte, chunk) }}
	shaDone := make(chan struct{})
	shaIn := make(chan []byte, 4)
	go func() {
		defer close(shaDone)
		for b := range shaIn {
			whole.Write(b)
			pool.Put(b[:cap(b)])
		}
	}()
	md5Done := make(chan struct{})
	go func() {
		defer close(md5Done)
		for b := range buffers {
			parts.Write(b)
			shaIn <- b
		}
		close(shaIn)
	}()
	var total int64
	var readErr error
	for {
		b := pool.Get().([]byte)[:chunk]
		n, err := io.ReadFull(r, b)
		if n > 0 {
			buffers <- b[:n]
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
	}
	close(buffers)
	<-md5Done
	<-shaDone
	if readErr != nil {
		return Digest{}, readErr
	}
	if total != size {
		return Digest{}, fmt.Errorf("read %d bytes, expected %d: the file changed while it was read", total, size)
	}
	return Digest{Size: size, SHA256: hex.EncodeToString(whole.Sum(nil)), ETag: parts.etag(size), PartSize: partSize, Parts: parts.count(size)}, nil
}

// partHasher keeps the MD5 of the current part and of the concatenated part MD5s.
type partHasher struct {
	size     int64
	current  hash.Hash
	inPart   int64
	all      hash.Hash
	finished int
	single   []byte
}

func (p *partHasher) Write(b []byte) {
	for len(b) > 0 {
		room := p.size - p.inPart
		n := int64(len(b))
		if n > room {
			n = room
		}
		p.current.Write(b[:n])
		p.inPart += n
		b = b[n:]
		if p.inPart == p.size {
			p.closePart()
		}
	}
}

func (p *partHasher) closePart() {
	sum := p.current.Sum(nil)
	if p.finished == 0 {
		p.single = sum
	}
	p.all.Write(sum)
	p.finished++
	p.current.Reset()
	p.inPart = 0
}

func (p *partHasher) count(size int64) int {
	if size < p.size {
		return 1
	}
	return int((size + p.size - 1) / p.size)
}

func (p *partHasher) etag(size int64) string {
	if size < p.size {
		// A single PUT: the MD5 of the content.
		return hex.EncodeToString(p.current.Sum(nil))
	}
	if p.inPart > 0 {
		p.closePart()
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(p.all.Sum(nil)), p.finished)
}

// ETagComparable is true when etag has the form S3 gives objects it did not encrypt
// with a customer or KMS key: 32 hex digits, for a multipart upload with "-<parts>".
// Other ETags (SSE-KMS, SSE-C, some gateways) say nothing about the content.
func ETagComparable(etag string) bool {
	etag = strings.Trim(etag, `"`)
	md5Part, parts, multipart := strings.Cut(etag, "-")
	if len(md5Part) != 32 {
		return false
	}
	if _, err := hex.DecodeString(md5Part); err != nil {
		return false
	}
	if multipart {
		for _, c := range parts {
			if c < '0' || c > '9' {
				return false
			}
		}
		return parts != ""
	}
	return true
}
