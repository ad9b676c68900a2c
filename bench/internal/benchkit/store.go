package benchkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// OpenStore opens the embedded store in a temporary directory when
// redisURL is empty, else Redis under a key prefix of the run's own.
// closeStore deletes what the run wrote. program names the load program
// in the directory and the key prefix.
func OpenStore(ctx context.Context, program, redisURL string, log *slog.Logger, say func(string, ...any)) (st store.Store, name, where string, closeStore func() error, err error) {
	if redisURL == "" {
		dir, err := os.MkdirTemp("", program+"-")
		if err != nil {
			return nil, "", "", nil, err
		}
		path := filepath.Join(dir, "seatwarden.db")
		bs, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", "", nil, err
		}
		return bs, "embedded (bbolt)", "file " + path, func() error {
			return errors.Join(bs.Close(), os.RemoveAll(dir))
		}, nil
	}

	redis.SetLogger(RedisLogger{L: log})
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: redisURL})
	if err != nil {
		return nil, "", "", nil, err
	}
	prefix := KeyPrefix(program)
	rs := redisstore.New(client, redisstore.Options{Prefix: prefix})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rs.Ping(pctx)
	cancel()
	if err != nil {
		_ = rs.Close()
		return nil, "", "", nil, fmt.Errorf("no Redis answers at %s: %w", Redact(redisURL), err)
	}
	return rs, "Redis", fmt.Sprintf("%s, keys under %s", Redact(redisURL), prefix), func() error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		n, derr := DeleteKeys(cctx, client, prefix)
		if derr != nil {
			derr = fmt.Errorf("deleting the keys under %s: %w", prefix, derr)
		} else {
			say("deleted %d keys under %s\n", n, prefix)
		}
		return errors.Join(derr, rs.Close())
	}, nil
}
