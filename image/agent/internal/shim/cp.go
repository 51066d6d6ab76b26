package shim

import (
	"os"
)

// Cp is the `cp` shim. For exactly GoBackup's `cp -a <file in the workdir> <new path
// in the local copies>` it makes a hard link: GoBackup never writes to the archive
// again, it only removes its own name for it. Anything else, or a link that cannot
// be made, is the real cp; a copy of that kind that fails midway (a full disk) is
// removed rather than left truncated for a restore to trust.
func Cp(args []string) int {
	if len(args) == 3 && args[0] == "-a" && isLocalCopy(args[1], args[2]) {
		if err := os.Link(args[1], args[2]); err == nil {
			return 0
		}
		code := run("cp", args)
		if code != 0 {
			os.Remove(args[2])
		}
		return code
	}
	return run("cp", args)
}

func isLocalCopy(source, target string) bool {
	info, err := os.Stat(source)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	if _, err := os.Lstat(target); err == nil {
		return false
	}
	return under(source, os.Getenv(LinkFromEnv)) && under(target, os.Getenv(LinkToEnv))
}
