package slack

import (
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
)

func TestFormMetadata(t *testing.T) {
	origin := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS", MessageID: "1700000000.000100"}
	tests := []struct {
		name   string
		record string
		origin bot.MessageRef
		want   string
	}{
		{"with origin", "rev-7:042", origin, "sw1|C0SEATS|1700000000.000100|rev-7:042"},
		{"record with the delimiter", "a|b|c", origin, "sw1|C0SEATS|1700000000.000100|a|b|c"},
		{"empty record", "", origin, "sw1|C0SEATS|1700000000.000100|"},
		{"dm origin", "r", bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "D0ABC", MessageID: "1.2"}, "sw1|D0ABC|1.2|r"},
		{"no origin stays a bare record id", "rev-7:042", bot.MessageRef{}, "rev-7:042"},
		{"record that looks packed is wrapped", "sw1|C1|1.2|x", bot.MessageRef{}, "sw1|||sw1|C1|1.2|x"},
		{"origin without ts is left out", "r", bot.MessageRef{ConversationID: "C0SEATS"}, "r"},
		{"origin with a channel name is left out", "r", bot.MessageRef{ConversationID: "#seats", MessageID: "1.2"}, "r"},
		{"origin with a user id is left out", "r", bot.MessageRef{ConversationID: "U0DANA", MessageID: "1.2"}, "r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formMetadata(tt.record, tt.origin)
			if got != tt.want {
				t.Errorf("formMetadata = %q, want %q", got, tt.want)
			}
			record, origin := parseFormMetadata(got)
			wantOrigin := bot.MessageRef{}
			if strings.HasPrefix(got, formMetaPrefix+"C") || strings.HasPrefix(got, formMetaPrefix+"D") {
				wantOrigin = tt.origin
			}
			if record != tt.record || origin != wantOrigin {
				t.Errorf("round trip = %q, %+v; want %q, %+v", record, origin, tt.record, wantOrigin)
			}
		})
	}
}

// TestParseFormMetadata: metadata not exactly in the packed format (older
// modals, tampering, truncation) is a bare record id with no origin.
func TestParseFormMetadata(t *testing.T) {
	ref := func(ch, ts string) bot.MessageRef {
		return bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: ch, MessageID: ts}
	}
	tests := []struct {
		in         string
		wantRecord string
		wantOrigin bot.MessageRef
	}{
		{"", "", bot.MessageRef{}},
		{"rev-1:42", "rev-1:42", bot.MessageRef{}},
		{"sw1|C0SEATS|1700000000.000100|rev-1:42", "rev-1:42", ref("C0SEATS", "1700000000.000100")},
		{"sw1|G0PRIV|1.000001|", "", ref("G0PRIV", "1.000001")},
		{"sw1|||sw1|x", "sw1|x", bot.MessageRef{}},
		{"sw1|", "sw1|", bot.MessageRef{}},
		{"sw1|C0SEATS", "sw1|C0SEATS", bot.MessageRef{}},
		{"sw1|C0SEATS|1.2", "sw1|C0SEATS|1.2", bot.MessageRef{}},
		{"sw1|c0seats|1.2|r", "sw1|c0seats|1.2|r", bot.MessageRef{}},
		{"sw1|U0DANA|1.2|r", "sw1|U0DANA|1.2|r", bot.MessageRef{}},
		{"sw1|C0SEATS|1.2.3|r", "sw1|C0SEATS|1.2.3|r", bot.MessageRef{}},
		{"sw1|C0SEATS|12|r", "sw1|C0SEATS|12|r", bot.MessageRef{}},
		{"sw1|C0SEATS|.2|r", "sw1|C0SEATS|.2|r", bot.MessageRef{}},
		{"sw1|C0SEATS|1.2x|r", "sw1|C0SEATS|1.2x|r", bot.MessageRef{}},
		{"sw1|C|1.2|r", "sw1|C|1.2|r", bot.MessageRef{}},
		{"sw1|C0SEATS||r", "sw1|C0SEATS||r", bot.MessageRef{}},
		{"sw1||1.2|r", "sw1||1.2|r", bot.MessageRef{}},
		{"sw1|C0" + strings.Repeat("A", 40) + "|1.2|r", "sw1|C0" + strings.Repeat("A", 40) + "|1.2|r", bot.MessageRef{}},
		{"sw1|C0SEATS|1." + strings.Repeat("0", 17) + "|r", "sw1|C0SEATS|1." + strings.Repeat("0", 17) + "|r", bot.MessageRef{}},
		{"SW1|C0SEATS|1.2|r", "SW1|C0SEATS|1.2|r", bot.MessageRef{}},
		{"sw1|C0SÉATS|1.2|r", "sw1|C0SÉATS|1.2|r", bot.MessageRef{}},
		{"sw1|C0SEATS|١.٢|r", "sw1|C0SEATS|١.٢|r", bot.MessageRef{}},
	}
	for _, tt := range tests {
		record, origin := parseFormMetadata(tt.in)
		if record != tt.wantRecord || origin != tt.wantOrigin {
			t.Errorf("parseFormMetadata(%q) = %q, %+v; want %q, %+v", tt.in, record, origin, tt.wantRecord, tt.wantOrigin)
		}
	}
}

// TestFormOriginFitsTheMetadataLimit: the packed origin counts against
// private_metadata's 3,000 characters.
func TestFormOriginFitsTheMetadataLimit(t *testing.T) {
	origin := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS", MessageID: "1700000000.000100"}
	overhead := len(formMetadata("", origin))
	form := everyInputKind()
	form.RecordID = strings.Repeat("r", maxPrivateMetadata-overhead)
	v, err := renderForm(form, origin)
	if err != nil {
		t.Fatalf("a record id that fits with its origin: %v", err)
	}
	if n := len(v.PrivateMetadata); n != maxPrivateMetadata {
		t.Errorf("private_metadata of %d characters, want %d", n, maxPrivateMetadata)
	}
	form.RecordID += "r"
	if _, err := renderForm(form, origin); err == nil {
		t.Error("a record id one over the limit with its origin rendered")
	}
	if _, err := RenderForm(form); err != nil {
		t.Errorf("the same record id without an origin: %v", err)
	}
}

// FuzzFormMetadata: whatever the record id and origin, packing and
// unpacking gives them back (the origin only when chat.update could use
// it), and any metadata at all unpacks without panicking.
func FuzzFormMetadata(f *testing.F) {
	f.Add("rev-1:42", "C0SEATS", "1700000000.000100")
	f.Add("sw1|||x", "", "")
	f.Add("a|b|c", "D0ABC", "1.2")
	f.Add("sw1|C1|1.2|r", "U0DANA", "1.2")
	f.Fuzz(func(t *testing.T, record, channel, ts string) {
		origin := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: channel, MessageID: ts}
		meta := formMetadata(record, origin)
		gotRecord, gotOrigin := parseFormMetadata(meta)
		wantOrigin := bot.MessageRef{}
		if validOrigin(channel, ts) {
			wantOrigin = origin
		}
		if gotRecord != record || gotOrigin != wantOrigin {
			t.Fatalf("%q unpacked to %q, %+v; want %q, %+v", meta, gotRecord, gotOrigin, record, wantOrigin)
		}
		if r, o := parseFormMetadata(record); !strings.HasPrefix(record, formMetaPrefix) && (r != record || o != bot.MessageRef{}) {
			t.Fatalf("bare %q unpacked to %q, %+v", record, r, o)
		}
	})
}
