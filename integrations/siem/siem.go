// Package siem sends the audit trail to a security team's collector: a
// webhook of their own, each batch signed with HMAC-SHA256 over a
// timestamp and the body the way Slack signs its requests, or Splunk's
// HTTP Event Collector with its token. Both implement audit.Sink.
package siem

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Headers of a webhook delivery.
const (
	HeaderTimestamp = "X-Seatwarden-Request-Timestamp"
	HeaderSignature = "X-Seatwarden-Signature"
	// SignatureVersion prefixes the signature and the signed base string.
	SignatureVersion = "v1"
)

// Error is a failed delivery; errors.Is matches its kind and the
// connector seam's class, which tells the stream whether to retry soon.
type Error = apiclient.Error

const maxAnswer = 64 << 10

// Sign is the signature of a delivery of body at ts, as the receiver
// recomputes it: "v1=" and the hex HMAC-SHA256 of "v1:TS:BODY".
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s:%d:", SignatureVersion, ts)
	mac.Write(body)
	return SignatureVersion + "=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's signature and that its timestamp is within
// skew of now, so a captured delivery cannot be replayed later. Receivers
// written in Go can use it; docs/audit.md shows the same in a few lines.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, skew time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("siem: no timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > skew || d < -skew {
		return fmt.Errorf("siem: the timestamp is %s away from now", d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("siem: the signature does not match")
	}
	return nil
}

// Webhook posts batches as JSON lines to a URL, signed.
type Webhook struct {
	URL    string
	Secret []byte
	HTTP   *http.Client
	Now    func() time.Time
}

var _ audit.Sink = (*Webhook)(nil)

// Name implements audit.Sink.
func (w *Webhook) Name() string { return "webhook " + redact(w.URL) }

// Send implements audit.Sink: 2xx is taken; 429 and 5xx are worth a retry.
func (w *Webhook) Send(ctx context.Context, entries []audit.Entry) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()
	return post(ctx, w.HTTP, "webhook", w.URL, body.Bytes(), http.Header{
		"Content-Type":  {"application/x-ndjson"},
		HeaderTimestamp: {strconv.FormatInt(ts, 10)},
		HeaderSignature: {Sign(w.Secret, ts, body.Bytes())},
	}, nil)
}

// HEC sends batches to Splunk's HTTP Event Collector, one event per entry
// with the entry's time.
type HEC struct {
	URL   string
	Token string
	HTTP  *http.Client
}

var _ audit.Sink = (*HEC)(nil)

// Name implements audit.Sink.
func (h *HEC) Name() string { return "Splunk HEC " + redact(h.URL) }

// hecEvent is one event in Splunk's JSON event protocol.
type hecEvent struct {
	Time       float64     `json:"time"`
	Source     string      `json:"source"`
	SourceType string      `json:"sourcetype"`
	Event      audit.Entry `json:"event"`
}

// Send implements audit.Sink. HEC answers {"text", "code"}: code 0 is
// taken; 9 (busy) and 5xx are retried; a wrong token (codes 1 to 4) or
// data it refuses is not.
func (h *HEC) Send(ctx context.Context, entries []audit.Entry) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		ev := hecEvent{Time: float64(e.At.UnixMilli()) / 1000, Source: "seatwarden", SourceType: "seatwarden:audit", Event: e}
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	return post(ctx, h.HTTP, "splunk", h.URL, body.Bytes(), http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Splunk " + h.Token},
	}, func(body []byte) string {
		var a struct {
			Text string `json:"text"`
			Code *int   `json:"code"`
		}
		if json.Unmarshal(body, &a) != nil || a.Code == nil {
			return ""
		}
		return fmt.Sprintf("%s (code %d)", a.Text, *a.Code)
	})
}

// post sends one batch. A redirect is not followed: the body is the
// company's audit trail and goes only where it was configured to.
func post(ctx context.Context, client *http.Client, product, rawURL string, body []byte, header http.Header, reason func([]byte) string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = header
	req.Header.Set("User-Agent", "seatwarden")
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Product: product, Kind: apiclient.KindUnavailable, Message: redactError(err, rawURL)}
	}
	answer, _ := apiclient.ReadBody(resp, maxAnswer)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := strings.TrimSpace(string(answer))
	if reason != nil {
		msg = reason(answer)
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	kind := apiclient.KindOf(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		kind, msg = apiclient.KindInvalid, "answered with a redirect, which is not followed: set the final URL"
	}
	return &Error{Product: product, Kind: kind, Status: resp.StatusCode, Message: msg}
}

// redact is a URL without its query or credentials, for logs.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unreadable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// redactError keeps a transport error from echoing a URL's query.
func redactError(err error, rawURL string) string {
	return strings.ReplaceAll(err.Error(), rawURL, redact(rawURL))
}
