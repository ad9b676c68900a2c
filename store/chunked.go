package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/seatwarden/seatwarden/connector"
)

// A snapshot is stored in chunks, so that neither a save nor a load holds
// a large account's snapshot as one buffer. The content (the same JSON
// document the single-value layout held, so its revision is unchanged) is
// cut into chunks of snapshotChunkSize bytes, each stored, and sealed,
// apart under a name of its generation. The snapshot's key then holds a
// head: the revision, a newline, and (sealed when the store seals) a note
// naming the generation, its chunks and where the syncs stand. Writing the
// head is the one atomic switch: a save cut off before it leaves the
// previous head, and so the previous chunks, as they were; the replaced
// generation is dropped after it.
//
// The layout before chunks (the whole snapshot in the key's value) still
// reads; the next save writes chunks.

// snapshotChunkSize is how much of a snapshot's JSON one chunk holds: a
// few hundred members, small enough to be held for a moment, large enough
// that a 200,000-seat snapshot is a few hundred writes.
const snapshotChunkSize = 512 << 10

// chunkedMark begins the clear body of a head; the single-value layout's
// body begins with '{'.
var chunkedMark = []byte("chunks\n")

// snapshotHead is what a head says besides the revision.
type snapshotHead struct {
	V          int       `json:"v"`
	Gen        string    `json:"gen"`
	Chunks     int       `json:"chunks"`
	Staff      int       `json:"staff"`
	Connector  string    `json:"connector"`
	Account    string    `json:"account"`
	SyncedAt   time.Time `json:"synced_at"`
	Cursor     string    `json:"cursor"`
	GroupsRead time.Time `json:"groups_read_at,omitzero"`
	// Patched are the members changed since the chunks were written, in
	// id order (PatchSnapshot); Base is the revision of the chunks, from
	// which a patched head's revision is made.
	Patched []MemberPatch `json:"patched,omitempty"`
	Base    string        `json:"base,omitempty"`
	// Folded are the patches written into the chunks since the last save
	// (a head full of patches is written again with them in): a save
	// that began before them carries them onto what it writes, as it
	// carries the patches still listed.
	Folded []MemberPatch `json:"folded,omitempty"`
}

// maxFolded bounds Folded: past it, a save that straddles the folds may
// undo the oldest of them until its next run.
const maxFolded = 10 * MaxPatched

// since are the patches a save that began at this head must not carry:
// those in the members it read, or older.
func (h *snapshotHead) since() []MemberPatch {
	if h == nil {
		return nil
	}
	return mergePatches(h.Folded, h.Patched)
}

// ErrSnapshotReplaced: a save replaced the snapshot while it was being
// read; reading again reads the new one.
var ErrSnapshotReplaced = fmt.Errorf("%w: the snapshot was replaced while it was read", ErrConflict)

// SnapshotChunks is what a backend does for chunked snapshots; the
// layout itself is defined here once, on top of it.
type SnapshotChunks interface {
	// LoadSnapshotHead returns the value under connector's snapshot key;
	// ErrNotFound when there is none.
	LoadSnapshotHead(ctx context.Context, connector string) ([]byte, error)
	// PutSnapshotChunk stores one chunk of a generation not yet switched
	// to. The backend may not keep data after it returns.
	PutSnapshotChunk(ctx context.Context, name string, data []byte) error
	// SnapshotChunk returns a stored chunk; ErrNotFound when it is gone.
	SnapshotChunk(ctx context.Context, name string) ([]byte, error)
	// SwapSnapshotHead makes head, whose chunks are all stored, connector's
	// snapshot in one atomic write, and returns the value it replaced (nil
	// when none).
	SwapSnapshotHead(ctx context.Context, connector string, head []byte, chunks []string) (replaced []byte, err error)
	// DropSnapshotChunks removes chunks no head names any more: of a
	// replaced generation, or of a save that failed.
	DropSnapshotChunks(ctx context.Context, names []string) error
	// ReplaceSnapshotHead makes head connector's snapshot only if old
	// still is; ErrConflict otherwise. chunks are those of head's that
	// old does not name, all stored, and made to last as SwapSnapshotHead
	// does.
	ReplaceSnapshotHead(ctx context.Context, connector string, old, head []byte, chunks []string) error
}

