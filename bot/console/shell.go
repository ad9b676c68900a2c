package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"sync"

	"github.com/seatwarden/seatwarden/bot"
)

// Handler is bot.Handler; the alias keeps the name console.Handler working.
type Handler = bot.Handler

// Options configure a Shell. In, Out and Handler are required.
type Options struct {
	In      io.Reader
	Out     io.Writer
	Handler bot.Handler
	// User is who speaks first; /as EMAIL changes it.
	User bot.User
	// Command is the slash command people type before the words; a line may
	// start with it or leave it out. Default "/warden".
	Command string
	// Echo writes each line read after its prompt. A terminal echoes what
	// is typed itself; piped input does not, and without this the
	// transcript would show the replies but not what they answer.
	Echo bool
	// Who, when set, describes a person for "/as" (e.g. "admin", "owner of
	// Tier 2"), so switching to someone says what they may do.
	Who func(email string) string
	// Draw, when set, draws each reply instead of the console's own layout
	// (e.g. as a Teams card reads); the numbered controls are listed under
	// it, since a drawing cannot number them.
	Draw func(bot.Message) string
	// Editor, when set, reads the lines instead of In: a terminal with
	// line editing and history (golang.org/x/term's Terminal in raw
	// mode). Out should write through it, so what the bot posts while
	// someone types is drawn above their line, not through it.
	Editor LineEditor
}

// LineEditor reads one line at a time after showing a prompt, with
// editing and history; io.EOF ends the session (Ctrl-D, Ctrl-C).
type LineEditor interface {
	SetPrompt(prompt string)
	ReadLine() (string, error)
}

// ConversationID is the conversation every console request is made in: the
// shell is one direct conversation with the bot.
const ConversationID = "console"

// Shell reads lines and sends them to the handler as one person, showing
// the replies. Text is a command; a bare number clicks the numbered control
// of that number; a form is asked one field at a time. Shell commands:
// "/as EMAIL" to speak as someone else, "exit" or "quit" (or end of input)
// to leave.
type Shell struct {
	opt  Options
	user bot.User
	in   lineSource

	// mu guards what messages the bot posts on its own (Notifier) share
	// with the prompt: the terminal, the numbered controls and the ids.
	mu sync.Mutex
	// choices are the numbered controls of the latest message that had
	// any, and ref names that message: a chat client keeps older buttons
	// clickable, so a reply without controls (an error after a click)
	// leaves the list above it usable.
	choices []Choice
	ref     bot.MessageRef
	replies int               // messages shown, to give each an id
	posted  map[string]string // id of a message the bot posted → where
}

// NewShell checks opt and returns a shell ready to Run.
func NewShell(opt Options) (*Shell, error) {
	switch {
	case opt.In == nil && opt.Editor == nil:
		return nil, errors.New("console: Options.In or Options.Editor is required")
	case opt.Out == nil:
		return nil, errors.New("console: Options.Out is required")
	case opt.Handler == nil:
		return nil, errors.New("console: Options.Handler is required")
	}
	if opt.Command == "" {
		opt.Command = "/warden"
	}
	return &Shell{opt: opt, user: opt.User}, nil
}

// errClosed ends the session: quit, exit or the end of the input.
var errClosed = errors.New("console: session closed")

// Run reads and answers lines until exit, quit or the end of the input
// (nil), or until ctx is done (its error).
func (s *Shell) Run(ctx context.Context) error {
	if s.opt.Editor != nil {
		s.in = newEditorLines(s.opt.Editor)
	} else {
		s.in = newLines(s.opt.In)
	}
	defer s.in.stop()
	for {
		line, err := s.ask(ctx, s.prompt())
		if err != nil {
			return closed(err)
		}
		if err := s.dispatch(ctx, line); err != nil {
			return closed(err)
		}
	}
}

func closed(err error) error {
	if errors.Is(err, errClosed) {
		return nil
	}
	return err
}

func (s *Shell) prompt() string {
	return nonEmpty(s.user.Email, nonEmpty(s.user.ID, "you")) + "> "
}

