// Package prompts draws the messages the bot sends on its own initiative
// and updates in place: the seat review's digests, reminders and
// escalations. Jobs send them and commands redraw them after a click, so
// both see the same message. It knows the neutral bot model and the
// domain, never a transport.
package prompts
