// Package commands is the transport-neutral command layer: it parses what a
// person typed or clicked, checks who may do it, asks the domain packages
// and builds a reply. It never imports a chat SDK; the Slack and Teams
// adapters in bot/ translate to and from it.
package commands
