package console

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
)

// scriptedEditor is a line editor that types lines in order and records
// the prompts it was given; after the last line it reports the end (what
// Ctrl-D does).
type scriptedEditor struct {
	lines   []string
	prompts []string
}

func (e *scriptedEditor) SetPrompt(p string) { e.prompts = append(e.prompts, p) }

func (e *scriptedEditor) ReadLine() (string, error) {
	if len(e.lines) == 0 {
		return "", io.EOF
	}
	l := e.lines[0]
	e.lines = e.lines[1:]
	return l, nil
}

// TestShellWithALineEditor: with an editor the shell asks it for each
// line with the prompt to show, prints no prompt itself, and ends at its
// end of input; what the bot posts meanwhile goes to Out as usual.
func TestShellWithALineEditor(t *testing.T) {
	ed := &scriptedEditor{lines: []string{"seats", "/as priya@acme.example", "help"}}
	var out bytes.Buffer
	h := &fakeHandler{}
	sh, err := NewShell(Options{Editor: ed, Out: &out, Handler: h, User: dana})
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"dana@acme.example> ", "dana@acme.example> ", "priya@acme.example> ", "priya@acme.example> "}
	if diff := cmp.Diff(want, ed.prompts); diff != "" {
		t.Errorf("prompts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bot.Request{textReq(dana, "seats"), textReq(priya, "help")}, h.got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if bytes.Contains(out.Bytes(), []byte("dana@acme.example> ")) {
		t.Errorf("the shell printed a prompt the editor shows:\n%s", out.String())
	}
}
