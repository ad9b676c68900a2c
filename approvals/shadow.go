package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Installation is an app installed in Zendesk, as a sync found it.
type Installation struct {
	ID      int64
	Name    string
	Enabled bool
}

// Shadow is an app installation found in Zendesk with no approved request
// behind it.
type Shadow struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	FoundAt time.Time `json:"found_at"`
	// Report is the admin channel message about it, once posted.
	Report   Ref    `json:"report,omitzero"`
	Attempts int    `json:"attempts,omitempty"`
	Flagged  *Mark  `json:"flagged,omitempty"`
	Request  string `json:"request,omitempty"`
	// LinkedAt is when Request was linked: a request linked but not yet
	// stored is being created, for a minute at most.
	LinkedAt time.Time `json:"linked_at,omitzero"`

	Version int64 `json:"-"`
}

const kindShadow = "approval-shadow"

// ErrNoShadow: no shadow install by that id.
var ErrNoShadow = errors.New("approvals: no such unapproved installation")

// InstallCheck is what Installations found to act on.
type InstallCheck struct {
	// Unreported are the shadow installs whose report is still to be
	// posted.
	Unreported []Shadow
	// Verified are the requests whose verification added notices to
	// their outbox.
	Verified []string
}

// Installations compares what a sync found in Zendesk with the requests:
// an app marked installed is verified (or reported missing, once), and an
// installation no approved request names is recorded as a shadow
// install.
func (s *Service) Installations(ctx context.Context, found []Installation) (InstallCheck, error) {
	var out InstallCheck
	all, err := s.List(ctx)
	if err != nil {
		return out, err
	}
	byName := map[string][]Installation{} // an app can be installed twice
	byID := map[int64]Installation{}
	for _, in := range found {
		byName[appKey(in.Name)] = append(byName[appKey(in.Name)], in)
		byID[in.ID] = in
	}
	covered := map[int64]bool{}
	for _, r := range all {
		if r.Kind != App.Name || (r.State != Approved && r.State != Done) {
			continue
		}
		matches := byName[appKey(r.Answers[FieldApp])]
		if in, ok := byID[r.Shadow]; ok {
			matches = []Installation{in}
		}
		for _, in := range matches {
			covered[in.ID] = true
		}
		in, ok := Installation{}, len(matches) > 0
		if ok {
			in = matches[0]
		}
		if r.State == Done && (r.Verified == nil || !r.Verified.Found) {
			if said, err := s.verify(ctx, r.ID, in, ok); err != nil {
				s.logFailure("installation not verified", r.ID, err)
			} else if said {
				out.Verified = append(out.Verified, r.ID)
			}
		}
	}
	now := s.now()
	var fresh []store.NewRecord
	for _, in := range found {
		if covered[in.ID] {
			continue
		}
		data, err := json.Marshal(Shadow{ID: in.ID, Name: in.Name, FoundAt: now})
		if err != nil {
			return out, err
		}
		fresh = append(fresh, store.NewRecord{ID: shadowID(in.ID), Data: data})
	}
	if len(fresh) > 0 {
		created, err := s.Records.CreateRecords(ctx, kindShadow, fresh)
		if err != nil {
			return out, err
		}
		if created > 0 {
			s.auditOn(ctx, "job:sync", "approval.shadow_found", "zendesk:installations", map[string]string{"count": strconv.Itoa(created)})
		}
	}
	recs, err := s.Records.ListRecords(ctx, kindShadow)
	if err != nil {
		return out, err
	}
	for _, rec := range recs {
		var sh Shadow
		if err := json.Unmarshal(rec.Data, &sh); err != nil {
			s.logFailure("shadow install unreadable", rec.ID, err)
			continue
		}
		sh.Version = rec.Version
		if sh.Report.IsZero() && sh.Attempts < MaxAttempts && !covered[sh.ID] {
			out.Unreported = append(out.Unreported, sh)
		}
	}
	return out, nil
}

