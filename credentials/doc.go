// Package credentials is the credential register: every API token, OAuth
// client, OAuth token and app installation the last sync found in
// Zendesk, who owns each and why it exists, and the rules that make one an
// orphan. Zendesk deactivates every API token on 2027-04-30, so each is
// also counted down to that day.
//
// What Zendesk says about a credential (the inventory) and what people
// said about it (its register entry) are kept apart: the sync replaces
// the inventory in one write, as often as it runs, and never touches a
// decision; entries exist only for credentials someone claimed or decided
// on, and change by compare-and-set, so two people clicking at once get
// one decision. Evaluate joins the two with the seat snapshot into the
// register people see.
//
// Secrets never reach this package: the Zendesk client drops token values,
// refresh tokens, client secrets and app settings while decoding.
package credentials
