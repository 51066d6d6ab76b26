//go:build !linux

package restore

import "os"

// reserve is a no-op where the platform has no fallocate: the file grows as it is written.
func reserve(*os.File, int64) error { return nil }
