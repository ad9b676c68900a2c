package bot

import "strings"

// EmojiSymbols replaces the emoji shortcodes the commands write in
// Section.Text and Context (":warning:") with symbols, for transports that
// do not read shortcodes: the console's terminal and Teams cards. Slack
// reads the shortcodes itself.
var EmojiSymbols = strings.NewReplacer(
	":warning:", "⚠",
	":white_check_mark:", "✓",
	":heavy_minus_sign:", "−",
	":zzz:", "…",
	":hourglass:", "⌛",
	":x:", "✗",
	":information_source:", "ℹ",
	":arrow_right:", "→",
	":no_entry:", "⛔",
	":stopwatch:", "⏱",
)
