package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/seatwarden/seatwarden/store"
)

var _ store.Sealing = (*Store)(nil)

// LoadMarker implements store.Sealing.
func (s *Store) LoadMarker(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.view(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketMeta).Get(markerKey))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: load sealing marker: %w", err)
	}
	if raw == nil {
		return nil, store.ErrNotFound
	}
	return raw, nil
}

// SwapMarker implements store.Sealing.
func (s *Store) SwapMarker(ctx context.Context, old, new []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		cur := b.Get(markerKey)
		if (old == nil) != (cur == nil) || !bytes.Equal(cur, old) {
			return store.ErrConflict
		}
		return b.Put(markerKey, new)
	})
}

// HasData implements store.Sealing.
func (s *Store) HasData(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	has := false
	err := s.view(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSnapshot, bucketAudit, bucketRecords} {
			if k, _ := tx.Bucket(name).Cursor().First(); k != nil {
				has = true
			}
		}
		return nil
	})
	return has, err
}

// resealBatch bounds the values one Reseal transaction rewrites, so the
// single writer is never held for long and replicas keep working.
const resealBatch = 1000

// resealBatchBytes bounds the bytes one Reseal batch holds.
const resealBatchBytes = 4 << 20

// Reseal implements store.Sealing, one bucket after another, in batches:
// a batch is read in one transaction, fn runs outside any, and the
// replacements are written in a second transaction, each only if its
// value is still the one read.
func (s *Store) Reseal(ctx context.Context, fn store.ResealFunc) (store.ResealCounts, error) {
	var counts store.ResealCounts
	parts := []struct {
		bucket []byte
		value  func(k, v []byte) store.StoredValue
		apply  func(tx *bolt.Tx, k, v []byte, r *store.Replacement) (bool, error)
	}{
		{bucketSnapshot, func(_, v []byte) store.StoredValue {
			return store.StoredValue{Part: store.PartSnapshot, Data: v}
		}, replaceInPlace(bucketSnapshot)},
		{bucketSnapshotChunks, func(k, v []byte) store.StoredValue {
			return store.StoredValue{Part: store.PartSnapshotChunk, Name: string(k), Data: v}
		}, replaceInPlace(bucketSnapshotChunks)},
		{bucketAudit, func(_, v []byte) store.StoredValue {
			return store.StoredValue{Part: store.PartAudit, Data: v}
		}, replaceInPlace(bucketAudit)},
		{bucketRecords, recordValue, replaceRecord},
		{bucketIdempotency, func(k, _ []byte) store.StoredValue {
			return store.StoredValue{Part: store.PartClaim, Name: string(k)}
		}, moveClaim},
	}
	for _, p := range parts {
		var after []byte
		for {
			if err := ctx.Err(); err != nil {
				return counts, err
			}
			type item struct{ k, v []byte }
			var batch []item
			err := s.view(func(tx *bolt.Tx) error {
				c := tx.Bucket(p.bucket).Cursor()
				k, v := c.First()
				if after != nil {
					k, v = c.Seek(after)
					if bytes.Equal(k, after) {
						k, v = c.Next()
					}
				}
				size := 0
				// Bounded by count and by bytes: a batch of snapshot
				// chunks is megabytes.
				for ; k != nil && len(batch) < resealBatch && size < resealBatchBytes; k, v = c.Next() {
					batch = append(batch, item{bytes.Clone(k), bytes.Clone(v)})
					size += len(v)
				}
				return nil
			})
			if err != nil {
				return counts, fmt.Errorf("boltstore: reseal: %w", err)
			}
			if len(batch) == 0 {
				break
			}
			after = batch[len(batch)-1].k
			type change struct {
				item
				r *store.Replacement
			}
			var changes []change
			for _, it := range batch {
				counts.Visited++
				r, err := fn(p.value(it.k, it.v))
				if err != nil {
					return counts, err
				}
				if r != nil {
					changes = append(changes, change{it, r})
				}
			}
			if len(changes) == 0 {
				continue
			}
			err = s.update(func(tx *bolt.Tx) error {
				for _, c := range changes {
					done, err := p.apply(tx, c.k, c.v, c.r)
					if err != nil {
						return err
					}
					if done {
						counts.Replaced++
					} else {
						counts.Raced++
					}
				}
				return nil
			})
			if err != nil {
				return counts, fmt.Errorf("boltstore: reseal: %w", err)
			}
		}
	}
	return counts, nil
}