// SnapshotChunkName names chunk i of a generation of connector's
// snapshot. Names of one generation sort in chunk order.
func SnapshotChunkName(connector, gen string, i int) string {
	return ConnectorOrDefault(connector) + "/" + gen + "/" + fmt.Sprintf("%06d", i)
}

// SnapshotChunkPrefix is what every chunk name of connector starts with.
func SnapshotChunkPrefix(connector string) string { return ConnectorOrDefault(connector) + "/" }

// SnapshotChunkBorn is when the save that wrote chunk name began, read
// from its generation; ok is false for a name not made here.
func SnapshotChunkBorn(name string) (t time.Time, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 || len(parts[1]) < 16 {
		return time.Time{}, false
	}
	nanos, err := strconv.ParseUint(parts[1][:16], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(nanos)), true
}

// newGeneration names a save's chunks: when it began, then randomness,
// so two saves never share a name and a backend can tell an abandoned
// generation's age.
func newGeneration() string {
	return fmt.Sprintf("%016x", uint64(time.Now().UnixNano())) + strings.ToLower(rand.Text()[:8])
}

func chunkAAD(name string) []byte { return []byte("snapshot-chunk\x00" + name) }

// newDigest is the revision's source written piece by piece: a SHA-256,
// or sealed, a keyed digest.
func (c *Codec) newDigest() hash.Hash {
	if c == nil {
		return sha256.New()
	}
	return c.blind.NewDigest()
}

// StaffWriter is given each member of a snapshot being written, in id
// order.
type StaffWriter func(put func(connector.Staff) error) error

// WriteSnapshot stores a snapshot whose members staff puts one at a time,
// a chunk at a time, and switches to it in one write: a failure or a
// cut-off at any point before leaves the previous snapshot whole. head
// gives everything but the members; its Groups and Memberships are read
// after staff returns, so staff may settle them.
func (c *Codec) WriteSnapshot(ctx context.Context, b SnapshotChunks, head *Snapshot, staff StaffWriter) error {
	if head == nil {
		return errors.New("store: nil snapshot")
	}
	name := ConnectorOrDefault(head.Connector)
	// The patches listed when the write begins are dropped: they are in
	// what staff read from the store, or the sync read the SaaS around
	// them and its next run reads them again. Those made while it writes
	// are carried onto the new snapshot, as if they had waited for it.
	// Without the head it began at, nothing is carried: what it would
	// carry may be older than what staff read.
	var started []MemberPatch
	raw, err := b.LoadSnapshotHead(ctx, name)
	known := errors.Is(err, ErrNotFound)
	if err == nil {
		if h, herr := c.openHead(raw); herr == nil {
			started, known = h.since(), true
		}
	}
	var replaced []byte
	_, err = c.writeSnapshot(ctx, b, head, staff, nil, func(raw []byte, chunks []string) ([]byte, error) {
		var err error
		replaced, err = b.SwapSnapshotHead(ctx, name, raw, chunks)
		return replaced, err
	})
	if err != nil {
		return err
	}
	if known {
		c.carryPatches(ctx, b, name, started, replaced)
	}
	return nil
}

// carryPatches puts the patches replaced holds and started did not onto
// connector's new snapshot. A patch that does not land shows at the next
// sync, as any patch a save undoes.
func (c *Codec) carryPatches(ctx context.Context, b SnapshotChunks, name string, started []MemberPatch, replaced []byte) {
	h, err := c.openHead(replaced)
	if err != nil || h == nil {
		return
	}
	var carried []MemberPatch
	for _, p := range h.since() {
		i, found := slices.BinarySearchFunc(started, p.ID, func(q MemberPatch, id int64) int { return cmp.Compare(q.ID, id) })
		if !found || !reflect.DeepEqual(started[i], p) {
			carried = append(carried, p)
		}
	}
	for range carryTries {
		if len(carried) == 0 {
			return
		}
		// Under the patches made since the swap, which are newer.
		if _, _, err := c.patchSnapshot(ctx, b, name, carried, true); !errors.Is(err, ErrConflict) {
			return
		}
	}
}

