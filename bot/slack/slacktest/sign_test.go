package slacktest_test

import (
	"net/http"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// TestSignRequestIsWhatSlackSends: slack-go's verifier, the one the bot
// uses, accepts the signature, and refuses it under another secret.
func TestSignRequestIsWhatSlackSends(t *testing.T) {
	body := "command=%2Fwarden&text=seats"
	for _, tt := range []struct {
		secret string
		want   bool
	}{{"the-secret", true}, {"another-secret", false}} {
		h := http.Header{}
		slacktest.SignRequest(h, body, time.Now(), "the-secret")
		sv, err := slackgo.NewSecretsVerifier(h, tt.secret)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = sv.Write([]byte(body))
		if got := sv.Ensure() == nil; got != tt.want {
			t.Errorf("verified under %q = %v, want %v", tt.secret, got, tt.want)
		}
	}
}
