package boltstore

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops the pages of the file's mapping from the process's
// resident memory: a one-pass read of a long trail would otherwise keep
// every page it touched resident. The mapping is shared and read-only, so
// the pages stay in the page cache and a later read faults them back in.
// It runs inside tx, which keeps bbolt from remapping meanwhile.
func releaseMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	if info == nil || info.Data == 0 || tx.Size() <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
}