// carryTries bounds how often patches are carried onto a new snapshot
// that other patches keep replacing.
const carryTries = 5

// writeSnapshot writes head's members in chunks, and swap switches to
// them, returning the head it replaced. folded are the patches written
// into the members since the last save. It returns the new revision.
func (c *Codec) writeSnapshot(ctx context.Context, b SnapshotChunks, head *Snapshot, staff StaffWriter, folded []MemberPatch, swap func(raw []byte, chunks []string) ([]byte, error)) (string, error) {
	name := ConnectorOrDefault(head.Connector)
	w := &chunkWriter{ctx: ctx, b: b, c: c, connector: name, gen: newGeneration(), digest: c.newDigest()}
	count, err := writeContent(w, head, staff, head.Staff == nil)
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		w.drop()
		return "", err
	}
	raw, err := c.encodeHead(w.digest, snapshotHead{V: SnapshotVersion, Gen: w.gen, Chunks: len(w.names), Staff: count,
		Connector: name, Account: head.Account, SyncedAt: head.SyncedAt, Cursor: head.Cursor, GroupsRead: head.GroupsRead, Folded: folded})
	if err != nil {
		w.drop()
		return "", err
	}
	replaced, err := swap(raw, w.names)
	if errors.Is(err, ErrConflict) {
		w.drop() // not switched to
		return "", err
	}
	if err != nil {
		// Whether the switch happened is unknown (a lost reply): the
		// chunks stay, since the head may name them.
		return "", err
	}
	if old, err := c.openHead(replaced); err == nil && old != nil {
		// Left behind, the replaced chunks would only cost space.
		_ = b.DropSnapshotChunks(context.WithoutCancel(ctx), old.chunkNames())
	}
	return string(raw[:RevisionLen]), nil
}

// encodeHead is the stored form of h, whose revision digest has read:
// the revision, a newline, and the head, sealed when c seals.
func (c *Codec) encodeHead(digest hash.Hash, h snapshotHead) ([]byte, error) {
	body, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	body = append(bytes.Clone(chunkedMark), body...)
	if c != nil {
		body = c.keys.Seal(body, snapshotAAD)
	}
	raw := make([]byte, RevisionLen+1, RevisionLen+1+len(body))
	hex.Encode(raw[:RevisionLen], digest.Sum(nil)[:RevisionLen/2])
	raw[RevisionLen] = '\n'
	return append(raw, body...), nil
}

// MaxPatched is how many members a snapshot's head keeps patched; every
// reader reads them with the head. The patch beyond writes the members
// again with the patches in them.
const MaxPatched = 500

// PatchSnapshot changes members of connector's snapshot by rewriting its
// head only, as Snapshots.PatchSnapshot says: the chunks stay, and the
// head lists the members changed since they were written. The head is
// replaced only if no save or other patch replaced it meanwhile.
func (c *Codec) PatchSnapshot(ctx context.Context, b SnapshotChunks, name string, patches []MemberPatch) (before, after string, err error) {
	return c.patchSnapshot(ctx, b, name, patches, false)
}

