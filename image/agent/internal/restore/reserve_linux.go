package restore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// reserve allocates size bytes for f. Only a lack of room is an error: a filesystem
// that cannot preallocate (EOPNOTSUPP) just writes as it goes.
func reserve(f *os.File, size int64) error {
	if size <= 0 {
		return nil
	}
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("the workdir has no room for the bacpac's %d bytes (%v): give it more space, at least the size of the database's bacpac", size, err)
	}
	return nil
}
