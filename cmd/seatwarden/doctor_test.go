package main

import (
	"bytes"
	"strings"
	"testing"
)

// A check whose detail runs to several lines keeps them under its row.
func TestDoctorRowsStayRows(t *testing.T) {
	var buf bytes.Buffer
	fail("zendesk", "HTTP 503:\n<html>down</html>\n", "try again").print(&buf)
	want := "FAIL  zendesk  HTTP 503:\n               <html>down</html> — fix: try again\n"
	if got := buf.String(); got != want {
		t.Errorf("printed\n%q\nwant\n%q", got, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n")[1:] {
		if !strings.HasPrefix(line, strings.Repeat(" ", 15)) {
			t.Errorf("continuation %q is not indented under its check", line)
		}
	}
}
