package restore

import (
	"fmt"
	"path"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/catalog"
)

// Select chooses the archive req asks for in a folder that was inspected: latest is
// the newest verified archive (its manifest is there and the object still matches
// it), before:<time> the newest verified one taken before it, a name that archive.
// Unverified archives are only taken with Force; the ones passed over are returned
// for the log.
func Select(folder catalog.Folder, req Request) (catalog.Entry, []catalog.Entry, error) {
	if len(folder.Archives) == 0 {
		return catalog.Entry{}, nil, fmt.Errorf("no backups under %s: nothing to restore", folder.Prefix)
	}
	var skipped []catalog.Entry
	eligible := func(e catalog.Entry) bool {
		if e.Verified || req.Force {
			return true
		}
		skipped = append(skipped, e)
		return false
	}
	switch {
	case req.Backup == "latest":
		for i := len(folder.Archives) - 1; i >= 0; i-- {
			if eligible(folder.Archives[i]) {
				return folder.Archives[i], skipped, nil
			}
		}
		return catalog.Entry{}, skipped, fmt.Errorf("no verified backup under %s (none has an intact manifest); set RESTORE_FORCE=1 to restore an unverified one", folder.Prefix)
	case !req.Before.IsZero():
		for i := len(folder.Archives) - 1; i >= 0; i-- {
			if a := folder.Archives[i]; a.Time.Before(req.Before) && eligible(a) {
				return a, skipped, nil
			}
		}
		return catalog.Entry{}, skipped, fmt.Errorf("no verified backup of %s was taken before %s", folder.Prefix, req.Before.Format("2006-01-02T15:04:05Z07:00"))
	default:
		name := path.Base(req.Backup)
		for _, a := range folder.Archives {
			if a.Name == name {
				if !a.Verified && !req.Force {
					return catalog.Entry{}, nil, fmt.Errorf("%s is not verified: %s; its integrity cannot be checked (set RESTORE_FORCE=1 to restore it anyway)%s", a.Key, a.Problem, newestVerified(folder))
				}
				return a, nil, nil
			}
		}
		return catalog.Entry{}, nil, fmt.Errorf("RESTORE_BACKUP %q is not among the backups in %s (run list); use latest, a name, or before:<time>", req.Backup, folder.Prefix)
	}
}

func newestVerified(folder catalog.Folder) string {
	if e, ok := folder.NewestVerified(); ok {
		return fmt.Sprintf("; the newest intact backup is %s", e.Name)
	}
	return ""
}
