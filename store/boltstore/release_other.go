//go:build !linux

package boltstore

import bolt "go.etcd.io/bbolt"

// releaseMapped keeps the mapping as it is where madvise is not used.
func releaseMapped(*bolt.Tx) {}
