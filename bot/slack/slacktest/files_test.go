package slacktest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// The three-step upload: reserve with a name and length, send exactly that
// many bytes, complete into a channel; each step refuses what Slack does.
func TestFileUpload(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	ctx := context.Background()

	f, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Content: "hello, chart", FileSize: 12, Filename: "trend.png",
		Title: "Trend", AltTxt: "a line going down", Channel: "C0GENERAL"})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Files()
	if len(got) != 1 || got[0].ID != f.ID || string(got[0].Data) != "hello, chart" || got[0].Channel != "C0GENERAL" || !got[0].Complete || got[0].AltText != "a line going down" {
		t.Fatalf("files = %+v", got)
	}

	if _, out := rawCall(t, s, "files.getUploadURLExternal", "application/x-www-form-urlencoded", "Bearer "+DefaultBotToken, "filename=x.png"); out["error"] != "invalid_arguments" {
		t.Errorf("no length: %v", out)
	}
	u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "x.png", FileSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Content: "too short", Filename: "x.png"}); err == nil {
		t.Error("an upload shorter than reserved was taken")
	}
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: u.FileID}}, Channel: "C0GENERAL"}); err == nil ||
		!strings.Contains(err.Error(), "file_not_found") {
		t.Errorf("completing a file never uploaded: %v", err)
	}
	resp, err := http.Post(s.URL+"/upload/v1/F0NOSUCH", "application/octet-stream", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an upload to no reservation: %d", resp.StatusCode)
	}
}
