package gbconfig

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// These rules are the ones components/args/rules.ts applies, for the same two facts
// of GoBackup: the whole file goes through os.ExpandEnv (a `$` in a literal value is
// replaced; there is no escape), and the sqlpackage command is one string split on
// whitespace without quoting.

// goCommandSpace is what GoBackup splits its sqlpackage command on: Go's `[\s]+`, ASCII only.
var goCommandSpace = regexp.MustCompile(`[\t\n\f\r ]`)

// SecretProblem says why GoBackup would mangle a secret pasted into `"${NAME}"`, or "".
func SecretProblem(secret string) string {
	switch {
	case secret == "":
		return "is empty"
	case goCommandSpace.MatchString(secret):
		return "contains a space, tab or line break: GoBackup splits its sqlpackage command on them, so it would be cut"
	case strings.IndexFunc(secret, yamlUnsafe) >= 0:
		return "contains a control character, U+2028/U+2029 or U+FFFE/U+FFFF, which GoBackup's YAML config cannot hold"
	case strings.Contains(secret, `"`):
		return `contains a double quote ("): GoBackup pastes it into a double-quoted YAML string, which it would end`
	case strings.Contains(secret, `\`):
		return `contains a backslash (\): GoBackup pastes it into a double-quoted YAML string, where it starts an escape`
	}
	return ""
}

// yamlUnsafe: what GoBackup's YAML loader refuses or folds inside a quoted string.
func yamlUnsafe(r rune) bool {
	switch {
	case r == '\t':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfffe, r == 0xffff, r == unicode.ReplacementChar:
		return true
	}
	return false
}

// LiteralProblem says why a non-secret value cannot be written into the config, or "".
func LiteralProblem(value string) string {
	switch {
	case value == "":
		return "is empty"
	case strings.Contains(value, "$"):
		return "contains $, which GoBackup would expand as a variable (it has no escape)"
	case strings.IndexFunc(value, unicode.IsSpace) >= 0 || strings.IndexFunc(value, unicode.IsControl) >= 0:
		return "contains whitespace or control characters: GoBackup splits its sqlpackage command on whitespace"
	case strings.ContainsAny(value, `"\`):
		return "contains a quote or backslash"
	}
	return ""
}

var (
	modelName   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	pathPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
	regionName  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	bucketName  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// ModelNameProblem: GoBackup lower-cases model names, and the name becomes a folder.
func ModelNameProblem(name string) string {
	if !modelName.MatchString(name) {
		return "must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter"
	}
	return ""
}

// PathProblem: the key prefix is a path in the bucket and a resource in the policy.
func PathProblem(p string) string {
	if !pathPattern.MatchString(p) || strings.Contains("/"+p+"/", "/../") || strings.Contains("/"+p+"/", "/./") {
		return "must be segments of letters, digits, '.', '_', '-' joined by '/', no leading or trailing '/'"
	}
	return ""
}

// EndpointProblem: GoBackup needs the S3 API's URL with scheme and without a path.
func EndpointProblem(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || strings.HasSuffix(endpoint, "/") {
		return "must be a URL with scheme and no path, e.g. http://minio:9000"
	}
	return ""
}

// RegionProblem: a region name such as us-east-1.
func RegionProblem(region string) string {
	if !regionName.MatchString(region) {
		return "must be a region name such as us-east-1"
	}
	return ""
}

// BucketProblem: S3's bucket naming rules.
func BucketProblem(bucket string) string {
	if !bucketName.MatchString(bucket) || strings.Contains(bucket, "..") {
		return "must be 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit"
	}
	return ""
}
