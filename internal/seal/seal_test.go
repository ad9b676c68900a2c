package seal_test

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
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/internal/seal"
)

// magic is the sealed form's prefix, restated here so that a change to the
// wire format, which would strand every stored value, fails a test.
const magic = "\x00sw1"

// The golden value was sealed once by Keyring.Seal under goldenSecret with
// the id "golden". Every release must still open it.
const (
	goldenSealedHex = "0073773106676f6c64656e294ee12a79002fcf76d48663f56597b7348745c8ce7202ee255035c8960f365b0d9d62b462"
	goldenAAD       = "tickets/42"
	goldenPlain     = `{"id":42}`
	// goldenDerivedID is the id derived for goldenSecret when it is given
	// without one. Values sealed under an unnamed key carry it, so it must
	// never change either.
	goldenDerivedID = "k390c179d"
)

// goldenSecret is the bytes 0, 1, …, 31.
func goldenSecret() []byte {
	s := make([]byte, seal.KeyLen)
	for i := range s {
		s[i] = byte(i)
	}
	return s
}

func goldenSealed(tb testing.TB) []byte {
	tb.Helper()
	b, err := hex.DecodeString(goldenSealedHex)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// testSecret returns n deterministic, random-looking bytes that differ per
// seed. The first three bytes are 0xfb 0xff 0xff, so the standard and the
// URL-safe base64 of every test secret differ ("+///" against "-___").
func testSecret(seed string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha256.Sum256([]byte(seed + "/" + string(rune('0'+i))))
		out = append(out, sum[:]...)
	}
	out = out[:n]
	if n >= 3 {
		out[0], out[1], out[2] = 0xfb, 0xff, 0xff
	}
	return out
}

var (
	secretA   = testSecret("a", seal.KeyLen)
	secretB   = testSecret("b", seal.KeyLen)
	secretC   = testSecret("c", seal.KeyLen)
	b64A      = base64.StdEncoding.EncodeToString(secretA)
	b64B      = base64.StdEncoding.EncodeToString(secretB)
	b64Short  = base64.StdEncoding.EncodeToString(testSecret("short", 16))
	b64Long   = base64.StdEncoding.EncodeToString(testSecret("long", 33))
	id33Chars = strings.Repeat("x", 33)
)

func mustKey(tb testing.TB, id string, secret []byte) seal.Key {
	tb.Helper()
	k, err := seal.NewKey(id, secret)
	if err != nil {
		tb.Fatalf("NewKey(%q): %v", id, err)
	}
	return k
}

func mustRing(tb testing.TB, current seal.Key, older ...seal.Key) *seal.Keyring {
	tb.Helper()
	r, err := seal.NewKeyring(current, older...)
	if err != nil {
		tb.Fatalf("NewKeyring: %v", err)
	}
	return r
}

// assertSameSecret checks that got holds secret: a value sealed under got
// opens under a key of the same id made directly from secret.
func assertSameSecret(t *testing.T, got seal.Key, secret []byte) {
	t.Helper()
	sealed := mustRing(t, got).Seal([]byte("probe"), nil)
	if _, err := mustRing(t, mustKey(t, got.ID, secret)).Open(sealed, nil); err != nil {
		t.Errorf("key %q does not hold the expected secret: %v", got.ID, err)
	}
}

// assertNoSecrets checks that an error message quotes none of the texts,
// which may be key material.
func assertNoSecrets(t *testing.T, err error, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q, which may be key material", err, s)
		}
	}
}

func assertContainsAll(t *testing.T, err error, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

var derivedID = regexp.MustCompile(`^k[0-9a-f]{8}$`)

func TestParseKey(t *testing.T) {
	if !strings.ContainsAny(b64A, "+/") {
		t.Fatalf("test secret's base64 %q has neither + nor /; the URL-safe cases would test nothing", b64A)
	}
	encodings := []struct {
		name string
		enc  *base64.Encoding
	}{
		{"standard padded", base64.StdEncoding},
		{"standard unpadded", base64.RawStdEncoding},
		{"url-safe padded", base64.URLEncoding},
		{"url-safe unpadded", base64.RawURLEncoding},
	}
	for _, e := range encodings {
		text := e.enc.EncodeToString(secretA)
		t.Run(e.name, func(t *testing.T) {
			unnamed, err := seal.ParseKey(text)
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", text, err)
			}
			if !derivedID.MatchString(unnamed.ID) {
				t.Errorf("ParseKey(%q).ID = %q, want a derived id like k0123abcd", text, unnamed.ID)
			}
			assertSameSecret(t, unnamed, secretA)

			named, err := seal.ParseKey("k1:" + text)
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", "k1:"+text, err)
			}
			if named.ID != "k1" {
				t.Errorf("ParseKey(k1:…).ID = %q, want k1", named.ID)
			}
			assertSameSecret(t, named, secretA)
		})
	}

	ok := []struct {
		name, in, wantID string
	}{
		{"surrounding blanks trimmed", " \tk1:" + b64A + " \r\n", "k1"},
		{"id of dots, dashes, underscores, digits", "Ops.key-2_b:" + b64A, "Ops.key-2_b"},
		{"id of 32 characters", strings.Repeat("y", 32) + ":" + b64A, strings.Repeat("y", 32)},
		{"id of one character", "7:" + b64A, "7"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			k, err := seal.ParseKey(tt.in)
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", tt.in, err)
			}
			if k.ID != tt.wantID {
				t.Errorf("ID = %q, want %q", k.ID, tt.wantID)
			}
			assertSameSecret(t, k, secretA)
		})
	}
}

func TestParseKeyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// want are texts the message must hold.
		want []string
		// secret are texts the message must not hold: key material, and
		// an invalid id, which may be key material pasted before a colon.
		secret []string
	}{
		{"16 bytes", b64Short, []string{"32 bytes", "got 16 bytes", "openssl rand -base64 32"}, []string{b64Short}},
		{"33 bytes, named", "k1:" + b64Long, []string{"32 bytes", "got 33 bytes", "openssl rand -base64 32"}, []string{b64Long}},
		{"not base64", "k1:" + b64A[:20] + "!!" + b64A[22:], []string{"not base64", "openssl rand -base64 32"}, []string{b64A[:20], b64A[22:]}},
		{"mixed alphabets", "k1:+_" + b64A[2:], []string{"not base64"}, []string{b64A[2:]}},
		{"blank inside", "k1:" + b64A[:22] + " " + b64A[22:], []string{"not base64"}, []string{b64A[:22], b64A[22:]}},
		{"second colon", "k1:k2:" + b64A, []string{"not base64"}, []string{b64A}},
		{"empty id", ":" + b64A, []string{"id", "empty"}, []string{b64A}},
		{"empty id, lone colon", ":", []string{"id", "empty"}, nil},
		{"empty key", "k1:", []string{"empty", "openssl rand -base64 32"}, nil},
		{"empty key, blanks after colon", "k1:  ", []string{"empty", "openssl rand -base64 32"}, nil},
		{"empty input", "", []string{"empty", "openssl rand -base64 32"}, nil},
		{"blank input", " \n", []string{"empty", "openssl rand -base64 32"}, nil},
		{"id with a space", "my key:" + b64A, []string{"1 to 32"}, []string{"my key", b64A}},
		{"id with a slash", "ops/k1:" + b64A, []string{"1 to 32"}, []string{"ops/k1", b64A}},
		{"id of 33 characters", id33Chars + ":" + b64A, []string{"1 to 32"}, []string{id33Chars, b64A}},
		{"id that is key material", b64B[:43] + ":" + b64A, []string{"1 to 32"}, []string{b64B[:43], b64B[:20], b64A}},
		{"id not ascii", "clé:" + b64A, []string{"1 to 32"}, []string{"clé", b64A}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := seal.ParseKey(tt.in)
			if err == nil {
				t.Fatalf("ParseKey(%q) = key %q, want an error", tt.in, k.ID)
			}
			assertContainsAll(t, err, tt.want...)
			assertNoSecrets(t, err, tt.secret...)
		})
	}
}

func TestParseKeyDerivedID(t *testing.T) {
	a1, err := seal.ParseKey(b64A)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := seal.ParseKey(base64.RawURLEncoding.EncodeToString(secretA))
	if err != nil {
		t.Fatal(err)
	}
	b, err := seal.ParseKey(b64B)
	if err != nil {
		t.Fatal(err)
	}
	if a1.ID != a2.ID {
		t.Errorf("the same key in two encodings has ids %q and %q, want one", a1.ID, a2.ID)
	}
	if direct := mustKey(t, "", secretA); direct.ID != a1.ID {
		t.Errorf("NewKey(\"\", secret).ID = %q, ParseKey gives %q; want the same", direct.ID, a1.ID)
	}
	if a1.ID == b.ID {
		t.Errorf("two different keys both have the derived id %q", a1.ID)
	}
	if k := mustKey(t, "", goldenSecret()); k.ID != goldenDerivedID {
		t.Errorf("derived id of the golden key = %q, want %q (values sealed under unnamed keys carry it)", k.ID, goldenDerivedID)
	}
	if named := mustKey(t, "k1", secretA); named.ID == a1.ID {
		t.Errorf("a named key took the derived id %q", named.ID)
	}
}

