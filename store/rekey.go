package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/internal/seal"
)

// RekeyReport says what Rekey found and did.
type RekeyReport struct {
	// KeyID is the key every value is now sealed under.
	KeyID string
	// Sealed: the store was in the clear (or half sealed) and is now
	// sealed.
	Sealed bool
	// Found counts the sealed values met, by the key that had sealed them;
	// "" counts values found in the clear.
	Found map[string]int
	ResealCounts
	// Compacted: the backend rewrote its storage without the bytes the
	// run replaced (see Compacter).
	Compacted bool
}

// Compacter is a backend whose storage keeps the bytes a write frees
// (the embedded file) and can rewrite itself without them. Rekey compacts
// it after replacing anything, so no clear value, and nothing sealed
// under a retired key, survives in free space.
type Compacter interface {
	Compact(ctx context.Context) error
}

// Rekey re-seals every value of the store under keys' current key, and
// seals a store written in the clear. It keeps versions, update times and
// expiries and writes a value back only if it is unchanged since read, so
// replicas may keep serving while it runs; a value a replica rewrote
// meanwhile is already under the replica's current key, and one written
// under an older key is counted in Raced and found by the next run. Run
// again, it skips what is already done, so an interrupted run resumes.
//
// Sealing a clear store is the exception: replicas without a key would
// keep writing in the clear, so they must be stopped first. The store is
// marked as being sealed until the run finishes, and replicas with a key
// refuse to start until then.
//
// progress, when set, is called every progressEvery values with the
// number visited so far.
func Rekey(ctx context.Context, b Sealing, keys *seal.Keyring, progress func(visited int)) (RekeyReport, error) {
	if keys == nil {
		return RekeyReport{}, errors.New("store rekey: no encryption key: set SEATWARDEN_ENCRYPTION_KEY to the key to seal under")
	}
	report := RekeyReport{KeyID: keys.CurrentID(), Found: map[string]int{}}
	c, markerRaw, m, err := rekeyCodec(ctx, b, keys)
	if err != nil {
		return report, err
	}
	report.Sealed = m.State == stateSealing
	// The marker first: once it is under the current key, older keys
	// only matter for the values still to be visited.
	if id, _ := seal.KeyID(m.BlindKey); id != keys.CurrentID() {
		blindKey, err := keys.Open(m.BlindKey, markerAAD)
		if err != nil {
			return report, fmt.Errorf("store rekey: open the sealing marker: %w", err)
		}
		next, err := c.encodeMarker(m.State, blindKey)
		if err != nil {
			return report, err
		}
		if err := b.SwapMarker(ctx, markerRaw, next); err != nil {
			return report, fmt.Errorf("store rekey: re-seal the marker (is another rekey running?): %w", err)
		}
		markerRaw = next
	}
	visited := 0
	report.ResealCounts, err = b.Reseal(ctx, func(v StoredValue) (*Replacement, error) {
		if visited++; progress != nil && visited%progressEvery == 0 {
			progress(visited)
		}
		return c.reseal(v, report.Found)
	})
	if err != nil {
		return report, fmt.Errorf("store rekey: %w", err)
	}
	if c, ok := b.(Compacter); ok && report.Replaced > 0 {
		if err := c.Compact(ctx); err != nil {
			return report, fmt.Errorf("store rekey: %w", err)
		}
		report.Compacted = true
	}
	if report.Sealed {
		blindKey, err := keys.Open(m.BlindKey, markerAAD)
		if err != nil {
			return report, err
		}
		done, err := c.encodeMarker(stateSealed, blindKey)
		if err != nil {
			return report, err
		}
		if err := b.SwapMarker(ctx, markerRaw, done); err != nil {
			return report, fmt.Errorf("store rekey: mark the store sealed: %w", err)
		}
	}
	return report, nil
}

const progressEvery = 10_000

// rekeyCodec opens the store's marker, or begins sealing a clear store
// by writing one in the "sealing" state.
func rekeyCodec(ctx context.Context, b Sealing, keys *seal.Keyring) (*Codec, []byte, marker, error) {
	raw, err := b.LoadMarker(ctx)
	if errors.Is(err, ErrNotFound) {
		c := &Codec{keys: keys}
		blindKey := seal.NewBlinderKey()
		raw, err = c.encodeMarker(stateSealing, blindKey)
		if err != nil {
			return nil, nil, marker{}, err
		}
		if err := b.SwapMarker(ctx, nil, raw); err != nil {
			return nil, nil, marker{}, fmt.Errorf("store rekey: mark the store as being sealed (is another rekey running?): %w", err)
		}
	} else if err != nil {
		return nil, nil, marker{}, fmt.Errorf("store rekey: read the sealing marker: %w", err)
	}
	m, err := decodeMarker(raw)
	if err != nil {
		return nil, nil, marker{}, err
	}
	c, err := codecFromMarker(raw, keys, true)
	return c, raw, m, err
}

