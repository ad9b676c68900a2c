package zendesktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// DefaultJobDelay is how long an update_many job stays queued when
// WithJobDelay is not given.
const DefaultJobDelay = 150 * time.Millisecond

const (
	// maxPendingJobs is how many jobs an account may have queued or
	// running. Zendesk documents a limit on queued jobs but not, in a
	// form we could confirm, its number; 30 is an assumption.
	maxPendingJobs = 30
	// Zendesk forgets a job status after an hour, and keeps only an
	// account's latest 100.
	keptJobs = 100
	jobTTL   = time.Hour
)

const jobTypeUpdateUsers = "Bulk Update Users"

// WithJobDelay sets how long an update_many job stays queued before it
// runs (default DefaultJobDelay). A job runs once d has passed on the
// emulator clock or in real time, whichever is first: a frozen clock does
// not hold jobs back for good, and a test that advances the clock has its
// jobs run at the next request without waiting. With 0 a job runs as soon
// as it is created; the response creating it still says queued.
func WithJobDelay(d time.Duration) Option {
	return func(s *Server) { s.jobDelay = max(d, 0) }
}

// job is a background job: an update_many request's changes, applied
// together when it runs.
type job struct {
	status  zendesk.JobStatus
	created time.Time // emulator clock
	due     time.Time // emulator clock
	actor   zendesk.User
	ip      string
	items   []jobItem // dropped once the job has run
	timer   *time.Timer
}

// jobItem is one user's change in a job.
type jobItem struct {
	id  int64
	upd userChange
	err *updateError // set when the change could not be parsed
}

// Close stops the timers of jobs still queued and shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	for _, j := range s.jobs {
		if j.timer != nil {
			j.timer.Stop()
		}
	}
	s.mu.Unlock()
	s.Server.Close()
}

// handleShowMany serves GET /api/v2/users/show_many?ids=…: the users
// GET /api/v2/users/{id} would return, in the order asked, without
// unknown ids and, unless include_deleted=true, without deleted users.
func (s *Server) handleShowMany(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("users", false) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	q := r.URL.Query()
	ids, msg := parseIDs(q.Get("ids"))
	if msg != "" {
		writeError(w, http.StatusBadRequest, "InvalidParameter", msg)
		return
	}
	includeDeleted := q.Get("include_deleted") == "true"
	base := baseURL(r)
	seen := make(map[int64]bool, len(ids))
	users := make([]wireUser, 0, len(ids))
	s.mu.Lock()
	for _, id := range ids {
		i, ok := s.index[id]
		if !ok || seen[id] || (!s.users[i].Active && !includeDeleted) {
			continue
		}
		seen[id] = true
		users = append(users, toWireUser(base, cloneUser(s.users[i])))
	}
	s.mu.Unlock()
	// A single page, with the pagination fields Zendesk's offset lists carry.
	writeJSON(w, http.StatusOK, map[string]any{
		"users": users, "next_page": nil, "previous_page": nil, "count": len(users),
	})
}

// parseIDs reads a comma-separated ids parameter of 1 to
// zendesk.MaxBatch positive ids; msg says what is wrong with it.
func parseIDs(raw string) (ids []int64, msg string) {
	if strings.TrimSpace(raw) == "" {
		return nil, "ids is required"
	}
	parts := strings.Split(raw, ",")
	if len(parts) > zendesk.MaxBatch {
		return nil, fmt.Sprintf("ids: at most %d ids may be given, got %d", zendesk.MaxBatch, len(parts))
	}
	ids = make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Sprintf("ids: %q is not a user id", p)
		}
		ids = append(ids, id)
	}
	return ids, ""
}

