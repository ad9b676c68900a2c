package apiclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// GetJSON waits out what the product says to, gives up after MaxRetries,
// stops at once on a refusal, and paces after a 200 whose bucket is empty.
func TestGetJSON(t *testing.T) {
	fail := func(kind apiclient.Kind, status int, msg string) *apiclient.Error {
		return &apiclient.Error{Product: "test", Kind: kind, Status: status, Message: msg}
	}
	tests := []struct {
		name     string
		statuses []int // answered in turn, the last repeated
		refuse   bool
		paced    bool
		want     error
		requests int
		waits    []time.Duration
	}{
		{"a 200", []int{200}, false, false, nil, 1, nil},
		{"two 503s waited out", []int{503, 503, 200}, false, false, nil, 3, []time.Duration{7 * time.Second, 7 * time.Second}},
		{"a 503 storm gives up", []int{503}, false, false, apiclient.KindUnavailable, 3, []time.Duration{7 * time.Second, 7 * time.Second}},
		{"a 404 is final", []int{404}, false, false, apiclient.KindNotFound, 1, nil},
		{"paced after a 200", []int{200}, false, true, nil, 1, []time.Duration{7 * time.Second}},
		{"a refused token is final", []int{200}, true, false, apiclient.KindUnauthorized, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := min(int(n.Add(1))-1, len(tt.statuses)-1)
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(tt.statuses[i])
				_, _ = w.Write([]byte(`{"ok": true}`))
			}))
			t.Cleanup(srv.Close)
			var waits []time.Duration
			o := apiclient.Options{MaxRetries: 2, Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			log := o.Fill("test")
			u, _ := url.Parse(srv.URL)
			g := apiclient.Get{Client: srv.Client(), MaxBody: 1 << 10, Fail: fail, Paced: tt.paced, NotJSON: "not JSON",
				Answer: func(resp *http.Response, _ []byte) (error, bool) {
					return fail(apiclient.KindOf(resp.StatusCode), resp.StatusCode, ""), apiclient.Retryable(resp.StatusCode)
				}}
			if tt.refuse {
				g.Client = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("token refused") })}
				g.Refused = func(error) error { return fail(apiclient.KindUnauthorized, 401, "refused") }
			}
			var out struct{ OK bool }
			_, requests, err := o.GetJSON(t.Context(), log, u, g, &out)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) || requests != tt.requests || len(waits) != len(tt.waits) {
				t.Fatalf("err %v after %d requests, waits %v; want %v after %d, waits %v", err, requests, waits, tt.want, tt.requests, tt.waits)
			}
			for i := range waits {
				if waits[i] != tt.waits[i] {
					t.Errorf("wait %d = %s, want %s", i, waits[i], tt.waits[i])
				}
			}
			if tt.want == nil && !out.OK {
				t.Error("the answer was not decoded")
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