// patchSnapshot is PatchSnapshot; under puts patches under those the
// head lists already, for patches older than them.
func (c *Codec) patchSnapshot(ctx context.Context, b SnapshotChunks, name string, patches []MemberPatch, under bool) (before, after string, err error) {
	name = ConnectorOrDefault(name)
	for _, p := range patches {
		if p.Member != nil && p.Member.ID != p.ID {
			return "", "", fmt.Errorf("store: a patch of member %d holds member %d", p.ID, p.Member.ID)
		}
	}
	raw, err := b.LoadSnapshotHead(ctx, name)
	if err != nil {
		return "", "", err
	}
	h, err := c.openHead(raw)
	if err != nil {
		return "", "", err
	}
	before = string(raw[:RevisionLen])
	patched := mergePatches(nil, patches)
	if h != nil && under {
		patched = mergePatches(patched, h.Patched)
	} else if h != nil {
		patched = mergePatches(h.Patched, patched)
	}
	if h == nil || len(patched) > MaxPatched {
		// The single-value layout, or as many patches as a head keeps:
		// the members are written again with the patches in them.
		var folded []MemberPatch
		if h != nil {
			folded = mergePatches(h.Folded, patched)
			if len(folded) > maxFolded {
				folded = nil
			}
		}
		after, err = c.foldSnapshot(ctx, b, name, raw, patched, folded)
		return before, after, err
	}
	if h.Base == "" {
		h.Base = before
	}
	h.Patched = patched
	// The revision digests the chunks' revision and the patches: it
	// changes exactly when the members read do.
	list, err := json.Marshal(patched)
	if err != nil {
		return "", "", err
	}
	digest := c.newDigest()
	digest.Write([]byte(h.Base + "\n"))
	digest.Write(list)
	head, err := c.encodeHead(digest, *h)
	if err != nil {
		return "", "", err
	}
	after = string(head[:RevisionLen])
	if after == before {
		return before, after, nil
	}
	if err := b.ReplaceSnapshotHead(ctx, name, raw, head, nil); err != nil {
		return "", "", err
	}
	return before, after, nil
}

// foldSnapshot writes the snapshot whose head is raw again, its members
// read with patches in place of the head's own, and switches to it only
// if raw is still its head. folded are listed in the new head.
func (c *Codec) foldSnapshot(ctx context.Context, b SnapshotChunks, name string, raw []byte, patches, folded []MemberPatch) (string, error) {
	var staff []connector.Staff
	snap, shape, err := c.readFrom(ctx, b, raw, patchMembers(patches, func(u connector.Staff) error {
		staff = append(staff, u)
		return nil
	}), nil)
	if err != nil {
		return "", err
	}
	if !shape.nullStaff {
		snap.Staff = staff
	}
	return c.writeSnapshot(ctx, b, snap, writeAll(staff), folded, func(head []byte, chunks []string) ([]byte, error) {
		if err := b.ReplaceSnapshotHead(ctx, name, raw, head, chunks); err != nil {
			return nil, err
		}
		return raw, nil
	})
}

