package teamstest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

func createBody(tenant, member string) string {
	return fmt.Sprintf(`{"bot":{"id":"28:bot"},"members":[{"id":%q}],"channelData":{"tenant":{"id":%q}},"isGroup":false}`, member, tenant)
}

func TestConnectorAuth(t *testing.T) {
	s := newTestServer(t)
	path := s.ServiceURL() + "v3/conversations"
	body := createBody(s.TenantID(), alice.ID)
	expired := s.IssueToken()
	s.Advance(2 * time.Hour)
	tests := []struct {
		name       string
		auth       string
		wantStatus int
	}{
		{name: "no header", auth: "", wantStatus: 401},
		{name: "not bearer", auth: "Basic " + s.IssueToken(), wantStatus: 401},
		{name: "unknown token", auth: "Bearer made-up", wantStatus: 401},
		{name: "empty bearer", auth: "Bearer ", wantStatus: 401},
		{name: "expired token", auth: "Bearer " + expired, wantStatus: 401},
		{name: "issued token", auth: "Bearer " + s.IssueToken(), wantStatus: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetCalls()
			resp, _ := call(t, http.MethodPost, path, tt.auth, "application/json", body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			calls := s.Calls()
			if len(calls) != 1 || calls[0].AuthValid != (tt.wantStatus != 401) || calls[0].Status != tt.wantStatus {
				t.Errorf("Calls = %+v", calls)
			}
		})
	}
}

func TestCreateConversation(t *testing.T) {
	s := newTestServer(t)
	want := s.PersonalConversation(alice.ID).ID
	for _, member := range []string{alice.ID, alice.AADObjectID, alice.ID} {
		resp, body := connector(t, s, http.MethodPost, "v3/conversations", createBody(s.TenantID(), member))
		if resp.StatusCode != http.StatusCreated || body["id"] != want {
			t.Fatalf("create with member %s: %d %v, want 201 id %s", member, resp.StatusCode, body, want)
		}
	}
	// tenantId at the top level works as well as channelData.tenant.id.
	resp, body := connector(t, s, http.MethodPost, "v3/conversations",
		fmt.Sprintf(`{"members":[{"id":%q}],"tenantId":%q}`, alice.ID, s.TenantID()))
	if resp.StatusCode != http.StatusCreated || body["id"] != want {
		t.Errorf("create with tenantId: %d %v", resp.StatusCode, body)
	}
	convs := s.Conversations()
	if len(convs) != 1 || convs[0].ID != want || convs[0].UserID != alice.ID || convs[0].Type != teamstest.ConversationPersonal {
		t.Errorf("Conversations = %+v, want alice's only", convs)
	}

	refusals := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"unknown user", createBody(s.TenantID(), "29:1nobody"), 403, "Forbidden"},
		{"app not installed", createBody(s.TenantID(), bob.ID), 403, "Forbidden"},
		{"other tenant", createBody("99999999-0000-4000-8000-000000000000", alice.ID), 403, "Forbidden"},
		{"no tenant", fmt.Sprintf(`{"members":[{"id":%q}]}`, alice.ID), 400, "BadArgument"},
		{"group", fmt.Sprintf(`{"isGroup":true,"members":[{"id":%q},{"id":%q}],"tenantId":%q}`, alice.ID, carol.ID, s.TenantID()), 400, "BadArgument"},
		{"two members", fmt.Sprintf(`{"members":[{"id":%q},{"id":%q}],"tenantId":%q}`, alice.ID, carol.ID, s.TenantID()), 400, "BadArgument"},
		{"not JSON", `members`, 400, "BadArgument"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := connector(t, s, http.MethodPost, "v3/conversations", tt.body)
			if resp.StatusCode != tt.wantStatus || errorCode(body) != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
		})
	}
	if got := len(s.Conversations()); got != 1 {
		t.Errorf("refused creates added conversations: %d", got)
	}
}

const cardMessage = `{"type":"message","summary":"Seat request","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"%s"}]}}]}`

