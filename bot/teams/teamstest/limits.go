package teamstest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"time"
	"unicode/utf8"
)

// Teams' documented limits (teams-platform reference §5 and §7). Every
// check in this package reads its number from here.
const (
	// MaxMessageBytes bounds an activity the bot sends: its JSON counted
	// as UTF-16, two bytes per code unit.
	MaxMessageBytes = 40 * 1024
	// MaxImageBytes bounds one inline image of a card (Teams: under 1 MB,
	// at most 1024 × 1024 pixels); Base64 images do not count towards
	// MaxMessageBytes.
	MaxImageBytes = 1 << 20

	// Paged members: pageSize is clamped to [MinPageSize, MaxPageSize];
	// DefaultPageSize applies when it is absent.
	MinPageSize     = 50
	MaxPageSize     = 500
	DefaultPageSize = 200

	// BotResponseTimeout is how long Teams waits for the bot to answer a
	// delivered activity.
	BotResponseTimeout = 15 * time.Second
)

// rateLimit allows max operations per period, per bot and conversation.
type rateLimit struct {
	period time.Duration
	max    int
}

// The per-thread limits of the rate-limit table. Create conversation
// shares the send numbers; get members has its own.
var (
	sendLimits   = []rateLimit{{time.Second, 7}, {2 * time.Second, 8}, {30 * time.Second, 60}, {time.Hour, 1800}}
	createLimits = sendLimits
	memberLimits = []rateLimit{{time.Second, 14}, {2 * time.Second, 16}, {30 * time.Second, 120}, {time.Hour, 3600}}
)

// EnforceConversationLimits turns the per-conversation limits on or off
// (off by default): more than 7 sends into one conversation within 1 s,
// 8 within 2 s, 60 within 30 s or 1800 within an hour, on the emulator
// clock, answer 429; so do creates of one conversation beyond the same
// numbers and member lookups beyond 14/16/120/3600. Refused calls do not
// count.
func (s *Server) EnforceConversationLimits(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enforceLimits = on
	s.conversationLog = map[string][]time.Time{}
}

// InjectRateLimitEvery makes every n-th authorized connector call from
// now on answer 429 with Retry-After: 1, as a busy tenant does; n <= 0
// stops it.
func (s *Server) InjectRateLimitEvery(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateEvery, s.rateCount = max(n, 0), 0
}

// InjectConnectorFailures makes the next times authorized connector calls
// answer status (e.g. 502, 503, 412) with a ServiceError body, for retry
// tests.
func (s *Server) InjectConnectorFailures(status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus, s.failRemaining = status, max(times, 0)
}

// throttledLocked applies one class of per-conversation limits and, when
// the call passes, counts it. Callers hold s.mu.
func (s *Server) throttledLocked(class, conversationID string, limits []rateLimit, now time.Time) (retryAfterSecs int, limited bool) {
	if !s.enforceLimits {
		return 0, false
	}
	key := class + "|" + conversationID
	var longest time.Duration
	for _, l := range limits {
		longest = max(longest, l.period)
	}
	log := s.conversationLog[key]
	for len(log) > 0 && !log[0].After(now.Add(-longest)) {
		log = log[1:]
	}
	for _, l := range limits {
		start := now.Add(-l.period)
		var inWindow []time.Time
		for i, at := range log {
			if at.After(start) {
				inWindow = log[i:]
				break
			}
		}
		if len(inWindow) >= l.max {
			s.conversationLog[key] = log
			// Teams answers the short windows with Retry-After: 1.
			if l.period <= 2*time.Second {
				return 1, true
			}
			wait := inWindow[0].Add(l.period).Sub(now)
			return max(int(math.Ceil(wait.Seconds())), 1), true
		}
	}
	s.conversationLog[key] = append(log, now)
	return 0, false
}

// base64Image matches an inline image's data URI.
var base64Image = regexp.MustCompile(`data:image/[a-z+.-]+;base64,[A-Za-z0-9+/=]*`)

// utf16Size is the size Teams measures a payload by: the compact JSON
// text as UTF-16, two bytes per code unit, without its Base64 images.
func utf16Size(body []byte) int {
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err == nil {
		body = compact.Bytes()
	}
	body = base64Image.ReplaceAll(body, nil)
	units := 0
	for len(body) > 0 {
		r, n := utf8.DecodeRune(body)
		body = body[n:]
		units++
		if r > 0xFFFF {
			units++ // a surrogate pair
		}
	}
	return 2 * units
}

// imageTooLarge reports whether a payload carries an inline image over
// MaxImageBytes, or one that is not Base64.
func imageTooLarge(body []byte) bool {
	for _, uri := range base64Image.FindAll(body, -1) {
		_, data, _ := bytes.Cut(uri, []byte(";base64,"))
		decoded, err := base64.StdEncoding.DecodeString(string(data))
		if err != nil || len(decoded) > MaxImageBytes {
			return true
		}
	}
	return false
}
