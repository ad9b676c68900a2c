// Package prompts draws the messages the bot sends: the seat review's
// digests, reminders and escalations, the credential register, approval
// threads, forms and the seat commands' answers. Jobs send them and
// commands redraw them after a click or answer with them, so every
// message is drawn in one place. It knows the neutral bot model and the
// domain, never a transport.
package prompts