func TestNewKey(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		secret  []byte
		wantErr []string
	}{
		{"named", "k1", secretA, nil},
		{"nil secret", "k1", nil, []string{"32 bytes", "got 0 bytes"}},
		{"31 bytes", "k1", secretA[:31], []string{"32 bytes", "got 31 bytes"}},
		{"invalid id", "a b", secretA, []string{"1 to 32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := seal.NewKey(tt.id, tt.secret)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("NewKey: %v", err)
				}
				if k.ID != tt.id {
					t.Errorf("ID = %q, want %q", k.ID, tt.id)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewKey(%q, %d bytes) succeeded, want an error", tt.id, len(tt.secret))
			}
			assertContainsAll(t, err, tt.wantErr...)
			assertNoSecrets(t, err, tt.id)
		})
	}

	// The key keeps its own copy of the secret.
	secret := bytes.Clone(secretA)
	k := mustKey(t, "k1", secret)
	secret[0] ^= 0xff
	assertSameSecret(t, k, secretA)
}

func TestParseKeys(t *testing.T) {
	a, b := "k1:"+b64A, "k2:"+b64B
	unnamedA := mustKey(t, "", secretA).ID
	tests := []struct {
		name string
		in   string
		want []string // ids
	}{
		{"empty", "", nil},
		{"only blanks and comments", "\n  \n# nothing yet\n , ,\n", nil},
		{"one key", a, []string{"k1"}},
		{"comma separated", a + "," + b, []string{"k1", "k2"}},
		{"comma and blanks", " " + a + " ,\t" + b + " ", []string{"k1", "k2"}},
		{"one per line", a + "\n" + b + "\n", []string{"k1", "k2"}},
		{"CRLF lines", a + "\r\n" + b + "\r\n", []string{"k1", "k2"}},
		{"blank entries and lines", ",," + a + ",\n\n , \n" + b + ",", []string{"k1", "k2"}},
		{"comment line with commas", "# retired 2024, kept for reading, see ops\n" + a, []string{"k1"}},
		{"indented comment line", "   # old, keys\n" + a + "\n\t#, another\n" + b, []string{"k1", "k2"}},
		{"comment entry", a + ", # the old one\n" + b, []string{"k1", "k2"}},
		{"comment entry between keys", a + ", #note ," + b, []string{"k1", "k2"}},
		{"unnamed key", b64A, []string{unnamedA}},
		{"mixed", "# keys\n" + b64A + "\n" + b, []string{unnamedA, "k2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := seal.ParseKeys(tt.in)
			if err != nil {
				t.Fatalf("ParseKeys: %v", err)
			}
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}

	// The keys hold their own secrets, in order.
	keys, err := seal.ParseKeys(a + "\n" + b)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, keys[0], secretA)
	assertSameSecret(t, keys[1], secretB)
}

func TestParseKeysErrors(t *testing.T) {
	a, b := "k1:"+b64A, "k2:"+b64B
	tests := []struct {
		name   string
		in     string
		prefix string // keys are numbered from 1, counting only keys
		want   []string
		secret []string
	}{
		{"first key bad", "k1:" + b64Short, "key 1: ", []string{"got 16 bytes", "openssl rand -base64 32"}, []string{b64Short}},
		{"second of a comma list", a + ",k2:" + b64Short, "key 2: ", []string{"got 16 bytes"}, []string{b64A, b64Short}},
		{
			"comments and blank lines not counted",
			"# first, the current one\n\n" + a + "\n\n# then, older ones\n  # indented, too\n" + b + "\nk3:" + b64Short,
			"key 3: ",
			[]string{"got 16 bytes"},
			[]string{b64A, b64B, b64Short},
		},
		{"comment entries and blanks not counted", a + ", #x, , ,\n, ,my key:" + b64B, "key 2: ", []string{"1 to 32"}, []string{"my key", b64A, b64B}},
		{"empty id", a + "\n:" + b64B, "key 2: ", []string{"empty"}, []string{b64A, b64B}},
		{"empty key", "k1:", "key 1: ", []string{"empty"}, nil},
		{"not base64", b + "\nk9:" + b64A[:30] + "*", "key 2: ", []string{"not base64"}, []string{b64B, b64A[:30]}},
		{"inline comment is not a comment", a + " # old", "key 1: ", []string{"not base64"}, []string{b64A}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := seal.ParseKeys(tt.in)
			if err == nil {
				t.Fatalf("ParseKeys gave %d keys, want an error", len(keys))
			}
			if !strings.HasPrefix(err.Error(), tt.prefix) {
				t.Errorf("error %q does not start with %q", err, tt.prefix)
			}
			if keys != nil {
				t.Errorf("ParseKeys returned %d keys with its error, want none", len(keys))
			}
			assertContainsAll(t, err, tt.want...)
			assertNoSecrets(t, err, tt.secret...)
		})
	}
}