// mergePatches is have with more applied, in id order, the later patch
// of a member replacing the earlier.
func mergePatches(have, more []MemberPatch) []MemberPatch {
	byID := make(map[int64]MemberPatch, len(have)+len(more))
	for _, p := range have {
		byID[p.ID] = p
	}
	for _, p := range more {
		byID[p.ID] = p
	}
	out := slices.Collect(maps.Values(byID))
	slices.SortFunc(out, func(a, b MemberPatch) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// patchMembers is member with patched applied to the members given to
// it in id order: a patched member is given as patched, or not at all.
func patchMembers(patched []MemberPatch, member func(connector.Staff) error) func(connector.Staff) error {
	i := 0
	return func(u connector.Staff) error {
		for i < len(patched) && patched[i].ID < u.ID {
			i++
		}
		if i < len(patched) && patched[i].ID == u.ID {
			if patched[i].Member == nil {
				return nil
			}
			u = *patched[i].Member
		}
		return member(u)
	}
}

// SaveSnapshot is WriteSnapshot of a snapshot held whole.
func (c *Codec) SaveSnapshot(ctx context.Context, b SnapshotChunks, s *Snapshot) error {
	if s == nil {
		return errors.New("store: nil snapshot")
	}
	return c.WriteSnapshot(ctx, b, s, writeAll(s.Staff))
}

// writeAll puts every member of staff, held whole.
func writeAll(staff []connector.Staff) StaffWriter {
	return func(put func(connector.Staff) error) error {
		for _, u := range staff {
			if err := put(u); err != nil {
				return err
			}
		}
		return nil
	}
}

func (h *snapshotHead) chunkNames() []string {
	names := make([]string, h.Chunks)
	for i := range names {
		names[i] = SnapshotChunkName(h.Connector, h.Gen, i)
	}
	return names
}

// openHead reads a chunked head; nil, nil for a value of the single-value
// layout (or none).
func (c *Codec) openHead(raw []byte) (*snapshotHead, error) {
	if raw == nil {
		return nil, nil
	}
	if _, err := SnapshotRevision(raw); err != nil {
		return nil, err
	}
	plain, err := c.open(raw[RevisionLen+1:], snapshotAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if !bytes.HasPrefix(plain, chunkedMark) {
		return nil, nil
	}
	var h snapshotHead
	if err := json.Unmarshal(plain[len(chunkedMark):], &h); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if h.V != SnapshotVersion {
		return nil, fmt.Errorf("%w: schema version %d is not supported (want %d)", ErrUnreadable, h.V, SnapshotVersion)
	}
	return &h, nil
}

// ReadSnapshot reads connector's snapshot a chunk at a time, giving each
// member to member in id order; the snapshot returned holds everything
// else. A nil member reads only the head: no members, groups or
// memberships. ErrSnapshotReplaced when a save replaced the snapshot
// while it was read.
func (c *Codec) ReadSnapshot(ctx context.Context, b SnapshotChunks, connector string, member func(connector.Staff) error) (*Snapshot, error) {
	snap, _, err := c.readSnapshot(ctx, b, connector, member, nil)
	return snap, err
}

// readSnapshot is ReadSnapshot that tells sized how many members follow
// before the first, and says whether the members were null.
func (c *Codec) readSnapshot(ctx context.Context, b SnapshotChunks, name string, member func(connector.Staff) error, sized func(int)) (*Snapshot, contentShape, error) {
	raw, err := b.LoadSnapshotHead(ctx, name)
	if err != nil {
		return nil, contentShape{}, err
	}
	return c.readFrom(ctx, b, raw, member, sized)
}

// readFrom is readSnapshot of the snapshot whose head is raw.
func (c *Codec) readFrom(ctx context.Context, b SnapshotChunks, raw []byte, member func(connector.Staff) error, sized func(int)) (*Snapshot, contentShape, error) {
	h, err := c.openHead(raw)
	if err != nil {
		return nil, contentShape{}, err
	}
	if h == nil {
		// The single-value layout, read whole once: the next save
		// writes chunks.
		snap, err := c.DecodeSnapshot(raw)
		if err != nil {
			return nil, contentShape{}, err
		}
		shape := contentShape{staff: len(snap.Staff), nullStaff: snap.Staff == nil}
		staff := snap.Staff
		snap.Staff, snap.Members = nil, len(staff)
		snap.Base = string(raw[:RevisionLen])
		if member == nil {
			snap.Groups, snap.Memberships = nil, nil
			return snap, shape, nil
		}
		if sized != nil {
			sized(len(staff))
		}
		for _, u := range staff {
			if err := member(u); err != nil {
				return nil, shape, err
			}
		}
		return snap, shape, nil
	}
	snap := &Snapshot{V: h.V, SyncedAt: h.SyncedAt, Connector: h.Connector, Account: h.Account,
		Roster: connector.Roster{Cursor: h.Cursor, GroupsRead: h.GroupsRead}, Members: h.Staff}
	shape := contentShape{staff: h.Staff}
	snap.Base, snap.Patched = cmp.Or(h.Base, string(raw[:RevisionLen])), h.Patched
	if member == nil {
		return snap, shape, nil
	}
	if sized != nil {
		sized(h.Staff)
	}
	if len(h.Patched) > 0 {
		member = patchMembers(h.Patched, member)
	}
	r := &chunkReader{ctx: ctx, b: b, c: c, names: h.chunkNames()}
	shape.nullStaff, err = readContent(r, snap, member)
	if r.err != nil {
		return nil, shape, r.err
	}
	if err != nil {
		return nil, shape, err
	}
	return snap, shape, nil
}

type contentShape struct {
	staff     int
	nullStaff bool
}

// loadAttempts bounds how often LoadSnapshot starts again after saves
// replaced the snapshot under it.
const loadAttempts = 4

// LoadSnapshot reads connector's snapshot whole.
func (c *Codec) LoadSnapshot(ctx context.Context, b SnapshotChunks, name string) (*Snapshot, error) {
	for attempt := 1; ; attempt++ {
		var staff []connector.Staff
		snap, shape, err := c.readSnapshot(ctx, b, name, func(u connector.Staff) error {
			staff = append(staff, u)
			return nil
		}, func(n int) {
			// The head counts the members: one allocation.
			staff = make([]connector.Staff, 0, n)
		})
		if errors.Is(err, ErrSnapshotReplaced) && attempt < loadAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		if shape.nullStaff {
			staff = nil
		}
		// Members counts for readers that stream; this one holds them,
		// patched.
		snap.Staff, snap.Members, snap.Base, snap.Patched = staff, 0, "", nil
		return snap, nil
	}
}

// writeContent writes the snapshot's content JSON (what the single-value
// layout's revision is a digest of, byte for byte) a member at a time,
// and returns how many members staff put.
func writeContent(w io.Writer, head *Snapshot, staff StaffWriter, nullStaff bool) (int, error) {
	var scratch bytes.Buffer
	enc := json.NewEncoder(&scratch)
	// value writes v as json.Marshal would, without the encoder's newline.
	value := func(v any) error {
		scratch.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := w.Write(scratch.Bytes()[:scratch.Len()-1])
		return err
	}
	text := func(s string) error { _, err := io.WriteString(w, s); return err }
	if err := text(`{"v":` + strconv.Itoa(SnapshotVersion) + `,"connector":`); err != nil {
		return 0, err
	}
	if err := value(ConnectorOrDefault(head.Connector)); err != nil {
		return 0, err
	}
	if err := text(`,"account":`); err != nil {
		return 0, err
	}
	if err := value(head.Account); err != nil {
		return 0, err
	}
	if err := text(`,"staff":`); err != nil {
		return 0, err
	}
	count := 0
	var last int64
	err := staff(func(u connector.Staff) error {
		if count > 0 && u.ID <= last {
			return fmt.Errorf("store: snapshot members out of order: %d after %d", u.ID, last)
		}
		sep := ","
		if count == 0 {
			sep = "["
		}
		if err := text(sep); err != nil {
			return err
		}
		count++
		last = u.ID
		return value(u)
	})
	if err != nil {
		return count, err
	}
	switch {
	case count > 0:
		err = text("]")
	case nullStaff:
		err = text("null")
	default:
		err = text("[]")
	}
	if err != nil {
		return count, err
	}
	if err := text(`,"groups":`); err != nil {
		return count, err
	}
	if err := value(head.Groups); err != nil {
		return count, err
	}
	if err := text(`,"memberships":`); err != nil {
		return count, err
	}
	if head.Memberships == nil {
		err = text("null")
	} else {
		err = text("[")
		for i, m := range head.Memberships {
			if err == nil && i > 0 {
				err = text(",")
			}
			if err == nil {
				err = value(m)
			}
		}
		if err == nil {
			err = text("]")
		}
	}
	if err != nil {
		return count, err
	}
	return count, text("}")
}

// readContent decodes the content JSON token by token: members one at a
// time to member, the rest into snap. It reports whether the members
// were null. It decodes with the proposed encoding/json/v2, which reads a
// member in half the time encoding/json takes: a large account's
// snapshot is most of what a replica decodes.
func readContent(r io.Reader, snap *Snapshot, member func(connector.Staff) error) (nullStaff bool, err error) {
	// As lenient as encoding/json, which wrote the content.
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	unreadable := func(err error) error { return fmt.Errorf("%w: %w", ErrUnreadable, err) }
	delim := func(want jsontext.Kind) error {
		tok, err := dec.ReadToken()
		if err != nil {
			return unreadable(err)
		}
		if tok.Kind() != want {
			return unreadable(fmt.Errorf("want %v, got %v", want, tok.Kind()))
		}
		return nil
	}
	decode := func(v any) error {
		if err := jsonv2.UnmarshalDecode(dec, v); err != nil {
			return unreadable(err)
		}
		return nil
	}
	if err := delim('{'); err != nil {
		return false, err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return false, unreadable(err)
		}
		switch key := tok.String(); key {
		case "v":
			var v int
			if err := decode(&v); err != nil {
				return false, err
			}
			if v != SnapshotVersion {
				return false, unreadable(fmt.Errorf("schema version %d in the content", v))
			}
		case "staff":
			switch dec.PeekKind() {
			case 'n':
				if _, err := dec.ReadToken(); err != nil {
					return false, unreadable(err)
				}
				nullStaff = true
				continue
			case '[':
			default:
				return false, unreadable(fmt.Errorf("members: want an array, got %v", dec.PeekKind()))
			}
			if err := delim('['); err != nil {
				return false, err
			}
			for dec.PeekKind() == '{' {
				var u connector.Staff
				if err := decode(&u); err != nil {
					return false, err
				}
				if err := member(u); err != nil {
					return false, err
				}
			}
			if err := delim(']'); err != nil {
				return false, err
			}
		case "groups":
			if err := decode(&snap.Groups); err != nil {
				return false, err
			}
		case "memberships":
			if err := decode(&snap.Memberships); err != nil {
				return false, err
			}
			// The decoder grows the list as it goes; a view keeps it as
			// long as the snapshot stands, so keep only what it holds.
			if len(snap.Memberships) < cap(snap.Memberships)*7/8 {
				snap.Memberships = slices.Clone(snap.Memberships)
			}
		default: // "connector" and "account", which the head has too
			if err := dec.SkipValue(); err != nil {
				return false, unreadable(err)
			}
		}
	}
	return nullStaff, delim('}')
}

// chunkWriter cuts what is written to it into sealed chunks of one
// generation, digesting it on the way.
type chunkWriter struct {
	ctx            context.Context
	b              SnapshotChunks
	c              *Codec
	connector, gen string
	digest         hash.Hash
	buf            []byte
	names          []string
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.digest.Write(p)
	n := 0
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, snapshotChunkSize)
		}
		k := min(snapshotChunkSize-len(w.buf), len(p))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == snapshotChunkSize {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	name := SnapshotChunkName(w.connector, w.gen, len(w.names))
	data := w.buf
	if w.c != nil {
		data = w.c.keys.Seal(w.buf, chunkAAD(name))
	}
	w.names = append(w.names, name)
	w.buf = w.buf[:0]
	return w.b.PutSnapshotChunk(w.ctx, name, data)
}

// drop removes the chunks of a save that will not be switched to.
func (w *chunkWriter) drop() {
	if len(w.names) > 0 {
		_ = w.b.DropSnapshotChunks(context.WithoutCancel(w.ctx), w.names)
	}
}

// chunkReader reads a generation's chunks in order as one stream.
type chunkReader struct {
	ctx   context.Context
	b     SnapshotChunks
	c     *Codec
	names []string
	next  int
	cur   []byte
	// err is the failure to fetch or open a chunk, which the JSON
	// decoder would otherwise report as malformed input.
	err error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.next == len(r.names) {
			return 0, io.EOF
		}
		name := r.names[r.next]
		data, err := r.b.SnapshotChunk(r.ctx, name)
		switch {
		case errors.Is(err, ErrNotFound):
			r.err = ErrSnapshotReplaced
		case err != nil:
			r.err = err
		default:
			r.cur, err = r.c.open(data, chunkAAD(name))
			if err != nil {
				r.err = fmt.Errorf("%w: chunk %d: %w", ErrUnreadable, r.next, err)
			}
		}
		r.next++
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
