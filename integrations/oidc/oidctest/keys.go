package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"slices"
)

// signingKey is an RSA key pair and the kid it is published under.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newSigningKey() *signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("oidctest: generating an RSA key: " + err.Error())
	}
	k := &signingKey{priv: priv}
	k.kid = k.thumbprint()
	return k
}

// jwk is the key's public half as RFC 7517 publishes it.
type jwk struct {
	KID string `json:"kid"`
	KTY string `json:"kty"`
	ALG string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (k *signingKey) jwk() jwk {
	return jwk{KID: k.kid, KTY: "RSA", ALG: "RS256", Use: "sig", N: k.n(), E: k.e()}
}

func (k *signingKey) n() string {
	return base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes())
}

func (k *signingKey) e() string {
	return base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes())
}

// thumbprint is the RFC 7638 JWK thumbprint, a kid that cannot collide
// between keys. The members are in lexicographic order, as the RFC
// requires, and need no escaping.
func (k *signingKey) thumbprint() string {
	sum := sha256.Sum256([]byte(`{"e":"` + k.e() + `","kty":"RSA","n":"` + k.n() + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Rotate makes a new key the one that signs. The previous keys stay in
// the JWKS, as providers keep them during a rotation so tokens signed
// shortly before still verify; DropOldKeys ends that.
func (s *Server) Rotate() {
	k := newSigningKey()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
}

// DropOldKeys unpublishes every key but the current one: tokens they
// signed no longer verify for a relying party that fetches the JWKS anew.
func (s *Server) DropOldKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[len(s.keys)-1:]
}

// KeyIDs returns the kids of the published keys, the current one first.
func (s *Server) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.keys))
	for _, k := range slices.Backward(s.keys) {
		out = append(out, k.kid)
	}
	return out
}

// SignNextWithUnknownKey makes the next ID token be signed by a key the
// JWKS never publishes. Its header carries the current key's kid, as a
// forger's would, so only checking the signature catches it.
func (s *Server) SignNextWithUnknownKey() {
	stray := newSigningKey() // outside the lock: generating takes a while
	s.mu.Lock()
	defer s.mu.Unlock()
	s.strayKey = stray
	s.unknownKeyNext = true
}

// publishedKeysLocked is the JWKS, the current key first. Callers hold s.mu.
func (s *Server) publishedKeysLocked() []jwk {
	out := make([]jwk, 0, len(s.keys))
	for _, k := range slices.Backward(s.keys) {
		out = append(out, k.jwk())
	}
	return out
}
