package redisstore_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store/redisstore"
)

// refusingRedis speaks enough of Redis's protocol to answer as a server
// that takes reads but refuses writes with reply.
func refusingRedis(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					cmd, err := readCommand(r)
					if err != nil {
						return
					}
					switch strings.ToUpper(cmd[0]) {
					case "PING":
						conn.Write([]byte("+PONG\r\n"))
					case "HELLO":
						conn.Write([]byte("-ERR unknown command 'HELLO'\r\n"))
					case "SET":
						conn.Write([]byte("-" + reply + "\r\n"))
					default:
						conn.Write([]byte("+OK\r\n"))
					}
				}
			}()
		}
	}()
	return "redis://" + ln.Addr().String() + "/0"
}

// readCommand reads one command as clients send it: an array of bulk
// strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range strings.TrimSpace(line)[1:] {
		n = n*10 + int(c-'0')
	}
	out := make([]string, 0, n)
	for range n {
		if _, err := r.ReadString('\n'); err != nil { // $len
			return nil, err
		}
		arg, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimSuffix(arg, "\r\n"))
	}
	return out, nil
}

// A Redis that answers PING but refuses writes is not ready: the error
// says which refusal.
func TestPingRefusedWrites(t *testing.T) {
	for _, reply := range []string{
		"READONLY You can't write against a read only replica.",
		"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
		"OOM command not allowed when used memory > 'maxmemory'.",
	} {
		t.Run(strings.Fields(reply)[0], func(t *testing.T) {
			client, err := redisstore.NewClient(redisstore.ClientOptions{URL: refusingRedis(t, reply)})
			if err != nil {
				t.Fatal(err)
			}
			st := redisstore.New(client, redisstore.Options{Prefix: "t:"})
			defer st.Close()
			err = st.Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), "refuses writes") || !strings.Contains(err.Error(), strings.Fields(reply)[0]) {
				t.Errorf("Ping = %v, want the refusal named", err)
			}
		})
	}
}

// TestPoolSize: a client keeps enough connections for the bot's workers
// unless the URL says how many.
func TestPoolSize(t *testing.T) {
	tests := []struct {
		name string
		opts redisstore.ClientOptions
		want int
	}{
		{"one server", redisstore.ClientOptions{URL: "redis://127.0.0.1:6379/0"}, redisstore.DefaultPoolSize},
		{"the URL's pool_size", redisstore.ClientOptions{URL: "redis://127.0.0.1:6379/0?pool_size=8"}, 8},
		{"Sentinel", redisstore.ClientOptions{MasterName: "seatwarden", SentinelAddrs: []string{"127.0.0.1:26379"}}, redisstore.DefaultPoolSize},
		{"Sentinel, the URL's pool_size", redisstore.ClientOptions{URL: "redis://localhost/0?pool_size=12", MasterName: "seatwarden", SentinelAddrs: []string{"127.0.0.1:26379"}}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := redisstore.NewClient(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			c, ok := client.(*redis.Client)
			if !ok {
				t.Fatalf("client is a %T", client)
			}
			if got := c.Options().PoolSize; got != tt.want {
				t.Errorf("pool size %d, want %d", got, tt.want)
			}
		})
	}
}
