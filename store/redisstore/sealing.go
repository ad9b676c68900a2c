package redisstore

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store"
)

var _ store.Sealing = (*Store)(nil)

func (s *Store) markerKey() string { return s.prefix + "sealing" }

// LoadMarker implements store.Sealing.
func (s *Store) LoadMarker(ctx context.Context) ([]byte, error) {
	raw, err := s.client.Get(ctx, s.markerKey()).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: load sealing marker: %w", err)
	}
	return raw, nil
}

// swapMarkerScript: KEYS marker; ARGV expected ("" for none), new value.
var swapMarkerScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// SwapMarker implements store.Sealing.
func (s *Store) SwapMarker(ctx context.Context, old, new []byte) error {
	ok, err := swapMarkerScript.Run(ctx, s.client, []string{s.markerKey()}, old, new).Int64()
	if err != nil {
		return fmt.Errorf("redisstore: swap sealing marker: %w", err)
	}
	if ok != 1 {
		return store.ErrConflict
	}
	return nil
}

// HasData implements store.Sealing.
func (s *Store) HasData(ctx context.Context) (bool, error) {
	n, err := s.client.Exists(ctx, s.auditKey()).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: %w", err)
	}
	if n > 0 {
		return true, nil
	}
	for _, pattern := range []string{"snapshot*", "recidx:*"} {
		keys, err := s.scanKeys(ctx, pattern, 1)
		if err != nil || len(keys) > 0 {
			return len(keys) > 0, err
		}
	}
	return false, nil
}

// scanKeys returns up to limit (0: all) keys under the prefix matching
// pattern, which follows the prefix, from every primary of a Cluster.
func (s *Store) scanKeys(ctx context.Context, pattern string, limit int) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, node redis.Cmdable) error {
		iter := node.Scan(ctx, 0, globEscape(s.prefix)+pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			full := limit > 0 && len(keys) >= limit
			mu.Unlock()
			if full {
				break
			}
		}
		return iter.Err()
	}
	var err error
	if cluster, ok := s.client.(*redis.ClusterClient); ok {
		err = cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return scan(ctx, node) })
	} else {
		err = scan(ctx, s.client)
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: scan %s: %w", pattern, err)
	}
	return keys, nil
}

// globEscape quotes the characters SCAN's MATCH treats as patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// The replace scripts compare the value's SHA-1 rather than the value, so
// a megabyte snapshot is not sent back to Redis to be compared.

// replaceStringScript: KEYS key; ARGV sha1 of expected, new value.
var replaceStringScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or redis.sha1hex(cur) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`)

// replaceAuditScript: KEYS audit; ARGV index, sha1 of expected, new value.
var replaceAuditScript = redis.NewScript(`
local cur = redis.call('LINDEX', KEYS[1], ARGV[1])
if not cur or redis.sha1hex(cur) ~= ARGV[2] then
  return 0
end
redis.call('LSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

// rewriteRecordScript: KEYS record, new record, index; ARGV name, new
// name, expected version, sha1 of expected data, then the fields and
// values of the record's hash as rewritten (version and update time
// kept). A record another run moved already is only removed.
var rewriteRecordScript = redis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'v', 'd')
if not cur[1] or cur[1] ~= ARGV[3] or redis.sha1hex(cur[2] or '') ~= ARGV[4] then
  return 0
