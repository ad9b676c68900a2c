package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// connectorPath is the path of the emulator's connector, like Teams'
// regional https://smba.trafficmanager.net/amer/. The proxy serves the
// same path, so the bot's service URL is the proxy's URL plus this.
const connectorPath = "/amer/"

// arrival is a reply activity as it reached the connector.
type arrival struct {
	at     time.Time // when its body had arrived, before it was forwarded
	body   []byte
	status int // what the emulator answered
}

// connectorProxy stands in front of the emulator's Bot Connector: it notes
// when each activity the bot posts arrives, by conversation, forwards every
// request unchanged, and hands the arrival to whoever waits for a reply in
// that conversation.
type connectorProxy struct {
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	waiting map[string]chan arrival // conversation id -> the waiting request

	sends   atomic.Int64 // POST …/activities seen
	members atomic.Int64 // GET …/members… seen (the email lookup)
	stray   atomic.Int64 // sends nobody waited for
}

func newConnectorProxy(target string) (*connectorProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &connectorProxy{waiting: map[string]chan arrival{}}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport: &http.Transport{
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// serviceURL is what activities carry as serviceUrl and the bot's
// allowlist names.
func (p *connectorProxy) serviceURL() string { return p.srv.URL + connectorPath }

func (p *connectorProxy) close() {
	p.srv.Close()
	if t, ok := p.proxy.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// expect registers a wait for the next activity posted into conversation;
// false when a request already waits there.
func (p *connectorProxy) expect(conversation string) (<-chan arrival, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, busy := p.waiting[conversation]; busy {
		return nil, false
	}
	ch := make(chan arrival, 1)
	p.waiting[conversation] = ch
	return ch, true
}

// forget drops a wait that ended without its reply.
func (p *connectorProxy) forget(conversation string, ch <-chan arrival) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waiting[conversation] == ch {
		delete(p.waiting, conversation)
	}
}

func (p *connectorProxy) serve(w http.ResponseWriter, r *http.Request) {
	conversation, op := connectorRoute(r)
	if op != "send" {
		if op == "members" {
			p.members.Add(1)
		}
		p.proxy.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	at := time.Now()
	if err != nil {
		http.Error(w, "cannot read the activity", http.StatusBadRequest)
		return
	}
	p.sends.Add(1)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	p.proxy.ServeHTTP(rec, r)

	p.mu.Lock()
	ch, ok := p.waiting[conversation]
	if ok {
		delete(p.waiting, conversation)
	}
	p.mu.Unlock()
	if !ok {
		p.stray.Add(1)
		return
	}
	ch <- arrival{at: at, body: body, status: rec.status}
}

// connectorRoute names the conversation and the kind of call: "send" for
// POST v3/conversations/{id}/activities, "members" for member lookups,
// "" for anything else.
func connectorRoute(r *http.Request) (conversation, op string) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), connectorPath+"v3/conversations/")
	if !ok {
		return "", ""
	}
	parts := strings.Split(rest, "/")
	conversation, err := url.PathUnescape(parts[0])
	if err != nil {
		return "", ""
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "activities":
		return conversation, "send"
	case r.Method == http.MethodGet && len(parts) >= 2 && (parts[1] == "members" || parts[1] == "pagedmembers"):
		return conversation, "members"
	}
	return conversation, ""
}

// statusRecorder keeps the status the emulator answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
