package config_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/seal"
)

// otherKey and thirdKey are base64 of 32 bytes, like testKey.
var (
	otherKey = base64.StdEncoding.EncodeToString([]byte("abcdefghijklmnopqrstuvwxyz012345"))
	thirdKey = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("z", 32)))
)

// idOf is the id seal derives for an unnamed key.
func idOf(t *testing.T, key string) string {
	t.Helper()
	k, err := seal.ParseKey(key)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k.ID
}

func mustKeyring(t *testing.T, c *config.Config) *seal.Keyring {
	t.Helper()
	ring, err := c.Keyring()
	if err != nil {
		t.Fatalf("Keyring: %v", err)
	}
	if ring == nil {
		t.Fatal("Keyring() = nil, want a ring")
	}
	return ring
}

func TestEncryptionKeys(t *testing.T) {
	urlKey := base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name    string
		env     map[string]string
		files   map[string]string
		wantIDs []string // the current key's first
	}{
		{"plain key, id derived from it", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey}, nil,
			[]string{idOf(t, testKey)}},
		{"named key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "current:" + testKey}, nil,
			[]string{"current"}},
		{"named url-safe key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k-2025.01_a:" + urlKey}, nil,
			[]string{"k-2025.01_a"}},
		{"named key from a file", map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key"}, map[string]string{"/run/key": "current:" + testKey + "\n"},
			[]string{"current"}},
		{"two older keys", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "new:" + testKey, "SEATWARDEN_ENCRYPTION_KEYS": "old:" + otherKey + ", " + thirdKey}, nil,
			[]string{"new", "old", idOf(t, thirdKey)}},
		{"older keys from a file, one a line, with comments", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "new:" + testKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"},
			map[string]string{"/run/keys": "# retired 2024-01, kept for reading\nold:" + otherKey + "\n\n   # the first key\n  older:" + thirdKey + "  \r\n"},
			[]string{"new", "old", "older"}},
		{"a comment after a comma", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "new:" + testKey, "SEATWARDEN_ENCRYPTION_KEYS": "old:" + otherKey + ", # the March key"}, nil,
			[]string{"new", "old"}},
		{"the current key listed again among the older", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": testKey + ",old:" + otherKey}, nil,
			[]string{idOf(t, testKey), "old"}},
		{"the named current key listed again", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "a:" + testKey, "SEATWARDEN_ENCRYPTION_KEYS": "a:" + testKey}, nil,
			[]string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadEnv(tt.env, tt.files)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			ring := mustKeyring(t, c)
			if got := ring.CurrentID(); got != tt.wantIDs[0] {
				t.Errorf("CurrentID() = %q, want %q", got, tt.wantIDs[0])
			}
			if diff := cmp.Diff(tt.wantIDs, ring.IDs()); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			_, keysGiven := tt.env["SEATWARDEN_ENCRYPTION_KEYS"]
			_, keysFileGiven := tt.env["SEATWARDEN_ENCRYPTION_KEYS_FILE"]
			if c.EncryptionKeys.IsSet() != (keysGiven || keysFileGiven) {
				t.Errorf("EncryptionKeys set = %v, want %v", c.EncryptionKeys.IsSet(), keysGiven || keysFileGiven)
			}
		})
	}
}

