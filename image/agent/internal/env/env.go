// Package env reads the agent's environment: plain variables, and secrets that may
// arrive as files under the official images' `NAME_FILE` convention.
package env

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Source is where variables come from: the process environment, or a map in tests.
type Source interface {
	Lookup(name string) (string, bool)
}

// OS reads the process environment.
type OS struct{}

// Lookup implements Source.
func (OS) Lookup(name string) (string, bool) { return os.LookupEnv(name) }

// Map is a fixed environment (tests, and the environment built for a child process).
type Map map[string]string

// Lookup implements Source.
func (m Map) Lookup(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}

// BothSetError says a variable was given twice: as NAME and as NAME_FILE.
type BothSetError struct{ Name string }

func (e *BothSetError) Error() string {
	return fmt.Sprintf("both %s and %s_FILE are set; set only one", e.Name, e.Name)
}

// FileError says NAME_FILE names a file that cannot be read.
type FileError struct {
	Name string
	Path string
	Err  error
}

func (e *FileError) Error() string {
	hint := ""
	if errors.Is(e.Err, os.ErrPermission) {
		hint = fmt.Sprintf(" (the agent runs as uid %d; the file must be readable by it)", os.Getuid())
	}
	return fmt.Sprintf("%s_FILE points to %q, which cannot be read: %v%s", e.Name, e.Path, errors.Unwrap(e.Err), hint)
}

func (e *FileError) Unwrap() error { return e.Err }

// Get returns NAME, or the content of the file NAME_FILE names (docker-library's
// `file_env`), and whether either was set. A single trailing newline of the file is
// dropped: `echo secret > file` writes one, and it is not part of the secret.
func Get(src Source, name string) (string, bool, error) {
	value, direct := src.Lookup(name)
	path, viaFile := src.Lookup(name + "_FILE")
	direct = direct && value != ""
	viaFile = viaFile && path != ""
	switch {
	case direct && viaFile:
		return "", false, &BothSetError{Name: name}
	case viaFile:
		content, err := os.ReadFile(path)
		if err != nil {
			return "", false, &FileError{Name: name, Path: path, Err: err}
		}
		text := string(content)
		text = strings.TrimSuffix(text, "\n")
		text = strings.TrimSuffix(text, "\r")
		return text, true, nil
	case direct:
		return value, true, nil
	}
	return "", false, nil
}

// GetOr returns NAME (or NAME_FILE's content), or def when neither is set.
func GetOr(src Source, name, def string) (string, error) {
	value, ok, err := Get(src, name)
	if err != nil || !ok {
		return def, err
	}
	return value, nil
}
