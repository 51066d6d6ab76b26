package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store/s3storetest"
)

var small = Options{BufferSize: 1000, Buffers: 3, Attempts: 3}

func object(t *testing.T, size int) (*s3storetest.FakeBucket, []byte) {
	t.Helper()
	b := s3storetest.NewFakeBucket("b", filepath.Join(t.TempDir(), "bucket"))
	data := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(data)
	if _, err := b.Put(context.Background(), "k", data, ""); err != nil {
		t.Fatal(err)
	}
	return b, data
}

func hexSum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestTheBytesComeInOrderWithTheirSHA256ThroughEveryBufferOfTheRing(t *testing.T) {
	b, data := object(t, 25_321)
	s := OpenWith(context.Background(), b, "k", int64(len(data)), small)
	var got bytes.Buffer
	// Odd-sized reads, as tar's reader makes them.
	chunk := make([]byte, 777)
	for {
		n, err := s.Read(chunk)
		got.Write(chunk[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	sum, n := s.Sum()
	if !bytes.Equal(got.Bytes(), data) || sum != hexSum(data) || n != int64(len(data)) {
		t.Fatalf("got %d bytes (equal: %v) with %s, want %d with %s", n, bytes.Equal(got.Bytes(), data), sum, len(data), hexSum(data))
	}
}

func TestWriteToHandsOverTheWholeObject(t *testing.T) {
	b, data := object(t, 10_000)
	s := OpenWith(context.Background(), b, "k", int64(len(data)), small)
	var got bytes.Buffer
	if _, err := io.Copy(&got, s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if sum, _ := s.Sum(); !bytes.Equal(got.Bytes(), data) || sum != hexSum(data) {
		t.Fatal("WriteTo lost or reordered bytes")
	}
}

func TestAStreamThatKeepsBreakingOffResumesFromWhereItStopped(t *testing.T) {
	b, data := object(t, 10_000)
	var from []int64
	b.GetRangeHook = func(_ string, offset int64, part io.Reader) io.Reader {
		from = append(from, offset)
		return s3storetest.BreakOff(part, 2_500)
	}
	s := OpenWith(context.Background(), b, "k", int64(len(data)), small)
	got, err := io.ReadAll(s)
	s.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("err %v, equal %v", err, bytes.Equal(got, data))
	}
	if want := []int64{0, 2_500, 5_000, 7_500}; len(from) != len(want) || from[1] != want[1] || from[3] != want[3] {
		t.Fatalf("ranges from %v, want %v", from, want)
	}
}

func TestAStreamThatCannotResumeFailsAndHasNoSum(t *testing.T) {
	b, data := object(t, 10_000)
	calls := 0
	b.GetRangeHook = func(_ string, offset int64, part io.Reader) io.Reader {
		calls++
		if offset == 0 {
			return s3storetest.BreakOff(part, 4_000)
		}
		return s3storetest.BreakOff(part, 0)
	}
	s := OpenWith(context.Background(), b, "k", int64(len(data)), small)
	_, err := io.ReadAll(s)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "broke off at byte 4000 of 10000, 3 times") {
		t.Fatalf("got %v", err)
	}
	if sum, _ := s.Sum(); sum != "" || calls != 4 {
		t.Fatalf("sum %q after %d requests: a broken download has no sum, and gives up after 3 attempts without progress", sum, calls)
	}
}

func TestAnObjectShorterThanListedFails(t *testing.T) {
	b, data := object(t, 10_000)
	s := OpenWith(context.Background(), b, "k", int64(len(data))+10, small)
	_, err := io.ReadAll(s)
	s.Close()
	// The fake, like S3, refuses a range beyond the object's end.
	if err == nil || !strings.Contains(err.Error(), "InvalidRange") {
		t.Fatalf("got %v", err)
	}
}

func TestClosingHalfwayStopsTheDownload(t *testing.T) {
	b, data := object(t, 50_000)
	s := OpenWith(context.Background(), b, "k", int64(len(data)), small)
	if _, err := io.ReadFull(s, make([]byte, 1_500)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if sum, _ := s.Sum(); sum != "" {
		t.Fatal("a download closed halfway has a sum")
	}
}

func TestAnEmptyObjectIsTheEmptyHash(t *testing.T) {
	b, _ := object(t, 0)
	s := OpenWith(context.Background(), b, "k", 0, small)
	if got, err := io.ReadAll(s); err != nil || len(got) != 0 {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	s.Close()
	if sum, n := s.Sum(); sum != hexSum(nil) || n != 0 {
		t.Fatalf("got %s %d", sum, n)
	}
}
