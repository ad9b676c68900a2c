// Package seal encrypts stored values with AES-256-GCM under a ring of
// named keys, and makes keyed, irreversible names for values whose own
// names hold personal data. It knows nothing of the store: the store
// decides what to seal and binds each value to where it is stored.
//
// A sealed value carries the id of the key that sealed it, so keys can
// rotate: a Keyring seals with its current key and opens values sealed
// under any key it holds.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strings"
)

// KeyLen is the length of an AES-256 key.
const KeyLen = 32

// Key is one named encryption key.
type Key struct {
	ID     string
	secret []byte
}

// NewKey names secret, which must be KeyLen bytes; an empty id is derived
// from the key itself, so the same key always has the same id.
func NewKey(id string, secret []byte) (Key, error) {
	if len(secret) != KeyLen {
		return Key{}, fmt.Errorf("must be base64 of %d bytes, got %d bytes; generate one with: openssl rand -base64 32", KeyLen, len(secret))
	}
	if id == "" {
		sum := sha256.Sum256(append([]byte("seatwarden key id\x00"), secret...))
		id = "k" + hex.EncodeToString(sum[:4])
	}
	if !validID.MatchString(id) {
		// The id is not quoted: text before a misplaced colon may be a key.
		return Key{}, errors.New(`the key id before ":" must be 1 to 32 letters, digits, dots, dashes or underscores; write id:base64 or the base64 alone`)
	}
	return Key{ID: id, secret: bytes.Clone(secret)}, nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// ParseKey reads "base64" or "id:base64". Standard and URL-safe base64,
// padded or not, are accepted, since key generators differ; neither
// alphabet has a colon, so the id is never ambiguous.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	id, b64, named := strings.Cut(s, ":")
	if !named {
		id, b64 = "", s
	} else if id == "" {
		return Key{}, errors.New(`the key id before ":" is empty; write id:base64 or the base64 alone`)
	}
	if b64 == "" {
		return Key{}, errors.New("the key is empty; generate one with: openssl rand -base64 32")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if secret, err := enc.DecodeString(b64); err == nil {
			return NewKey(id, secret)
		}
	}
	return Key{}, fmt.Errorf("is not base64; generate a key with: openssl rand -base64 32")
}

