// Package reviews is the seat review: once per period (an ISO week in the
// policy's time zone) every inactive paid seat is put to the person who
// answers for it, who keeps, downgrades, removes, snoozes or hands it on.
//
// Every decision is a compare-and-set on the seat's review item, so
// concurrent clicks give one decision. A decision that changes Zendesk is
// written as pending in that same compare-and-set and carried out after
// (an outbox): whoever holds the item's lease makes the one Zendesk call,
// a crash in between is finished by Resume, and a seat that changed since
// the digest is left alone. Savings count only what Zendesk confirmed.
//
// The package knows nothing of chat: jobs and commands render what it
// returns.
package reviews
