package prompts_test

import (
	"cmp"
	"math"
	"testing"

	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// TestSeatValueRoundTrip: what SeatValue writes, ParseSeatValue reads back.
func TestSeatValueRoundTrip(t *testing.T) {
	tests := []struct {
		saas, period string
		userID       int64
		want         string
	}{
		{"zendesk", "2026-W47", 1, "2026-W47:1"},
		{"zendesk", "2026-W01", 360012345678, "2026-W01:360012345678"},
		{"zendesk", "2026-W53", math.MaxInt64, "2026-W53:9223372036854775807"}, // 2026 has 53 ISO weeks
		{"zendesk", "2000-W01", 7, "2000-W01:7"},
		{"zendesk", "2020-W53", 42, "2020-W53:42"},
		{"github", "2026-W47", 583231, "2026-W47:github:583231"},
	}
	for _, tt := range tests {
		v := prompts.SeatValue(tt.saas, tt.period, tt.userID)
		if v != tt.want {
			t.Errorf("SeatValue(%q, %q, %d) = %q, want %q", tt.saas, tt.period, tt.userID, v, tt.want)
		}
		saas, p, id, ok := prompts.ParseSeatValue(v)
		if !ok || saas != tt.saas || p != tt.period || id != tt.userID {
			t.Errorf("ParseSeatValue(%q) = %q, %q, %d, %v; want %q, %q, %d", v, saas, p, id, ok, tt.saas, tt.period, tt.userID)
		}
	}
}

// TestParseSeatValueRefuses: a button value or form record id comes back
// from the chat platform and may have been tampered with; anything
// SeatValue could not have written is refused whole.
func TestParseSeatValueRefuses(t *testing.T) {
	for _, v := range []string{
		"",
		"2026-W47",
		"2026-W47:",
		":12",
		"2026-W47:-1",
		"2026-W47:0",
		"2026-W47:12a",
		"2026-W47:+12",
		"2026-W47:007",                  // SeatValue writes 7
		"2026-W47: 12",                  // spaces
		"2026-W47:12 ",                  //
		" 2026-W47:12",                  //
		"2026-W47:1 2",                  //
		"2026-W47:1:2",                  // a second colon
		"2026-W47:1e3",                  // not digits
		"2026-W47:0x1f",                 //
		"2026-W47:١٢",                   // Arabic-Indic digits
		"2026-W47:12345678901234567890", // 20 digits
		"2026-W47:9223372036854775808",  // 19 digits, past int64
		"2026-W54:12",                   // no 54th week
		"2025-W53:12",                   // 2025 has 52 weeks
		"2026-W00:12",
		"1999-W01:12",
		"2026-w47:12",
		"2026-W4:12",
		"2026-W 7:12", // fmt would read these as week 7
		"2026-W+7:12",
		"2026-W7x:12",
		"2026-W7 :12",
		" 2026-W4:12",
		"02026-W47:12",
	} {
		if saas, p, id, ok := prompts.ParseSeatValue(v); ok || saas != "" || p != "" || id != 0 {
			t.Errorf("ParseSeatValue(%q) = %q, %q, %d, %v; want it refused", v, saas, p, id, ok)
		}
	}
}

// TestDigestTokenRoundTrip: what DigestToken writes, ParseDigestToken
// reads back.
func TestDigestTokenRoundTrip(t *testing.T) {
	for _, tt := range []struct{ saas, period, owner string }{
		{"", "2026-W47", "dana@example.com"},
		{"", "2026-W53", "ops+reviews@support.example.co.uk"},
		{"", "2000-W01", "a@b"},
		{"github", "2026-W47", "dana@example.com"},
	} {
		tok := prompts.DigestToken(tt.saas, tt.period, tt.owner)
		saas, p, o, ok := prompts.ParseDigestToken(tok)
		if saas != cmp.Or(tt.saas, "zendesk") {
			t.Errorf("ParseDigestToken(%q) names %q's review, want %q's", tok, saas, tt.saas)
		}
		if !ok || p != tt.period || o != tt.owner {
			t.Errorf("ParseDigestToken(%q) = %q, %q, %v; want %q, %q", tok, p, o, ok, tt.period, tt.owner)
		}
	}
}

// TestParseDigestTokenRefuses: a pager token is refused unless it names a
// real period and something shaped like an email.
func TestParseDigestTokenRefuses(t *testing.T) {
	for _, tok := range []string{
		"",
		"2026-W47",
		"2026-W47:",
		":dana@example.com",
		"2026-W47:dana",                // owner without "@"
		"2026-W47:dana@example.com:2",  // owner with ":"
		"2026-W47:dana @example.com",   // spaces
		"2026-W47: dana@example.com",   //
		"2026-W47:dana@example.com ",   //
		"2026-W54:dana@example.com",    // no 54th week
		"2025-W53:dana@example.com",    // 2025 has 52 weeks
		"2026-W 7:dana@example.com",    // fmt would read this as week 7
		"2026-W+7:dana@example.com",    //
		"inactive:30",                  // another list's token
		"2026-W47dana@example.com",     // no colon
		"2026-W47:12:dana@example.com", // a seat value's shape
		"2026-W47:zendesk:12",          // Zendesk's seats go without the name
		"2026-W47:gitlab:12",           // no such SaaS
		"2026-W47:github:",
		"2026-W47:github:012",
	} {
		if _, p, o, ok := prompts.ParseDigestToken(tok); ok || p != "" || o != "" {
			t.Errorf("ParseDigestToken(%q) = %q, %q, %v; want it refused", tok, p, o, ok)
		}
	}
}

// FuzzParseSeatValue: ParseSeatValue never panics, and whatever it accepts
// is exactly what SeatValue writes for it, so no two values name one seat.
func FuzzParseSeatValue(f *testing.F) {
	for _, seed := range []string{
		"2026-W47:12", "2026-W53:9223372036854775807", "2026-W47:007", "2026-W 7:1", "2026-W47:-1",
		"2025-W53:1", "2026-W47:12345678901234567890", "2026-W47:+1", ":", "", "2026-W47:github:7", "2026-W47:zendesk:7",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		saas, p, id, ok := prompts.ParseSeatValue(v)
		if !ok {
			if saas != "" || p != "" || id != 0 {
				t.Fatalf("refused %q but returned %q, %q, %d", v, saas, p, id)
			}
			return
		}
		if id <= 0 || !reviews.ValidPeriod(p) {
			t.Fatalf("accepted %q as %q, %d", v, p, id)
		}
		if back := prompts.SeatValue(saas, p, id); back != v {
			t.Fatalf("accepted %q as %q, %q, %d, which SeatValue writes %q", v, saas, p, id, back)
		}
	})
}

// FuzzParseDigestToken: ParseDigestToken never panics, and whatever it
// accepts is exactly what DigestToken writes for it.
func FuzzParseDigestToken(f *testing.F) {
	for _, seed := range []string{"2026-W47:dana@example.com", "2026-W47:a:b@c", "2026-W 7:a@b", ":", "", "2026-W47:github:dana@example.com", "2026-W47:zendesk:a@b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		saas, p, o, ok := prompts.ParseDigestToken(tok)
		if !ok {
			return
		}
		if back := prompts.DigestToken(saas, p, o); back != tok || !reviews.ValidPeriod(p) {
			t.Fatalf("accepted %q as %q, %q, which DigestToken writes %q", tok, p, o, back)
		}
	})
}