// verify records what the sync found of a request marked done, and
// reports whether that is news to tell the thread.
func (s *Service) verify(ctx context.Context, id string, in Installation, found bool) (bool, error) {
	now := s.now()
	r, err := s.update(ctx, id, func(r *Request) error {
		if r.State != Done || (r.Verified != nil && (r.Verified.Found || !found)) {
			return store.ErrSkipUpdate // verified already, or missing and said so
		}
		r.Verified = &Verification{At: now, Found: found, ZendeskID: in.ID}
		e := EventMissing
		if found {
			e = EventVerified
		}
		r.add(thread(e, Mark{By: "job:sync", At: now}, len(r.Approvals))...)
		return nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return false, nil
	}
	if err == nil {
		s.audit(ctx, "job:sync", "approval.install_"+map[bool]string{true: "verified", false: "missing"}[found], id,
			map[string]string{"installation": strconv.FormatInt(r.Verified.ZendeskID, 10)})
	}
	return err == nil, err
}

// ShadowReported records the admin channel report of a shadow install,
// or a failed attempt to post it.
func (s *Service) ShadowReported(ctx context.Context, id int64, ref Ref, cause error) (Shadow, error) {
	sh, err := s.updateShadow(ctx, id, func(sh *Shadow) error {
		if cause != nil || ref.IsZero() {
			sh.Attempts++
			return nil
		}
		sh.Report = ref
		return nil
	})
	if err == nil && cause == nil && !ref.IsZero() {
		s.auditOn(ctx, "job:sync", "approval.shadow_reported", shadowSubject(id), map[string]string{"name": sh.Name})
	}
	return sh, err
}

// ShadowInstall returns one shadow install.
func (s *Service) ShadowInstall(ctx context.Context, id int64) (Shadow, error) {
	rec, err := s.Records.GetRecord(ctx, kindShadow, shadowID(id))
	if errors.Is(err, store.ErrNotFound) {
		return Shadow{}, ErrNoShadow
	}
	if err != nil {
		return Shadow{}, err
	}
	var sh Shadow
	if err := json.Unmarshal(rec.Data, &sh); err != nil {
		return Shadow{}, err
	}
	sh.Version = rec.Version
	return sh, nil
}

// FlagShadow flags a shadow install for removal; admins only.
func (s *Service) FlagShadow(ctx context.Context, id int64, a Actor) (Shadow, error) {
	if !a.Admin {
		s.auditOn(ctx, a.email(), "approval.refused", shadowSubject(id), map[string]string{"tried": "flag for removal"})
		return Shadow{}, &RefusedError{Why: "only admins can flag an installation for removal"}
	}
	now := s.now()
	sh, err := s.updateShadow(ctx, id, func(sh *Shadow) error {
		if sh.Flagged != nil {
			return store.ErrSkipUpdate
		}
		sh.Flagged = &Mark{By: a.email(), At: now}
		return nil
	})
	if err == nil {
		s.auditOn(ctx, a.email(), "approval.shadow_flagged", shadowSubject(id), map[string]string{"name": sh.Name})
	}
	if errors.Is(err, store.ErrSkipUpdate) {
		err = nil
	}
	return sh, err
}

// SubmitRetroactive opens a request for a shadow install and links the
// two, so the report shows it and a later approval covers it. The link
// is a compare-and-set on the shadow made before the request is stored,
// so two people pressing the button at once open one request.
func (s *Service) SubmitRetroactive(ctx context.Context, shadow int64, requester Actor, a Answers) (Request, error) {
	r, err := s.prepare(App.Name, requester, a, shadow)
	if err != nil {
		return Request{}, err
	}
	id := newID()
	for {
		sh, err := s.ShadowInstall(ctx, shadow)
		if err != nil {
			return Request{}, err
		}
		if sh.Request != "" {
			prev, err := s.Get(ctx, sh.Request)
			switch {
			case err == nil && !prev.State.Final():
				return Request{}, &RefusedError{Why: sh.Name + " already has request " + sh.Request + " (" + prev.State.Words() + ")"}
			case errors.Is(err, ErrNotFound) && s.now().Sub(sh.LinkedAt) < time.Minute:
				return Request{}, &RefusedError{Why: "someone is opening a request for " + sh.Name + " right now (" + sh.Request + "); see it in the approvals channel"}
			case err != nil && !errors.Is(err, ErrNotFound):
				return Request{}, err
			}
		}
		sh.Request, sh.LinkedAt = id, s.now()
		data, err := json.Marshal(sh)
		if err != nil {
			return Request{}, err
		}
		_, err = s.Records.CompareAndSwapRecord(ctx, kindShadow, shadowID(shadow), sh.Version, data)
		if errors.Is(err, store.ErrConflict) {
			continue // someone else linked or flagged it: look again
		}
		if err != nil {
			return Request{}, err
		}
		break
	}
	created, err := s.create(ctx, r, id)
	if err != nil {
		// Unlink, so the installation can be asked for again.
		if _, uerr := s.updateShadow(ctx, shadow, func(sh *Shadow) error {
			if sh.Request != id {
				return store.ErrSkipUpdate
			}
			sh.Request = ""
			return nil
		}); uerr != nil && !errors.Is(uerr, store.ErrSkipUpdate) {
			s.logFailure("retroactive request not unlinked from its installation", id, uerr)
		}
		return Request{}, err
	}
	return created, nil
}

func (s *Service) updateShadow(ctx context.Context, id int64, change func(*Shadow) error) (Shadow, error) {
	return updateJSON(ctx, s.Records, kindShadow, shadowID(id), ErrNoShadow, func(cur store.Record) (Shadow, error) {
		var sh Shadow
		err := json.Unmarshal(cur.Data, &sh)
		sh.Version = cur.Version
		return sh, err
	}, func(sh *Shadow, v int64) { sh.Version = v }, change)
}

func shadowID(id int64) string { return strconv.FormatInt(id, 10) }

func shadowSubject(id int64) string { return "zendesk:installation:" + shadowID(id) }

// appKey compares app names as people type them.
func appKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}