// handleUpdateMany serves PUT /api/v2/users/update_many: a "users" array
// of changes with their ids, or ?ids= with one "user" change for them
// all. It queues a job and answers at once; the job applies each change
// as PUT /api/v2/users/{id} would, without that endpoint's per-user limit.
func (s *Server) handleUpdateMany(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !who.allows("users", true) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	var body struct {
		Users []map[string]json.RawMessage `json:"users"`
		User  map[string]json.RawMessage   `json:"user"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "The request body must be JSON")
		return
	}
	var items []jobItem
	if q := r.URL.Query(); q.Has("ids") {
		ids, msg := parseIDs(q.Get("ids"))
		if msg != "" {
			writeError(w, http.StatusBadRequest, "InvalidParameter", msg)
			return
		}
		if body.User == nil {
			writeError(w, http.StatusBadRequest, "BadRequest", `With ids, the request body must have a "user" object`)
			return
		}
		upd, uerr := parseUserChange(body.User)
		for _, id := range ids {
			items = append(items, jobItem{id: id, upd: upd, err: uerr})
		}
	} else {
		if len(body.Users) == 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", `The request body must have a non-empty "users" array, or ids a "user" object`)
			return
		}
		if len(body.Users) > zendesk.MaxBatch {
			writeError(w, http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("At most %d users may be updated at once, got %d", zendesk.MaxBatch, len(body.Users)))
			return
		}
		for i, fields := range body.Users {
			var id int64
			if raw, ok := fields["id"]; !ok || json.Unmarshal(raw, &id) != nil || id <= 0 {
				writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("users[%d]: id must be a user id", i))
				return
			}
			upd, uerr := parseUserChange(fields)
			items = append(items, jobItem{id: id, upd: upd, err: uerr})
		}
	}

	jobID := newJobID()
	s.mu.Lock()
	if s.pendingJobs >= maxPendingJobs {
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "TooManyJobs",
			fmt.Sprintf("The account has %d background jobs queued or running; wait for one to finish", maxPendingJobs))
		return
	}
	j := &job{
		status: zendesk.JobStatus{
			ID:      jobID,
			URL:     baseURL(r) + "/api/v2/job_statuses/" + jobID + ".json",
			JobType: jobTypeUpdateUsers,
			Status:  zendesk.JobQueued,
			Total:   len(items),
		},
		created: now,
		due:     now.Add(s.jobDelay),
		actor:   who.user,
		ip:      clientIP(r),
		items:   items,
	}
	s.jobs = append(s.jobs, j)
	s.pendingJobs++
	out := j.status
	if s.jobDelay <= 0 {
		s.runJob(j, now)
	} else {
		j.timer = time.AfterFunc(s.jobDelay, func() {
			now := s.Now()
			s.mu.Lock()
			defer s.mu.Unlock()
			if j.status.Status == zendesk.JobQueued {
				s.runJob(j, now)
			}
		})
	}
	s.pruneJobs(now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"job_status": out})
}

// handleJobStatus serves GET /api/v2/job_statuses/{id}. The jobs are user
// updates, so a token scoped to users may read them.
func (s *Server) handleJobStatus(w http.ResponseWriter, who identity, id string, now time.Time) {
	if !who.allows("users", false) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	s.pruneJobs(now)
	i := slices.IndexFunc(s.jobs, func(j *job) bool { return j.status.ID == id })
	var out zendesk.JobStatus
	if i >= 0 {
		// Results are set once, when the job runs, and never changed.
		out = s.jobs[i].status
	}
	s.mu.Unlock()
	if i < 0 {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"job_status": out})
}

// runDueJobs runs the queued jobs whose delay has passed on the emulator
// clock. Callers hold s.mu.
func (s *Server) runDueJobs(now time.Time) {
	if s.pendingJobs == 0 {
		return
	}
	for _, j := range s.jobs {
		if j.status.Status == zendesk.JobQueued && !now.Before(j.due) {
			s.runJob(j, now)
		}
	}
}

// runJob applies a queued job's changes in order and completes it.
// Callers hold s.mu.
func (s *Server) runJob(j *job, now time.Time) {
	if j.timer != nil {
		j.timer.Stop()
	}
	stamp := now.UTC().Truncate(time.Second)
	results := make([]zendesk.JobResult, len(j.items))
	for i, it := range j.items {
		res := zendesk.JobResult{ID: it.id, Index: ptr(i)}
		uerr := it.err
		if _, ok := s.index[it.id]; !ok {
			// As for a single update, an unknown user comes before a bad body.
			uerr = errUpdateNotFound
		}
		if uerr == nil {
			_, uerr = s.applyUserChange(j.actor, it.id, it.upd, j.ip, stamp)
		}
		if uerr != nil {
			res.Status, res.Error, res.Details = "Failed", jobErrorCode(uerr), uerr.desc
		} else {
			res.Action, res.Status, res.Success = "update", "Updated", true
		}
		results[i] = res
	}
	j.items = nil
	j.status.Status = zendesk.JobCompleted
	j.status.Progress = j.status.Total
	j.status.Message = "Completed at " + stamp.Format("2006-01-02 15:04:05 -0700")
	j.status.Results = results
	s.pendingJobs--
}

// jobErrorCode is a failed result's error for what the single-user
// endpoint would have answered.
func jobErrorCode(e *updateError) string {
	switch e.status {
	case http.StatusForbidden:
		return "PermissionDenied"
	case http.StatusNotFound:
		return "RecordNotFound"
	}
	return "UserUpdateError"
}

// pruneJobs forgets finished jobs older than jobTTL and, oldest first,
// those beyond the latest keptJobs. Callers hold s.mu.
func (s *Server) pruneJobs(now time.Time) {
	cutoff := now.Add(-jobTTL)
	excess := len(s.jobs) - keptJobs
	s.jobs = slices.DeleteFunc(s.jobs, func(j *job) bool {
		if !j.status.Done() {
			return false
		}
		if excess > 0 {
			excess--
			return true
		}
		return j.created.Before(cutoff)
	})
}

// newJobID is a job id as Zendesk writes them: 32 hex digits.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
