package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SignRequest signs a request body to the app as Slack does, at at:
// X-Slack-Signature is v0=hex(HMAC-SHA256(secret, "v0:" + timestamp +
// ":" + body)), with the timestamp in X-Slack-Request-Timestamp.
func SignRequest(h http.Header, body string, at time.Time, secret string) {
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
