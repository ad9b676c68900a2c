package zendesk

import (
	"context"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/internal/coalesce"
)

// BulkAPI is the part of the Zendesk API a Batch calls; *Client
// implements it.
type BulkAPI interface {
	ShowManyUsers(ctx context.Context, ids []int64) ([]User, error)
	UpdateManyUsers(ctx context.Context, updates []UserManyUpdate) (JobStatus, error)
	AwaitJob(ctx context.Context, job JobStatus) (JobStatus, error)
	CustomRoles(ctx context.Context) ([]CustomRole, error)
}

var _ BulkAPI = (*Client)(nil)

// Batch reads and changes users many at a time. A seat change costs a
// read (is the seat still as the digest showed it?), the change, and a
// read back; one request each would hold a busy review to a few changes a
// second under Zendesk's limit of a few hundred requests a minute. Calls
// made within Window of each other share one show_many, one update_many
// job or one custom-roles read, so a hundred changes cost a handful of
// requests and each waits about a second.
type Batch struct {
	reads   *coalesce.Batcher[int64, User]
	changes *coalesce.Batcher[UserManyUpdate, struct{}]
	roles   *coalesce.Batcher[struct{}, []CustomRole]
}

// DefaultBatchWindow is how long the first call of a batch waits for
// company: short beside a job's second or so, long enough to gather a
// review's clicks.
const DefaultBatchWindow = 100 * time.Millisecond

// batchTimeout bounds one batch with its job; a seat change's own call is
// bounded to 15 s, so this is only for the batch nobody waits for.
const batchTimeout = time.Minute

// NewBatch gathers the calls to api made within window of each other;
// window 0 means DefaultBatchWindow.
func NewBatch(api BulkAPI, window time.Duration) *Batch {
	if window <= 0 {
		window = DefaultBatchWindow
	}
	return &Batch{
		reads: coalesce.New(MaxBatch, window, batchTimeout, func(ctx context.Context, ids []int64) ([]User, []error) { return readMany(ctx, api, ids) }),
		changes: coalesce.New(MaxBatch, window, batchTimeout, func(ctx context.Context, ups []UserManyUpdate) ([]struct{}, []error) {
			return updateMany(ctx, api, ups)
		}),
		roles: coalesce.New(MaxBatch, window, batchTimeout, func(ctx context.Context, asks []struct{}) ([][]CustomRole, []error) {
			list, err := api.CustomRoles(ctx)
			return slices.Repeat([][]CustomRole{list}, len(asks)), slices.Repeat([]error{err}, len(asks))
		}),
	}
}

// User reads one user; a user Zendesk does not return (gone, deleted) is
// an ErrNotFound error, as GET /users/{id} answers for one.
func (b *Batch) User(ctx context.Context, id int64) (User, error) { return b.reads.Do(ctx, id) }

// Update makes one user's update in the next update_many job.
func (b *Batch) Update(ctx context.Context, id int64, upd UserUpdate) error {
	_, err := b.changes.Do(ctx, UserManyUpdate{ID: id, UserUpdate: upd})
	return err
}

// CustomRoles reads the account's custom roles once for every caller of
// the moment.
func (b *Batch) CustomRoles(ctx context.Context) ([]CustomRole, error) {
	return b.roles.Do(ctx, struct{}{})
}

func readMany(ctx context.Context, api BulkAPI, ids []int64) ([]User, []error) {
	users, err := api.ShowManyUsers(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, slices.Repeat([]error{err}, len(ids))
	}
	byID := make(map[int64]User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out, errs := make([]User, len(ids)), make([]error, len(ids))
	for i, id := range ids {
		u, ok := byID[id]
		if !ok {
			errs[i] = &Error{Kind: ErrNotFound, Endpoint: EndpointUsersShowMany, Code: "RecordNotFound", Description: "user not in Zendesk's answer"}
		}
		out[i] = u
	}
	return out, errs
}

// updateMany sends the updates as one job and gives each its own outcome.
// Two updates of one user go in separate jobs, in order, since a job does
// not promise the order of its own users.
func updateMany(ctx context.Context, api BulkAPI, ups []UserManyUpdate) ([]struct{}, []error) {
	errs := make([]error, len(ups))
	left := make([]int, len(ups))
	for i := range left {
		left[i] = i
	}
	for len(left) > 0 {
		var round, later []int
		seen := make(map[int64]bool, len(left))
		for _, i := range left {
			if seen[ups[i].ID] {
				later = append(later, i)
				continue
			}
			seen[ups[i].ID] = true
			round = append(round, i)
		}
		job := make([]UserManyUpdate, len(round))
		for k, i := range round {
			job[k] = ups[i]
		}
		status, err := api.UpdateManyUsers(ctx, job)
		if err == nil {
			status, err = api.AwaitJob(ctx, status)
		}
		results := make(map[int64]JobResult, len(status.Results))
		for _, r := range status.Results {
			results[r.ID] = r
		}
		for _, i := range round {
			r, ok := results[ups[i].ID]
			switch {
			case err != nil:
				errs[i] = err
			case !ok:
				errs[i] = &Error{Kind: ErrBadResponse, Endpoint: EndpointJobStatus, Description: "the finished job has no result for this user"}
			case !r.Success && r.Status != "Updated":
				errs[i] = jobRefusal(r)
			}
		}
		left = later
	}
	return make([]struct{}, len(ups)), errs
}

// jobRefusal is a user's failed result as the error a single update
// would have given.
func jobRefusal(r JobResult) error {
	kind := ErrInvalid // a validation refusal: trying again changes nothing
	switch r.Error {
	case "RecordNotFound":
		kind = ErrNotFound
	case "PermissionDenied", "Forbidden":
		kind = ErrForbidden
	}
	return &Error{Kind: kind, Endpoint: EndpointUsersUpdateMany, Code: r.Error, Description: r.Details}
}
