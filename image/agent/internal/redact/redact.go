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
}

// New returns a Redactor for the given secret values; empty values and values too
// short to be a secret in their own right (under 4 bytes) are ignored, so that a
// one-character "secret" does not blank every occurrence of that character.
func New(secrets ...string) *Redactor {
	unique := map[string]bool{}
	for _, s := range secrets {
		if len(s) >= 4 {
			unique[s] = true
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
	return &Redactor{replacer: strings.NewReplacer(pairs...)}
}

// String returns text with every secret replaced.
func (r *Redactor) String(text string) string {
	if r == nil || r.replacer == nil {
		return text
	}
	return r.replacer.Replace(text)
}
