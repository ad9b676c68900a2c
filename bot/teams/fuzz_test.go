package teams_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzActivity posts arbitrary bodies, with a valid token, to the
// messaging endpoint: the bot never panics and answers only with a
// status it documents.
//
//	go test -run '^$' -fuzz '^FuzzActivity$' -fuzztime 60s ./bot/teams
func FuzzActivity(f *testing.F) {
	h := newHarness(f)
	conv := h.emu.PersonalConversation(omar.ID)
	channel := h.emu.ChannelConversation(opsChannel)
	for _, act := range []any{
		h.emu.Message(omar, conv, "seats inactive 60"),
		h.emu.Message(dana, channel, "review"),
		h.emu.Invoke(omar, conv, "1", "seat.keep", map[string]any{"v": "w47:7"}),
		h.emu.Invoke(omar, conv, "1", "sw.form", map[string]any{"f": "seat.keep", "r": "w47:7", "f.reason": "leave"}),
		h.emu.SubmitMessage(omar, conv, "1", map[string]any{"verb": "seat.remove", "v": "w47:7"}),
		h.emu.ConversationUpdate(dana, channel),
		h.emu.InstallationUpdate(omar, conv, "remove"),
	} {
		b, _ := json.Marshal(act)
		f.Add(b)
	}
	f.Add([]byte(`{"type":"message","serviceUrl":`))
	f.Add([]byte(`{"type":"invoke","name":"adaptiveCard/action","value":"x"}`))
	f.Add([]byte(`null`))
	header := "Bearer " + h.emu.InboundToken(h.emu.ServiceURL())
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		h.adapter.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