// replaceInPlace writes r's data over the value at k if it is still v.
func replaceInPlace(bucket []byte) func(tx *bolt.Tx, k, v []byte, r *store.Replacement) (bool, error) {
	return func(tx *bolt.Tx, k, v []byte, r *store.Replacement) (bool, error) {
		b := tx.Bucket(bucket)
		if !bytes.Equal(b.Get(k), v) {
			return false, nil
		}
		return true, b.Put(k, r.Data)
	}
}

func recordValue(k, v []byte) store.StoredValue {
	kind, name, _ := bytes.Cut(k, []byte{0})
	sv := store.StoredValue{Part: store.PartRecord, Kind: string(kind), Name: string(name)}
	if sr, err := parseStored(v); err == nil {
		sv.Data, sv.Votes = sr.data, sr.ballot.stored()
	}
	return sv
}

// replaceRecord rewrites a record's data and ballot behind its unchanged
// version and update time, at its new name when it moves.
func replaceRecord(tx *bolt.Tx, k, v []byte, r *store.Replacement) (bool, error) {
	b := tx.Bucket(bucketRecords)
	if !bytes.Equal(b.Get(k), v) {
		return false, nil
	}
	sr, err := parseStored(v)
	if err != nil {
		return false, nil
	}
	if r.Data != nil {
		sr.data = r.Data
	}
	if r.Votes != nil {
		sr.ballot.replaceVotes(r.Votes)
	}
	next, err := sr.bytes()
	if err != nil {
		return false, err
	}
	kind, name, _ := bytes.Cut(k, []byte{0})
	if r.Name == "" || r.Name == string(name) {
		return true, b.Put(k, next)
	}
	to := recordKey(string(kind), r.Name)
	if b.Get(to) == nil {
		if err := b.Put(to, next); err != nil {
			return false, err
		}
	}
	return true, b.Delete(k)
}

// moveClaim moves an idempotency key to its new name with its expiry.
func moveClaim(tx *bolt.Tx, k, v []byte, r *store.Replacement) (bool, error) {
	keys, byExpiry := tx.Bucket(bucketIdempotency), tx.Bucket(bucketIdemExpiry)
	if !bytes.Equal(keys.Get(k), v) || len(v) != 8 {
		return false, nil
	}
	to := []byte(r.Name)
	expiry := int64(binary.BigEndian.Uint64(v))
	if keys.Get(to) == nil {
		if err := keys.Put(to, v); err != nil {
			return false, err
		}
		if err := byExpiry.Put(expiryIndexKey(expiry, to), nil); err != nil {
			return false, err
		}
	}
	if err := byExpiry.Delete(expiryIndexKey(expiry, k)); err != nil {
		return false, err
	}
	return true, keys.Delete(k)
}

// Compact rewrites the file with only its live values. bbolt does not
// clear the pages a write frees, so after sealing a clear store (or
// retiring a key) the old bytes would survive in the file until reused;
// copying the live values into a fresh file and renaming it over the old
// one leaves none. Writers wait while it runs.
func (s *Store) Compact(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: defaultTimeout})
	if err != nil {
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := bolt.Compact(dst, s.db, compactTxSize); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	renameErr := os.Rename(tmp, s.path)
	// Reopen whichever file is now in place, so the store stays usable.
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: defaultTimeout})
	if err != nil {
		return fmt.Errorf("boltstore: compact: reopen %s: %w", s.path, err)
	}
	s.db = db
	if renameErr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", renameErr)
	}
	return nil
}

// compactTxSize bounds the bytes one Compact transaction copies.
const compactTxSize = 64 << 20
