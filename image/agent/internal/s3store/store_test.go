package s3store

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rangeServer answers every GET with 206 and total bytes, written in steps of 100 bytes
// with pause between them; stallAfter > 0 stops writing (without closing) after that many bytes.
func rangeServer(t *testing.T, total int, pause time.Duration, stallAfter int) *Store {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(total))
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", total-1, total))
		w.WriteHeader(http.StatusPartialContent)
		for sent := 0; sent < total; sent += 100 {
			if stallAfter > 0 && sent >= stallAfter {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			w.Write([]byte(strings.Repeat("x", 100)))
			w.(http.Flusher).Flush()
			time.Sleep(pause)
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	store, err := New(Options{Endpoint: srv.URL, Bucket: "b", PathStyle: true, AccessKeyID: "a", SecretAccessKey: "s", RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestARangeThatTakesLongerThanTheTimeoutButKeepsMovingIsReadToTheEnd(t *testing.T) {
	// 30 steps of 40 ms: 1.2 s in all, four times the 300 ms timeout.
	store := rangeServer(t, 3000, 40*time.Millisecond, 0)
	body, err := store.GetRange(context.Background(), "k", 0, 3000)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, err := io.ReadAll(body)
	if err != nil || len(got) != 3000 {
		t.Fatalf("read %d bytes, %v: a large archive must not have to arrive within the storage timeout", len(got), err)
	}
}

func TestARangeThatStallsFailsAfterTheTimeoutAndSaysSo(t *testing.T) {
	store := rangeServer(t, 3000, 0, 500)
	body, err := store.GetRange(context.Background(), "k", 0, 3000)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	started := time.Now()
	got, err := io.ReadAll(body)
	if err == nil || !strings.Contains(err.Error(), "no data from the server for 300ms (the storage timeout)") {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if waited := time.Since(started); waited > 3*time.Second {
		t.Fatalf("a stalled read failed only after %s", waited)
	}
}
