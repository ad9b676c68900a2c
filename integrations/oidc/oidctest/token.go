package oidctest

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are an ID token's claims before signing. A zero field is left
// out of the token.
type Claims struct {
	Issuer   string    // iss
	Subject  string    // sub
	Audience []string  // aud: a string when there is one, else an array
	Expiry   time.Time // exp
	IssuedAt time.Time // iat
	AuthTime time.Time // auth_time
	Nonce    string    // nonce, from the authorization request
	// Email and EmailVerified are email and email_verified, present when
	// the client asked for the email scope.
	Email         string
	EmailVerified bool
	ACR           string   // acr
	AMR           []string // amr
	// AccessTokenHash is at_hash: the left half of the SHA-256 of the
	// access token issued with the ID token.
	AccessTokenHash string
	// Extra claims are set last, so they can also replace one of the
	// above with a value of the wrong type.
	Extra map[string]any
}

// SetTokenTamper makes every ID token pass through fn before it is
// signed, so a test can issue a token with the wrong aud, iss, exp or
// nonce and check that the relying party refuses it. nil stops it. fn
// runs without the server's lock held.
func (s *Server) SetTokenTamper(fn func(*Claims)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = fn
}

// claimsFor are the claims of the ID token for a redeemed code.
func (s *Server) claimsFor(code *authCode, accessToken string, now time.Time) *Claims {
	iat := now.Truncate(time.Second)
	c := &Claims{
		Issuer:          s.tokenIssuer,
		Subject:         code.login.Subject,
		Audience:        []string{code.clientID},
		Expiry:          iat.Add(IDTokenLifetime),
		IssuedAt:        iat,
		AuthTime:        code.login.AuthTime,
		Nonce:           code.nonce,
		ACR:             code.login.ACR,
		AMR:             slices.Clone(code.login.AMR),
		AccessTokenHash: halfHash(accessToken),
	}
	if slices.Contains(code.scopes, "email") && code.login.Email != "" {
		c.Email, c.EmailVerified = code.login.Email, true
	}
	return c
}

// halfHash is the at_hash of an RS256 token (OpenID Connect Core 3.1.3.6).
func halfHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func (c *Claims) jwtClaims() jwt.MapClaims {
	m := jwt.MapClaims{}
	set := func(name, v string) {
		if v != "" {
			m[name] = v
		}
	}
	setTime := func(name string, t time.Time) {
		if !t.IsZero() {
			m[name] = t.Unix()
		}
	}
	set("iss", c.Issuer)
	set("sub", c.Subject)
	switch len(c.Audience) {
	case 0:
	case 1:
		m["aud"] = c.Audience[0]
	default:
		m["aud"] = slices.Clone(c.Audience)
	}
	setTime("exp", c.Expiry)
	setTime("iat", c.IssuedAt)
	setTime("auth_time", c.AuthTime)
	set("nonce", c.Nonce)
	if c.Email != "" {
		m["email"] = c.Email
		m["email_verified"] = c.EmailVerified
	}
	set("acr", c.ACR)
	if len(c.AMR) > 0 {
		m["amr"] = slices.Clone(c.AMR)
	}
	set("at_hash", c.AccessTokenHash)
	maps.Copy(m, c.Extra)
	return m
}

// sign runs the tamper hook over c and signs it with the current key, or
// with the stray key once after SignNextWithUnknownKey.
func (s *Server) sign(c *Claims) (string, error) {
	s.mu.Lock()
	tamper := s.tamper
	key := s.keys[len(s.keys)-1]
	kid := key.kid
	if s.unknownKeyNext {
		s.unknownKeyNext = false
		key = s.strayKey
	}
	s.mu.Unlock()

	if tamper != nil {
		tamper(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c.jwtClaims())
	tok.Header["kid"] = kid
	return tok.SignedString(key.priv)
}

// Token signs c as the provider signs the access tokens it issues to an
// app on a person's behalf without a sign-in here: Microsoft Entra ID's
// token for a Teams tab (getAuthToken), say. The tamper hook and
// SignNextWithUnknownKey apply as to ID tokens.
func (s *Server) Token(c Claims) (string, error) { return s.sign(&c) }
