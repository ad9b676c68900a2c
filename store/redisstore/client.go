package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// ClientOptions say where Redis is. Exactly one topology applies:
//   - URL alone: one server. redis:// or rediss:// (TLS), with optional
//     user:password, /db and go-redis query options; unix:///path also works.
//   - MasterName + SentinelAddrs: a Sentinel-managed primary; the URL, if
//     any, supplies username, password, db and TLS for the primary.
//   - ClusterAddrs: a Redis Cluster; the URL, if any, supplies username,
//     password and TLS (Cluster has only db 0).
type ClientOptions struct {
	URL           string
	MasterName    string
	SentinelAddrs []string
	ClusterAddrs  []string
}

// DefaultPoolSize is how many connections a client keeps open at most when
// the URL sets no pool_size. go-redis sizes its pool by CPU (10 each, 20
// on two), but the bot's concurrency is its workers (32 for Slack, 8 for
// Teams, the jobs and the HTTP handlers' own writes), and a write that
// waits for a replica (REDIS_WAIT_REPLICAS) holds its connection through
// the WAIT: with 20, the workers queued for a connection.
const DefaultPoolSize = 64

// NewClient builds a client for o. It does not connect; call Ping to check
// reachability. Errors never contain the URL's password.
func NewClient(o ClientOptions) (redis.UniversalClient, error) {
	sentinel := o.MasterName != "" || len(o.SentinelAddrs) > 0
	cluster := len(o.ClusterAddrs) > 0
	switch {
	case sentinel && cluster:
		return nil, errors.New("redisstore: choose Sentinel or Cluster addresses, not both")
	case sentinel && (o.MasterName == "" || len(o.SentinelAddrs) == 0):
		return nil, errors.New("redisstore: Sentinel needs both a master name and sentinel addresses")
	case !sentinel && !cluster && o.URL == "":
		return nil, errors.New("redisstore: no Redis URL or addresses configured")
	}

	uo := &redis.UniversalOptions{
		// Redis 7.0 does not know CLIENT SETINFO or maintenance
		// notifications; skipping both keeps the handshake to what it
		// supports.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		PoolSize:                 DefaultPoolSize,
	}
	unixSocket := ""
	if o.URL != "" {
		parsed, err := redis.ParseURL(o.URL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: invalid Redis URL %s: %w", redactURL(o.URL), redactError(err, o.URL))
		}
		copyURLOptions(uo, parsed)
		if parsed.Network == "unix" {
			unixSocket = parsed.Addr
		}
	}

	switch {
	case sentinel:
		uo.MasterName = o.MasterName
		uo.Addrs = o.SentinelAddrs
	case cluster:
		if uo.DB != 0 {
			return nil, fmt.Errorf("redisstore: Redis Cluster has only database 0, the URL selects %d", uo.DB)
		}
		uo.Addrs = o.ClusterAddrs
		uo.IsClusterMode = true
	case unixSocket != "":
		// Universal options have no Network field; a dialer reaches the
		// socket instead. Only here: Sentinel and Cluster nodes are TCP.
		uo.Dialer = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", unixSocket)
		}
	}
	return redis.NewUniversalClient(uo), nil
}