func TestNewKeyring(t *testing.T) {
	k1 := mustKey(t, "k1", secretA)
	k2 := mustKey(t, "k2", secretB)
	k3 := mustKey(t, "k3", secretC)
	k1Other := mustKey(t, "k1", secretB) // another key under k1's id
	tests := []struct {
		name    string
		current seal.Key
		older   []seal.Key
		wantIDs []string
	}{
		{"current alone", k1, nil, []string{"k1"}},
		{"current first", k2, []seal.Key{k1, k3}, []string{"k2", "k1", "k3"}},
		{"older order kept", k3, []seal.Key{k2, k1}, []string{"k3", "k2", "k1"}},
		{"current repeated among older", k2, []seal.Key{k1, k2, k3}, []string{"k2", "k1", "k3"}},
		{"current repeated twice", k1, []seal.Key{k1, k1}, []string{"k1"}},
		{"same secret under two ids", k1, []seal.Key{mustKey(t, "k1b", secretA)}, []string{"k1", "k1b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := seal.NewKeyring(tt.current, tt.older...)
			if err != nil {
				t.Fatalf("NewKeyring: %v", err)
			}
			if got := r.CurrentID(); got != tt.current.ID {
				t.Errorf("CurrentID() = %q, want %q", got, tt.current.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, r.IDs()); diff != "" {
				t.Errorf("IDs() (-want +got):\n%s", diff)
			}
			for _, id := range tt.wantIDs {
				if !r.Has(id) {
					t.Errorf("Has(%q) = false, want true", id)
				}
			}
			if r.Has("nope") || r.Has("") {
				t.Errorf("Has reports a key the ring was not given")
			}
		})
	}

	errTests := []struct {
		name    string
		current seal.Key
		older   []seal.Key
		want    []string
	}{
		{"two keys with one id", k1, []seal.Key{k1Other}, []string{`"k1"`, "two keys"}},
		{"clash among older", k3, []seal.Key{k1, k2, k1Other}, []string{`"k1"`, "two keys"}},
		{"clash with current after repeat", k1, []seal.Key{k1, k1Other}, []string{`"k1"`, "two keys"}},
		{"older key listed twice", k3, []seal.Key{k1, k2, k1}, []string{`"k1"`, "listed twice"}},
		{"zero key", seal.Key{}, nil, []string{"key id is invalid"}},
		{"zero key among older", k1, []seal.Key{{ID: "k9"}}, []string{`"k9"`, "32 bytes"}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := seal.NewKeyring(tt.current, tt.older...)
			if err == nil {
				t.Fatalf("NewKeyring succeeded with ids %q, want an error", r.IDs())
			}
			assertContainsAll(t, err, tt.want...)
			assertNoSecrets(t, err, b64A, b64B, string(secretA), string(secretB))
		})
	}
}

func TestKeyringIDsIsACopy(t *testing.T) {
	r := mustRing(t, mustKey(t, "k1", secretA), mustKey(t, "k2", secretB))
	ids := r.IDs()
	ids[0] = "changed"
	if diff := cmp.Diff([]string{"k1", "k2"}, r.IDs()); diff != "" {
		t.Errorf("changing the slice IDs returned changed the ring (-want +got):\n%s", diff)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	ring := mustRing(t, mustKey(t, "current", secretA), mustKey(t, "old", secretB))
	big := make([]byte, 1<<20)
	rand.Read(big)
	tests := []struct {
		name  string
		plain []byte
		aad   []byte
	}{
		{"empty", []byte{}, []byte("tickets/1")},
		{"nil", nil, []byte("tickets/1")},
		{"one byte", []byte("x"), []byte("tickets/1")},
		{"JSON", []byte(`{"id":1,"email":"ada@example.com"}`), []byte("tickets/1")},
		{"no aad", []byte(`{"id":1}`), nil},
		{"binary", []byte("\x00sw1\x07current\x00\xff"), []byte("\x00")},
		{"1 MiB", big, []byte("snapshots/7")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := ring.Seal(tt.plain, tt.aad)
			if !seal.IsSealed(sealed) {
				t.Errorf("IsSealed(sealed value) = false")
			}
			if !bytes.HasPrefix(sealed, []byte(magic)) {
				t.Errorf("sealed value starts %q, want %q", sealed[:min(len(sealed), len(magic))], magic)
			}
			if id, err := seal.KeyID(sealed); err != nil || id != "current" {
				t.Errorf("KeyID = %q, %v; want current", id, err)
			}
			if want := len(tt.plain) + seal.Overhead + len("current"); len(sealed) != want {
				t.Errorf("sealed length = %d, want %d (plain + Overhead + key id)", len(sealed), want)
			}
			if len(tt.plain) >= 16 && bytes.Contains(sealed, tt.plain[:16]) {
				t.Errorf("sealed value holds the plaintext in clear")
			}
			got, err := ring.Open(sealed, tt.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Errorf("Open gave %d bytes, want the %d sealed", len(got), len(tt.plain))
			}
		})
	}
}

