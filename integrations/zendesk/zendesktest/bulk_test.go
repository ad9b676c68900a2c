package zendesktest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// Users of SampleOrg the bulk tests change.
const (
	bulkDana    = int64(900000000101) // owner
	bulkOmar    = int64(900000000102) // admin
	bulkPriya   = int64(900000000103) // Staff agent in Tier 1
	bulkHannah  = int64(900000000111) // suspended agent
	bulkRavi    = int64(900000000113) // light agent
	bulkGrace   = int64(900000000116) // deleted agent
	bulkEndUser = int64(900000001001)
)

var (
	tokenAuth = basic("dana@acme.example", apiToken)
	jobIDRe   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

func idList(ids ...int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func usersBody(t *testing.T, upds ...zendesk.UserManyUpdate) string {
	t.Helper()
	return jsonText(t, map[string]any{"users": upds})
}

func updated(id int64, i int) zendesk.JobResult {
	return zendesk.JobResult{ID: id, Index: ptr(i), Action: "update", Status: "Updated", Success: true}
}

func failed(id int64, i int, code, details string) zendesk.JobResult {
	return zendesk.JobResult{ID: id, Index: ptr(i), Status: "Failed", Error: code, Details: details}
}

// decodeJob reads a {"job_status": …} body.
func decodeJob(t *testing.T, r response) zendesk.JobStatus {
	t.Helper()
	var body struct {
		JobStatus *zendesk.JobStatus `json:"job_status"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.JobStatus == nil {
		t.Fatalf("not a job status (%v): %s", err, r.body)
	}
	return *body.JobStatus
}

// startJob sends an update_many and checks the queued job it answers.
func startJob(t *testing.T, s *Server, path, body string, auth ...string) zendesk.JobStatus {
	t.Helper()
	r := do(t, s, "PUT", path, body, auth...)
	if r.status != 200 {
		t.Fatalf("update_many = %d: %s", r.status, r.body)
	}
	j := decodeJob(t, r)
	if !jobIDRe.MatchString(j.ID) {
		t.Errorf("job id %q is not 32 hex digits", j.ID)
	}
	want := zendesk.JobStatus{
		ID: j.ID, URL: s.URL + "/api/v2/job_statuses/" + j.ID + ".json", JobType: "Bulk Update Users",
		Status: zendesk.JobQueued, Total: j.Total,
	}
	if diff := cmp.Diff(want, j); diff != "" {
		t.Errorf("new job (-want +got):\n%s", diff)
	}
	return j
}

func getJob(t *testing.T, s *Server, id string) (zendesk.JobStatus, response) {
	t.Helper()
	r := do(t, s, "GET", "/api/v2/job_statuses/"+id+".json", "", tokenAuth)
	if r.status != 200 {
		return zendesk.JobStatus{}, r
	}
	return decodeJob(t, r), r
}

// mutationsAt returns s's mutations, checking they were made at at and
// zeroing their times.
func mutationsAt(t *testing.T, s *Server, at time.Time) []Mutation {
	t.Helper()
	var out []Mutation
	for _, m := range s.Mutations() {
		if !m.At.Equal(at) {
			t.Errorf("mutation %+v: want it at %s", m, at)
		}
		m.At = time.Time{}
		out = append(out, m)
	}
	return out
}

func TestShowMany(t *testing.T) {
	tooMany := make([]int64, zendesk.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = bulkEndUser + int64(i)
	}
	tests := []struct {
		name       string
		query      string
		wantStatus int
		want       []int64
	}{
		{"found, in the order asked", "ids=" + idList(bulkRavi, bulkPriya, bulkHannah), 200, []int64{bulkRavi, bulkPriya, bulkHannah}},
		{"missing ids are left out", "ids=" + idList(1, bulkPriya, 2), 200, []int64{bulkPriya}},
		{"none found", "ids=1,2", 200, []int64{}},
		{"deleted users are left out", "ids=" + idList(bulkGrace, bulkOmar), 200, []int64{bulkOmar}},
		{"include_deleted", "include_deleted=true&ids=" + idList(bulkGrace, bulkOmar), 200, []int64{bulkGrace, bulkOmar}},
		{"a repeated id once", "ids=" + idList(bulkPriya, bulkPriya), 200, []int64{bulkPriya}},
		{"100 ids", "ids=" + idList(tooMany[:100]...), 200, tooMany[:100]},
		{"more than 100 ids", "ids=" + idList(tooMany...), 400, nil},
		{"not an id", "ids=1,x", 400, nil},
		{"no ids", "", 400, nil},
	}
	s := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v2/users/show_many?"+tt.query, "", tokenAuth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus != 200 {
				if m := r.json(t); m["error"] != "InvalidParameter" || m["description"] == "" {
					t.Errorf("error body = %s", r.body)
				}
				return
			}
			var body struct {
				Users []json.RawMessage `json:"users"`
				Count int               `json:"count"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			got := make([]int64, 0, len(body.Users))
			for _, raw := range body.Users {
				var u zendesk.User
				if err := json.Unmarshal(raw, &u); err != nil {
					t.Fatal(err)
				}
				got = append(got, u.ID)
				// The same JSON GET /api/v2/users/{id} sends.
				one := do(t, s, "GET", fmt.Sprintf("/api/v2/users/%d", u.ID), "", tokenAuth)
				var single struct {
					User json.RawMessage `json:"user"`
				}
				if err := json.Unmarshal(one.body, &single); err != nil {
					t.Fatal(err)
				}
				if string(single.User) != string(raw) {
					t.Errorf("user %d differs from GET /users/{id}:\n%s\n%s", u.ID, raw, single.User)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if body.Count != len(got) {
				t.Errorf("count = %d, want %d", body.Count, len(got))
			}
		})
	}
}

func TestShowManyRoute(t *testing.T) {
	s := newTestServer(t)
	q := "?ids=" + idList(bulkPriya)
	if r := do(t, s, "GET", "/api/v2/users/show_many.json"+q, "", tokenAuth); r.status != 200 {
		t.Errorf(".json suffix = %d", r.status)
	}
	if r := do(t, s, "PUT", "/api/v2/users/show_many"+q, "{}", tokenAuth); r.status != 405 || r.header.Get("Allow") != "GET" {
		t.Errorf("PUT = %d Allow %q, want 405 GET", r.status, r.header.Get("Allow"))
	}
	if r := do(t, s, "GET", "/api/v2/users/show_many"+q, "", scopedBearer(t, s, "users:read")); r.status != 200 {
		t.Errorf("users:read = %d", r.status)
	}
	if r := do(t, s, "GET", "/api/v2/users/show_many"+q, "", scopedBearer(t, s, "tickets:read")); r.status != 403 {
		t.Errorf("tickets:read = %d, want 403", r.status)
	}
	if got := s.Requests(EndpointUsersShowMany); got != 4 {
		t.Errorf("Requests(%s) = %d, want 4", EndpointUsersShowMany, got)
	}
	if got := s.Requests(EndpointUsersShow); got != 0 {
		t.Errorf("show_many counted as %s %d times", EndpointUsersShow, got)
	}
}

func TestUpdateMany(t *testing.T) {
	tests := []struct {
		name        string
		auth        string
		path        string
		body        func(t *testing.T) string
		wantResults []zendesk.JobResult
		wantMut     []Mutation
		check       func(t *testing.T, s *Server)
	}{
		{
			name: "different changes per user",
			path: "/api/v2/users/update_many",
			body: func(t *testing.T) string {
				return usersBody(t,
					zendesk.UserManyUpdate{ID: bulkPriya, UserUpdate: zendesk.UserUpdate{Role: ptr(zendesk.RoleEndUser)}},
					zendesk.UserManyUpdate{ID: bulkRavi, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
					zendesk.UserManyUpdate{ID: bulkEndUser, UserUpdate: zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent), CustomRoleID: ptr(LightAgentRoleID)}},
					zendesk.UserManyUpdate{ID: bulkDana, UserUpdate: zendesk.UserUpdate{Role: ptr(zendesk.RoleEndUser)}},
					zendesk.UserManyUpdate{ID: 1, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
					// Already suspended by then: updated, but nothing changes.
					zendesk.UserManyUpdate{ID: bulkRavi, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
				)
			},
			wantResults: []zendesk.JobResult{
				updated(bulkPriya, 0),
				updated(bulkRavi, 1),
				updated(bulkEndUser, 2),
				failed(bulkDana, 3, "UserUpdateError", "Role: The account owner's role cannot be changed"),
				failed(1, 4, "RecordNotFound", "Not found"),
				updated(bulkRavi, 5),
			},
			wantMut: []Mutation{
				{UserID: bulkPriya, Field: "role", From: "agent", To: "end-user"},
				{UserID: bulkPriya, Field: "role_type", From: "0", To: ""},
				{UserID: bulkPriya, Field: "custom_role_id", From: fmt.Sprint(StaffRoleID), To: ""},
				{UserID: bulkPriya, Field: "default_group_id", From: fmt.Sprint(Tier1GroupID), To: ""},
				{UserID: bulkRavi, Field: "suspended", From: "false", To: "true"},
				{UserID: bulkEndUser, Field: "role", From: "end-user", To: "agent"},
				{UserID: bulkEndUser, Field: "role_type", From: "", To: "1"},
				{UserID: bulkEndUser, Field: "custom_role_id", From: "", To: fmt.Sprint(LightAgentRoleID)},
			},
			check: func(t *testing.T, s *Server) {
				if u, _ := s.User(bulkDana); u.Role != zendesk.RoleAdmin {
					t.Errorf("owner's role = %s", u.Role)
				}
				if u, _ := s.User(bulkPriya); !u.UpdatedAt.Equal(t0) {
					t.Errorf("updated_at = %s, want %s", u.UpdatedAt, t0)
				}
			},
		},
		{
			name: "one change for every id",
			path: "/api/v2/users/update_many.json?ids=" + idList(bulkPriya, bulkHannah, 1),
			body: func(t *testing.T) string {
				return jsonText(t, map[string]any{"user": zendesk.UserUpdate{Suspended: ptr(true)}})
			},
			wantResults: []zendesk.JobResult{
				updated(bulkPriya, 0),
				updated(bulkHannah, 1), // already suspended
				failed(1, 2, "RecordNotFound", "Not found"),
			},
			wantMut: []Mutation{{UserID: bulkPriya, Field: "suspended", From: "false", To: "true"}},
		},
		{
			name: "custom_role_id null gives the default agent role",
			path: "/api/v2/users/update_many",
			body: func(t *testing.T) string {
				return usersBody(t, zendesk.UserManyUpdate{ID: bulkRavi, UserUpdate: zendesk.UserUpdate{ClearCustomRole: true}})
			},
			wantResults: []zendesk.JobResult{updated(bulkRavi, 0)},
			wantMut: []Mutation{
				{UserID: bulkRavi, Field: "role_type", From: "1", To: "0"},
				{UserID: bulkRavi, Field: "custom_role_id", From: fmt.Sprint(LightAgentRoleID), To: fmt.Sprint(StaffRoleID)},
			},
		},
		{
			name: "an agent may only change end users",
			auth: basic("priya@acme.example", apiToken),
			path: "/api/v2/users/update_many",
			body: func(t *testing.T) string {
				return usersBody(t,
					zendesk.UserManyUpdate{ID: bulkOmar, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
					zendesk.UserManyUpdate{ID: bulkEndUser, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
				)
			},
			wantResults: []zendesk.JobResult{
				failed(bulkOmar, 0, "PermissionDenied", "You do not have access to update this user"),
				updated(bulkEndUser, 1),
			},
			wantMut: []Mutation{{UserID: bulkEndUser, Field: "suspended", From: "false", To: "true"}},
		},
		{
			name: "invalid values fail their user only",
			path: "/api/v2/users/update_many",
			body: func(t *testing.T) string {
				return fmt.Sprintf(`{"users":[{"id":%d,"role":"superuser"},{"id":%d,"custom_role_id":1},{"id":%d,"suspended":"yes"},{"id":%d,"role":"end-user"}]}`,
					bulkPriya, bulkPriya, bulkPriya, bulkRavi)
			},
			wantResults: []zendesk.JobResult{
				failed(bulkPriya, 0, "UserUpdateError", "Role: is not valid"),
				failed(bulkPriya, 1, "UserUpdateError", "Custom role: is not valid"),
				failed(bulkPriya, 2, "UserUpdateError", "Suspended: is not valid"),
				updated(bulkRavi, 3),
			},
			wantMut: []Mutation{
				{UserID: bulkRavi, Field: "role", From: "agent", To: "end-user"},
				{UserID: bulkRavi, Field: "role_type", From: "1", To: ""},
				{UserID: bulkRavi, Field: "custom_role_id", From: fmt.Sprint(LightAgentRoleID), To: ""},
				{UserID: bulkRavi, Field: "default_group_id", From: fmt.Sprint(BillingGroupID), To: ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithJobDelay(0))
			auth := tt.auth
			if auth == "" {
				auth = tokenAuth
			}
			j := startJob(t, s, tt.path, tt.body(t), auth)
			if j.Total != len(tt.wantResults) {
				t.Errorf("total = %d, want %d", j.Total, len(tt.wantResults))
			}
			got, r := getJob(t, s, j.ID)
			if r.status != 200 {
				t.Fatalf("job status = %d: %s", r.status, r.body)
			}
			want := j
			want.Status, want.Progress = zendesk.JobCompleted, j.Total
			want.Message = "Completed at 2026-11-02 09:00:00 +0000"
			want.Results = tt.wantResults
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("finished job (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantMut, mutationsAt(t, s, t0)); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestUpdateManyRejects(t *testing.T) {
	tooMany := make([]zendesk.UserManyUpdate, zendesk.MaxBatch+1)
	ids := make([]int64, zendesk.MaxBatch+1)
	for i := range tooMany {
		ids[i] = bulkEndUser + int64(i)
		tooMany[i] = zendesk.UserManyUpdate{ID: ids[i], UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}}
	}
	tests := []struct {
		name       string
		method     string
		query      string
		body       string
		auth       func(t *testing.T, s *Server) string
		wantStatus int
		wantError  string
	}{
		{name: "more than 100 users", body: usersBody(t, tooMany...), wantStatus: 400, wantError: "BadRequest"},
		{name: "more than 100 ids", query: "?ids=" + idList(ids...), body: `{"user":{"suspended":true}}`, wantStatus: 400, wantError: "InvalidParameter"},
		{name: "a user without an id", body: `{"users":[{"suspended":true}]}`, wantStatus: 400, wantError: "BadRequest"},
		{name: "no users", body: `{"users":[]}`, wantStatus: 400, wantError: "BadRequest"},
		{name: "ids without a user", query: "?ids=1", body: `{"users":[{"id":1}]}`, wantStatus: 400, wantError: "BadRequest"},
		{name: "not JSON", body: `users`, wantStatus: 400, wantError: "BadRequest"},
		{name: "POST", method: "POST", body: `{"users":[{"id":1}]}`, wantStatus: 405, wantError: "MethodNotAllowed"},
		{
			name: "read-only token", body: `{"users":[{"id":1}]}`, wantStatus: 403, wantError: "Forbidden",
			auth: func(t *testing.T, s *Server) string { return scopedBearer(t, s, "users:read") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithJobDelay(0))
			method, auth := tt.method, tokenAuth
			if method == "" {
				method = "PUT"
			}
			if tt.auth != nil {
				auth = tt.auth(t, s)
			}
			r := do(t, s, method, "/api/v2/users/update_many"+tt.query, tt.body, auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if m := r.json(t); m["error"] != tt.wantError {
				t.Errorf("error body = %s, want error %q", r.body, tt.wantError)
			}
			if len(s.Mutations()) != 0 {
				t.Errorf("a rejected request changed users: %v", s.Mutations())
			}
		})
	}
}

func TestJobLifecycle(t *testing.T) {
	s := newTestServer(t, WithJobDelay(10*time.Minute))
	j := startJob(t, s, "/api/v2/users/update_many", usersBody(t,
		zendesk.UserManyUpdate{ID: bulkPriya, UserUpdate: zendesk.UserUpdate{Suspended: ptr(true)}},
		zendesk.UserManyUpdate{ID: bulkDana, UserUpdate: zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent)}},
	), tokenAuth)

	// Both spellings of the path, while queued.
	for _, path := range []string{"/api/v2/job_statuses/" + j.ID, "/api/v2/job_statuses/" + j.ID + ".json"} {
		r := do(t, s, "GET", path, "", tokenAuth)
		if r.status != 200 {
			t.Fatalf("GET %s = %d: %s", path, r.status, r.body)
		}
		if diff := cmp.Diff(j, decodeJob(t, r)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	if len(s.Mutations()) != 0 {
		t.Fatalf("a queued job changed users: %v", s.Mutations())
	}

	s.Advance(10 * time.Minute)
	got, r := getJob(t, s, j.ID)
	if got.Status != zendesk.JobCompleted || got.Progress != 2 || got.Message != "Completed at 2026-11-02 09:10:00 +0000" {
		t.Errorf("after the delay: %+v", got)
	}
	// The wire form of the results, field by field.
	var raw struct {
		JobStatus struct {
			Results []map[string]any `json:"results"`
		} `json:"job_status"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	wantRaw := []map[string]any{
		{"id": float64(bulkPriya), "index": 0.0, "action": "update", "status": "Updated", "success": true},
		{"id": float64(bulkDana), "index": 1.0, "status": "Failed", "error": "UserUpdateError",
			"details": "Role: The account owner's role cannot be changed"},
	}
	if diff := cmp.Diff(wantRaw, raw.JobStatus.Results); diff != "" {
		t.Errorf("results JSON (-want +got):\n%s", diff)
	}
	want := []Mutation{{UserID: bulkPriya, Field: "suspended", From: "false", To: "true"}}
	if diff := cmp.Diff(want, mutationsAt(t, s, t0.Add(10*time.Minute))); diff != "" {
		t.Errorf("mutations (-want +got):\n%s", diff)
	}

	// Polling again changes nothing more.
	again, _ := getJob(t, s, j.ID)
	if diff := cmp.Diff(got, again); diff != "" || len(s.Mutations()) != 1 {
		t.Errorf("second poll (-first +second):\n%s\nmutations %v", diff, s.Mutations())
	}

	s.Advance(time.Hour)
	if _, r := getJob(t, s, j.ID); r.status != 404 || string(r.body) != bodyNotFound {
		t.Errorf("an hour later = %d %s, want 404 %s", r.status, r.body, bodyNotFound)
	}
}

// TestJobRunsInRealTime: on a frozen clock a job still runs once its
// delay has passed in real time.
func TestJobRunsInRealTime(t *testing.T) {
	s := newTestServer(t, WithJobDelay(time.Millisecond))
	j := startJob(t, s, "/api/v2/users/update_many?ids="+idList(bulkPriya), `{"user":{"suspended":true}}`, tokenAuth)
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Mutations()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the job did not run")
		}
		time.Sleep(time.Millisecond)
	}
	if got, _ := getJob(t, s, j.ID); got.Status != zendesk.JobCompleted {
		t.Errorf("status = %s", got.Status)
	}
}

func TestJobStatusNotFound(t *testing.T) {
	s := newTestServer(t, WithJobDelay(0))
	for _, path := range []string{
		"/api/v2/job_statuses/0123456789abcdef0123456789abcdef",
		"/api/v2/job_statuses/0123456789abcdef0123456789abcdef.json",
		"/api/v2/job_statuses/nope",
	} {
		r := do(t, s, "GET", path, "", tokenAuth)
		if r.status != 404 || string(r.body) != bodyNotFound {
			t.Errorf("GET %s = %d %s, want 404 %s", path, r.status, r.body, bodyNotFound)
		}
	}
	if got := s.Requests(EndpointJobStatus); got != 3 {
		t.Errorf("Requests(%s) = %d, want 3", EndpointJobStatus, got)
	}
}

func TestJobLimit(t *testing.T) {
	s := newTestServer(t, WithJobDelay(time.Minute))
	body := `{"user":{"suspended":true}}`
	path := "/api/v2/users/update_many?ids=" + idList(bulkEndUser)
	for i := range maxPendingJobs {
		if r := do(t, s, "PUT", path, body, tokenAuth); r.status != 200 {
			t.Fatalf("job %d = %d: %s", i+1, r.status, r.body)
		}
	}
	r := do(t, s, "PUT", path, body, tokenAuth)
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("job %d = %d Retry-After %q, want 429 1", maxPendingJobs+1, r.status, r.header.Get("Retry-After"))
	}
	if m := r.json(t); m["error"] != "TooManyJobs" || m["description"] == "" {
		t.Errorf("error body = %s", r.body)
	}
	// Once the queued jobs have run, there is room again.
	s.Advance(time.Minute)
	if r := do(t, s, "PUT", path, body, tokenAuth); r.status != 200 {
		t.Errorf("after the jobs ran = %d: %s", r.status, r.body)
	}
	if got := s.Requests(EndpointUsersUpdateMany); got != maxPendingJobs+2 {
		t.Errorf("Requests(%s) = %d, want %d", EndpointUsersUpdateMany, got, maxPendingJobs+2)
	}
	if got := len(s.Mutations()); got != 1 {
		t.Errorf("%d mutations, want 1: the first job suspends, the rest change nothing", got)
	}
}

func TestJobRetention(t *testing.T) {
	s := newTestServer(t, WithJobDelay(0))
	path := "/api/v2/users/update_many?ids=" + idList(bulkEndUser)
	var jobs []zendesk.JobStatus
	for range keptJobs + 1 {
		jobs = append(jobs, startJob(t, s, path, `{"user":{"suspended":false}}`, tokenAuth))
	}
	if _, r := getJob(t, s, jobs[0].ID); r.status != 404 {
		t.Errorf("oldest of %d jobs = %d, want 404", keptJobs+1, r.status)
	}
	if _, r := getJob(t, s, jobs[1].ID); r.status != 200 {
		t.Errorf("100th latest job = %d, want 200", r.status)
	}
}

// TestUpdateManyIgnoresUserUpdateLimit: the per-user limit is the single
// endpoint's; jobs neither obey nor use it up.
func TestUpdateManyIgnoresUserUpdateLimit(t *testing.T) {
	s := newTestServer(t, WithJobDelay(0))
	path := "/api/v2/users/update_many?ids=" + idList(bulkPriya)
	for i := range DefaultLimits.UserUpdatePerMinute + 2 {
		j := startJob(t, s, path, `{"user":{"suspended":`+strconv.FormatBool(i%2 == 0)+`}}`, tokenAuth)
		if got, _ := getJob(t, s, j.ID); !cmp.Equal(got.Results, []zendesk.JobResult{updated(bulkPriya, 0)}) {
			t.Fatalf("job %d results = %+v", i+1, got.Results)
		}
	}
	if got := len(s.Mutations()); got != DefaultLimits.UserUpdatePerMinute+2 {
		t.Errorf("%d mutations, want one per job", got)
	}
	r := do(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d", bulkPriya), `{"user":{"suspended":true}}`, tokenAuth)
	want := fmt.Sprintf("total=%d; remaining=%d; resets=60", DefaultLimits.UserUpdatePerMinute, DefaultLimits.UserUpdatePerMinute-1)
	if r.status != 200 || r.header.Get(updateLimitHeader) != want {
		t.Errorf("single update = %d %q, want 200 %q", r.status, r.header.Get(updateLimitHeader), want)
	}
}

func TestBulkFaultsAndLimits(t *testing.T) {
	showMany := "/api/v2/users/show_many?ids=" + idList(bulkPriya)
	updateMany := "/api/v2/users/update_many?ids=" + idList(bulkPriya)
	const suspend = `{"user":{"suspended":true}}`
	tests := []struct {
		name     string
		endpoint string
		fault    Fault
		method   string
		path     string
		body     string
		want     int
		applied  bool // the update was made behind the fault
	}{
		{"show_many 503", EndpointUsersShowMany, Fault{Status: 503, Times: 1}, "GET", showMany, "", 503, false},
		{"update_many 503 makes no job", EndpointUsersUpdateMany, Fault{Status: 503, Times: 1}, "PUT", updateMany, suspend, 503, false},
		{"update_many 500 after the job was queued", EndpointUsersUpdateMany, Fault{Status: 500, Times: 1, AfterApply: true}, "PUT", updateMany, suspend, 500, true},
		{"job_status 429 storm", AllEndpoints, Fault{Status: 429, RetryAfter: time.Second}, "GET", "/api/v2/job_statuses/x", "", 429, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithJobDelay(0))
			s.InjectFault(tt.endpoint, tt.fault)
			if r := do(t, s, tt.method, tt.path, tt.body, tokenAuth); r.status != tt.want {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.want, r.body)
			}
			s.ClearFaults()
			if applied := len(s.Mutations()) > 0; applied != tt.applied {
				t.Errorf("applied = %t, want %t", applied, tt.applied)
			}
		})
	}

	t.Run("account rate limit", func(t *testing.T) {
		s := newTestServer(t, WithJobDelay(0), WithLimits(Limits{AccountPerMinute: 3}))
		j := startJob(t, s, updateMany, suspend, tokenAuth)
		if r := do(t, s, "GET", showMany, "", tokenAuth); r.status != 200 {
			t.Fatalf("show_many = %d", r.status)
		}
		if _, r := getJob(t, s, j.ID); r.status != 200 {
			t.Fatalf("job status = %d", r.status)
		}
		for _, req := range []struct{ method, path, body string }{
			{"GET", showMany, ""}, {"PUT", updateMany, suspend}, {"GET", "/api/v2/job_statuses/" + j.ID, ""},
		} {
			if r := do(t, s, req.method, req.path, req.body, tokenAuth); r.status != 429 || r.header.Get("Retry-After") == "" {
				t.Errorf("%s %s over the account limit = %d", req.method, req.path, r.status)
			}
		}
		want := map[string]int{EndpointUsersShowMany: 2, EndpointUsersUpdateMany: 2, EndpointJobStatus: 2}
		got := map[string]int{}
		for e := range want {
			got[e] = s.Requests(e)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
}
