// Package download reads an archive from the bucket for a restore, a drill or a
// verification: one stream, read into a small ring of reused buffers on one goroutine,
// hashed with SHA-256 in order on a second, and handed to the caller (who unpacks it,
// or not) on a third, so the network, the hash and the caller's work run on separate
// cores. Where the connection breaks off or stalls, the download resumes from the byte
// it reached with a ranged GET, so a large archive is not read again from its start.
//
// One stream, not parallel ranges: measured on MinIO (bench/RESULTS.md), four ranged
// connections moved the bytes faster but cost the server and the client more CPU than
// they saved, and the restore as a whole got slower.
package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// Options tune a download; Defaults are what the agent uses.
type Options struct {
	// BufferSize and Buffers: the ring the stream is read into (1 MiB buffers stay in
	// the cache between the hash and the caller; fresh memory per read cost more than
	// the hash itself).
	BufferSize int
	Buffers    int
	// Attempts: how many times in a row a stream may break off without delivering a
	// byte before the download fails (a stream that moved is opened again at once).
	Attempts int
}

// Defaults: 8 x 1 MiB in memory, three attempts.
var Defaults = Options{BufferSize: 1 << 20, Buffers: 8, Attempts: 3}

// Stream is an object's bytes, in order, hashed as they pass.
type Stream struct {
	cancel context.CancelFunc
	free   chan []byte
	read   chan chunk
	hashed chan chunk
	sum    string // once the end has been passed on
	n      int64  // bytes hashed; once the end has been passed on

	cur    []byte // what Read has not handed out yet of the current buffer
	curBuf []byte // the current buffer, back to free once handed out
	err    error  // what ends the stream, after cur
}

type chunk struct {
	buf []byte
	n   int
	err error
}

// Open starts reading size bytes of key with Defaults.
func Open(ctx context.Context, bucket s3store.Bucket, key string, size int64) *Stream {
	return OpenWith(ctx, bucket, key, size, Defaults)
}

// OpenWith starts reading size bytes of key; the caller reads the Stream to its end
// (io.EOF) and closes it, whatever happened.
func OpenWith(ctx context.Context, bucket s3store.Bucket, key string, size int64, opts Options) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{
		cancel: cancel,
		free:   make(chan []byte, opts.Buffers),
		// Room for every buffer and the end: passing the end never blocks.
		read:   make(chan chunk, opts.Buffers+1),
		hashed: make(chan chunk, opts.Buffers+1),
	}
	for i := 0; i < opts.Buffers; i++ {
		s.free <- make([]byte, opts.BufferSize)
	}
	go s.readObject(ctx, bucket, key, size, opts.Attempts)
	go s.hashInOrder()
	return s
}

// readObject reads the object into free buffers, resuming where a stream broke off.
func (s *Stream) readObject(ctx context.Context, bucket s3store.Bucket, key string, size int64, attempts int) {
	var offset int64
	failures := 0
	for offset < size {
		body, err := bucket.GetRange(ctx, key, offset, size-offset)
		if err != nil {
			// The SDK has already retried the request itself.
			s.read <- chunk{err: err}
			return
		}
		moved, err := s.readStream(ctx, body, &offset, size)
		body.Close()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			s.read <- chunk{err: ctx.Err()}
			return
		}
		if moved {
			failures = 0
			continue
		}
		if failures++; failures >= attempts {
			s.read <- chunk{err: fmt.Errorf("the download broke off at byte %d of %d, %d times without progress: %w", offset, size, attempts, err)}
			return
		}
	}
	s.read <- chunk{err: io.EOF}
}

// readStream passes on what body holds up to size; whether it moved, and why it stopped short.
func (s *Stream) readStream(ctx context.Context, body io.Reader, offset *int64, size int64) (bool, error) {
	moved := false
	for *offset < size {
		var buf []byte
		select {
		case buf = <-s.free:
		case <-ctx.Done():
			return moved, ctx.Err()
		}
		n, err := io.ReadFull(body, buf[:min(int64(len(buf)), size-*offset)])
		if n > 0 {
			s.read <- chunk{buf: buf, n: n}
			*offset += int64(n)
			moved = true
		} else {
			s.free <- buf
		}
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = fmt.Errorf("the object ended at byte %d, before its %d bytes", *offset, size)
			}
			return moved, err
		}
	}
	return moved, nil
}

// hashInOrder hashes each buffer and passes it on.
func (s *Stream) hashInOrder() {
	h := sha256.New()
	for c := range s.read {
		if c.err != nil {
			if c.err == io.EOF {
				s.sum = hex.EncodeToString(h.Sum(nil))
			}
			s.hashed <- c
			return
		}
		h.Write(c.buf[:c.n])
		s.n += int64(c.n)
		s.hashed <- c
	}
}

// next makes the next hashed buffer current; false when the stream has ended (s.err).
func (s *Stream) next() bool {
	for len(s.cur) == 0 {
		if s.curBuf != nil {
			// free has room for every buffer: this never blocks.
			s.free <- s.curBuf
			s.curBuf = nil
		}
		if s.err != nil {
			return false
		}
		c := <-s.hashed
		s.curBuf, s.cur, s.err = c.buf, c.buf[:c.n], c.err
	}
	return true
}

// Read hands out the object's bytes in order; at the end io.EOF, or the error that
// broke the download off.
func (s *Stream) Read(p []byte) (int, error) {
	if !s.next() {
		return 0, s.err
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

// WriteTo writes the rest of the object to w without copying it first.
func (s *Stream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for s.next() {
		n, err := w.Write(s.cur)
		total += int64(n)
		s.cur = s.cur[n:]
		if err != nil {
			return total, err
		}
	}
	if s.err == io.EOF {
		return total, nil
	}
	return total, s.err
}

// Close stops the download; call it once, whatever happened. It does not wait for a
// read blocked on the network: the cancelled request ends it.
func (s *Stream) Close() error {
	s.cancel()
	return nil
}

// Sum is the SHA-256 (hex) and the count of the object's bytes, once Read or WriteTo
// reached the end; "" when the stream did not.
func (s *Stream) Sum() (string, int64) {
	if s.err != io.EOF {
		return "", 0
	}
	return s.sum, s.n
}