// ParseKeys reads a list of keys, one per line or comma separated, as
// SEATWARDEN_ENCRYPTION_KEYS and its key file hold them. Blank entries are
// skipped, and so are comments: a line whose first non-blank character is
// # (commas and all), or an entry starting with #; neither base64 nor an
// id holds a #. Errors number keys from 1, comments left out.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "#") {
			continue
		}
		for entry := range strings.SplitSeq(line, ",") {
			if entry = strings.TrimSpace(entry); entry == "" || strings.HasPrefix(entry, "#") {
				continue
			}
			k, err := ParseKey(entry)
			if err != nil {
				return nil, fmt.Errorf("key %d: %w", len(keys)+1, err)
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Keyring seals under its current key and opens under any of its keys.
type Keyring struct {
	current string
	ids     []string // current first
	aeads   map[string]cipher.AEAD
	secrets map[string][]byte // only to tell a repeated key from a clash
}

func (r *Keyring) sameSecret(k Key) bool { return hmac.Equal(r.secrets[k.ID], k.secret) }

// NewKeyring builds a ring from the current key and older ones still
// accepted for reading. Two keys with one id are refused: a sealed value
// must name exactly one key.
func NewKeyring(current Key, older ...Key) (*Keyring, error) {
	r := &Keyring{current: current.ID, aeads: make(map[string]cipher.AEAD), secrets: make(map[string][]byte)}
	for i, k := range append([]Key{current}, older...) {
		if _, dup := r.aeads[k.ID]; dup {
			if i > 0 && sameKey(current, k) {
				continue // the current key listed again among the older ones
			}
			if r.sameSecret(k) {
				return nil, fmt.Errorf("the key with id %q is listed twice; list each key once", k.ID)
			}
			return nil, fmt.Errorf("two keys have the id %q; give each key its own id (id:base64)", k.ID)
		}
		if !validID.MatchString(k.ID) {
			return nil, errors.New("a key id is invalid: make keys with NewKey or ParseKey")
		}
		if len(k.secret) != KeyLen {
			return nil, fmt.Errorf("key %q is not %d bytes", k.ID, KeyLen)
		}
		block, err := aes.NewCipher(k.secret)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.aeads[k.ID] = aead
		r.secrets[k.ID] = k.secret
		r.ids = append(r.ids, k.ID)
	}
	return r, nil
}

func sameKey(a, b Key) bool { return a.ID == b.ID && hmac.Equal(a.secret, b.secret) }

// CurrentID is the id of the key new values are sealed under.
func (r *Keyring) CurrentID() string { return r.current }

// IDs lists every key id the ring holds, the current one first.
func (r *Keyring) IDs() []string { return append([]string(nil), r.ids...) }

// Has reports whether the ring holds the key with id.
func (r *Keyring) Has(id string) bool { _, ok := r.aeads[id]; return ok }

// The sealed form: magic, key id length, key id, nonce, ciphertext and tag.
// The magic starts with a NUL byte, which neither JSON nor a snapshot's
// revision header ever does, so sealed and clear values cannot be confused.
const magic = "\x00sw1"

// Overhead is how many bytes sealing adds to a value, plus the key id.
const Overhead = len(magic) + 1 + 12 + 16

// Errors of Open, for errors.Is.
var (
	// ErrNotSealed: the value is not in the sealed form.
	ErrNotSealed = errors.New("seal: value is not sealed")
	// ErrTampered: the value does not authenticate under its key, or was
	// moved from where it was sealed.
	ErrTampered = errors.New("seal: value fails authentication (altered, or moved from where it was written)")
)

// UnknownKeyError: the value was sealed under a key the ring does not hold.
type UnknownKeyError struct{ ID string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("sealed under encryption key %q, which is not configured: add it to SEATWARDEN_ENCRYPTION_KEYS", e.ID)
}

// IsSealed reports whether b is in the sealed form.
func IsSealed(b []byte) bool { return len(b) >= len(magic) && string(b[:len(magic)]) == magic }

// KeyID returns the id of the key b was sealed under, without opening it.
func KeyID(b []byte) (string, error) {
	id, _, err := split(b)
	return id, err
}

func split(b []byte) (id string, rest []byte, err error) {
	if !IsSealed(b) {
		return "", nil, ErrNotSealed
	}
	b = b[len(magic):]
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", nil, ErrTampered
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], nil
}

// Seal encrypts plain under the current key. aad is not stored: it binds
// the value to its place, and Open must be given the same aad.
func (r *Keyring) Seal(plain, aad []byte) []byte {
	aead := r.aeads[r.current]
	out := make([]byte, 0, len(magic)+1+len(r.current)+aead.NonceSize()+len(plain)+aead.Overhead())
	out = append(out, magic...)
	out = append(out, byte(len(r.current)))
	out = append(out, r.current...)
	nonce := out[len(out) : len(out)+aead.NonceSize()]
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: the system's random source failed: " + err.Error())
	}
	out = out[:len(out)+len(nonce)]
	return aead.Seal(out, nonce, plain, aad)
}

// Open decrypts b, sealed under any key of the ring with the same aad.
func (r *Keyring) Open(b, aad []byte) ([]byte, error) {
	id, rest, err := split(b)
	if err != nil {
		return nil, err
	}
	aead, ok := r.aeads[id]
	if !ok {
		return nil, &UnknownKeyError{ID: id}
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrTampered
	}
	nonce, ct := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// Blinder makes keyed names: equal inputs give equal names, and without
// the key a name says nothing about its input, not even whether it is a
// guessed email. Its key must outlive every key rotation, since stored
// names are never recomputed; the store keeps it sealed beside the data.
type Blinder struct{ key []byte }

// NewBlinder returns a Blinder keyed with key (KeyLen random bytes).
func NewBlinder(key []byte) *Blinder { return &Blinder{key: bytes.Clone(key)} }

// NewBlinderKey returns a fresh random key for NewBlinder.
func NewBlinderKey() []byte {
	k := make([]byte, KeyLen)
	if _, err := rand.Read(k); err != nil {
		panic("seal: the system's random source failed: " + err.Error())
	}
	return k
}

// Name is the blind name of parts taken together: 22 URL-safe characters
// (128 bits of HMAC-SHA256). Each part is length-prefixed, so ("ab", "c")
// and ("a", "bc") differ.
func (b *Blinder) Name(parts ...string) string {
	m := hmac.New(sha256.New, b.key)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Digest is a keyed digest of b: equal contents give equal digests, which
// say nothing about the contents without the key.
func (b *Blinder) Digest(content []byte) []byte {
	m := b.NewDigest()
	m.Write(content)
	return m.Sum(nil)
}

// NewDigest is Digest written piece by piece, for contents too large to
// hold whole: its Sum equals Digest of everything written.
func (b *Blinder) NewDigest() hash.Hash {
	m := hmac.New(sha256.New, b.key)
	m.Write([]byte("digest\x00"))
	return m
}
