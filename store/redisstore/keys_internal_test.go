package redisstore

import (
	"strings"
	"testing"
)

// hashTag is the part of key Redis Cluster hashes: the text inside the
// first {...} that is not empty, else the whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// Keys one script touches together must share a slot, whatever the record
// id contains (lock names and kinds are brace-free, see store.ErrInvalid);
// the cluster conformance run checks the same against a real server.
func TestScriptKeysShareHashTag(t *testing.T) {
	for _, prefix := range []string{"sw:", "{tenant}:", ""} {
		s := New(nil, Options{Prefix: prefix})
		for _, name := range []string{"job:sync", "job:sync:eu-1", "x"} {
			if a, b := s.lockKey(name), s.fenceKey(name); hashTag(a) != hashTag(b) {
				t.Errorf("prefix %q, lock %q: %s and %s hash differently", prefix, name, a, b)
			}
		}
		for _, id := range []string{"r1", "{other}", "a}b"} {
			if a, b := s.recordKey("review", id), s.recordIndexKey("review"); hashTag(a) != hashTag(b) {
				t.Errorf("prefix %q, id %q: %s and %s hash differently", prefix, id, a, b)
			}
		}
	}
}