// copyURLOptions carries what redis.ParseURL understood into the universal
// options.
func copyURLOptions(uo *redis.UniversalOptions, p *redis.Options) {
	uo.Addrs = []string{p.Addr}
	uo.Username = p.Username
	uo.Password = p.Password
	uo.DB = p.DB
	uo.TLSConfig = p.TLSConfig
	uo.Protocol = p.Protocol
	uo.ClientName = p.ClientName
	uo.MaxRetries = p.MaxRetries
	uo.MinRetryBackoff = p.MinRetryBackoff
	uo.MaxRetryBackoff = p.MaxRetryBackoff
	uo.DialTimeout = p.DialTimeout
	uo.ReadTimeout = p.ReadTimeout
	uo.WriteTimeout = p.WriteTimeout
	uo.PoolFIFO = p.PoolFIFO
	if p.PoolSize > 0 { // set by the URL's pool_size
		uo.PoolSize = p.PoolSize
	}
	uo.PoolTimeout = p.PoolTimeout
	uo.MinIdleConns = p.MinIdleConns
	uo.MaxIdleConns = p.MaxIdleConns
	uo.MaxActiveConns = p.MaxActiveConns
	uo.MaxConcurrentDials = p.MaxConcurrentDials
	uo.PipelinePoolSize = p.PipelinePoolSize
	uo.PipelineReadBufferSize = p.PipelineReadBufferSize
	uo.PipelineWriteBufferSize = p.PipelineWriteBufferSize
	uo.ConnMaxIdleTime = p.ConnMaxIdleTime
	uo.ConnMaxLifetime = p.ConnMaxLifetime
	uo.ConnMaxLifetimeJitter = p.ConnMaxLifetimeJitter
}

// redactURL shows a parsable URL with its credentials masked; an
// unparsable one is not shown at all, since where its credentials end is
// guesswork.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	// Redacted alone misses URLs without "//", where url.Parse sees no
	// userinfo ("user:pw@host" parses as scheme "user").
	return redact(u.Redacted(), raw)
}

// redactError returns err's text with the URL's credentials masked.
// net/url's errors quote the whole URL, credentials included, so the
// original error is deliberately not wrapped: errors.As would hand it back
// unmasked.
func redactError(err error, raw string) error {
	return errors.New(redact(err.Error(), raw))
}

// quotedFragment matches a Go-quoted string, as net/url and go-redis quote
// the offending piece of a URL.
var quotedFragment = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redact masks, in text, every spelling of the credentials in raw, and any
// quoted fragment of them, such as net/url's `invalid URL escape "%zz"`.
func redact(text, raw string) string {
	userinfo, _ := urlUserinfo(raw)
	for _, secret := range urlSecrets(raw) {
		text = strings.ReplaceAll(text, secret, "xxxxx")
	}
	if userinfo == "" {
		return text
	}
	return quotedFragment.ReplaceAllStringFunc(text, func(q string) string {
		unquoted, err := strconv.Unquote(q)
		if err != nil || unquoted == "" || !strings.Contains(userinfo, unquoted) {
			return q
		}
		return `"xxxxx"`
	})
}

// urlUserinfo returns what precedes the host in raw, taken up to the last
// '@' so an unescaped '/', '?' or '#' in a password cannot end it early;
// masking too much is fine. A missing "scheme://" is tolerated.
func urlUserinfo(raw string) (string, bool) {
	rest := raw
	if _, afterScheme, ok := strings.Cut(raw, "://"); ok {
		rest = afterScheme
	}
	at := strings.LastIndexByte(rest, '@')
	if at <= 0 {
		return "", false
	}
	return rest[:at], true
}

// urlSecrets lists, longest first, the forms in which the URL's userinfo
// and password may appear in a message: as written, percent-decoded, and
// Go-quoted.
func urlSecrets(raw string) []string {
	userinfo, ok := urlUserinfo(raw)
	if !ok {
		return nil
	}
	var secrets []string
	add := func(s string) {
		if s == "" {
			return
		}
		quoted := strconv.Quote(s)
		secrets = append(secrets, s, quoted[1:len(quoted)-1])
		if d, err := url.PathUnescape(s); err == nil {
			secrets = append(secrets, d)
		}
		if d, err := url.QueryUnescape(s); err == nil {
			secrets = append(secrets, d)
		}
	}
	add(userinfo)
	if _, password, ok := strings.Cut(userinfo, ":"); ok {
		add(password)
	}
	// Longest first, so a password inside the userinfo is not masked
	// before the userinfo is; sorted fully so duplicates sit together.
	slices.SortFunc(secrets, func(a, b string) int {
		if n := len(b) - len(a); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(secrets)
}