// TestSealFormat decodes a sealed value by hand: magic, one byte of key id
// length, the key id, a 12-byte nonce, then AES-256-GCM ciphertext and tag
// over the aad.
func TestSealFormat(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k-2024.1", secretA))
	plain, aad := []byte(`{"id":7}`), []byte("tickets/7")
	sealed := ring.Seal(plain, aad)

	rest, ok := bytes.CutPrefix(sealed, []byte(magic))
	if !ok {
		t.Fatalf("sealed value %q lacks the magic %q", sealed, magic)
	}
	n := int(rest[0])
	if id := string(rest[1 : 1+n]); id != "k-2024.1" {
		t.Fatalf("key id in the value = %q, want k-2024.1", id)
	}
	rest = rest[1+n:]
	block, err := aes.NewCipher(secretA)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	got, err := aead.Open(nil, rest[:12], rest[12:], aad)
	if err != nil {
		t.Fatalf("plain AES-256-GCM does not open the value: %v", err)
	}
	if !bytes.Equal(got, plain) {
		t.Errorf("opened %q, want %q", got, plain)
	}
}

func TestOpenGolden(t *testing.T) {
	ring := mustRing(t, mustKey(t, "new", secretA), mustKey(t, "golden", goldenSecret()))
	got, err := ring.Open(goldenSealed(t), []byte(goldenAAD))
	if err != nil {
		t.Fatalf("Open(golden value): %v; values sealed by earlier releases must stay readable", err)
	}
	if string(got) != goldenPlain {
		t.Errorf("Open(golden value) = %q, want %q", got, goldenPlain)
	}
}

func TestIsSealed(t *testing.T) {
	sealed := mustRing(t, mustKey(t, "k1", secretA)).Seal([]byte(`{"a":1}`), nil)
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"sealed", sealed, true},
		{"sealed empty plaintext", mustRing(t, mustKey(t, "k1", secretA)).Seal(nil, nil), true},
		{"golden", goldenSealed(t), true},
		{"JSON object", []byte(`{"a":1}`), false},
		{"JSON array", []byte(`[1,2,3]`), false},
		{"JSON string", []byte(`"\u0000sw1"`), false},
		{"empty", []byte{}, false},
		{"nil", nil, false},
		{"snapshot", []byte("0123456789abcdef\n{\"tickets\":[]}"), false},
		{"magic without its NUL", []byte("sw1\x02k1"), false},
		{"shorter than the magic", []byte(magic[:3]), false},
		{"NUL then other bytes", []byte("\x00sw2\x02k1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seal.IsSealed(tt.in); got != tt.want {
				t.Errorf("IsSealed(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantID  string
		wantErr error
	}{
		{"sealed", mustRing(t, mustKey(t, "k1", secretA), mustKey(t, "k0", secretB)).Seal([]byte("x"), nil), "k1", nil},
		{"golden", goldenSealed(t), "golden", nil},
		{"header only", []byte(magic + "\x02k1"), "k1", nil}, // KeyID does not authenticate
		{"clear JSON", []byte(`{"a":1}`), "", seal.ErrNotSealed},
		{"empty", nil, "", seal.ErrNotSealed},
		{"magic alone", []byte(magic), "", seal.ErrTampered},
		{"id cut short", []byte(magic + "\x05k1"), "", seal.ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := seal.KeyID(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("KeyID error = %v, want %v", err, tt.wantErr)
			}
			if id != tt.wantID {
				t.Errorf("KeyID = %q, want %q", id, tt.wantID)
			}
		})
	}
}

func TestSealRandomNonce(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA))
	plain, aad := []byte(`{"id":1}`), []byte("tickets/1")
	seen := make(map[string]bool)
	for range 100 {
		sealed := ring.Seal(plain, aad)
		if seen[string(sealed)] {
			t.Fatalf("sealing the same plaintext twice gave the same value")
		}
		seen[string(sealed)] = true
		if got, err := ring.Open(sealed, aad); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
}

func TestOpenWrongAAD(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA))
	tests := []struct {
		name          string
		sealAAD, open []byte
	}{
		{"another place", []byte("tickets/42"), []byte("tickets/43")},
		{"prefix of the place", []byte("tickets/42"), []byte("tickets/4")},
		{"aad dropped", []byte("tickets/42"), nil},
		{"aad added", nil, []byte("tickets/42")},
		{"one bit", []byte("tickets/42"), []byte("tickdts/42")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := ring.Seal([]byte(`{"id":42}`), tt.sealAAD)
			got, err := ring.Open(sealed, tt.open)
			if !errors.Is(err, seal.ErrTampered) {
				t.Errorf("Open with aad %q, sealed with %q = %q, %v; want ErrTampered", tt.open, tt.sealAAD, got, err)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with its error", got)
			}
		})
	}
}