// TestKeyringRotation: after a new key becomes current and the old one
// moves to SEATWARDEN_ENCRYPTION_KEYS, values sealed under the old key
// still open, and new values are sealed under the new key.
func TestKeyringRotation(t *testing.T) {
	before, err := loadEnv(map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "2024:" + otherKey}, nil)
	if err != nil {
		t.Fatalf("Load before rotation: %v", err)
	}
	aad := []byte("seat/42")
	sealed := mustKeyring(t, before).Seal([]byte("dana@example.com"), aad)

	after, err := loadEnv(map[string]string{
		"SEATWARDEN_ENCRYPTION_KEY":  "2025:" + testKey,
		"SEATWARDEN_ENCRYPTION_KEYS": "2024:" + otherKey,
	}, nil)
	if err != nil {
		t.Fatalf("Load after rotation: %v", err)
	}
	ring := mustKeyring(t, after)
	if ring.CurrentID() != "2025" {
		t.Errorf("CurrentID() = %q, want 2025", ring.CurrentID())
	}
	if plain, err := ring.Open(sealed, aad); err != nil || string(plain) != "dana@example.com" {
		t.Errorf("Open(value sealed under the older key) = %q, %v", plain, err)
	}
	if id, err := seal.KeyID(ring.Seal([]byte("x"), aad)); err != nil || id != "2025" {
		t.Errorf("new values sealed under %q (%v), want 2025", id, err)
	}

	// Without the older key listed, the value cannot be opened, and the
	// error says where the key belongs.
	dropped, err := loadEnv(map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "2025:" + testKey}, nil)
	if err != nil {
		t.Fatalf("Load without the older key: %v", err)
	}
	_, err = mustKeyring(t, dropped).Open(sealed, aad)
	var unknown *seal.UnknownKeyError
	if !errors.As(err, &unknown) || unknown.ID != "2024" {
		t.Errorf("Open without the older key: %v, want an UnknownKeyError for 2024", err)
	}
}

