package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/seatwarden/seatwarden/internal/seal"
)

// Codec is how a backend turns what it keeps into bytes and back, and
// names what it keeps. The nil Codec keeps everything in the clear, as
// the store always did. A sealed Codec (from OpenCodec) seals every
// record's data, vote, audit entry and snapshot with AES-256-GCM, and
// replaces record ids, voters and idempotency keys, which may hold emails,
// with keyed blind names. What stays in the clear is only what a backend
// must compare or index: record kinds, versions and update times, ballots'
// counts, snapshot revisions (themselves keyed digests), lock names,
// holders and expiries, fencing tokens, idempotency expiries and the
// audit trail's sequence numbers.
//
// Both backends call the same methods at the same points, so the stored
// form is defined here once.
type Codec struct {
	keys  *seal.Keyring
	blind *seal.Blinder
}

// Sealed reports whether c seals.
func (c *Codec) Sealed() bool { return c != nil }

// KeyID names the key c seals new values under; "" in the clear.
func (c *Codec) KeyID() string {
	if c == nil {
		return ""
	}
	return c.keys.CurrentID()
}

// ErrSealedValue: a clear store met a sealed value, or the reverse.
var ErrSealedValue = errors.New("store: stored value is sealed, and no SEATWARDEN_ENCRYPTION_KEY is set")

// --- records ---

// RecordName is what a backend stores record (kind, id) under.
func (c *Codec) RecordName(kind, id string) string {
	if c == nil {
		return id
	}
	return c.blind.Name("record", kind, id)
}

func recordAAD(kind, name string) []byte {
	return []byte("record\x00" + kind + "\x00" + name)
}

// SealRecord is the stored form of a record's data, stored under name
// (RecordName of kind and id). Sealed, it holds the record's id too,
// since the stored name cannot be turned back into it.
func (c *Codec) SealRecord(kind, name, id string, data []byte) []byte {
	if c == nil {
		return data
	}
	plain := make([]byte, 0, binary.MaxVarintLen64+len(id)+len(data))
	plain = binary.AppendUvarint(plain, uint64(len(id)))
	plain = append(plain, id...)
	plain = append(plain, data...)
	return c.keys.Seal(plain, recordAAD(kind, name))
}

// OpenRecord reads what SealRecord stored under name: the record's id and
// data. Empty data comes back nil.
func (c *Codec) OpenRecord(kind, name string, stored []byte) (id string, data []byte, err error) {
	if c == nil {
		if seal.IsSealed(stored) {
			return "", nil, fmt.Errorf("record %s/%s: %w", kind, name, ErrSealedValue)
		}
		if len(stored) == 0 {
			stored = nil
		}
		return name, stored, nil
	}
	plain, err := c.keys.Open(stored, recordAAD(kind, name))
	if err != nil {
		return "", nil, fmt.Errorf("record %s/%s: %w", kind, name, err)
	}
	n, w := binary.Uvarint(plain)
	if w <= 0 || uint64(len(plain)-w) < n {
		return "", nil, fmt.Errorf("record %s/%s: %w", kind, name, seal.ErrTampered)
	}
	id, data = string(plain[w:w+int(n)]), plain[w+int(n):]
	if len(data) == 0 {
		data = nil
	}
	return id, data, nil
}

// SortRecords puts records a backend listed in name order into id order,
// which ListRecords promises; in the clear the two orders are one.
func (c *Codec) SortRecords(recs []Record) {
	if c != nil {
		slices.SortFunc(recs, func(a, b Record) int { return cmp.Compare(a.ID, b.ID) })
	}
}

// --- votes ---

// VoterName is what a backend stores the voter of a vote on record
// (kind, id) under.
func (c *Codec) VoterName(kind, id, voter string) string {
	if c == nil {
		return voter
	}
	return c.blind.Name("voter", kind, id, voter)
}

func voteAAD(kind, recordName, voterName string) []byte {
	return []byte("vote\x00" + kind + "\x00" + recordName + "\x00" + voterName)
}

// SealVote is the stored form of a vote's data, for the voter stored as
// voterName on the record stored as recordName.
func (c *Codec) SealVote(kind, recordName, voterName string, data []byte) []byte {
	if c == nil {
		return data
	}
	return c.keys.Seal(data, voteAAD(kind, recordName, voterName))
}