func TestOpenFlippedByte(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA))
	aad := []byte("tickets/42")
	sealed := ring.Seal([]byte(`{"id":42,"email":"ada@example.com"}`), aad)
	header := len(magic) + 1 + len("k1")

	// After the key id (nonce, ciphertext, tag): always ErrTampered.
	for pos := header; pos < len(sealed); pos++ {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(sealed)
			b[pos] ^= mask
			if got, err := ring.Open(b, aad); !errors.Is(err, seal.ErrTampered) {
				t.Errorf("byte %d of %d flipped with %#02x: Open = %q, %v; want ErrTampered", pos, len(sealed), mask, got, err)
			}
		}
	}

	// In the header: never opens, and fails with one of Open's errors.
	for pos := range header {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(sealed)
			b[pos] ^= mask
			got, err := ring.Open(b, aad)
			if err == nil {
				t.Errorf("header byte %d flipped with %#02x: Open succeeded with %q", pos, mask, got)
				continue
			}
			assertOpenError(t, b, err)
			if pos < len(magic) && !errors.Is(err, seal.ErrNotSealed) {
				t.Errorf("magic byte %d flipped: Open error = %v, want ErrNotSealed", pos, err)
			}
		}
	}
}

// assertOpenError checks that err is one of the errors Open documents, and
// agrees with IsSealed and KeyID.
func assertOpenError(tb testing.TB, b []byte, err error) {
	tb.Helper()
	uk, unknown := errors.AsType[*seal.UnknownKeyError](err)
	switch {
	case errors.Is(err, seal.ErrNotSealed):
		if seal.IsSealed(b) {
			tb.Errorf("Open(%q) = ErrNotSealed, but IsSealed is true", b)
		}
	case errors.Is(err, seal.ErrTampered):
		if !seal.IsSealed(b) {
			tb.Errorf("Open(%q) = ErrTampered, but IsSealed is false", b)
		}
	case unknown:
		if id, kerr := seal.KeyID(b); kerr != nil || id != uk.ID {
			tb.Errorf("Open(%q) = unknown key %q, but KeyID = %q, %v", b, uk.ID, id, kerr)
		}
	default:
		tb.Errorf("Open(%q) = %v (%T), not one of Open's errors", b, err, err)
	}
}

func TestOpenTruncated(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA))
	aad := []byte("tickets/42")
	for _, plain := range [][]byte{nil, []byte(`{"id":42}`)} {
		sealed := ring.Seal(plain, aad)
		for n := range len(sealed) {
			want := seal.ErrTampered
			if n < len(magic) {
				want = seal.ErrNotSealed
			}
			got, err := ring.Open(sealed[:n], aad)
			if !errors.Is(err, want) {
				t.Errorf("value of %d bytes cut to %d: Open = %q, %v; want %v", len(sealed), n, got, err, want)
			}
		}
		for _, extra := range []string{"\x00", "x", strings.Repeat("\x00", 16)} {
			if got, err := ring.Open(append(bytes.Clone(sealed), extra...), aad); !errors.Is(err, seal.ErrTampered) {
				t.Errorf("value with %q appended: Open = %q, %v; want ErrTampered", extra, got, err)
			}
		}
	}
}

func TestOpenUnknownKey(t *testing.T) {
	sealer := mustRing(t, mustKey(t, "gone-2023", secretA))
	opener := mustRing(t, mustKey(t, "k2", secretB), mustKey(t, "k3", secretC))
	sealed := sealer.Seal([]byte(`{"id":1}`), nil)

	got, err := opener.Open(sealed, nil)
	if err == nil {
		t.Fatalf("Open succeeded with %q, want an error", got)
	}
	uk, ok := errors.AsType[*seal.UnknownKeyError](err)
	if !ok {
		t.Fatalf("Open error = %v (%T), want *UnknownKeyError", err, err)
	}
	if uk.ID != "gone-2023" {
		t.Errorf("UnknownKeyError.ID = %q, want gone-2023", uk.ID)
	}
	assertContainsAll(t, err, "SEATWARDEN_ENCRYPTION_KEYS", `"gone-2023"`)
	if errors.Is(err, seal.ErrTampered) || errors.Is(err, seal.ErrNotSealed) {
		t.Errorf("an unknown key is reported as %v", err)
	}

	// The same key under another id is still another key: the id decides.
	renamed := mustRing(t, mustKey(t, "k1", secretA))
	if _, err := renamed.Open(sealed, nil); err == nil {
		t.Errorf("a ring holding the key only under another id opened the value")
	}
}

func TestOpenWrongKeySameID(t *testing.T) {
	sealed := mustRing(t, mustKey(t, "k1", secretA)).Seal([]byte(`{"id":1}`), nil)
	got, err := mustRing(t, mustKey(t, "k1", secretB)).Open(sealed, nil)
	if !errors.Is(err, seal.ErrTampered) {
		t.Errorf("Open under another key of the same id = %q, %v; want ErrTampered", got, err)
	}
}