func TestPostReplyUpdateDelete(t *testing.T) {
	s := newTestServer(t)
	conv := s.PersonalConversation(alice.ID).ID
	base := "v3/conversations/" + conv + "/activities"

	resp, body := connector(t, s, http.MethodPost, base, fmt.Sprintf(cardMessage, "pending"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("send: %d %v", resp.StatusCode, body)
	}
	cardID := body["id"].(string)

	// msbotbuilder-go sends replies to the conversation URL with replyToId
	// in the body; the reply URL carries it in the path.
	_, body = connector(t, s, http.MethodPost, base, `{"type":"message","text":"body reply","replyToId":"`+cardID+`"}`)
	bodyReplyID := body["id"].(string)
	_, body = connector(t, s, http.MethodPost, base+"/"+cardID, `{"type":"message","text":"path reply"}`)
	pathReplyID := body["id"].(string)

	resp, body = connector(t, s, http.MethodPut, base+"/"+cardID, fmt.Sprintf(cardMessage, "approved"))
	if resp.StatusCode != http.StatusOK || body["id"] != cardID {
		t.Fatalf("update: %d %v", resp.StatusCode, body)
	}
	resp, _ = connector(t, s, http.MethodDelete, base+"/"+bodyReplyID, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delete: %d", resp.StatusCode)
	}

	got := s.Conversation(conv)
	type view struct{ ID, ReplyToID, Text, Summary, Card string }
	var views []view
	for _, p := range got {
		views = append(views, view{p.ID, p.ReplyToID, p.Text, p.Summary, string(p.Card)})
	}
	want := []view{
		{ID: cardID, Summary: "Seat request", Card: `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"approved"}]}`},
		{ID: pathReplyID, ReplyToID: cardID, Text: "path reply"},
	}
	if diff := cmp.Diff(want, views); diff != "" {
		t.Errorf("conversation (-want +got):\n%s", diff)
	}
	if got[0].Updated != 1 {
		t.Errorf("Updated = %d, want 1", got[0].Updated)
	}

	var ops []string
	for _, c := range s.Calls() {
		ops = append(ops, fmt.Sprintf("%s %d reply=%s id=%s", c.Op, c.Status, c.ReplyToID, c.ActivityID))
	}
	wantOps := []string{
		"sendToConversation 201 reply= id=" + cardID,
		"sendToConversation 201 reply=" + cardID + " id=" + bodyReplyID,
		"replyToActivity 201 reply=" + cardID + " id=" + pathReplyID,
		"updateActivity 200 reply= id=" + cardID,
		"deleteActivity 200 reply= id=" + bodyReplyID,
	}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	refusals := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
	}{
		{"update unknown activity", http.MethodPut, base + "/123", `{"type":"message"}`, 404, "ActivityNotFoundInConversation"},
		{"update deleted activity", http.MethodPut, base + "/" + bodyReplyID, `{"type":"message"}`, 404, "ActivityNotFoundInConversation"},
		{"delete twice", http.MethodDelete, base + "/" + bodyReplyID, "", 404, "ActivityNotFoundInConversation"},
		{"unknown conversation", http.MethodPost, "v3/conversations/a:nope/activities", `{"type":"message"}`, 404, "ConversationNotFound"},
		{"bob never installed", http.MethodPost, "v3/conversations/" + s.PersonalConversation(bob.ID).ID + "/activities", `{"type":"message"}`, 404, "ConversationNotFound"},
		{"not an activity", http.MethodPost, base, `[1]`, 400, "BadArgument"},
		{"unknown path", http.MethodGet, "v3/teams/x", "", 404, "NotFound"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := connector(t, s, tt.method, tt.path, tt.body)
			if resp.StatusCode != tt.wantStatus || errorCode(body) != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

// msbotbuilder-go marshals zero values: "timestamp":"0001-01-01T00:00:00Z"
// and empty objects. The connector takes them as Teams does.
func TestAcceptsMsbotbuilderZeroValues(t *testing.T) {
	s := newTestServer(t)
	conv := s.PersonalConversation(alice.ID).ID
	act := schema.Activity{
		Type:         schema.Message,
		Conversation: schema.ConversationAccount{ID: conv},
		ReplyToID:    "1700000000000",
		Attachments: []schema.Attachment{{
			ContentType: teamstest.AdaptiveCardContentType,
			Content:     map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{}},
		}},
	}
	raw, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"timestamp":"0001-01-01T00:00:00Z"`) {
		t.Fatalf("the library no longer writes zero timestamps; the test needs a new body: %s", raw)
	}
	resp, body := connector(t, s, http.MethodPost, "v3/conversations/"+conv+"/activities", string(raw))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d %v", resp.StatusCode, body)
	}
	got := s.Conversation(conv)
	if len(got) != 1 || got[0].ReplyToID != "1700000000000" || string(got[0].Card) != `{"body":[],"type":"AdaptiveCard","version":"1.5"}` {
		t.Errorf("Conversation = %+v", got)
	}
}

func TestMembers(t *testing.T) {
	s := newTestServer(t)
	personal := "v3/conversations/" + s.PersonalConversation(alice.ID).ID
	channel := "v3/conversations/" + ops.ID + ";messageid=1700000000000"
	aliceJSON := map[string]any{
		"id": alice.ID, "objectId": alice.AADObjectID, "name": "Alice Liddell", "givenName": "Alice", "surname": "Liddell",
		"email": alice.Email, "userPrincipalName": alice.UPN, "tenantId": s.TenantID(), "userRole": "user",
	}
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       map[string]any
		wantCode   string
	}{
		{name: "by Teams id", path: personal + "/members/" + alice.ID, wantStatus: 200, want: aliceJSON},
		{name: "by object id", path: personal + "/members/" + alice.AADObjectID, wantStatus: 200, want: aliceJSON},
		{name: "by UPN", path: personal + "/members/" + alice.UPN, wantStatus: 200, want: aliceJSON},
		{name: "in a channel thread", path: channel + "/members/" + alice.ID, wantStatus: 200, want: aliceJSON},
		{name: "not in the 1:1", path: personal + "/members/" + carol.ID, wantStatus: 404, wantCode: "MemberNotFoundInConversation"},
		{name: "not in the channel", path: channel + "/members/" + bob.ID, wantStatus: 404, wantCode: "MemberNotFoundInConversation"},
		{name: "unknown conversation", path: "v3/conversations/19:gone@thread.tacv2/members/" + alice.ID, wantStatus: 404, wantCode: "ConversationNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := connector(t, s, http.MethodGet, tt.path, "")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, body); diff != "" {
					t.Errorf("member (-want +got):\n%s", diff)
				}
			} else if errorCode(body) != tt.wantCode {
				t.Errorf("error %v, want %s", body, tt.wantCode)
			}
		})
	}
}

func TestPagedMembers(t *testing.T) {
	s := newTestServer(t)
	big := teamstest.Channel{ID: "19:big@thread.tacv2", TeamID: "19:big@thread.tacv2", Name: "General"}
	for i := range 120 {
		u := teamstest.User{ID: fmt.Sprintf("29:1user%03d", i), Name: fmt.Sprintf("User %03d", i), Installed: true}
		s.AddUser(u)
		big.Members = append(big.Members, u.ID)
	}
	s.AddChannel(big)
	base := "v3/conversations/" + big.ID + "/pagedmembers"

	pages := func(query string) []int {
		t.Helper()
		var sizes []int
		token := ""
		for range 10 {
			q := query
			if token != "" {
				q += "&continuationToken=" + token
			}
			resp, body := connector(t, s, http.MethodGet, base+"?"+q, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d %v", q, resp.StatusCode, body)
			}
			sizes = append(sizes, len(body["members"].([]any)))
			token, _ = body["continuationToken"].(string)
			if token == "" {
				return sizes
			}
		}
		t.Fatal("paging does not end")
		return nil
	}
	for _, tt := range []struct {
		query string
		want  []int
	}{
		{"pageSize=10", []int{50, 50, 20}}, // raised to 50
		{"pageSize=60", []int{60, 60}},     // as asked
		{"pageSize=1000", []int{120}},      // capped at 500
		{"", []int{120}},                   // default 200
		{"pageSize=100", []int{100, 20}},   // last page has no token
		{"pageSize=50&x=1", []int{50, 50, 20}},
	} {
		if diff := cmp.Diff(tt.want, pages(tt.query)); diff != "" {
			t.Errorf("%q page sizes (-want +got):\n%s", tt.query, diff)
		}
	}
	resp, body := connector(t, s, http.MethodGet, base+"?continuationToken=bogus", "")
	if resp.StatusCode != http.StatusBadRequest || errorCode(body) != "BadArgument" {
		t.Errorf("bad token: %d %v", resp.StatusCode, body)
	}
}

func TestMessageSizeLimit(t *testing.T) {
	s := newTestServer(t)
	conv := s.PersonalConversation(alice.ID).ID
	// body builds an activity whose compact JSON is exactly units UTF-16
	// code units long, padded with fill (1 or 2 code units each).
	body := func(units int, fill string, fillUnits int) string {
		prefix, suffix := `{"type":"message","text":"`, `"}`
		n := (units - len(prefix) - len(suffix)) / fillUnits
		return prefix + strings.Repeat(fill, n) + suffix
	}
	limitUnits := teamstest.MaxMessageBytes / 2
	image := func(n int) string {
		uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, n))
		return `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":` +
			`{"type":"AdaptiveCard","version":"1.5","body":[{"type":"Image","url":"` + uri + `"}]}}]}`
	}
	tests := []struct {
		name string
		body string
		want int
	}{
		{"ASCII at the limit", body(limitUnits, "a", 1), 201},
		{"ASCII one over", body(limitUnits+1, "a", 1), 413},
		// 'é' is 2 UTF-8 bytes but 1 UTF-16 unit: the byte length is over
		// 40 KB, the UTF-16 size is not.
		{"BMP text at the limit", body(limitUnits, "é", 1), 201},
		// An emoji is a surrogate pair: two units.
		{"emoji over the limit", body(limitUnits+2, "😀", 2), 413},
		{"indentation does not count", strings.Replace(body(limitUnits, "a", 1), `{"type"`, "{\n\n\n     \"type\"", 1), 201},
		// Base64 images are not counted; one over 1 MB is refused.
		{"a Base64 image does not count", image(60_000), 201},
		{"an image over 1 MB", image(teamstest.MaxImageBytes + 1), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "v3/conversations/" + conv + "/activities"
			resp, got := connector(t, s, http.MethodPost, path, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 413 && errorCode(got) != "MessageSizeTooBig" {
				t.Errorf("error %v, want MessageSizeTooBig", got)
			}
		})
	}
	// Updates are held to the same limit.
	id := s.Conversation(conv)[0].ID
	resp, got := connector(t, s, http.MethodPut, "v3/conversations/"+conv+"/activities/"+id, body(limitUnits+1, "a", 1))
	if resp.StatusCode != 413 || errorCode(got) != "MessageSizeTooBig" {
		t.Errorf("oversized update: %d %v", resp.StatusCode, got)
	}
}

func TestMessageWritesBlocked(t *testing.T) {
	s := newTestServer(t)
	conv := s.PersonalConversation(alice.ID).ID
	send := func() (*http.Response, map[string]any) {
		return connector(t, s, http.MethodPost, "v3/conversations/"+conv+"/activities", `{"type":"message","text":"hi"}`)
	}
	wantBlocked := map[string]any{"errorCode": float64(209), "message": `{"subCode": "MessageWritesBlocked"}`}

	s.BlockUser(alice.ID)
	resp, body := send()
	if resp.StatusCode != http.StatusForbidden || !cmp.Equal(wantBlocked, body) {
		t.Errorf("blocked: %d %v", resp.StatusCode, body)
	}
	if c := s.Calls(); c[len(c)-1].Error != "MessageWritesBlocked" {
		t.Errorf("call error = %q", c[len(c)-1].Error)
	}
	// Other conversations are unaffected.
	if resp, _ := connector(t, s, http.MethodPost, "v3/conversations/"+ops.ID+"/activities", `{"type":"message","text":"hi"}`); resp.StatusCode != 201 {
		t.Errorf("channel send while alice blocks: %d", resp.StatusCode)
	}
	s.UnblockUser(alice.ID)
	if resp, _ := send(); resp.StatusCode != http.StatusCreated {
		t.Errorf("unblocked: %d", resp.StatusCode)
	}

	// Uninstalling answers the same.
	uninstalled := alice
	uninstalled.Installed = false
	s.AddUser(uninstalled)
	resp, body = send()
	if resp.StatusCode != http.StatusForbidden || !cmp.Equal(wantBlocked, body) {
		t.Errorf("uninstalled: %d %v", resp.StatusCode, body)
	}
}

func TestInjectRateLimitEvery(t *testing.T) {
	s := newTestServer(t)
	s.InjectRateLimitEvery(3)
	path := "v3/conversations/" + s.PersonalConversation(alice.ID).ID + "/activities"
	var statuses []int
	for range 7 {
		resp, body := connector(t, s, http.MethodPost, path, `{"type":"message","text":"x"}`)
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 429 && (resp.Header.Get("Retry-After") != "1" || errorCode(body) != "Throttled") {
			t.Errorf("429 with Retry-After %q body %v", resp.Header.Get("Retry-After"), body)
		}
	}
	if diff := cmp.Diff([]int{201, 201, 429, 201, 201, 429, 201}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := len(s.Conversation("")); got != 5 {
		t.Errorf("%d activities stored, want 5: a 429 stores nothing", got)
	}
	s.InjectRateLimitEvery(0)
	for range 3 {
		if resp, _ := connector(t, s, http.MethodPost, path, `{"type":"message","text":"x"}`); resp.StatusCode != 201 {
			t.Errorf("after stopping: %d", resp.StatusCode)
		}
	}
}

func TestInjectConnectorFailures(t *testing.T) {
	s := newTestServer(t)
	s.InjectConnectorFailures(http.StatusBadGateway, 2)
	path := "v3/conversations/" + s.PersonalConversation(alice.ID).ID + "/activities"
	var statuses []int
	for range 3 {
		resp, _ := connector(t, s, http.MethodPost, path, `{"type":"message","text":"x"}`)
		statuses = append(statuses, resp.StatusCode)
	}
	if diff := cmp.Diff([]int{502, 502, 201}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestConversationLimits(t *testing.T) {
	s := newTestServer(t)
	aliceConv := "v3/conversations/" + s.PersonalConversation(alice.ID).ID + "/activities"
	carolConv := "v3/conversations/" + s.PersonalConversation(carol.ID).ID + "/activities"
	send := func(path string) (int, string) {
		resp, _ := connector(t, s, http.MethodPost, path, `{"type":"message","text":"x"}`)
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}

	// Off by default.
	for i := range 10 {
		if status, _ := send(aliceConv); status != 201 {
			t.Fatalf("send %d without limits: %d", i, status)
		}
	}

	s.EnforceConversationLimits(true)
	type step struct {
		advance time.Duration
		path    string
		status  int
	}
	steps := []step{}
	for range 7 {
		steps = append(steps, step{0, aliceConv, 201})
	}
	steps = append(steps,
		step{0, aliceConv, 429},           // 8th within 1 s
		step{0, carolConv, 201},           // another conversation has its own budget
		step{time.Second, aliceConv, 201}, // 7 in the last 2 s: the 8th passes
		step{0, aliceConv, 429},           // 9th within 2 s
		step{time.Second, aliceConv, 201}, // the first 7 have left the 2 s window
		step{1500 * time.Millisecond, aliceConv, 201},
	)
	for i, st := range steps {
		s.Advance(st.advance)
		status, retry := send(st.path)
		if status != st.status {
			t.Fatalf("step %d: status %d, want %d", i, status, st.status)
		}
		if status == 429 && retry != "1" {
			t.Errorf("step %d: Retry-After %q, want 1", i, retry)
		}
	}
}

func TestWaitForPosted(t *testing.T) {
	s := newTestServer(t)
	conv := s.PersonalConversation(alice.ID).ID
	go func() {
		tok := s.IssueToken()
		req, _ := http.NewRequest(http.MethodPost, s.ServiceURL()+"v3/conversations/"+conv+"/activities",
			strings.NewReader(`{"type":"message","text":"later"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	ctx, cancel := contextWithTimeout(t)
	defer cancel()
	p, err := s.WaitForPosted(ctx, conv, func(p teamstest.Posted) bool { return p.Text == "later" })
	if err != nil || p.ConversationID != conv {
		t.Fatalf("WaitForPosted = %+v, %v", p, err)
	}
}
