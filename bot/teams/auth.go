package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Bot Framework's issuer of the tokens the Connector signs, used when the
// OpenID metadata document names none.
const botFrameworkIssuer = "https://api.botframework.com"

// Key cache tuning: the Bot Framework SDK keeps keys for days; an unknown
// key id refetches at once (Microsoft rotates keys), but at most once a
// minute, so a stream of forged key ids cannot make the bot hammer
// Microsoft's endpoint.
const (
	keysMaxAge     = 24 * time.Hour
	keysMinRefetch = time.Minute
	clockSkew      = 5 * time.Minute // what Microsoft allows
)

// AuthError is an inbound request that failed authentication: it is
// answered 401 and goes no further.
type AuthError struct{ Reason string }

func (e *AuthError) Error() string { return "teams: unauthenticated request: " + e.Reason }

// errKeysUnavailable: the signing keys could not be fetched and none are
// cached, so no token can be checked (a 503, not the caller's fault).
var errKeysUnavailable = errors.New("teams: Bot Framework signing keys unavailable")

// validator checks the JWT the Bot Connector puts on every activity:
// signature with a key from the OpenID metadata's JWKS, issuer, audience
// (the bot's app id), validity with Microsoft's clock skew, the serviceurl
// claim against the activity's serviceUrl, and the key's endorsement of
// the channel. msbotbuilder-go's validator cannot be pointed at another
// metadata URL, refetches the metadata on every lookup and panics on a
// missing serviceurl claim, so this one is the project's own.
type validator struct {
	appID       string
	metadataURL string
	http        *http.Client
	now         func() time.Time

	mu      sync.Mutex
	keys    map[string]publicKey
	issuer  string
	fetched time.Time // last successful fetch
	// refetched is the last fetch an unknown key id caused, successful or
	// not: such fetches are spaced a minute apart.
	refetched time.Time
}

type publicKey struct {
	key          *rsa.PublicKey
	endorsements []string
}

// claims are the Bot Connector's token claims the bot reads.
type claims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl"`
}

// token is what a verified token says about the activity it came with.
type token struct {
	serviceURL   string
	endorsements []string
}

// authenticate checks the Authorization header: scheme, signature, issuer,
// audience and validity. The activity is read only after this passes;
// then admits checks the token against it.
func (v *validator) authenticate(ctx context.Context, header string) (token, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return token{}, &AuthError{Reason: "no Bearer token in the Authorization header"}
	}
	issuer, err := v.expectedIssuer(ctx)
	if err != nil {
		return token{}, err
	}
	var tok token
	var c claims
	_, err = jwt.ParseWithClaims(strings.TrimSpace(raw), &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no key id")
		}
		k, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		tok.endorsements = k.endorsements
		return k.key, nil
	},
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(v.appID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(v.now),
	)
	if err != nil {
		return token{}, &AuthError{Reason: err.Error()}
	}
	if c.ServiceURL == "" {
		return token{}, &AuthError{Reason: "token has no serviceurl claim"}
	}
	tok.serviceURL = c.ServiceURL
	return tok, nil
}

// TeamsChannel is the channel id of every activity from Microsoft Teams.
const TeamsChannel = "msteams"

// admits checks that the token was issued for this activity: its
// serviceurl claim names the activity's serviceUrl, the activity comes
// from Teams, and the signing key is endorsed for that channel. An empty
// channel id is refused rather than let it skip the endorsement check.
func (t token) admits(serviceURL, channelID string) error {
	if !sameServiceURL(t.serviceURL, serviceURL) {
		return &AuthError{Reason: fmt.Sprintf("token's serviceurl %q is not the activity's serviceUrl %q", t.serviceURL, serviceURL)}
	}
	if channelID != TeamsChannel {
		return &AuthError{Reason: fmt.Sprintf("activity's channelId %q is not %q: this bot answers Microsoft Teams only", channelID, TeamsChannel)}
	}
	if !slices.Contains(t.endorsements, channelID) {
		return &AuthError{Reason: fmt.Sprintf("signing key is not endorsed for channel %q", channelID)}
	}
	return nil
}

// sameServiceURL compares service URLs as the Connector writes them, with
// or without the trailing slash.
func sameServiceURL(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

func (v *validator) expectedIssuer(ctx context.Context) (string, error) {
	v.mu.Lock()
	stale := v.keys == nil || v.now().Sub(v.fetched) > keysMaxAge
	issuer := v.issuer
	v.mu.Unlock()
	if stale {
		if err := v.refresh(ctx, false); err != nil {
			v.mu.Lock()
			defer v.mu.Unlock()
			if v.keys == nil {
				return "", fmt.Errorf("%w: %v", errKeysUnavailable, err)
			}
			return v.issuer, nil // keep serving with the keys we have
		}
		v.mu.Lock()
		issuer = v.issuer
		v.mu.Unlock()
	}
	return issuer, nil
}

// key returns the public key with this id, refetching the key set once
// when the id is unknown (a rotation).
func (v *validator) key(ctx context.Context, kid string) (publicKey, error) {
	v.mu.Lock()
	k, ok := v.keys[kid]
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	if err := v.refresh(ctx, true); err != nil {
		return publicKey{}, fmt.Errorf("unknown key id %q (key set not refetched: %v)", kid, err)
	}
	v.mu.Lock()
	k, ok = v.keys[kid]
	v.mu.Unlock()
	if !ok {
		return publicKey{}, fmt.Errorf("unknown key id %q", kid)
	}
	return k, nil
}

// refresh fetches the metadata and the key set. A refetch for an unknown
// key is skipped when the last attempt was under a minute ago.
func (v *validator) refresh(ctx context.Context, forUnknownKey bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if forUnknownKey {
		if now.Sub(v.refetched) < keysMinRefetch {
			return errors.New("refetched for an unknown key under a minute ago")
		}
		v.refetched = now
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.metadataURL, &meta); err != nil {
		return fmt.Errorf("OpenID metadata: %w", err)
	}
	if meta.JWKSURI == "" {
		return fmt.Errorf("OpenID metadata at %s has no jwks_uri", v.metadataURL)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return fmt.Errorf("key set: %w", err)
	}
	keys := make(map[string]publicKey, len(set.Keys))
	for _, k := range set.Keys {
		pk, err := k.rsa()
		if err != nil || k.Kid == "" {
			continue // a key we cannot use (another type) is not an outage
		}
		keys[k.Kid] = publicKey{key: pk, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return fmt.Errorf("key set at %s has no usable RSA keys", meta.JWKSURI)
	}
	v.keys, v.fetched = keys, now
	v.issuer = meta.Issuer
	if v.issuer == "" {
		v.issuer = botFrameworkIssuer
	}
	return nil
}

func (v *validator) getJSON(ctx context.Context, url string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := v.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into)
}

// jwk is one JSON Web Key of the Bot Framework key set.
type jwk struct {
	Kty          string   `json:"kty"`
	Kid          string   `json:"kid"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	Endorsements []string `json:"endorsements"`
}

func (k jwk) rsa() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("key type %q", k.Kty)
	}
	n, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.N, "="))
	if err != nil || len(n) == 0 {
		return nil, errors.New("bad modulus")
	}
	e, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.E, "="))
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	exp := int(new(big.Int).SetBytes(e).Int64())
	if exp < 3 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
}