func TestRotation(t *testing.T) {
	oldKey := mustKey(t, "old", secretA)
	newKey := mustKey(t, "new", secretB)
	before := mustRing(t, oldKey)
	after := mustRing(t, newKey, oldKey)
	aad := []byte("tickets/1")

	v1 := before.Seal([]byte("written before"), aad)
	if got, err := after.Open(v1, aad); err != nil || string(got) != "written before" {
		t.Errorf("rotated ring: Open(value sealed under old) = %q, %v", got, err)
	}

	v2 := after.Seal([]byte("written after"), aad)
	if id, err := seal.KeyID(v2); err != nil || id != "new" {
		t.Errorf("rotated ring seals under %q (%v), want new", id, err)
	}
	if got, err := after.Open(v2, aad); err != nil || string(got) != "written after" {
		t.Errorf("rotated ring: Open(its own value) = %q, %v", got, err)
	}
	_, err := before.Open(v2, aad)
	if uk, ok := errors.AsType[*seal.UnknownKeyError](err); !ok || uk.ID != "new" {
		t.Errorf("old ring: Open(value sealed under new) error = %v, want UnknownKeyError for new", err)
	}
}

func TestOpenClear(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA))
	for _, in := range []string{
		"",
		`{"id":1}`,
		"[]",
		"null",
		"0123456789abcdef\n{\"tickets\":[]}",
		"sw1\x02k1",
	} {
		got, err := ring.Open([]byte(in), nil)
		if !errors.Is(err, seal.ErrNotSealed) {
			t.Errorf("Open(%q) = %q, %v; want ErrNotSealed", in, got, err)
		}
	}
}

// TestKeyringConcurrent is for the race detector: one ring is shared by
// every request.
func TestKeyringConcurrent(t *testing.T) {
	ring := mustRing(t, mustKey(t, "k1", secretA), mustKey(t, "k0", secretB))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			aad := []byte{byte(g)}
			for i := range 50 {
				plain := []byte{byte(g), byte(i)}
				got, err := ring.Open(ring.Seal(plain, aad), aad)
				if err != nil || !bytes.Equal(got, plain) {
					t.Errorf("goroutine %d: Open = %v, %v; want %v", g, got, err, plain)
					return
				}
				_ = ring.IDs()
			}
		})
	}
	wg.Wait()
}

var blindName = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

func TestBlinderName(t *testing.T) {
	key1, key2 := testSecret("blind 1", seal.KeyLen), testSecret("blind 2", seal.KeyLen)
	b1, b2 := seal.NewBlinder(key1), seal.NewBlinder(key2)

	t.Run("form", func(t *testing.T) {
		for _, parts := range [][]string{nil, {""}, {"ada@example.com"}, {"slack", "U024BE7LH"}, {strings.Repeat("x", 10000)}} {
			if got := b1.Name(parts...); !blindName.MatchString(got) {
				t.Errorf("Name(%q) = %q, want 22 URL-safe characters", parts, got)
			}
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		again := seal.NewBlinder(bytes.Clone(key1))
		for _, parts := range [][]string{{"ada@example.com"}, {"slack", "U024BE7LH"}} {
			if x, y := b1.Name(parts...), again.Name(parts...); x != y {
				t.Errorf("Name(%q) = %q, then %q under the same key", parts, x, y)
			}
		}
	})

	t.Run("algorithm", func(t *testing.T) {
		// HMAC-SHA256 over each part's 8-byte big-endian length and bytes,
		// first 16 bytes, unpadded URL-safe base64. Stored names are never
		// recomputed, so this must not change.
		parts := []string{"slack", "U024BE7LH"}
		m := hmac.New(sha256.New, key1)
		for _, p := range parts {
			m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(p))))
			m.Write([]byte(p))
		}
		want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
		if got := b1.Name(parts...); got != want {
			t.Errorf("Name(%q) = %q, want %q", parts, got, want)
		}
	})

	t.Run("differs", func(t *testing.T) {
		tests := []struct {
			name string
			x, y []string
		}{
			{"other input", []string{"ada@example.com"}, []string{"bob@example.com"}},
			{"case", []string{"ada@example.com"}, []string{"Ada@example.com"}},
			{"length prefix", []string{"ab", "c"}, []string{"a", "bc"}},
			{"empty part moved", []string{"a", ""}, []string{"", "a"}},
			{"trailing empty part", []string{"a", ""}, []string{"a"}},
			{"no parts and one empty part", nil, []string{""}},
			{"joined", []string{"a", "b"}, []string{"ab"}},
			{"order", []string{"a", "b"}, []string{"b", "a"}},
		}
		for _, tt := range tests {
			if x, y := b1.Name(tt.x...), b1.Name(tt.y...); x == y {
				t.Errorf("%s: Name(%q) = Name(%q) = %q", tt.name, tt.x, tt.y, x)
			}
		}
		if x, y := b1.Name("ada@example.com"), b2.Name("ada@example.com"); x == y {
			t.Errorf("two keys give the same name %q", x)
		}
	})

	t.Run("key copied", func(t *testing.T) {
		key := bytes.Clone(key1)
		b := seal.NewBlinder(key)
		before := b.Name("ada@example.com")
		key[0] ^= 0xff
		if after := b.Name("ada@example.com"); after != before {
			t.Errorf("changing the caller's key slice changed the Blinder's names")
		}
	})
}

