// Package redact removes secret values from text the agent passes on (GoBackup's
// output, error messages): GoBackup logs sqlpackage's whole command line, password
// included, when an export fails.
package redact

import (
	"sort"
	"strings"
)

// Placeholder replaces every secret value.
const Placeholder = "[redacted]"

// Redactor replaces known secret values in text.
type Redactor struct {
	replacer *strings.Replacer
	longest  int
}

// New returns a Redactor for the given secret values, whatever their length: a short
// secret blanks every occurrence of its characters in the log, which is the price of
// never printing it (configuration checks refuse such secrets where they can).
func New(secrets ...string) *Redactor {
	unique := map[string]bool{}
	longest := 0
	for _, s := range secrets {
		if s != "" {
			unique[s] = true
			longest = max(longest, len(s))
		}
	}
	values := make([]string, 0, len(unique))
	for s := range unique {
		values = append(values, s)
	}
	// Longest first: a secret that contains another is replaced whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	pairs := make([]string, 0, 2*len(values))
	for _, s := range values {
		pairs = append(pairs, s, Placeholder)
	}
	return &Redactor{replacer: strings.NewReplacer(pairs...), longest: longest}
}

// Longest is the length of the longest secret: text cut after redaction must keep
// this much beyond the cut to never split one.
func (r *Redactor) Longest() int {
	if r == nil {
		return 0
	}
	return r.longest
}

// String returns text with every secret replaced.
func (r *Redactor) String(text string) string {
	if r == nil || r.replacer == nil {
		return text
	}
	return r.replacer.Replace(text)
}
