// Package server is the bot's HTTP surface: the operational endpoints
// (/healthz, /readyz, /metrics) and the mux the chat transports mount on.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Check is one readiness condition; a non-nil error makes /readyz answer
// 503 with the check's name and the error.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Options configures the mux.
type Options struct {
	// Ready lists what must hold before the replica takes traffic.
	Ready   []Check
	Metrics http.Handler
	Logger  *slog.Logger
	// ReadyTimeout bounds all readiness checks together (default 2s), so a
	// hung store makes /readyz fail rather than hang the prober.
	ReadyTimeout time.Duration
}

// NewMux serves the operational endpoints. Transports add their routes to
// the returned mux.
func NewMux(o Options) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		timeout := o.ReadyTimeout
		if timeout <= 0 {
			timeout = 2 * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		for _, c := range o.Ready {
			if err := c.Run(ctx); err != nil {
				if o.Logger != nil {
					o.Logger.Warn("not ready", slog.String("check", c.Name), slog.Any("error", err))
				}
				writeText(w, http.StatusServiceUnavailable, fmt.Sprintf("not ready: %s: %v", c.Name, err))
				return
			}
		}
		writeText(w, http.StatusOK, "ready")
	})
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	return mux
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

// Server is an http.Server with the timeouts a public endpoint needs.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen binds addr now, so callers learn the real port (":0" in tests and
// the demo) before serving.
func Listen(addr string, h http.Handler, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	var errLog *slog.Logger = log
	if errLog == nil {
		errLog = slog.New(slog.DiscardHandler)
	}
	return &Server{
		ln: ln,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(errLog.Handler(), slog.LevelWarn),
		},
	}, nil
}

// Addr is the bound address, e.g. 127.0.0.1:43127.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve blocks until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