func TestBlinderDigest(t *testing.T) {
	key1, key2 := testSecret("blind 1", seal.KeyLen), testSecret("blind 2", seal.KeyLen)
	b1, b2 := seal.NewBlinder(key1), seal.NewBlinder(key2)
	content := []byte(`{"tickets":[{"id":1}]}`)

	d := b1.Digest(content)
	if len(d) != sha256.Size {
		t.Errorf("Digest is %d bytes, want %d", len(d), sha256.Size)
	}
	if again := seal.NewBlinder(bytes.Clone(key1)).Digest(bytes.Clone(content)); !bytes.Equal(d, again) {
		t.Errorf("Digest differs for the same key and content")
	}
	if other := b2.Digest(content); bytes.Equal(d, other) {
		t.Errorf("two keys give the same digest")
	}
	if other := b1.Digest(append(bytes.Clone(content), ' ')); bytes.Equal(d, other) {
		t.Errorf("two contents give the same digest")
	}
	if plain := sha256.Sum256(content); bytes.Equal(d, plain[:]) {
		t.Errorf("Digest is an unkeyed SHA-256")
	}
	// HMAC-SHA256 over "digest\x00" and the content; the store writes it
	// as a snapshot's revision, so it must not change between releases.
	m := hmac.New(sha256.New, key1)
	m.Write([]byte("digest\x00"))
	m.Write(content)
	if want := m.Sum(nil); !bytes.Equal(d, want) {
		t.Errorf("Digest = %x, want %x", d, want)
	}
	if !bytes.Equal(b1.Digest(nil), b1.Digest([]byte{})) {
		t.Errorf("Digest(nil) != Digest(empty)")
	}
}

func TestNewBlinderKey(t *testing.T) {
	k1, k2 := seal.NewBlinderKey(), seal.NewBlinderKey()
	if len(k1) != seal.KeyLen || len(k2) != seal.KeyLen {
		t.Fatalf("NewBlinderKey gave %d and %d bytes, want %d", len(k1), len(k2), seal.KeyLen)
	}
	if bytes.Equal(k1, k2) {
		t.Errorf("two calls of NewBlinderKey gave the same key")
	}
}

// FuzzOpen feeds Open arbitrary values and places. Open must never panic,
// must fail with one of its documented errors, and must open nothing but
// the one value Seal produced for the ring's key (forging another would
// break AES-GCM).
func FuzzOpen(f *testing.F) {
	ring := mustRing(f, mustKey(f, "golden", goldenSecret()), mustKey(f, "k2", secretB))
	golden := goldenSealed(f)
	f.Add(golden, []byte(goldenAAD))
	f.Add(golden, []byte("tickets/43"))
	f.Add([]byte{}, []byte(goldenAAD))
	f.Add([]byte(magic), []byte(goldenAAD))
	f.Add([]byte(magic+"\x06golden"), []byte(goldenAAD))
	f.Add([]byte(magic+"\x02k2"+strings.Repeat("\x00", 28)), []byte(nil))
	f.Add([]byte(magic+"\xffgolden"), []byte(nil))
	f.Add([]byte(`{"id":42}`), []byte(nil))
	f.Fuzz(func(t *testing.T, b, aad []byte) {
		in := bytes.Clone(b)
		plain, err := ring.Open(b, aad)
		if !bytes.Equal(b, in) {
			t.Fatalf("Open changed its input")
		}
		if err == nil {
			if !bytes.Equal(b, golden) || string(aad) != goldenAAD {
				t.Fatalf("Open(%q, %q) succeeded with %q on a value Seal did not produce", b, aad, plain)
			}
			if string(plain) != goldenPlain {
				t.Fatalf("Open(golden) = %q, want %q", plain, goldenPlain)
			}
			return
		}
		if plain != nil {
			t.Fatalf("Open returned %q with its error %v", plain, err)
		}
		assertOpenError(t, b, err)
	})
}

var benchSizes = []struct {
	name string
	n    int
}{
	{"256B", 256},
	{"1MiB", 1 << 20},
}

func BenchmarkSeal(b *testing.B) {
	ring := mustRing(b, mustKey(b, "k1", secretA))
	aad := []byte("tickets/42")
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			plain := make([]byte, size.n)
			rand.Read(plain)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				ring.Seal(plain, aad)
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	ring := mustRing(b, mustKey(b, "k1", secretA))
	aad := []byte("tickets/42")
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			plain := make([]byte, size.n)
			rand.Read(plain)
			sealed := ring.Seal(plain, aad)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ring.Open(sealed, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestNewKeyringValidatesIDs(t *testing.T) {
	for _, id := range []string{"", "my key", strings.Repeat("a", 33), strings.Repeat("a", 256)} {
		k, err := seal.NewKey("k1", make([]byte, seal.KeyLen))
		if err != nil {
			t.Fatal(err)
		}
		k.ID = id
		if _, err := seal.NewKeyring(k); err == nil {
			t.Errorf("NewKeyring accepted a key id of %d bytes that NewKey refuses", len(id))
		}
	}
}