// reseal is one value's replacement under c's current key: nil when it is
// sealed under that key already. Values in the clear are sealed, and
// records and claims moved to their blind names.
func (c *Codec) reseal(v StoredValue, found map[string]int) (*Replacement, error) {
	if v.Part == PartRecord && len(v.Votes) > 0 {
		return c.resealBallot(v, found)
	}
	if v.Part == PartClaim {
		if strings.HasPrefix(v.Name, blindPrefix) {
			return nil, nil
		}
		return &Replacement{Name: c.ClaimName(v.Name)}, nil
	}
	body, aad := v.Data, []byte(nil)
	switch v.Part {
	case PartRecord:
		aad = recordAAD(v.Kind, v.Name)
	case PartAudit:
		aad = auditAAD
	case PartSnapshot:
		if _, err := SnapshotRevision(v.Data); err != nil {
			return nil, err
		}
		body, aad = v.Data[RevisionLen+1:], snapshotAAD
	case PartSnapshotChunk:
		aad = chunkAAD(v.Name)
	default:
		return nil, fmt.Errorf("unknown stored part %d", v.Part)
	}
	if !seal.IsSealed(body) {
		found[""]++
		switch v.Part {
		case PartRecord:
			name := c.RecordName(v.Kind, v.Name)
			return &Replacement{Name: name, Data: c.SealRecord(v.Kind, name, v.Name, body)}, nil
		case PartSnapshot:
			if bytes.HasPrefix(body, chunkedMark) {
				// The content is in chunks, sealed one by one apart from
				// the head: the revision becomes a keyed digest of the
				// clear one, which still changes exactly when the content
				// does and says nothing of it.
				rev := hex.EncodeToString(c.blind.Digest(v.Data[:RevisionLen])[:RevisionLen/2])
				return &Replacement{Data: append([]byte(rev+"\n"), c.keys.Seal(body, aad)...)}, nil
			}
			// Sealed, the revision becomes a keyed digest of the content.
			snap, err := decodeSnapshotJSON(body)
			if err != nil {
				return nil, err
			}
			sealed, err := c.EncodeSnapshot(snap)
			if err != nil {
				return nil, err
			}
			return &Replacement{Data: sealed}, nil
		}
		return &Replacement{Data: c.keys.Seal(body, aad)}, nil
	}
	id, err := seal.KeyID(body)
	if err != nil {
		return nil, err
	}
	found[id]++
	if id == c.keys.CurrentID() {
		return nil, nil
	}
	plain, err := c.keys.Open(body, aad)
	if err != nil {
		return nil, describe(v, err)
	}
	out := c.keys.Seal(plain, aad)
	if v.Part == PartSnapshot {
		// The revision is a digest of the content, not of the sealed
		// bytes, so it stays: readers see no change.
		out = append(append(make([]byte, 0, RevisionLen+1+len(out)), v.Data[:RevisionLen+1]...), out...)
	}
	return &Replacement{Data: out}, nil
}

// resealBallot reseals a record and its votes together: sealing a clear
// store moves both to blind names, and a vote's sealing names the
// record's.
func (c *Codec) resealBallot(v StoredValue, found map[string]int) (*Replacement, error) {
	record := v
	record.Votes = nil
	r, err := c.reseal(record, found)
	if err != nil {
		return nil, err
	}
	name, moved := v.Name, r != nil && r.Name != "" && r.Name != v.Name
	if moved {
		name = r.Name
	}
	votes, changed := make([]StoredVote, len(v.Votes)), moved
	for i, sv := range v.Votes {
		out := sv
		if moved {
			out.Voter = c.VoterName(v.Kind, v.Name, sv.Voter)
		}
		switch {
		case sv.Data == nil:
		case !seal.IsSealed(sv.Data):
			found[""]++
			out.Data, changed = c.SealVote(v.Kind, name, out.Voter, sv.Data), true
		default:
			id, err := seal.KeyID(sv.Data)
			if err != nil {
				return nil, err
			}
			found[id]++
			if id == c.keys.CurrentID() && !moved {
				break
			}
			plain, err := c.OpenVote(v.Kind, v.Name, sv.Voter, sv.Data)
			if err != nil {
				return nil, err
			}
			out.Data, changed = c.SealVote(v.Kind, name, out.Voter, plain), true
		}
		votes[i] = out
	}
	if !changed {
		return r, nil
	}
	if r == nil {
		r = &Replacement{}
	}
	r.Votes = votes
	return r, nil
}

func describe(v StoredValue, err error) error {
	switch v.Part {
	case PartRecord:
		return fmt.Errorf("record %s/%s: %w", v.Kind, v.Name, err)
	case PartAudit:
		return fmt.Errorf("audit entry: %w", err)
	case PartSnapshotChunk:
		return fmt.Errorf("snapshot chunk %s: %w", v.Name, err)
	}
	return fmt.Errorf("snapshot: %w", err)
}
