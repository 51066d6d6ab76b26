// Package backup runs one backup of one model, from "time to back up" to "the bucket
// holds a verified archive", and records what happened.
package backup

import (
	"regexp"
	"strings"
)

var (
	ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	// GoBackup's log lines start with "2006/01/02 15:04:05 ".
	logStamp = regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} `)
	// The model's final error: "[Model: orders] <error>" (model.go) or "[Model orders] <error>" (main.go).
	modelError = regexp.MustCompile(`^\[Model:? [^\]]+\] (.*)$`)
	// Known noise, never a cause: the local storage's cycler tries to save its state
	// "remotely" through cp from a dummy path on every run (storage/cycler.go).
	noise = []*regexp.Regexp{
		regexp.MustCompile(`Failed to save cycler state to remote storage: .*cycler-state-.*dummy`),
		regexp.MustCompile(`^\[Model(:? [^\]]+)?\] (WorkDir:|Cleanup temp:)`),
		regexp.MustCompile(`Remote cycler state not found`),
		// GoBackup's retention state: the agent owns retention, so whatever happens to
		// the cycler's files (storage/cycler.go) is not this run's business.
		regexp.MustCompile(`^\[Cycler\] `),
	}
	// errorLogs are the errors GoBackup v3.1.1 logs on the paths this image uses and
	// goes on, exiting 0 (model/model.go, database/base.go, compressor/base.go,
	// storage/base.go, storage/local.go, config/config.go), and the model's own error
	// line, which model.go logs only when the model failed.
	errorLogs = []*regexp.Regexp{
		regexp.MustCompile(`Cleanup temp dir .* error: `),
		regexp.MustCompile(`Failed to mkdir dump path `),
		regexp.MustCompile(`failed to mkdir ".*", `),
		regexp.MustCompile(`storage type has not implement`),
		regexp.MustCompile(`Load (gobackup config|.*\.env|expanded config) failed`),
		regexp.MustCompile(`Convert config file path to absolute path failed`),
		modelError,
	}
	// tag: GoBackup's "[Tag] " before a message.
	tag         = regexp.MustCompile(`^\[[^\]]+\] `)
	failureWord = regexp.MustCompile(`(?i)error|fail|denied|refused|cannot|unable|timeout|no space`)
)

// Output keeps GoBackup's output of one run, for finding the cause of a failure.
type Output struct {
	lines []string
}

// maxLines bounds what is kept: the cause is at the end of a run's output.
const maxLines = 400

// Add records one line (already redacted).
func (o *Output) Add(line string) {
	line = strings.TrimRight(ansi.ReplaceAllString(line, ""), "\r")
	o.lines = append(o.lines, line)
	if len(o.lines) > maxLines {
		o.lines = o.lines[len(o.lines)-maxLines:]
	}
}

// Cause is the real reason of a failed run in GoBackup's own words: the model's final
// error with the lines that continue it (sqlpackage's stderr, the S3 error), else the
// last line that reads like a failure. Known noise is never the cause. "" when none.
func (o *Output) Cause() string {
	for i := len(o.lines) - 1; i >= 0; i-- {
		message, stamped := strip(o.lines[i])
		if !stamped || isNoise(message) {
			continue
		}
		m := modelError.FindStringSubmatch(message)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			continue
		}
		// main.go logs the same error once more after model.go; the first one is enough.
		for j := i - 1; j >= 0; j-- {
			prev, prevStamped := strip(o.lines[j])
			if !prevStamped {
				continue
			}
			if pm := modelError.FindStringSubmatch(prev); pm != nil && strings.HasPrefix(strings.TrimSpace(m[1]), firstLine(pm[1])) {
				i, m = j, pm
			}
			break
		}
		return condense(m[1], o.continuation(i))
	}
	for i := len(o.lines) - 1; i >= 0; i-- {
		message, _ := strip(o.lines[i])
		if message != "" && !isNoise(message) && failureWord.MatchString(message) {
			return condense(message, nil)
		}
	}
	return ""
}

// continuation: the unstamped lines after line i (one log call with embedded newlines).
func (o *Output) continuation(i int) []string {
	var out []string
	for j := i + 1; j < len(o.lines) && len(out) < 6; j++ {
		if logStamp.MatchString(o.lines[j]) {
			break
		}
		if text := strings.TrimSpace(o.lines[j]); text != "" {
			out = append(out, text)
		}
	}
	return out
}

// Errors are the errors GoBackup logged (known noise excluded), oldest first, at most
// five: a run that logs one failed, whatever GoBackup's exit status says.
func (o *Output) Errors() []string {
	var out []string
	for i, line := range o.lines {
		message, stamped := strip(line)
		if !stamped || isNoise(message) {
			continue
		}
		for _, e := range errorLogs {
			if e.MatchString(message) {
				if m := modelError.FindStringSubmatch(message); m != nil {
					message = m[1]
				}
				message = tag.ReplaceAllString(message, "")
				out = append(out, condense(message, o.continuation(i)))
				break
			}
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

func strip(line string) (string, bool) {
	if loc := logStamp.FindStringIndex(line); loc != nil {
		return strings.TrimSpace(line[loc[1]:]), true
	}
	return strings.TrimSpace(line), false
}

func isNoise(message string) bool {
	for _, n := range noise {
		if n.MatchString(message) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// condense joins a message and its continuation into one line of at most 600 characters.
func condense(first string, rest []string) string {
	parts := []string{strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(first), "->"))}
	parts = append(parts, rest...)
	text := strings.Join(parts, " | ")
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 600 {
		text = text[:597] + "..."
	}
	return text
}
