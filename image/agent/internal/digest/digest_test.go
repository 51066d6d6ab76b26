package digest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand"
	"testing"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

// reference computes the ETag the slow, obvious way.
func reference(data []byte) string {
	partSize := int(PartSize(int64(len(data))))
	if len(data) < partSize {
		sum := md5.Sum(data)
		return hex.EncodeToString(sum[:])
	}
	var all []byte
	parts := 0
	for off := 0; off < len(data); off += partSize {
		end := off + partSize
		if end > len(data) {
			end = len(data)
		}
		sum := md5.Sum(data[off:end])
		all = append(all, sum[:]...)
		parts++
	}
	sum := md5.Sum(all)
	return fmt.Sprintf("%s-%d", hex.EncodeToString(sum[:]), parts)
}

func TestETagMatchesGoBackupsUploadForEverySizeClass(t *testing.T) {
	const part = 64 << 20
	for _, size := range []int{0, 1, 5 << 20, part - 1, part, part + 1, 2*part + 12345} {
		data := randomBytes(size)
		d, err := Reader(bytes.NewReader(data), int64(size))
		if err != nil {
			t.Fatal(err)
		}
		if want := reference(data); d.ETag != want {
			t.Errorf("size %d: ETag %s, want %s", size, d.ETag, want)
		}
		sum := sha256.Sum256(data)
		if d.SHA256 != hex.EncodeToString(sum[:]) || d.Size != int64(size) {
			t.Errorf("size %d: wrong sha256 or size", size)
		}
	}
}

func TestAFileOfExactlyOnePartIsAOnePartMultipartUpload(t *testing.T) {
	data := randomBytes(64 << 20)
	d, _ := Reader(bytes.NewReader(data), int64(len(data)))
	if d.Parts != 1 || d.ETag[len(d.ETag)-2:] != "-1" {
		t.Fatalf("got %s with %d parts, want a -1 multipart ETag (aws-sdk-go v1 reads GoBackup's body without seeking)", d.ETag, d.Parts)
	}
}

func TestPartSizeGrowsOnlyBeyondTenThousandParts(t *testing.T) {
	if got := PartSize(10000 * (64 << 20)); got != 64<<20 {
		t.Fatalf("10,000 parts: %d", got)
	}
	size := int64(10001) * (64 << 20)
	if got, want := PartSize(size), (size+9999)/10000; got != want {
		t.Fatalf("10,001 parts: %d, want %d", got, want)
	}
}

func TestReaderFailsWhenTheFileIsShorterThanItsSize(t *testing.T) {
	if _, err := Reader(bytes.NewReader([]byte("abc")), 4); err == nil {
		t.Fatal("a short read must fail, not produce a digest")
	}
}

func TestETagComparable(t *testing.T) {
	for etag, want := range map[string]bool{
		`"9b2cf535f27731c974343645a3985328"`:  true,
		"9b2cf535f27731c974343645a3985328-12": true,
		"9b2cf535f27731c974343645a3985328-":   false,
		"kms-encrypted-etag":                  false,
		"zz2cf535f27731c974343645a3985328":    false,
		"9b2cf535f27731c974343645a3985328-1a": false,
	} {
		if got := ETagComparable(etag); got != want {
			t.Errorf("%s: %v, want %v", etag, got, want)
		}
	}
}