// dispatch handles one line at the command prompt.
func (s *Shell) dispatch(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch {
	case line == "":
		return nil
	case strings.EqualFold(line, "exit"), strings.EqualFold(line, "quit"):
		return errClosed
	case strings.EqualFold(word, "/as"):
		s.switchUser(rest)
		return nil
	case isNumber(line):
		return s.pick(ctx, line)
	case strings.EqualFold(word, s.opt.Command):
		return s.send(ctx, bot.Request{Text: rest})
	case strings.HasPrefix(word, "/"):
		s.printf("%s is not a command here. Type %s help, /as EMAIL or quit.\n\n", word, s.opt.Command)
		return nil
	}
	return s.send(ctx, bot.Request{Text: line})
}

func (s *Shell) switchUser(arg string) {
	a, err := mail.ParseAddress(arg)
	if err != nil || a.Name != "" || a.Address != arg {
		s.printf("Usage: /as EMAIL, e.g. /as priya@acme.example\n\n")
		return
	}
	email := strings.ToLower(a.Address)
	// The console has no user ids of its own; the email is the identity
	// the policy knows people by on every transport.
	s.user = bot.User{ID: email, Email: email, TeamID: s.opt.User.TeamID}
	who := ""
	if s.opt.Who != nil {
		who = s.opt.Who(email)
	}
	if who != "" {
		who = " (" + who + ")"
	}
	s.printf("You are now %s%s.\n\n", email, who)
}

// pick clicks the numbered control n of the latest reply that had any,
// asking first when the control carries a confirmation.
func (s *Shell) pick(ctx context.Context, n string) error {
	i, err := strconv.Atoi(n)
	// The buttons and the message they are on, read together: the bot may
	// post another message with buttons while a confirmation is asked.
	s.mu.Lock()
	choices, ref := s.choices, s.ref
	s.mu.Unlock()
	switch {
	case len(choices) == 0:
		s.printf("Nothing to choose: no reply so far has numbered buttons. Type a command, e.g. %s help.\n\n", s.opt.Command)
		return nil
	case err != nil || i < 1 || i > len(choices):
		s.printf("There is no [%s]: choose 1 to %d from the last list of buttons, or type a command.\n\n", n, len(choices))
		return nil
	}
	c := choices[i-1]
	if c.Confirm != nil {
		ok, err := s.confirm(ctx, c)
		if err != nil {
			return err
		}
		if !ok {
			s.printf("Cancelled; nothing was sent.\n\n")
			return nil
		}
	}
	return s.send(ctx, bot.Request{Action: &bot.Action{ID: c.ActionID, Value: c.Value, Message: ref}})
}

