package main

import (
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store/redisstore"
)

// logSignal is a log handler that reports each record's message.
type logSignal struct{ msgs chan string }

func (s logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (s logSignal) Handle(_ context.Context, r slog.Record) error {
	select {
	case s.msgs <- r.Message:
	default:
	}
	return nil
}
func (s logSignal) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s logSignal) WithGroup(string) slog.Handler      { return s }

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// `serve` started while Redis is away (restarting, failing over) waits
// for it instead of exiting; it gives up once its patience is spent.
func TestServeWaitsForRedis(t *testing.T) {
	t.Run("Redis comes back", func(t *testing.T) {
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			t.Skip("redis-server not installed")
		}
		port := freePort(t)
		client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
		t.Cleanup(func() { client.Close() })
		logs := logSignal{msgs: make(chan string, 16)}
		opened := make(chan error, 1)
		go func() {
			st, err := openRedis(t.Context(), client, redisstore.Options{}, time.Minute, slog.New(logs))
			if err == nil {
				err = st.Ping(t.Context())
			}
			opened <- err
		}()
		if msg := <-logs.msgs; !strings.Contains(msg, "does not answer yet") {
			t.Fatalf("first log line %q, want the wait said", msg)
		}
		srv := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
		if err := <-opened; err != nil {
			t.Errorf("opened once Redis was up: %v", err)
		}
	})
	t.Run("Redis stays away", func(t *testing.T) {
		client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(freePort(t))})
		t.Cleanup(func() { client.Close() })
		start := time.Now()
		if _, err := openRedis(t.Context(), client, redisstore.Options{}, 3*time.Second, slog.New(slog.DiscardHandler)); err == nil {
			t.Fatal("opened a Redis that is not there")
		}
		if waited := time.Since(start); waited > 10*time.Second {
			t.Errorf("gave up after %s, want about its 3 s patience", waited)
		}
	})
}
