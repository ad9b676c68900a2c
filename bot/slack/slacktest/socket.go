package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultAppToken is the app-level token apps.connections.open accepts
// unless WithAppToken says otherwise.
const DefaultAppToken = "xapp-1-A0SLACKAPP-slacktest"

// Socket Mode envelope types, as Slack sends them.
const (
	EnvelopeSlashCommand = "slash_commands"
	EnvelopeInteractive  = "interactive"
	EnvelopeEventsAPI    = "events_api"
)

// WithAppToken sets the app-level token for Socket Mode.
func WithAppToken(token string) Option {
	return func(s *Server) { s.sockets.appToken = token }
}

// WithSocketPingInterval sets how often the emulator pings Socket Mode
// clients (default 5 s). Clients reconnect when pings stop for longer than
// their own limit (slack-go: 30 s).
func WithSocketPingInterval(d time.Duration) Option {
	return func(s *Server) { s.sockets.ping = d }
}

// sockets is the Socket Mode side of the emulator: apps.connections.open
// issues single-use tickets for the /link websocket, which says hello,
// carries envelopes and reads the client's acknowledgements.
type sockets struct {
	appToken string
	ping     time.Duration

	mu        sync.Mutex
	tickets   map[string]bool
	conns     []*socketConn
	acks      map[string]chan json.RawMessage // envelope id → its ack's payload
	connected chan struct{}                   // closed and replaced on every hello
	opened    int
	seq       int
}

type socketConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	done    chan struct{}
}

func (c *socketConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (s *sockets) init() {
	if s.appToken == "" {
		s.appToken = DefaultAppToken
	}
	if s.ping <= 0 {
		s.ping = 5 * time.Second
	}
	s.tickets = map[string]bool{}
	s.acks = map[string]chan json.RawMessage{}
	s.connected = make(chan struct{})
}

// appsConnectionsOpen answers apps.connections.open, which only an
// app-level token may call; the bot token gets not_allowed_token_type.
func (s *Server) appsConnectionsOpen(req apiRequest) (reply, *apiError) {
	switch {
	case req.token == s.token:
		return nil, fail("not_allowed_token_type")
	case req.token != s.sockets.appToken:
		return nil, fail("invalid_auth")
	}
	s.sockets.mu.Lock()
	defer s.sockets.mu.Unlock()
	s.sockets.seq++
	ticket := fmt.Sprintf("%08x-%04d", uint64(s.sockets.seq)*0x9E3779B97F4A7C15>>32, s.sockets.seq)
	s.sockets.tickets[ticket] = true
	url := "ws" + strings.TrimPrefix(s.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + DefaultAppID
	return reply{"url": url}, nil
}

// upgrader accepts any Origin: clients are servers, not browsers, and the
// ticket is the credential.
var upgrader = websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10,
	CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is the websocket Slack's apps.connections.open URL points at.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.sockets.mu.Lock()
	valid := s.sockets.tickets[ticket]
	delete(s.sockets.tickets, ticket) // a ticket opens one connection
	s.sockets.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}
	s.sockets.mu.Lock()
	s.sockets.conns = append(s.sockets.conns, c)
	s.sockets.opened++
	n := len(s.sockets.conns)
	s.sockets.mu.Unlock()

	hello := map[string]any{
		"type": "hello", "num_connections": n,
		"connection_info": map[string]any{"app_id": DefaultAppID},
		"debug_info":      map[string]any{"host": "slacktest", "approximate_connection_time": 3600},
	}
	if err := c.write(hello); err != nil {
		s.dropSocket(c)
		return
	}
	s.sockets.mu.Lock()
	close(s.sockets.connected)
	s.sockets.connected = make(chan struct{})
	s.sockets.mu.Unlock()

	go s.pingSocket(c)
	defer s.dropSocket(c)
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(raw, &ack) != nil || ack.EnvelopeID == "" {
			continue // Slack ignores what is not an acknowledgement
		}
		s.sockets.mu.Lock()
		ch := s.sockets.acks[ack.EnvelopeID]
		delete(s.sockets.acks, ack.EnvelopeID)
		s.sockets.mu.Unlock()
		if ch != nil {
			ch <- ack.Payload // buffered
		}
	}
}