// confirm asks a danger button's question; only yes goes ahead.
func (s *Shell) confirm(ctx context.Context, c Choice) (bool, error) {
	if t := strings.TrimSpace(c.Confirm.Title); t != "" {
		s.printf("%s\n", t)
	}
	q := nonEmpty(strings.TrimSpace(c.Confirm.Text), c.Label+"?")
	answer, err := s.ask(ctx, q+" [y/N] ")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// send completes req as the current speaker, sends it and shows the reply.
func (s *Shell) send(ctx context.Context, req bot.Request) error {
	return s.show(ctx, s.opt.Handler.Handle(ctx, s.request(req)))
}

func (s *Shell) request(req bot.Request) bot.Request {
	req.Platform = bot.PlatformConsole
	req.User = s.user
	req.Conversation = bot.Conversation{ID: ConversationID, Direct: true}
	return req
}

// show prints a reply, keeps its numbered controls and, when it opens a
// form, asks it.
func (s *Shell) show(ctx context.Context, m bot.Message) error {
	s.mu.Lock()
	s.replies++
	ref := bot.MessageRef{Platform: bot.PlatformConsole, ConversationID: ConversationID, MessageID: strconv.Itoa(s.replies)}
	s.mu.Unlock()
	s.display("", ref, m)
	if m.Form != nil {
		return s.fill(ctx, *m.Form)
	}
	return nil
}

// draw is m as the terminal shows it, and its numbered controls.
func (s *Shell) draw(m bot.Message) (string, []Choice) {
	text, choices := Render(m)
	if s.opt.Draw != nil {
		text = s.opt.Draw(m)
		if len(choices) > 0 {
			text += "\n" + ChoiceList(choices)
		}
	}
	return text, choices
}

// display prints m under head (none for a reply) and, when it has
// controls, makes them the numbered ones, clicked on the message ref.
func (s *Shell) display(head string, ref bot.MessageRef, m bot.Message) {
	text, choices := s.draw(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if head != "" {
		text = head + "\n" + text
	}
	_, _ = fmt.Fprintf(s.opt.Out, "%s\n\n", text)
	if len(choices) > 0 {
		s.choices, s.ref = choices, ref
	}
}

// ask prints prompt and reads one line.
func (s *Shell) ask(ctx context.Context, prompt string) (string, error) {
	if s.opt.Editor == nil {
		s.printf("%s", prompt)
	}
	line, err := s.in.next(ctx, prompt)
	if err != nil {
		// End the prompt's line so the shell leaves a tidy terminal.
		s.printf("\n")
		return "", err
	}
	if s.opt.Echo {
		s.printf("%s\n", line)
	}
	return line, nil
}

// printf writes to the terminal. A failed write has nowhere better to be
// reported; the next read ends the session when the terminal is gone.
func (s *Shell) printf(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = fmt.Fprintf(s.opt.Out, format, a...)
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// lineSource gives the next line typed after prompt.
type lineSource interface {
	next(ctx context.Context, prompt string) (string, error)
	stop()
}

// lines reads lines on a goroutine, so a read waiting for the keyboard
// can be abandoned when ctx is done (Ctrl-C). The goroutine ends at the
// end of the input or, after stop, at its next line; reads after the end
// of the input report errClosed.
type lines struct {
	c    chan lineResult
	done chan struct{}
}

type lineResult struct {
	text string
	err  error
}

// maxLine bounds one line; a pasted essay fits, an endless stream does not.
const maxLine = 1 << 20

func newLines(r io.Reader) *lines {
	l := &lines{c: make(chan lineResult), done: make(chan struct{})}
	go func() {
		defer close(l.c)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), maxLine)
		for sc.Scan() {
			select {
			case l.c <- lineResult{text: strings.TrimSuffix(sc.Text(), "\r")}:
			case <-l.done:
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = errClosed
		} else {
			err = fmt.Errorf("console: read input: %w", err)
		}
		select {
		case l.c <- lineResult{err: err}:
		case <-l.done:
		}
	}()
	return l
}

// next returns the next line; the prompt is the caller's to print.
func (l *lines) next(ctx context.Context, _ string) (string, error) {
	select {
	case r, ok := <-l.c:
		if !ok {
			return "", errClosed
		}
		return r.text, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (l *lines) stop() { close(l.done) }

// editorLines reads lines through a LineEditor on a goroutine, one per
// prompt asked for, so a read can be abandoned when ctx is done.
type editorLines struct {
	prompts chan string
	results chan lineResult
	done    chan struct{}
}

func newEditorLines(ed LineEditor) *editorLines {
	l := &editorLines{prompts: make(chan string), results: make(chan lineResult), done: make(chan struct{})}
	go func() {
		for {
			var prompt string
			select {
			case prompt = <-l.prompts:
			case <-l.done:
				return
			}
			ed.SetPrompt(prompt)
			text, err := ed.ReadLine()
			if errors.Is(err, io.EOF) {
				err = errClosed
			} else if err != nil {
				err = fmt.Errorf("console: read input: %w", err)
			}
			select {
			case l.results <- lineResult{text: text, err: err}:
			case <-l.done:
				return
			}
		}
	}()
	return l
}

func (l *editorLines) next(ctx context.Context, prompt string) (string, error) {
	select {
	case l.prompts <- prompt:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case r := <-l.results:
		return r.text, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (l *editorLines) stop() { close(l.done) }
