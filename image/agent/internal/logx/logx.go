// Package logx writes the agent's log lines: time, level, tag, message; plain text
// on stdout, as docker logs and kubectl logs show them. Messages never hold secrets
// (callers pass GoBackup's output through redact first).
package logx

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Logger writes lines tagged with one component.
type Logger struct {
	mu  *sync.Mutex
	w   io.Writer
	tag string
}

// New returns a Logger writing to w.
func New(w io.Writer, tag string) *Logger { return &Logger{mu: &sync.Mutex{}, w: w, tag: tag} }

// With returns a Logger with another tag on the same writer.
func (l *Logger) With(tag string) *Logger { return &Logger{mu: l.mu, w: l.w, tag: tag} }

func (l *Logger) line(level, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s %-5s %s: %s\n", time.Now().UTC().Format(time.RFC3339), level, l.tag, fmt.Sprintf(format, args...))
}

// Raw writes a line as it is (GoBackup's own output, already redacted).
func (l *Logger) Raw(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, text)
}

// Info logs at INFO.
func (l *Logger) Info(format string, args ...any) { l.line("INFO", format, args...) }

// Warn logs at WARN.
func (l *Logger) Warn(format string, args ...any) { l.line("WARN", format, args...) }

// Error logs at ERROR.
func (l *Logger) Error(format string, args ...any) { l.line("ERROR", format, args...) }
