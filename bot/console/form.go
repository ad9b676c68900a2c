package console

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
)

// errCancelled: the person typed /cancel in a form, as closing a modal.
var errCancelled = errors.New("console: form cancelled")

const formHelp = "Answer each question. An empty line keeps the value shown, or skips an optional one; /cancel closes the form without sending it."

// fill asks f's inputs one at a time and submits them. A rejected
// submission (a reply whose form has input errors) re-asks only the inputs
// with errors, each with its error; the other answers are kept and sent
// again, as a chat client keeps a rejected modal open with what was typed.
func (s *Shell) fill(ctx context.Context, f bot.Form) error {
	s.printf("%s\n", formHelp)
	values := make(map[string]string, len(f.Inputs))
	for _, in := range f.Inputs {
		values[in.ID] = in.Initial
	}
	ask := f.Inputs
	for {
		for _, in := range ask {
			v, err := s.input(ctx, in, values[in.ID])
			if errors.Is(err, errCancelled) {
				s.printf("Form closed; nothing was sent.\n\n")
				return nil
			}
			if err != nil {
				return err
			}
			values[in.ID] = v
		}
		s.printf("\n")
		sub := &bot.FormSubmission{FormID: f.ID, RecordID: f.RecordID, Values: maps.Clone(values)}
		reply := s.opt.Handler.Handle(ctx, s.request(bot.Request{Form: sub}))
		if reply.Form != nil {
			if rejected := withErrors(reply.Form.Inputs); len(rejected) > 0 {
				s.printf("Not sent: fix %s.\n", plural(len(rejected), "this answer", "these answers"))
				ask = rejected
				continue
			}
		}
		if isEmpty(reply) {
			// Chat clients just close the form; say that it went.
			s.printf("Sent.\n\n")
			return nil
		}
		return s.show(ctx, reply)
	}
}

func withErrors(inputs []bot.Input) []bot.Input {
	var out []bot.Input
	for _, in := range inputs {
		if strings.TrimSpace(in.Error) != "" {
			out = append(out, in)
		}
	}
	return out
}

// input asks one input until the answer is one the chat clients would let
// through (required, a date, one of the options, not too long). current is
// the value an empty line keeps.
func (s *Shell) input(ctx context.Context, in bot.Input, current string) (string, error) {
	s.printf("%s", question(in, current))
	for {
		line, err := s.ask(ctx, "> ")
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(line) == "/cancel" {
			return "", errCancelled
		}
		if in.Kind == bot.InputMultiline && strings.TrimSpace(line) != "" {
			if line, err = s.moreLines(ctx, line); err != nil {
				return "", err
			}
		}
		v, problem := answer(in, line, current)
		if problem == "" {
			return v, nil
		}
		s.printf("  %s\n", problem)
	}
}

// moreLines reads a multiline answer's further lines, up to an empty one.
func (s *Shell) moreLines(ctx context.Context, first string) (string, error) {
	text := []string{first}
	for {
		line, err := s.ask(ctx, "| ")
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(line) == "" {
			return strings.Join(text, "\n"), nil
		}
		text = append(text, line)
	}
}

// question is how an input is asked: its label with what it takes, the
// hint, the error of a rejected submission, the numbered options of a
// select, and what an empty line keeps.
func question(in bot.Input, current string) string {
	var b strings.Builder
	var notes []string
	if in.Required {
		notes = append(notes, "required")
	} else {
		notes = append(notes, "optional")
	}
	switch in.Kind {
	case bot.InputDate:
		notes = append(notes, "YYYY-MM-DD")
	case bot.InputSelect:
		notes = append(notes, "choose a number")
	case bot.InputMultiline:
		notes = append(notes, "several lines, end with an empty line")
	}
	if in.MaxLength > 0 && in.Kind != bot.InputSelect && in.Kind != bot.InputDate {
		notes = append(notes, fmt.Sprintf("up to %d characters", in.MaxLength))
	}
	fmt.Fprintf(&b, "%s (%s)\n", nonEmpty(strings.TrimSpace(in.Label), in.ID), strings.Join(notes, ", "))
	if h := strings.TrimSpace(in.Hint); h != "" {
		fmt.Fprintf(&b, "  %s\n", h)
	}
	if e := strings.TrimSpace(in.Error); e != "" {
		fmt.Fprintf(&b, "  Error: %s\n", e)
	}
	for i, o := range in.Options {
		line := fmt.Sprintf("  [%d] %s", i+1, nonEmpty(strings.TrimSpace(o.Label), o.Value))
		if d := strings.TrimSpace(o.Description); d != "" {
			line += " — " + d
		}
		b.WriteString(line + "\n")
	}
	if current != "" {
		shown := current
		if in.Kind == bot.InputSelect {
			shown = optionLabel(in.Options, current)
		}
		if in.Kind == bot.InputMultiline {
			shown = strings.ReplaceAll(shown, "\n", " / ")
		}
		fmt.Fprintf(&b, "  Enter keeps: %s\n", shown)
	}
	return b.String()
}

// answer turns what was typed into the input's value, or says what is
// wrong with it.
func answer(in bot.Input, typed, current string) (value, problem string) {
	if in.Kind != bot.InputMultiline {
		typed = strings.TrimSpace(typed)
	}
	if strings.TrimSpace(typed) == "" {
		switch {
		case current != "":
			return current, ""
		case in.Required:
			return "", "An answer is required."
		}
		return "", ""
	}
	switch in.Kind {
	case bot.InputDate:
		if _, err := time.Parse(time.DateOnly, typed); err != nil {
			return "", "Type a date as YYYY-MM-DD, e.g. 2026-03-31."
		}
	case bot.InputSelect:
		return pickOption(in.Options, typed)
	}
	if n := utf8.RuneCountInString(typed); in.MaxLength > 0 && n > in.MaxLength {
		return "", fmt.Sprintf("That is %d characters; at most %d fit.", n, in.MaxLength)
	}
	return typed, ""
}

// pickOption accepts an option's number, or its value or label as typed.
func pickOption(opts []bot.Option, typed string) (string, string) {
	if len(opts) == 0 {
		return "", "This question has no options to choose from; /cancel closes the form."
	}
	if n, err := strconv.Atoi(typed); err == nil && n >= 1 && n <= len(opts) {
		return opts[n-1].Value, ""
	}
	for _, o := range opts {
		if strings.EqualFold(typed, o.Value) || strings.EqualFold(typed, strings.TrimSpace(o.Label)) {
			return o.Value, ""
		}
	}
	return "", fmt.Sprintf("Choose a number from 1 to %d.", len(opts))
}

func optionLabel(opts []bot.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return nonEmpty(strings.TrimSpace(o.Label), o.Value)
		}
	}
	return value
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
