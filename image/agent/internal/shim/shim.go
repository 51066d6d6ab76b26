// Package shim holds the two programs the agent puts first on GoBackup's PATH (as
// links to its own binary named `tar` and `cp`). Each runs the real program with the
// same arguments and changes nothing GoBackup sees; each does one more thing:
//
//   - tar: after GoBackup's `tar ... -cf <archive> <model>`, it tells the agent which
//     archive this run made (its exact name, never a guess from the clock) and hands
//     it over as a hard link, so the agent can hash it while GoBackup uploads it.
//   - cp: GoBackup's local storage copies each archive with `cp -a <archive> <target>`;
//     within the workdir volume a hard link protects the same way at no cost.
package shim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Environment the agent sets for GoBackup and its children.
const (
	// RunDirEnv: where the tar shim hands the run's archive to the agent.
	RunDirEnv = "SQLSERVER_BACKUP_RUN_DIR"
	// LinkFromEnv and LinkToEnv bound the cp shim's hard links (workdir -> local copies).
	LinkFromEnv = "SQLSERVER_BACKUP_LINK_FROM"
	LinkToEnv   = "SQLSERVER_BACKUP_LINK_TO"
)

// realProgram finds name on PATH after the shim itself (the next one that is not this binary).
func realProgram(name string) (string, error) {
	self, _ := os.Executable()
	self, _ = filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		candidate := filepath.Join(dir, name)
		info, err := os.Stat(candidate)
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			continue
		}
		if resolved, _ := filepath.EvalSymlinks(candidate); resolved == self {
			continue
		}
		return candidate, nil
	}
	for _, fallback := range []string{"/usr/bin/" + name, "/bin/" + name} {
		if _, err := os.Stat(fallback); err == nil {
			return fallback, nil
		}
	}
	return "", fmt.Errorf("%s: the real %s is not on PATH", filepath.Base(os.Args[0]), name)
}

// run runs the real program with args and returns its exit code.
func run(name string, args []string) int {
	program, err := realProgram(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	cmd := exec.Command(program, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
				return 128 + int(status.Signal())
			}
			return exit.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 126
	}
	return 0
}

// under reports whether path lies inside dir (both made absolute and clean).
func under(path, dir string) bool {
	if dir == "" {
		return false
	}
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.HasPrefix(p, d+string(filepath.Separator))
}
