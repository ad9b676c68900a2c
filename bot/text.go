package bot

import "strings"

// EscapeText makes record text (names, emails, group names, typed words)
// safe in Section.Text and Context, which renderers pass on as markup:
// Slack reads &, < and > as entities, links and mentions, so an unescaped
// name like "<!channel>" would notify a whole channel. Field labels and
// values are plain text and are escaped by the renderer; do not escape
// them with this.
func EscapeText(s string) string { return markupEscaper.Replace(s) }

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