// OpenVote reads what SealVote stored. Empty data comes back nil.
func (c *Codec) OpenVote(kind, recordName, voterName string, stored []byte) ([]byte, error) {
	data, err := c.open(stored, voteAAD(kind, recordName, voterName))
	if err != nil {
		return nil, fmt.Errorf("vote on record %s/%s: %w", kind, recordName, err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// --- idempotency keys ---

// blindPrefix starts every blind claim key; no clear one does.
const blindPrefix = "#"

// ClaimName is what a backend stores idempotency key under.
func (c *Codec) ClaimName(key string) string {
	if c == nil {
		return key
	}
	return blindPrefix + c.blind.Name("claim", key)
}

// --- audit ---

var auditAAD = []byte("audit")

// EncodeAudit is the stored form of an audit entry.
func (c *Codec) EncodeAudit(e AuditEntry) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil || c == nil {
		return raw, err
	}
	return c.keys.Seal(raw, auditAAD), nil
}

// DecodeAudit reads what EncodeAudit stored.
func (c *Codec) DecodeAudit(stored []byte) (AuditEntry, error) {
	var e AuditEntry
	raw, err := c.open(stored, auditAAD)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(raw, &e)
	return e, err
}

// open opens a sealed value, or passes a clear one through in the clear.
func (c *Codec) open(stored, aad []byte) ([]byte, error) {
	switch {
	case c == nil && seal.IsSealed(stored):
		return nil, ErrSealedValue
	case c == nil:
		return stored, nil
	}
	return c.keys.Open(stored, aad)
}

// --- snapshots ---

var snapshotAAD = []byte("snapshot")

// EncodeSnapshot is the stored form of a snapshot: its revision, a
// newline, then its JSON, sealed when c seals. Sealed, the revision is a
// keyed digest of the JSON, so it still changes exactly when the snapshot
// does but says nothing about its contents.
func (c *Codec) EncodeSnapshot(s *Snapshot) ([]byte, error) {
	stored, err := encodeSnapshot(s, c.digest)
	if err != nil || c == nil {
		return stored, err
	}
	sealed := c.keys.Seal(stored[RevisionLen+1:], snapshotAAD)
	return append(stored[:RevisionLen+1], sealed...), nil
}

// digest is the revision's source: a SHA-256, or sealed, a keyed digest.
func (c *Codec) digest(content []byte) []byte {
	if c == nil {
		h := sha256.Sum256(content)
		return h[:]
	}
	return c.blind.Digest(content)
}

// DecodeSnapshot reads what EncodeSnapshot stored.
func (c *Codec) DecodeSnapshot(stored []byte) (*Snapshot, error) {
	if _, err := SnapshotRevision(stored); err != nil {
		return nil, err
	}
	body, err := c.open(stored[RevisionLen+1:], snapshotAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return decodeSnapshotJSON(body)
}

// --- the marker ---

// The marker says a store is sealed and holds the blind-name key, sealed
// under the encryption key. The blind-name key never changes: names are
// stored, not recomputed, so it must outlive every encryption key.
type marker struct {
	// State is "sealed", or "sealing" while `store rekey` moves a store
	// written in the clear into the sealed form.
	State    string `json:"state"`
	BlindKey []byte `json:"blind_key"`
}

const (
	stateSealed  = "sealed"
	stateSealing = "sealing"
)

var markerAAD = []byte("marker")

func (c *Codec) encodeMarker(state string, blindKey []byte) ([]byte, error) {
	return json.Marshal(marker{State: state, BlindKey: c.keys.Seal(blindKey, markerAAD)})
}

func decodeMarker(raw []byte) (marker, error) {
	var m marker
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("store: the sealing marker is unreadable: %w", err)
	}
	if m.State != stateSealed && m.State != stateSealing {
		return m, fmt.Errorf("store: the sealing marker has an unknown state %q", m.State)
	}
	return m, nil
}

// Errors of OpenCodec.
var (
	// ErrKeyRequired: the store is sealed and no key is configured.
	ErrKeyRequired = errors.New("store: the store is sealed; set SEATWARDEN_ENCRYPTION_KEY to the key it was sealed with")
	// ErrClearData: a key is configured and the store holds data written
	// in the clear, which only `store rekey` may seal.
	ErrClearData = errors.New("store: the store holds data written without encryption; stop every replica and run `seatwarden store rekey` once to seal it")
	// ErrSealingUnfinished: `store rekey` began sealing a clear store and
	// has not finished.
	ErrSealingUnfinished = errors.New("store: `seatwarden store rekey` began sealing this store and has not finished; run it again")
)

// Sealing is the backend side of encryption at rest: the marker that
// says whether and how the store is sealed, and byte-level access to
// every stored value for `store rekey`. Both backends implement it.
type Sealing interface {
	// Sealed reports whether the store seals what it holds, and the id
	// of the key new values are sealed under.
	Sealed() (sealed bool, keyID string)
	// LoadMarker returns the marker; ErrNotFound when the store was
	// never sealed.
	LoadMarker(ctx context.Context) ([]byte, error)
	// SwapMarker replaces the marker only if it still equals old (nil:
	// only if there is none); ErrConflict otherwise.
	SwapMarker(ctx context.Context, old, new []byte) error
	// HasData reports whether the store holds any record, audit entry or
	// snapshot.
	HasData(ctx context.Context) (bool, error)
	// Reseal calls fn with every stored snapshot, audit entry, record and
	// idempotency key, and writes back each replacement fn returns. A
	// replacement is written only if the value is unchanged since it was
	// read, and keeps the value's version, update time or expiry, so a
	// replica's compare-and-set in flight is not disturbed; one that
	// lost that race is counted in Raced and left for the next run.
	Reseal(ctx context.Context, fn ResealFunc) (ResealCounts, error)
}

// SealingStore is a Store with its sealing side, as both backends are.
type SealingStore interface {
	Store
	Sealing
}

// StoredPart says what a StoredValue is.
type StoredPart int

// The parts of a store that Reseal visits.
const (
	PartSnapshot StoredPart = iota + 1
	PartAudit
	PartRecord
	PartClaim
	// PartSnapshotChunk is one chunk of a snapshot; Name is its chunk
	// name (SnapshotChunkName).
	PartSnapshotChunk
)

// StoredValue is one value as a backend stores it.
type StoredValue struct {
	Part StoredPart
	Kind string // records: the kind
	Name string // records and claims: the stored name
	Data []byte // claims: nil
	// Votes are a record's ballot, which moves and is sealed with it.
	Votes []StoredVote
}

// StoredVote is one vote of a record's ballot as stored: the voter's
// stored name, and the vote's data until it is folded into the record's
// (nil after).
type StoredVote struct {
	Voter string
	Data  []byte
}

// Replacement is what Reseal writes back. A Name other than the value's
// moves a record or claim: it is created there (unless something already
// is) and removed from the old name. Nil Data keeps the data. Votes, when
// not nil, replace a record's votes one for one, in order.
type Replacement struct {
	Name  string
	Data  []byte
	Votes []StoredVote
}

// ResealFunc decides a value's replacement; nil leaves it as it is.
type ResealFunc func(StoredValue) (*Replacement, error)

// ResealCounts count what one Reseal did.
type ResealCounts struct {
	Visited  int
	Replaced int
	// Raced: replacements not written because the value changed since
	// it was read.
	Raced int
}

// OpenCodec decides how a backend stores values, from its marker and the
// configured keys:
//   - never sealed, no key: the clear Codec (nil);
//   - never sealed, a key, nothing stored yet: seals from the start;
//   - never sealed, a key, data stored: ErrClearData;
//   - sealed, no key: ErrKeyRequired;
//   - sealed, a key: the sealed Codec, or an error naming the key the
//     store was sealed with when the ring does not hold it.
func OpenCodec(ctx context.Context, b Sealing, keys *seal.Keyring) (*Codec, error) {
	for range 2 {
		raw, err := b.LoadMarker(ctx)
		if err == nil {
			return codecFromMarker(raw, keys, false)
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("store: read the sealing marker: %w", err)
		}
		if keys == nil {
			return nil, nil
		}
		has, err := b.HasData(ctx)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, ErrClearData
		}
		c := &Codec{keys: keys}
		blindKey := seal.NewBlinderKey()
		fresh, err := c.encodeMarker(stateSealed, blindKey)
		if err != nil {
			return nil, err
		}
		err = b.SwapMarker(ctx, nil, fresh)
		if err == nil {
			c.blind = seal.NewBlinder(blindKey)
			return c, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("store: write the sealing marker: %w", err)
		}
		// Another replica sealed the empty store first: use its marker.
	}
	return nil, fmt.Errorf("store: the sealing marker keeps changing: %w", ErrConflict)
}

// codecFromMarker opens the marker's blind-name key. Only `store rekey`
// accepts a store it is still sealing.
func codecFromMarker(raw []byte, keys *seal.Keyring, sealing bool) (*Codec, error) {
	m, err := decodeMarker(raw)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		if id, err := seal.KeyID(m.BlindKey); err == nil {
			return nil, fmt.Errorf("%w (key id %q)", ErrKeyRequired, id)
		}
		return nil, ErrKeyRequired
	}
	if m.State == stateSealing && !sealing {
		return nil, ErrSealingUnfinished
	}
	blindKey, err := keys.Open(m.BlindKey, markerAAD)
	if err != nil {
		return nil, fmt.Errorf("store: open the sealing marker: %w", err)
	}
	return &Codec{keys: keys, blind: seal.NewBlinder(blindKey)}, nil
}
