package teamstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// InboundTokenLifetime is how long tokens from InboundToken are valid;
// InboundTokenSkew is how far their nbf lies in the past, as in the Bot
// Connector's own tokens.
const (
	InboundTokenLifetime = time.Hour
	InboundTokenSkew     = 5 * time.Minute
)

// signingKey is an RSA key and the kid the JWKS publishes it under.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// RSA 2048 generation takes tens of milliseconds, so keys are made once
// per process and shared by every Server: each starts on keyPool[0] and
// RotateKey moves it to the next one.
var keyPool struct {
	mu   sync.Mutex
	keys []*signingKey
}

func poolKey(i int) *signingKey {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= i {
		keyPool.keys = append(keyPool.keys, newSigningKey())
	}
	return keyPool.keys[i]
}

// foreignKey is never published: tokens it signs must fail validation.
var foreignKey = sync.OnceValue(newSigningKey)

func newSigningKey() *signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("teamstest: generating an RSA key: " + err.Error())
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		panic("teamstest: encoding an RSA key: " + err.Error())
	}
	// 20 bytes of the key's hash: a kid as long as the Bot Framework's.
	sum := sha256.Sum256(der)
	return &signingKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:20])}
}

// currentKey is the key the JWKS publishes now.
func (s *Server) currentKey() *signingKey {
	s.mu.Lock()
	i := s.keyIndex
	s.mu.Unlock()
	return poolKey(i)
}

// KeyID is the kid of the key the JWKS publishes now.
func (s *Server) KeyID() string { return s.currentKey().kid }

// RotateKey publishes a new signing key in place of the current one, so
// tokens signed before no longer validate, and returns the new kid.
func (s *Server) RotateKey() string {
	s.mu.Lock()
	s.keyIndex++
	i := s.keyIndex
	s.notify()
	s.mu.Unlock()
	return poolKey(i).kid
}

// MetadataFetches and KeysFetches count GETs of the OpenID metadata and
// of the JWKS, to check a validator caches them.
func (s *Server) MetadataFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metadataFetches
}

// KeysFetches counts GETs of the JWKS.
func (s *Server) KeysFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keysFetches
}

// serveMetadata answers the OpenID configuration document of
// login.botframework.com.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	s.metadataFetches++
	s.notify()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                BotFrameworkIssuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              s.KeysURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

// serveKeys answers the JWKS: the current key only, endorsed for Teams.
func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	s.keysFetches++
	i := s.keyIndex
	s.notify()
	s.mu.Unlock()
	key := poolKey(i)
	pub := key.priv.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{
		"keys": []map[string]any{{
			"kty":          "RSA",
			"use":          "sig",
			"kid":          key.kid,
			"n":            base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			"endorsements": []string{ChannelID},
		}},
	})
}

// InboundToken is a token like the one the Bot Connector puts in the
// Authorization header of an activity it posts to the bot: RS256 with the
// published key's kid, iss BotFrameworkIssuer, aud the app id, the
// activity's serviceUrl in the serviceurl claim, valid from five minutes
// ago for an hour on the emulator clock.
func (s *Server) InboundToken(serviceURL string) string {
	now := s.Now()
	return s.SignToken(jwt.MapClaims{
		"serviceurl": serviceURL,
		"nbf":        now.Add(-InboundTokenSkew).Unix(),
		"exp":        now.Add(InboundTokenLifetime).Unix(),
		"iss":        BotFrameworkIssuer,
		"aud":        s.appID,
	})
}

// SignOption changes how SignToken signs.
type SignOption func(*signConfig)

type signConfig struct {
	key *signingKey
	kid string
}

// WithForeignKey signs with a key the JWKS does not publish, keeping the
// published kid in the header (unless WithKeyID changes it), so only the
// signature check can catch it.
func WithForeignKey() SignOption {
	return func(c *signConfig) { c.key = foreignKey() }
}

// WithKeyID puts kid in the token header instead of the signing key's;
// "" leaves the kid header out.
func WithKeyID(kid string) SignOption {
	return func(c *signConfig) { c.kid = kid }
}

// SignToken signs arbitrary claims with RS256 and the published key, for
// tests of what a validator refuses.
func (s *Server) SignToken(claims jwt.MapClaims, opts ...SignOption) string {
	published := s.currentKey()
	c := signConfig{key: published, kid: published.kid}
	for _, o := range opts {
		o(&c)
	}
	if claims == nil {
		claims = jwt.MapClaims{}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if c.kid != "" {
		tok.Header["kid"] = c.kid
	}
	signed, err := tok.SignedString(c.key.priv)
	if err != nil {
		panic("teamstest: signing a token: " + err.Error())
	}
	return signed
}
