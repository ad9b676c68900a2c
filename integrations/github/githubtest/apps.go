package githubtest

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxJWTLifetime is GitHub's limit on how far in the future exp may be.
const maxJWTLifetime = 10 * time.Minute

// handleAppToken serves POST /app/installations/{id}/access_tokens: it
// verifies the app's RS256 JWT (iss, iat, exp at most ten minutes ahead)
// on the emulator clock and issues an expiring installation token.
func (s *Server) handleAppToken(w http.ResponseWriter, r *http.Request, rt route, now time.Time) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || strings.Count(raw, ".") != 2 {
		writeMessage(w, http.StatusUnauthorized, "A JSON web token could not be decoded", docsAppToken)
		return
	}
	app, msg := s.verifyJWT(strings.TrimSpace(raw), now)
	if msg != "" {
		writeMessage(w, http.StatusUnauthorized, msg, docsAppToken)
		return
	}
	if rt.installationID != app.InstallationID {
		writeMessage(w, http.StatusNotFound, "Not Found", docsAppToken)
		return
	}
	s.mu.Lock()
	var suspended, known bool
	var perms map[string]string
	var selection string
	for _, in := range s.org.Installations {
		if in.ID == app.InstallationID {
			known, suspended = true, in.SuspendedAt != nil
			perms, selection = in.Permissions, in.RepositorySelection
		}
	}
	if !known || suspended {
		s.mu.Unlock()
		if suspended {
			writeMessage(w, http.StatusForbidden, "This installation has been suspended", docsAppToken)
			return
		}
		writeMessage(w, http.StatusNotFound, "Not Found", docsAppToken)
		return
	}
	token := "ghs_" + rand.Text()
	expires := now.Add(s.tokenTTL).UTC().Truncate(time.Second)
	s.issued[token] = issuedToken{installationID: app.InstallationID, expires: expires}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"token":                token,
		"expires_at":           ts(expires),
		"permissions":          perms,
		"repository_selection": selection,
	})
}

// verifyJWT checks a JWT against the registered apps. It returns the app,
// or the message GitHub answers 401 with.
func (s *Server) verifyJWT(raw string, now time.Time) (AppRegistration, string) {
	var claims jwt.RegisteredClaims
	var app AppRegistration
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		for _, a := range s.apps {
			if (a.ClientID != "" && iss == a.ClientID) || iss == strconv.FormatInt(a.AppID, 10) {
				app = a
				return a.PublicKey, nil
			}
		}
		return nil, errUnknownIssuer
	},
		jwt.WithValidMethods([]string{"RS256"}),
		// Times are checked below on the emulator clock.
		jwt.WithoutClaimsValidation(),
	)
	switch {
	case errors.Is(err, errUnknownIssuer):
		return AppRegistration{}, "Integration not found"
	case err != nil:
		return AppRegistration{}, "A JSON web token could not be decoded"
	case claims.IssuedAt == nil:
		return AppRegistration{}, "Missing 'issued at' claim ('iat') in the JWT."
	case claims.ExpiresAt == nil:
		return AppRegistration{}, "Missing 'expiration time' claim ('exp') in the JWT."
	case claims.IssuedAt.After(now):
		return AppRegistration{}, "'Issued at' claim ('iat') must be an Integer representing a time in the past."
	case !claims.ExpiresAt.After(now):
		return AppRegistration{}, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."
	case claims.ExpiresAt.Sub(now) > maxJWTLifetime:
		return AppRegistration{}, "'Expiration time' claim ('exp') is too far in the future."
	}
	return app, ""
}

var errUnknownIssuer = errors.New("unknown issuer")
