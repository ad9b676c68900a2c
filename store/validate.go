package store

import "errors"

// ErrInvalid: an argument no backend can accept. Besides empty names and
// non-positive TTLs or page limits, this covers two rules that keep backend
// keys unambiguous: record kinds and lock names are constants chosen in code
// ("review", "job:sync") and may not contain braces (Redis uses them as
// Cluster hash tags), and record kinds may not contain NUL (bbolt joins kind
// and id with one). Record ids and idempotency keys may be any non-empty
// string.
var ErrInvalid = errors.New("store: invalid argument")