func TestKeyringUnset(t *testing.T) {
	ring, err := config.Default().Keyring()
	if ring != nil || err != nil {
		t.Errorf("Keyring() with no key = %v, %v; want nil, nil", ring, err)
	}

	// Load refuses these; a Config built by hand may still hold them.
	tests := []struct {
		name string
		c    *config.Config
		want string
	}{
		{"older keys alone", &config.Config{EncryptionKeys: config.NewSecret(leakOldKey)},
			"SEATWARDEN_ENCRYPTION_KEYS needs SEATWARDEN_ENCRYPTION_KEY: the current key new values are sealed under"},
		{"current key of the wrong length", &config.Config{EncryptionKey: config.NewSecret("LEAKkeysLEAKkeys")},
			"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 12 bytes; generate one with: openssl rand -base64 32"},
		{"older key not base64", &config.Config{EncryptionKey: config.NewSecret(leakKey), EncryptionKeys: config.NewSecret(leakOldKey + "\nLEAKkey!!")},
			"SEATWARDEN_ENCRYPTION_KEYS: key 2: is not base64; generate a key with: openssl rand -base64 32"},
		{"two older keys under one id", &config.Config{EncryptionKey: config.NewSecret(leakKey), EncryptionKeys: config.NewSecret("a:" + leakOldKey + ",a:" + otherKey)},
			`SEATWARDEN_ENCRYPTION_KEYS: two keys have the id "a"; give each key its own id (id:base64)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring, err := tt.c.Keyring()
			if ring != nil || err == nil || err.Error() != tt.want {
				t.Errorf("Keyring() = %v, %v; want nil and %q", ring, err, tt.want)
			}
			if err != nil {
				assertNoLeak(t, "Keyring error", err.Error())
			}
		})
	}
}

func TestEncryptionKeyProblems(t *testing.T) {
	const (
		regenerate = "generate one with: openssl rand -base64 32"
		notBase64  = "is not base64; generate a key with: openssl rand -base64 32"
		emptyID    = `the key id before ":" is empty; write id:base64 or the base64 alone`
		badID      = `the key id before ":" must be 1 to 32 letters, digits, dots, dashes or underscores; write id:base64 or the base64 alone`
	)
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  []string
	}{
		{"key of the wrong length", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": short}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 5 bytes; " + regenerate}},
		{"named key of the wrong length", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:" + short}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 5 bytes; " + regenerate}},
		{"key not base64", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:not base64!"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: " + notBase64}},
		{"key with an empty id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": ":abc"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: " + emptyID}},
		{"key with an id and nothing after", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: the key is empty; " + regenerate}},
		{"key id with a space", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "my key:" + testKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: " + badID}},
		{"key id too long", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": strings.Repeat("k", 33) + ":" + testKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: " + badID}},
		{"two keys in the current key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey + "," + otherKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: holds more than one key; it takes only the current one, which new values are sealed under: list older keys in SEATWARDEN_ENCRYPTION_KEYS"}},
		{"two lines in the current key's file", map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key"}, map[string]string{"/run/key": testKey + "\n" + otherKey + "\n"},
			[]string{"SEATWARDEN_ENCRYPTION_KEY_FILE: holds more than one key; it takes only the current one, which new values are sealed under: list older keys in SEATWARDEN_ENCRYPTION_KEYS"}},

		{"older keys without the current one", map[string]string{"SEATWARDEN_ENCRYPTION_KEYS": "old:" + otherKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEYS needs SEATWARDEN_ENCRYPTION_KEY: the current key new values are sealed under"}},
		{"older keys from a file without the current one", map[string]string{"SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"}, map[string]string{"/run/keys": otherKey + "\n"},
			[]string{"SEATWARDEN_ENCRYPTION_KEYS needs SEATWARDEN_ENCRYPTION_KEY: the current key new values are sealed under"}},
		{"older keys beside an invalid current key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": short, "SEATWARDEN_ENCRYPTION_KEYS": otherKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 5 bytes; " + regenerate}},
		{"older key not base64", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": otherKey + ",old:not base64!"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEYS: key 2: " + notBase64}},
		{"older key of the wrong length, counted past comments", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"},
			map[string]string{"/run/keys": "# old keys\n" + otherKey + "\n\n# and a short one\n" + short + "\n"},
			[]string{"SEATWARDEN_ENCRYPTION_KEYS_FILE: key 2: must be base64 of 32 bytes, got 5 bytes; " + regenerate}},
		{"older key with an empty id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": ":abc"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEYS: key 1: " + emptyID}},
		{"older key id with a slash", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": otherKey + ",2024/01:" + thirdKey}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEYS: key 2: " + badID}},
		{"a bad older key beside a missing current one", map[string]string{"SEATWARDEN_ENCRYPTION_KEYS": "old:" + short + ",:abc," + otherKey + ",x"}, nil,
			[]string{
				"SEATWARDEN_ENCRYPTION_KEYS needs SEATWARDEN_ENCRYPTION_KEY: the current key new values are sealed under",
				"SEATWARDEN_ENCRYPTION_KEYS: key 1: must be base64 of 32 bytes, got 5 bytes; " + regenerate,
			}},
		{"older key under the current key's id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "a:" + testKey, "SEATWARDEN_ENCRYPTION_KEYS": "old:" + thirdKey + ",a:" + otherKey}, nil,
			[]string{`SEATWARDEN_ENCRYPTION_KEYS: two keys have the id "a"; give each key its own id (id:base64)`}},
		{"older key under the current key's derived id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": idOf(t, testKey) + ":" + otherKey}, nil,
			[]string{`SEATWARDEN_ENCRYPTION_KEYS: two keys have the id "` + idOf(t, testKey) + `"; give each key its own id (id:base64)`}},
		{"older key under the current key's id, from files", map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key", "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"},
			map[string]string{"/run/key": "a:" + testKey + "\n", "/run/keys": "a:" + otherKey + "\n"},
			[]string{`SEATWARDEN_ENCRYPTION_KEYS_FILE: two keys have the id "a"; give each key its own id (id:base64)`}},
		{"two older keys under one id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": "old:" + otherKey + "\nold:" + thirdKey}, nil,
			[]string{`SEATWARDEN_ENCRYPTION_KEYS: two keys have the id "old"; give each key its own id (id:base64)`}},
		{"an older key listed twice", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": otherKey + "," + thirdKey + "," + otherKey}, nil,
			[]string{`SEATWARDEN_ENCRYPTION_KEYS: the key with id "` + idOf(t, otherKey) + `" is listed twice; list each key once`}},
		{"older keys only comments", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"}, map[string]string{"/run/keys": "# none yet\n"},
			[]string{"SEATWARDEN_ENCRYPTION_KEYS_FILE: lists no key, only blanks and comments; list the older keys one per line or comma separated, or unset it"}},
		{"older keys only commas", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": " , ,"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEYS: lists no key, only blanks and comments; list the older keys one per line or comma separated, or unset it"}},
		{"older keys and their file", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey, "SEATWARDEN_ENCRYPTION_KEYS": otherKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"}, map[string]string{"/run/keys": otherKey},
			[]string{"SEATWARDEN_ENCRYPTION_KEYS and SEATWARDEN_ENCRYPTION_KEYS_FILE are both set; set only one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadEnv(tt.env, tt.files)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want problems:\n%s", c, strings.Join(tt.want, "\n"))
			}
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequireEncryption(t *testing.T) {
	const required = "store:\n  require_encryption: true\n"
	tests := []struct {
		name  string
		doc   string
		env   map[string]string
		files map[string]string
		want  []string
	}{
		{"required without a key", required, nil, nil,
			[]string{"policy.yaml:2: store.require_encryption is true but SEATWARDEN_ENCRYPTION_KEY is not set; generate one with: openssl rand -base64 32"}},
		{"required with only older keys", required, map[string]string{"SEATWARDEN_ENCRYPTION_KEYS": otherKey}, nil,
			[]string{
				"policy.yaml:2: store.require_encryption is true but SEATWARDEN_ENCRYPTION_KEY is not set; generate one with: openssl rand -base64 32",
				"SEATWARDEN_ENCRYPTION_KEYS needs SEATWARDEN_ENCRYPTION_KEY: the current key new values are sealed under",
			}},
		{"required with a key", required, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:" + testKey}, nil, nil},
		{"required with a key file", required, map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key"}, map[string]string{"/run/key": testKey + "\n"}, nil},
		// One mistake, one problem: the key was given, only wrongly.
		{"required with an invalid key", required, map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:AAAA"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 3 bytes; generate one with: openssl rand -base64 32"}},
		{"required with an unreadable key file", required, map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/missing"}, nil,
			[]string{`SEATWARDEN_ENCRYPTION_KEY_FILE: cannot read "/run/missing": file does not exist`}},
		{"not required", "store:\n  require_encryption: false\n", nil, nil, nil},
		{"empty store section", "store:\n", nil, nil, nil},
		{"not a boolean", "inactivity_days: 30\nstore:\n  require_encryption: \"yes\"\n", nil, nil,
			[]string{`policy.yaml:3: store.require_encryption: must be true or false, got "yes"`}},
		{"misspelt key", "store:\n  require_encrypton: true\n", nil, nil,
			[]string{"policy.yaml:2: store.require_encrypton: unknown key (did you mean require_encryption?)"}},
		{"camelCase key", "store:\n  requireEncryption: true\n", nil, nil,
			[]string{"policy.yaml:2: store.requireEncryption: unknown key (did you mean require_encryption?)"}},
		{"misspelt section", "stor:\n  require_encryption: true\n", nil, nil,
			[]string{"policy.yaml:1: stor: unknown key (did you mean store?)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"policy.yaml": tt.doc}
			for k, v := range tt.files {
				files[k] = v
			}
			c, err := config.Load(config.LoadOptions{Path: "policy.yaml", Getenv: envOf(tt.env), ReadFile: filesOf(files)})
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if err == nil && c.Policy.Store.RequireEncryption && mustKeyring(t, c).CurrentID() == "" {
				t.Error("encryption required but the keyring has no current key")
			}
		})
	}
	if config.DefaultPolicy().Store.RequireEncryption {
		t.Error("store.require_encryption defaults to true, want false")
	}
}
