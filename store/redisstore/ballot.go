package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// A record's ballot lives in the record's own hash, beside v, d and u, so
// a vote and the record's state change in one script on one slot. Every
// field a vote reads is plaintext: counts, sequence numbers, and voters'
// stored names (blind in a sealed store); only a vote's data is sealed,
// and no script opens it.
//
//	n         votes counted, those the data held before the ballot included
//	o         of them, votes not by an owner
//	f         the last vote folded into d
//	c         set once the ballot is closed: the closing vote, or 0 when a
//	          write closed it
//	w:<voter> the voter's vote; a voter is counted once, for good
//	p:<seq>   the data of vote seq until a write folds it into d
const (
	voterField    = "w:"
	voteDataField = "p:"
)

// voteScript: KEYS record; ARGV voter, data, needed, "1" for an owner,
// earlier votes, earlier votes not an owner's, updated-at. Returns a
// status (0 absent, 1 counted, 2 voted before, 3 closed) and the hash.
var voteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, {}}
end
local status = 1
if redis.call('HEXISTS', KEYS[1], 'c') == 1 then
  status = 3
elseif redis.call('HEXISTS', KEYS[1], 'w:' .. ARGV[1]) == 1 then
  status = 2
else
  local t = redis.call('HMGET', KEYS[1], 'n', 'o')
  local n, o = tonumber(t[1]), tonumber(t[2])
  if not n then
    n, o = tonumber(ARGV[5]), tonumber(ARGV[6])
    redis.call('HSET', KEYS[1], 'f', n)
  end
  n = n + 1
  if ARGV[4] ~= '1' then
    o = o + 1
  end
  redis.call('HSET', KEYS[1], 'n', n, 'o', o, 'w:' .. ARGV[1], n, 'p:' .. n, ARGV[2], 'u', ARGV[7])
  if n >= tonumber(ARGV[3]) and o >= 1 then
    redis.call('HSET', KEYS[1], 'c', n)
  end
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
return {status, redis.call('HGETALL', KEYS[1])}
`)

// CastVote implements store.Ballots with one script: the count, the
// closing and the record as the vote left it, in one round trip.
func (s *Store) CastVote(ctx context.Context, kind, id string, b store.Ballot) (store.Record, error) {
	if err := check.Ballot(kind, id, b); err != nil {
		return store.Record{}, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return store.Record{}, err
	}
	name := c.RecordName(kind, id)
	voter := c.VoterName(kind, id, b.Voter)
	w, done := s.writer()
	res, err := voteScript.Run(ctx, w, []string{s.recordKey(kind, name)},
		voter, c.SealVote(kind, name, voter, b.Data), b.Needed, flag(b.Owner), b.Earlier, b.EarlierOthers, stamp().UnixNano()).Slice()
	if err = done(ctx, err); err != nil {
		return store.Record{}, fmt.Errorf("redisstore: vote on record %s/%s: %w", kind, id, err)
	}
	status, fields, err := voteReply(res)
	if err != nil {
		return store.Record{}, fmt.Errorf("redisstore: vote on record %s/%s: %w", kind, id, err)
	}
	if status == 0 {
		return store.Record{}, store.ErrNotFound
	}
	rec, err := parseRecord(c, kind, name, fields)
	if err != nil {
		return store.Record{}, fmt.Errorf("redisstore: vote on %w", err)
	}
	switch status {
	case 2:
		return rec, store.ErrVoted
	case 3:
		return rec, store.ErrBallotClosed
	}
	return rec, nil
}

// voteReply reads voteScript's answer: the status and the hash's fields.
func voteReply(res []any) (int64, map[string]string, error) {
	if len(res) != 2 {
		return 0, nil, fmt.Errorf("an answer of %d parts", len(res))
	}
	status, ok := res[0].(int64)
	flat, ok2 := res[1].([]any)
	if !ok || !ok2 || len(flat)%2 != 0 {
		return 0, nil, errors.New("an answer of another shape")
	}
	fields := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, ok1 := flat[i].(string)
		v, ok2 := flat[i+1].(string)
		if !ok1 || !ok2 {
			return 0, nil, errors.New("a hash field that is not a string")
		}
		fields[k] = v
	}
	return status, fields, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// storedVote is one vote as the hash holds it.
type storedVote struct {
	seq   int64
	voter string // stored name
	data  []byte // nil once folded
}

// storedVotes lists the hash's votes in the order cast.
func storedVotes(fields map[string]string) ([]storedVote, error) {
	var votes []storedVote
	for f, v := range fields {
		voter, ok := strings.CutPrefix(f, voterField)
		if !ok {
			continue
		}
		seq, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("vote of %s: %w", voter, err)
		}
		sv := storedVote{seq: seq, voter: voter}
		if data, ok := fields[voteDataField+v]; ok {
			sv.data = []byte(data)
		}
		votes = append(votes, sv)
	}
	slices.SortFunc(votes, func(a, b storedVote) int { return cmp.Compare(a.seq, b.seq) })
	return votes, nil
}

// parseVotes returns the votes not yet folded into the record's data.
func parseVotes(c *store.Codec, kind, name string, fields map[string]string) ([]store.Vote, error) {
	if _, voted := fields["n"]; !voted {
		return nil, nil
	}
	all, err := storedVotes(fields)
	if err != nil {
		return nil, fmt.Errorf("record %s/%s: %w", kind, name, err)
	}
	closedBy := int64(-1)
	if cs, ok := fields["c"]; ok {
		if closedBy, err = strconv.ParseInt(cs, 10, 64); err != nil {
			return nil, fmt.Errorf("record %s/%s: closing vote: %w", kind, name, err)
		}
	}
	var votes []store.Vote
	for _, sv := range all {
		if sv.data == nil {
			continue
		}
		data, err := c.OpenVote(kind, name, sv.voter, sv.data)
		if err != nil {
			return nil, err
		}
		votes = append(votes, store.Vote{Seq: sv.seq, Data: data, Closed: sv.seq == closedBy})
	}
	return votes, nil
}
