package zendesk

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode string
		wantDesc string
	}{
		{"not found", `{"error":"RecordNotFound","description":"Not found"}`, "RecordNotFound", "Not found"},
		{"unauthenticated", `{"error":"Couldn't authenticate you"}`, "Couldn't authenticate you", ""},
		{
			"record invalid with details",
			`{"error":"RecordInvalid","description":"Record validation errors","details":{"email":[{"error":"InvalidValue","description":"Email: dana@ is not properly formatted"}],"base":[{"type":"Blank","description":"Name is blank"}]}}`,
			"RecordInvalid",
			"Record validation errors (base: Name is blank; email: Email: dana@ is not properly formatted)",
		},
		{"details as strings", `{"error":"RecordInvalid","details":{"role":["is not valid"]}}`, "RecordInvalid", "role: is not valid"},
		{"error object", `{"error":{"title":"Forbidden","message":"You do not have access to this page"}}`, "Forbidden", "You do not have access to this page"},
		{
			"json:api errors",
			`{"errors":[{"code":"TooManyValues","title":"Too many values","detail":"At most 100 ids"},{"code":"Other","title":"Other","detail":"Second"}]}`,
			"TooManyValues", "At most 100 ids; Second",
		},
		{"oauth", `{"error":"invalid_client","error_description":"Client authentication failed"}`, "invalid_client", "Client authentication failed"},
		{"plain text", "You have exceeded the rate limit for updating\n a single unique user.", "", "You have exceeded the rate limit for updating a single unique user."},
		{"html", "<html><body>Bad Gateway</body></html>", "", "<html><body>Bad Gateway</body></html>"},
		{"empty", "", "", ""},
		{"json that is not an envelope", `["x"]`, "", `["x"]`},
		{"odd description type", `{"error":"BadRequest","description":{"nested":true}}`, "BadRequest", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, desc := parseErrorBody([]byte(tt.body))
			if code != tt.wantCode || desc != tt.wantDesc {
				t.Errorf("parseErrorBody = (%q, %q), want (%q, %q)", code, desc, tt.wantCode, tt.wantDesc)
			}
		})
	}
}

func TestStatusKinds(t *testing.T) {
	tests := []struct {
		status int
		want   ErrorKind
	}{
		{400, ErrInvalid}, {401, ErrAuth}, {403, ErrForbidden}, {404, ErrNotFound}, {409, ErrInvalid},
		{422, ErrInvalid}, {429, ErrRateLimited}, {500, ErrUnavailable}, {503, ErrUnavailable}, {304, ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			err := error(newStatusError("groups", tt.status, nil, 0))
			if !errors.Is(err, tt.want) {
				t.Errorf("status %d: errors.Is(%v, %v) = false", tt.status, err, tt.want)
			}
			wrapped := fmt.Errorf("sync: %w", err)
			if !errors.Is(wrapped, tt.want) {
				t.Error("kind lost through wrapping")
			}
			for _, other := range []ErrorKind{ErrAuth, ErrForbidden, ErrNotFound, ErrRateLimited, ErrUnavailable, ErrBadResponse, ErrInvalid} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("status %d also matches %v", tt.status, other)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	cause := errors.New("connection refused")
	tests := []struct {
		err  *Error
		want string
	}{
		{newStatusError("users_me", 401, []byte(`{"error":"Couldn't authenticate you"}`), 0),
			"zendesk: users_me: authentication failed (HTTP 401): Couldn't authenticate you"},
		{newStatusError("users_update", 422, []byte(`{"error":"RecordInvalid","description":"Record validation errors"}`), 0),
			"zendesk: users_update: invalid request (HTTP 422): RecordInvalid: Record validation errors"},
		{&Error{Kind: ErrUnavailable, Endpoint: "groups", Err: cause},
			"zendesk: groups: unavailable: connection refused"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(&Error{Kind: ErrUnavailable, Err: cause}, cause) {
		t.Error("Unwrap does not reach the cause")
	}
}

func TestErrorBodyTrimmed(t *testing.T) {
	body := strings.Repeat("é", 2000) // 4,000 bytes
	e := newStatusError("groups", 500, []byte(body), 0)
	if len(e.Body) > 2048 || !strings.HasPrefix(body, e.Body) || len(e.Body) < 2046 {
		t.Errorf("trimmed body has %d bytes", len(e.Body))
	}
}

func TestRateLimitHeaderParsing(t *testing.T) {
	type result struct {
		Remaining int
		Resets    time.Duration
		OK        bool
	}
	tests := []struct {
		value string
		want  result
	}{
		{"total=20; remaining=0; resets=42", result{0, 42 * time.Second, true}},
		{"total=5;remaining=3;resets=7", result{3, 7 * time.Second, true}},
		{"total=5; remaining=3", result{3, 0, false}},
		{"garbage", result{}},
	}
	for _, tt := range tests {
		remaining, resets, ok := parseRateLimitHeader(tt.value)
		if diff := cmp.Diff(tt.want, result{remaining, resets, ok}); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.value, diff)
		}
	}
}
