package boltstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// ballot is a record's ballot as the file keeps it, in the clear between
// the record's header and its data; only a vote's data is sealed. The
// fields are those of the Redis store's hash.
type ballot struct {
	// Counted: the first vote started the count (N, O and F hold).
	Counted bool  `json:"counted,omitempty"`
	N       int64 `json:"n,omitempty"` // votes, those the data held before the ballot included
	O       int64 `json:"o,omitempty"` // of them, votes not by an owner
	F       int64 `json:"f,omitempty"` // the last vote folded into the data
	Closed  bool  `json:"closed,omitempty"`
	// ClosedBy is the vote that closed the ballot; 0 when a write did.
	ClosedBy int64 `json:"closed_by,omitempty"`
	// Voters holds each voter's vote, by stored name, for good.
	Voters map[string]int64 `json:"voters,omitempty"`
	// Data holds the votes' data until a write folds it into the record's.
	Data map[int64][]byte `json:"data,omitempty"`
}

// votes are the votes not yet folded, in the order cast.
func (b *ballot) votes(c *store.Codec, kind, name string) ([]store.Vote, error) {
	if b == nil || len(b.Data) == 0 {
		return nil, nil
	}
	voters := make(map[int64]string, len(b.Voters))
	for voter, seq := range b.Voters {
		voters[seq] = voter
	}
	out := make([]store.Vote, 0, len(b.Data))
	for seq, stored := range b.Data {
		data, err := c.OpenVote(kind, name, voters[seq], stored)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Vote{Seq: seq, Data: data, Closed: b.Closed && b.ClosedBy == seq})
	}
	slices.SortFunc(out, func(a, b store.Vote) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// stored lists the votes as stored, in the order cast, for Reseal.
func (b *ballot) stored() []store.StoredVote {
	if b == nil {
		return nil
	}
	type vote struct {
		seq   int64
		voter string
	}
	all := make([]vote, 0, len(b.Voters))
	for voter, seq := range b.Voters {
		all = append(all, vote{seq, voter})
	}
	slices.SortFunc(all, func(a, b vote) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]store.StoredVote, len(all))
	for i, v := range all {
		out[i] = store.StoredVote{Voter: v.voter, Data: b.Data[v.seq]}
	}
	return out
}

// replaceVotes renames the votes and replaces their data one for one, in
// the order stored lists them.
func (b *ballot) replaceVotes(votes []store.StoredVote) {
	old := b.stored()
	voters, data := make(map[string]int64, len(old)), map[int64][]byte{}
	for i, v := range old {
		seq := b.Voters[v.Voter]
		voters[votes[i].Voter] = seq
		if votes[i].Data != nil {
			data[seq] = votes[i].Data
		}
	}
	b.Voters, b.Data = voters, data
}

// refuse says why voter's vote is not counted, or nil; b may be nil.
func (b *ballot) refuse(voter string) error {
	switch {
	case b == nil:
		return nil
	case b.Closed:
		return store.ErrBallotClosed
	case b.Voters[voter] != 0:
		return store.ErrVoted
	}
	return nil
}

// count counts voter's vote, its data as stored, by b's rule, and
// closes the ballot when it completes the quorum; b may be nil.
func (bl *ballot) count(voter string, data []byte, b store.Ballot) *ballot {
	if bl == nil {
		bl = &ballot{}
	}
	if !bl.Counted {
		bl.Counted, bl.N, bl.O, bl.F = true, int64(b.Earlier), int64(b.EarlierOthers), int64(b.Earlier)
	}
	bl.N++
	if !b.Owner {
		bl.O++
	}
	if bl.Voters == nil {
		bl.Voters = map[string]int64{}
	}
	if bl.Data == nil {
		bl.Data = map[int64][]byte{}
	}
	bl.Voters[voter], bl.Data[bl.N] = bl.N, data
	if bl.N >= int64(b.Needed) && bl.O >= 1 {
		bl.Closed, bl.ClosedBy = true, bl.N
	}
	return bl
}

// fold drops the votes' data, which the write folding them carries.
func (b *ballot) fold() {
	if b != nil {
		b.Data, b.F = nil, b.N
	}
}

// close closes the ballot, unless a vote did; b may be nil.
func (b *ballot) close() *ballot {
	if b == nil {
		b = &ballot{}
	}
	b.Closed = true
	return b
}

// storedRecord is a record's value in its parts.
type storedRecord struct {
	version, updatedAt int64
	ballot             *ballot // nil until voted on or closed
	data               []byte  // as stored: sealed in a sealed store
}

var errUnknownFormat = errors.New("unknown stored format")

func parseStored(raw []byte) (storedRecord, error) {
	if len(raw) < recordHeaderLen || (raw[0] != recordFormat && raw[0] != ballotFormat) {
		return storedRecord{}, errUnknownFormat
	}
	sr := storedRecord{
		version:   int64(binary.BigEndian.Uint64(raw[1:9])),
		updatedAt: int64(binary.BigEndian.Uint64(raw[9:17])),
		data:      raw[recordHeaderLen:],
	}
	if raw[0] == ballotFormat {
		n, w := binary.Uvarint(sr.data)
		if w <= 0 || uint64(len(sr.data)-w) < n {
			return storedRecord{}, errUnknownFormat
		}
		sr.ballot = &ballot{}
		if err := json.Unmarshal(sr.data[w:w+int(n)], sr.ballot); err != nil {
			return storedRecord{}, fmt.Errorf("ballot: %w", err)
		}
		sr.data = sr.data[w+int(n):]
	}
	return sr, nil
}

func (sr storedRecord) bytes() ([]byte, error) {
	if sr.ballot == nil {
		return recordBytes(sr.version, sr.updatedAt, sr.data), nil
	}
	b, err := json.Marshal(sr.ballot)
	if err != nil {
		return nil, err
	}
	head := binary.AppendUvarint(nil, uint64(len(b)))
	out := recordBytes(sr.version, sr.updatedAt, slices.Concat(head, b, sr.data))
	out[0] = ballotFormat
	return out, nil
}

// CastVote implements store.Ballots in one transaction, which bbolt runs
// alone.
func (s *Store) CastVote(ctx context.Context, kind, id string, b store.Ballot) (store.Record, error) {
	if err := check.Ballot(kind, id, b); err != nil {
		return store.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Record{}, err
	}
	name := s.codec.RecordName(kind, id)
	voter := s.codec.VoterName(kind, id, b.Voter)
	var (
		rec     store.Record
		refused error
	)
	err := s.update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(bucketRecords)
		key := recordKey(kind, name)
		raw := bucket.Get(key)
		if raw == nil {
			return store.ErrNotFound
		}
		sr, err := parseStored(raw)
		if err != nil {
			return fmt.Errorf("record %s/%s: %w", kind, id, err)
		}
		if refused = sr.ballot.refuse(voter); refused != nil {
			// Returned, the refusal rolls the transaction back: bbolt
			// syncs every commit, an empty one too.
			rec, err = s.openStored(kind, name, sr)
			return cmp.Or(err, refused)
		}
		sr.ballot = sr.ballot.count(voter, s.codec.SealVote(kind, name, voter, b.Data), b)
		sr.version, sr.updatedAt = sr.version+1, s.stamp().UnixNano()
		value, err := sr.bytes()
		if err != nil {
			return err
		}
		if err := bucket.Put(key, value); err != nil {
			return err
		}
		rec, err = s.openStored(kind, name, sr)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Record{}, err
	case refused != nil && err == refused:
		return rec, err
	case err != nil:
		return store.Record{}, fmt.Errorf("boltstore: vote on record %s/%s: %w", kind, id, err)
	}
	return rec, nil
}
