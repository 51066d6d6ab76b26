// Command sqlserver-backup-agent owns everything in the backup image between "time
// to back up" and "the bucket holds a verified backup", and restore. Called as `tar`
// or `cp` (links in the shims folder first on GoBackup's PATH) it is that shim.
package main

import (
	"os"
	"path/filepath"

	// Time zones from the binary itself: TZ is read as Go reads it, whatever the image holds.
	_ "time/tzdata"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/cli"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/shim"
)

func main() {
	switch filepath.Base(os.Args[0]) {
	case "tar":
		os.Exit(shim.Tar(os.Args[1:]))
	case "cp":
		os.Exit(shim.Cp(os.Args[1:]))
	}
	if os.Getpid() == 1 {
		// As a container's first process: reap orphans and forward signals (see init.go).
		os.Exit(runAsInit())
	}
	src, environ := cli.Environ()
	os.Exit(cli.Main(os.Args[1:], src, environ, os.Stdout, os.Stderr))
}
