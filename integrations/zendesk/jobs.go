package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBatch is how many users one show_many or update_many request may
// name.
const MaxBatch = 100

// UserManyUpdate is one user's change in an update_many request: the
// fields of UserUpdate, with the user's id.
type UserManyUpdate struct {
	ID int64 `json:"id"`
	UserUpdate
}

// MarshalJSON writes the id beside the update's fields; without it the
// embedded UserUpdate's MarshalJSON would write the fields alone.
func (u UserManyUpdate) MarshalJSON() ([]byte, error) {
	fields, err := u.UserUpdate.MarshalJSON()
	if err != nil {
		return nil, err
	}
	id := `{"id":` + strconv.FormatInt(u.ID, 10)
	if string(fields) == "{}" {
		return []byte(id + "}"), nil
	}
	return []byte(id + "," + string(fields[1:])), nil
}

// Job statuses as Zendesk reports them.
const (
	JobQueued    = "queued"
	JobWorking   = "working"
	JobCompleted = "completed"
	JobFailed    = "failed"
	JobKilled    = "killed"
)

// JobStatus is a background job, as update_many starts it and
// GET /api/v2/job_statuses/{id} reports it. Zendesk keeps a job's status
// for about an hour.
type JobStatus struct {
	ID       string      `json:"id"`
	URL      string      `json:"url,omitempty"`
	JobType  string      `json:"job_type,omitempty"`
	Status   string      `json:"status"`
	Total    int         `json:"total"`
	Progress int         `json:"progress"`
	Message  string      `json:"message,omitempty"`
	Results  []JobResult `json:"results,omitempty"`
}

// Done reports whether the job has stopped, for good or ill.
func (j JobStatus) Done() bool {
	return j.Status == JobCompleted || j.Status == JobFailed || j.Status == JobKilled
}

// JobResult is one user's outcome in a finished job: Status "Updated"
// with Success, or "Failed" with Error and Details.
type JobResult struct {
	ID      int64  `json:"id"`
	Index   *int   `json:"index,omitempty"`
	Action  string `json:"action,omitempty"`
	Status  string `json:"status"`
	Success bool   `json:"success,omitempty"`
	Error   string `json:"error,omitempty"`
	Details string `json:"details,omitempty"`
}

// ShowManyUsers reads up to MaxBatch users in one request. Users that do
// not exist, or were deleted, are absent from the answer.
func (c *Client) ShowManyUsers(ctx context.Context, ids []int64) ([]User, error) {
	if err := batchSize(EndpointUsersShowMany, len(ids)); err != nil {
		return nil, err
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		if id <= 0 {
			return nil, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersShowMany, Description: fmt.Sprintf("user id must be positive, got %d", id)}
		}
		list[i] = strconv.FormatInt(id, 10)
	}
	var out struct {
		Users *[]User `json:"users"`
	}
	err := c.do(ctx, call{endpoint: EndpointUsersShowMany, method: http.MethodGet, path: []string{"users", "show_many"},
		query: url.Values{"ids": {strings.Join(list, ",")}}}, &out)
	if err != nil {
		return nil, err
	}
	if out.Users == nil {
		return nil, badResponse(EndpointUsersShowMany, http.StatusOK, nil, errors.New(`response has no "users"`))
	}
	return *out.Users, nil
}

// UpdateManyUsers starts a job that makes each update, up to MaxBatch in
// one request. Zendesk answers at once; AwaitJob waits for the outcome.
// Sending the same updates twice (a retry after a lost answer) sets the
// same values again, which changes nothing.
func (c *Client) UpdateManyUsers(ctx context.Context, updates []UserManyUpdate) (JobStatus, error) {
	if err := batchSize(EndpointUsersUpdateMany, len(updates)); err != nil {
		return JobStatus{}, err
	}
	for _, u := range updates {
		if u.ID <= 0 {
			return JobStatus{}, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdateMany, Description: fmt.Sprintf("user id must be positive, got %d", u.ID)}
		}
	}
	body, err := json.Marshal(struct {
		Users []UserManyUpdate `json:"users"`
	}{updates})
	if err != nil {
		return JobStatus{}, fmt.Errorf("zendesk: %s: encoding body: %w", EndpointUsersUpdateMany, err)
	}
	return c.jobStatus(ctx, call{endpoint: EndpointUsersUpdateMany, method: http.MethodPut, path: []string{"users", "update_many"}, body: body})
}

// JobStatus reads a job as it stands.
func (c *Client) JobStatus(ctx context.Context, id string) (JobStatus, error) {
	if id == "" || strings.ContainsAny(id, "/?#") {
		return JobStatus{}, &Error{Kind: ErrInvalid, Endpoint: EndpointJobStatus, Description: fmt.Sprintf("not a job id: %q", id)}
	}
	return c.jobStatus(ctx, call{endpoint: EndpointJobStatus, method: http.MethodGet, path: []string{"job_statuses", id}})
}

func (c *Client) jobStatus(ctx context.Context, cl call) (JobStatus, error) {
	var out struct {
		Job *JobStatus `json:"job_status"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return JobStatus{}, err
	}
	if out.Job == nil || out.Job.ID == "" {
		return JobStatus{}, badResponse(cl.endpoint, http.StatusOK, nil, errors.New(`response has no "job_status" with an id`))
	}
	return *out.Job, nil
}

// Polling a job: soon at first, since most finish in a second or two,
// then less often, each poll counting against the account's limit.
const (
	firstJobPoll = 250 * time.Millisecond
	maxJobPoll   = 4 * time.Second
)

// AwaitJob polls job until it stops, and returns it as it ended. A job
// that failed or was killed is returned with an error matching
// ErrUnavailable: nothing says which of its updates were made.
func (c *Client) AwaitJob(ctx context.Context, job JobStatus) (JobStatus, error) {
	wait := firstJobPoll
	for !job.Done() {
		if err := c.sleep(ctx, wait); err != nil {
			return job, err
		}
		wait = min(2*wait, maxJobPoll)
		next, err := c.JobStatus(ctx, job.ID)
		if err != nil {
			return job, err
		}
		job = next
	}
	if job.Status != JobCompleted {
		return job, &Error{Kind: ErrUnavailable, Endpoint: EndpointJobStatus,
			Description: fmt.Sprintf("job %s %s: %s", job.ID, job.Status, job.Message)}
	}
	return job, nil
}

func batchSize(endpoint string, n int) error {
	if n < 1 || n > MaxBatch {
		return &Error{Kind: ErrInvalid, Endpoint: endpoint, Description: fmt.Sprintf("a batch names 1 to %d users, got %d", MaxBatch, n)}
	}
	return nil
}
