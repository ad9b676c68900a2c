package config

import (
	"strings"

	"github.com/seatwarden/seatwarden/internal/seal"
)

const (
	envKey  = "SEATWARDEN_ENCRYPTION_KEY"
	envKeys = "SEATWARDEN_ENCRYPTION_KEYS"

	errKeysWithoutKey  = envKeys + " needs " + envKey + ": the current key new values are sealed under"
	errRequireNoKey    = "store.require_encryption is true but " + envKey + " is not set; generate one with: openssl rand -base64 32"
	errKeyHoldsSeveral = "holds more than one key; it takes only the current one, which new values are sealed under: list older keys in " + envKeys
)

// loadEncryption reads SEATWARDEN_ENCRYPTION_KEY and the older keys of
// SEATWARDEN_ENCRYPTION_KEYS, and checks they make a keyring: each key
// well-formed, and no id naming two keys. Messages never quote a key; they
// name the variable, the key's place in the list and, for clashes, the id,
// which is no secret (every sealed value carries it).
func (e *envLoader) loadEncryption(c *Config) {
	key := e.secret(envKey)
	keys := e.secret(envKeys)

	var current seal.Key
	haveCurrent := false
	if key.IsSet() {
		if strings.ContainsAny(strings.TrimSpace(key.Value()), ",\n") {
			e.fail(e.label(envKey), "%s", errKeyHoldsSeveral)
		} else if k, err := seal.ParseKey(key.Value()); err != nil {
			e.fail(e.label(envKey), "%s", err)
		} else {
			current, haveCurrent = k, true
			c.EncryptionKey = key
		}
	}
	if c.Policy.Store.RequireEncryption && !e.given(envKey) {
		e.problems = append(e.problems, Problem{Message: errRequireNoKey, File: c.PolicyPath, Line: c.origin.fileLines["store.require_encryption"]})
	}

	if !keys.IsSet() {
		return
	}
	if !e.given(envKey) {
		e.fail("", "%s", errKeysWithoutKey)
	}
	label := e.label(envKeys)
	older, err := seal.ParseKeys(keys.Value())
	switch {
	case err != nil:
		e.fail(label, "%s", err)
		return
	case len(older) == 0:
		e.fail(label, "lists no key, only blanks and comments; list the older keys one per line or comma separated, or unset it")
		return
	case !haveCurrent:
		return
	}
	if _, err := seal.NewKeyring(current, older...); err != nil {
		e.fail(label, "%s", err)
		return
	}
	c.EncryptionKeys = keys
}
