// Package commands is the transport-neutral command layer: it parses what a
// person typed or clicked, checks who may do it, asks the domain packages
// and builds a reply. It never imports a chat SDK; the Slack and Teams
// adapters in bot/ translate to and from it.
//
// A Router is built from Definitions (New adds the seat commands to the
// built-in help) and answers every bot.Request with a bot.Message: errors,
// refusals and panics included, so adapters only render and send.
//
// Markup: Section.Text and Context lines are passed on as markup (Slack
// mrkdwn), so record text placed in them (names, emails, group names, typed
// words) is escaped here with escape. Field labels and values, the Headline
// and button labels are plain text that renderers escape themselves.
package commands
