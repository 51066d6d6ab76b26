package shim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
)

// Handover is what the tar shim tells the agent about the run's archive.
type Handover struct {
	// Name is the archive's file name, as GoBackup uploads it (<path>/<name>).
	Name string `json:"name"`
	// Link is a hard link to the archive inside the run dir, for the agent to hash
	// while GoBackup uploads; empty when no link could be made (another file system).
	Link string `json:"link,omitempty"`
	// Digest, when there is no link: computed here, before GoBackup goes on.
	Digest *digest.Digest `json:"digest,omitempty"`
	// Bacpacs inside the archive, when there is no link.
	Bacpacs []digest.Bacpac `json:"bacpacs,omitempty"`
}

// HandoverFile is the file in the run dir the tar shim writes when its archive is complete.
const HandoverFile = "archive.json"

// ArchiveArg is the archive GoBackup's tar command writes: the argument after -cf.
func ArchiveArg(args []string) (string, bool) {
	for i, a := range args {
		if a == "-cf" && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// Tar is the `tar` shim: the real tar, then the handover.
func Tar(args []string) int {
	code := run("tar", args)
	runDir := os.Getenv(RunDirEnv)
	archive, ok := ArchiveArg(args)
	if code != 0 || runDir == "" || !ok {
		return code
	}
	if err := handOver(runDir, archive); err != nil {
		// The agent then finds no handover and fails the run with this reason; tar's
		// own result stays GoBackup's to judge.
		fmt.Fprintf(os.Stderr, "sqlserver-backup: cannot hand the archive %s to the agent: %v\n", archive, err)
	}
	return code
}

func handOver(runDir, archive string) error {
	h := Handover{Name: filepath.Base(archive)}
	link := filepath.Join(runDir, "archive"+filepath.Ext(archive))
	if err := os.Link(archive, link); err == nil {
		h.Link = link
	} else {
		d, err := digest.File(archive)
		if err != nil {
			return err
		}
		h.Digest = &d
		h.Bacpacs, _ = digest.Bacpacs(archive)
	}
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := filepath.Join(runDir, HandoverFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(runDir, HandoverFile))
}