func (s *Server) pingSocket(c *socketConn) {
	t := time.NewTicker(s.sockets.ping)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			c.writeMu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second))
			c.writeMu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (s *Server) dropSocket(c *socketConn) {
	s.sockets.mu.Lock()
	defer s.sockets.mu.Unlock()
	for i, have := range s.sockets.conns {
		if have == c {
			s.sockets.conns = append(s.sockets.conns[:i], s.sockets.conns[i+1:]...)
			close(c.done)
			_ = c.ws.Close()
			return
		}
	}
}

// SocketConnections is how many Socket Mode clients are connected now, and
// how many connections were ever opened (reconnections count).
func (s *Server) SocketConnections() (open, opened int) {
	s.sockets.mu.Lock()
	defer s.sockets.mu.Unlock()
	return len(s.sockets.conns), s.sockets.opened
}

// WaitSocket returns once at least one Socket Mode client has been greeted,
// or ctx's error.
func (s *Server) WaitSocket(ctx context.Context) error {
	for {
		s.sockets.mu.Lock()
		n, connected := len(s.sockets.conns), s.sockets.connected
		s.sockets.mu.Unlock()
		if n > 0 {
			return nil
		}
		select {
		case <-connected:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ErrNoSocket: SendEnvelope found no connected client.
var ErrNoSocket = errors.New("slacktest: no Socket Mode client is connected")

// SendEnvelope delivers payload to a connected client as Slack would (the
// newest connection gets it) and waits for the acknowledgement, returning
// its payload: the reply that plays the HTTP response's part, or nil when
// the ack carried none. Slack waits 3 s for an ack; so does this, unless
// ctx ends sooner.
func (s *Server) SendEnvelope(ctx context.Context, kind string, payload any) (json.RawMessage, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	s.sockets.mu.Lock()
	if len(s.sockets.conns) == 0 {
		s.sockets.mu.Unlock()
		return nil, ErrNoSocket
	}
	c := s.sockets.conns[len(s.sockets.conns)-1]
	s.sockets.seq++
	id := fmt.Sprintf("%08x-%04x-4%03x-%04x", uint64(s.sockets.seq)*0x9E3779B97F4A7C15>>32, s.sockets.seq, s.sockets.seq%4096, 0x8000|s.sockets.seq%0x4000)
	ack := make(chan json.RawMessage, 1)
	s.sockets.acks[id] = ack
	s.sockets.mu.Unlock()
	defer func() {
		s.sockets.mu.Lock()
		delete(s.sockets.acks, id)
		s.sockets.mu.Unlock()
	}()

	env := map[string]any{
		"envelope_id": id, "type": kind, "payload": json.RawMessage(body),
		"accepts_response_payload": kind != EnvelopeEventsAPI,
		"retry_attempt":            0, "retry_reason": "",
	}
	if err := c.write(env); err != nil {
		return nil, fmt.Errorf("slacktest: send envelope: %w", err)
	}
	timer := time.NewTimer(3 * time.Second)
	defer timer.Stop()
	select {
	case p := <-ack:
		if string(p) == "null" {
			p = nil
		}
		return p, nil
	case <-timer.C:
		return nil, fmt.Errorf("slacktest: envelope %s (%s) not acknowledged within 3 s", id, kind)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// DisconnectSockets tells every client to reconnect, as Slack does before
// refreshing a connection (reason "refresh_requested", "warning" or
// "link_disabled"), then closes the connections.
func (s *Server) DisconnectSockets(reason string) {
	s.sockets.mu.Lock()
	conns := append([]*socketConn(nil), s.sockets.conns...)
	s.sockets.mu.Unlock()
	for _, c := range conns {
		_ = c.write(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "slacktest"}})
		s.dropSocket(c)
	}
}

// Close closes Socket Mode connections, then shuts the server down.
func (s *Server) Close() {
	s.sockets.mu.Lock()
	conns := append([]*socketConn(nil), s.sockets.conns...)
	s.sockets.mu.Unlock()
	for _, c := range conns {
		s.dropSocket(c)
	}
	s.Server.Close()
}