end
if ARGV[1] ~= ARGV[2] and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 1
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
if ARGV[1] ~= ARGV[2] then
  redis.call('ZADD', KEYS[3], 0, ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
`)

// resealPage bounds the values one Reseal round trip reads.
const resealPage = 1000

// Reseal implements store.Sealing: snapshots, then the audit trail, then
// each kind's records, then idempotency keys, a page at a time.
func (s *Store) Reseal(ctx context.Context, fn store.ResealFunc) (store.ResealCounts, error) {
	var counts store.ResealCounts
	count := func(ok int64, err error) error {
		if err != nil {
			return err
		}
		if ok == 1 {
			counts.Replaced++
		} else {
			counts.Raced++
		}
		return nil
	}
	steps := []func() error{
		func() error { return s.resealSnapshots(ctx, fn, &counts, count) },
		func() error { return s.resealSnapshotChunks(ctx, fn, &counts, count) },
		func() error { return s.resealAudit(ctx, fn, &counts, count) },
		func() error { return s.resealRecords(ctx, fn, &counts, count) },
		func() error { return s.resealClaims(ctx, fn, &counts, count) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return counts, fmt.Errorf("redisstore: reseal: %w", err)
		}
	}
	return counts, nil
}

type countFunc func(ok int64, err error) error

func (s *Store) resealSnapshots(ctx context.Context, fn store.ResealFunc, counts *store.ResealCounts, count countFunc) error {
	keys, err := s.scanKeys(ctx, "snapshot*", 0)
	if err != nil {
		return err
	}
	for _, key := range keys {
		raw, err := s.client.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return err
		}
		counts.Visited++
		r, err := fn(store.StoredValue{Part: store.PartSnapshot, Data: raw})
		if err != nil || r == nil {
			return err
		}
		if err := count(replaceStringScript.Run(ctx, s.client, []string{key}, sha1Hex(raw), r.Data).Int64()); err != nil {
			return err
		}
	}
	return nil
}

// resealSnapshotChunks reseals every snapshot chunk, one at a time: each
// is up to half a megabyte.
func (s *Store) resealSnapshotChunks(ctx context.Context, fn store.ResealFunc, counts *store.ResealCounts, count countFunc) error {
	keys, err := s.scanKeys(ctx, "snapchunk:*", 0)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := s.client.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return err
		}
		counts.Visited++
		r, err := fn(store.StoredValue{Part: store.PartSnapshotChunk, Name: strings.TrimPrefix(key, s.prefix+"snapchunk:"), Data: raw})
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		if err := count(replaceStringScript.Run(ctx, s.client, []string{key}, sha1Hex(raw), r.Data).Int64()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) resealAudit(ctx context.Context, fn store.ResealFunc, counts *store.ResealCounts, count countFunc) error {
	for start := int64(0); ; start += resealPage {
		if err := ctx.Err(); err != nil {
			return err
		}
		raws, err := s.client.LRange(ctx, s.auditKey(), start, start+resealPage-1).Result()
		if err != nil {
			return err
		}
		var calls []scriptCall
		for i, raw := range raws {
			counts.Visited++
			r, err := fn(store.StoredValue{Part: store.PartAudit, Data: []byte(raw)})
			if err != nil {
				return err
			}
			if r != nil {
				index := strconv.FormatInt(start+int64(i), 10)
				calls = append(calls, scriptCall{[]string{s.auditKey()}, []any{index, sha1Hex([]byte(raw)), r.Data}})
			}
		}
		if err := s.runScripted(ctx, replaceAuditScript, calls, count); err != nil {
			return err
		}
		if len(raws) < resealPage {
			return nil
		}
	}
}

// scriptCall is one run of a script: its keys and arguments.
type scriptCall struct {
	keys []string
	args []any
}

// runScripted runs script once per call in one pipeline, and counts each
// result. A pipeline cannot fall back from EVALSHA to EVAL as Script.Run
// does, so calls that met an empty script cache run again one by one.
func (s *Store) runScripted(ctx context.Context, script *redis.Script, calls []scriptCall, count countFunc) error {
	if len(calls) == 0 {
		return nil
	}
	cmds := make([]*redis.Cmd, len(calls))
	_, perr := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = p.EvalSha(ctx, script.Hash(), c.keys, c.args...)
		}
		return nil
	})
	for i, cmd := range cmds {
		n, err := cmd.Int64()
		if isNoScript(err) {
			n, err = script.Run(ctx, s.client, calls[i].keys, calls[i].args...).Int64()
		}
		if err := count(n, err); err != nil {
			return err
		}
	}
	if perr != nil && !isNoScript(perr) {
		return perr
	}
	return nil
}

// resealRecords walks each kind's index by name, resuming after the last
// name seen, so records moving to new names neither stop the walk nor
// shift it.
func (s *Store) resealRecords(ctx context.Context, fn store.ResealFunc, counts *store.ResealCounts, count countFunc) error {
	indexes, err := s.scanKeys(ctx, "recidx:*", 0)
	if err != nil {
		return err
	}
	for _, index := range indexes {
		tagged, hasPrefix := strings.CutPrefix(index, s.prefix+"recidx:{")
		kind, hasSuffix := strings.CutSuffix(tagged, "}")
		if !hasPrefix || !hasSuffix {
			continue
		}
		from := "-"
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			names, err := s.client.ZRangeByLex(ctx, index, &redis.ZRangeBy{Min: from, Max: "+", Count: resealPage}).Result()
			if err != nil {
				return err
			}
			if len(names) == 0 {
				break
			}
			from = "(" + names[len(names)-1]
			cmds := make([]*redis.MapStringStringCmd, len(names))
			if _, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, name := range names {
					cmds[i] = p.HGetAll(ctx, s.recordKey(kind, name))
				}
				return nil
			}); err != nil {
				return err
			}
			var calls []scriptCall
			for i, name := range names {
				fields := cmds[i].Val()
				if len(fields) == 0 {
					continue // deleted since the index was read
				}
				votes, err := storedVotes(fields)
				if err != nil {
					return fmt.Errorf("record %s/%s: %w", kind, name, err)
				}
				value := store.StoredValue{Part: store.PartRecord, Kind: kind, Name: name, Data: []byte(fields["d"])}
				for _, v := range votes {
					value.Votes = append(value.Votes, store.StoredVote{Voter: v.voter, Data: v.data})
				}
				counts.Visited++
				r, err := fn(value)
				if err != nil {
					return err
				}
				if r == nil {
					continue
				}
				to := cmp.Or(r.Name, name)
				args := []any{name, to, fields["v"], sha1Hex(value.Data)}
				args = append(args, rewrittenFields(fields, votes, r)...)
				calls = append(calls, scriptCall{[]string{s.recordKey(kind, name), s.recordKey(kind, to), index}, args})
			}
			if err := s.runScripted(ctx, rewriteRecordScript, calls, count); err != nil {
				return err
			}
			if len(names) < resealPage {
				break
			}
		}
	}
	return nil
}

// rewrittenFields are a record hash's fields and values with r applied:
// its data, and its votes' voters and data when r replaces them.
func rewrittenFields(fields map[string]string, votes []storedVote, r *store.Replacement) []any {
	out := make([]any, 0, 2*len(fields))
	for f, v := range fields {
		if f == "d" || strings.HasPrefix(f, voterField) || strings.HasPrefix(f, voteDataField) {
			continue
		}
		out = append(out, f, v)
	}
	out = append(out, "d", fields["d"])
	if r.Data != nil {
		out[len(out)-1] = r.Data
	}
	for i, v := range votes {
		voter, data := v.voter, v.data
		if r.Votes != nil {
			voter, data = r.Votes[i].Voter, r.Votes[i].Data
		}
		seq := strconv.FormatInt(v.seq, 10)
		out = append(out, voterField+voter, seq)
		if data != nil {
			out = append(out, voteDataField+seq, data)
		}
	}
	return out
}

// resealClaims moves idempotency keys to their new names with the time
// they have left. The two keys may sit on different Cluster slots, so
// this is not one script; it only runs while a clear store is sealed,
// with every replica stopped.
func (s *Store) resealClaims(ctx context.Context, fn store.ResealFunc, counts *store.ResealCounts, count countFunc) error {
	keys, err := s.scanKeys(ctx, "idem:*", 0)
	if err != nil {
		return err
	}
	for _, key := range keys {
		counts.Visited++
		r, err := fn(store.StoredValue{Part: store.PartClaim, Name: strings.TrimPrefix(key, s.idemKey(""))})
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		ttl, err := s.client.PTTL(ctx, key).Result()
		if err != nil {
			return err
		}
		if ttl <= 0 { // expired meanwhile, or never expiring (not ours)
			if err := count(0, nil); err != nil {
				return err
			}
			continue
		}
		if err := s.client.SetNX(ctx, s.idemKey(r.Name), 1, ttl).Err(); err != nil {
			return err
		}
		if err := count(s.client.Del(ctx, key).Result()); err != nil {
			return err
		}
	}
	return nil
}
