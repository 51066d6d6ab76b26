// Package gbconfig reads, checks and renders GoBackup configuration files exactly as
// GoBackup v3.1 reads them (config/config.go): the whole text goes through Go's
// os.ExpandEnv first, then YAML, with viper's case-insensitive keys.
package gbconfig

import (
	"os"
	"regexp"
	"sort"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Expansion is what os.ExpandEnv does to a config: the text GoBackup parses and the
// variables it looked up on the way.
type Expansion struct {
	Text string
	// Variables: every `$NAME` / `${NAME}` reference with a valid name, sorted, once each.
	Variables []string
	// Missing: the referenced variables that lookup did not find (GoBackup reads them as "").
	Missing []string
	// Eaten: references that are not variable names (`$$`, `$1`, `${a:-b}`): GoBackup
	// replaces each with an empty string, which is never what the author meant.
	Eaten []string
}

// Expand expands text as os.ExpandEnv would, with values from lookup.
func Expand(text string, lookup func(string) (string, bool)) Expansion {
	seen := map[string]bool{}
	missing := map[string]bool{}
	eaten := map[string]bool{}
	expanded := os.Expand(text, func(name string) string {
		if !identifier.MatchString(name) {
			eaten["$"+braced(name)] = true
			return ""
		}
		seen[name] = true
		value, ok := lookup(name)
		if !ok {
			missing[name] = true
		}
		return value
	})
	return Expansion{Text: expanded, Variables: sorted(seen), Missing: sorted(missing), Eaten: sorted(eaten)}
}

func braced(name string) string {
	if len(name) == 1 {
		return name
	}
	return "{" + name + "}"
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
