package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Installation is an app installed in a governed SaaS (a Zendesk app, a
// GitHub App on the organisation), as a sync found it.
type Installation struct {
	// SaaS is the connector it was found in; "" is the SaaS it is
	// compared as (Installations' saas).
	SaaS    string
	ID      int64
	Name    string
	Enabled bool
}

// ShadowKey names a shadow install: the SaaS it is installed in and the
// installation's id there. Two SaaS may number installations alike, so
// the id alone names nothing.
type ShadowKey struct {
	// SaaS is a connector name; "" is Zendesk.
	SaaS string
	ID   int64
}

// String is the key in record ids and button values: the bare number for
// Zendesk (as shadow installs were named before other SaaS had any),
// "github:55000002" for the others.
func (k ShadowKey) String() string {
	id := strconv.FormatInt(k.ID, 10)
	if s := connector.OrZendesk(k.SaaS); s != connector.Zendesk {
		return s + ":" + id
	}
	return id
}

// ParseShadowKey reads what String writes ("zendesk:N" is read too).
func ParseShadowKey(v string) (ShadowKey, bool) {
	saas, num, named := connector.CutName(v)
	if !named {
		saas = connector.Zendesk
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return ShadowKey{}, false
	}
	return ShadowKey{SaaS: saas, ID: id}, true
}

// norm is the key with its SaaS spelled out.
func (k ShadowKey) norm() ShadowKey { return ShadowKey{SaaS: connector.OrZendesk(k.SaaS), ID: k.ID} }

// Shadow is an app installation found in a governed SaaS with no
// approved request behind it.
type Shadow struct {
	// SaaS is where it is installed; "" (shadows recorded before other
	// SaaS) is Zendesk.
	SaaS    string    `json:"saas,omitempty"`
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

// Key names the shadow install.
func (sh Shadow) Key() ShadowKey { return ShadowKey{SaaS: sh.SaaS, ID: sh.ID}.norm() }

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

// Installations compares what a sync found in one SaaS (saas: a
// connector name, "" for Zendesk) with the requests for apps in it: an
// app marked installed is verified (or reported missing, once), and an
// installation no approved request for that SaaS names is recorded as a
// shadow install. Only that SaaS's shadow installs come back.
func (s *Service) Installations(ctx context.Context, saas string, found []Installation) (InstallCheck, error) {
	var out InstallCheck
	saas = connector.OrZendesk(saas)
	if !connector.Known(saas) {
		return out, fmt.Errorf("approvals: no SaaS %q to compare installations of", saas)
	}
	byName := map[string][]Installation{} // an app can be installed twice
	byID := map[int64]Installation{}
	for _, in := range found {
		if in.SaaS != "" && connector.OrZendesk(in.SaaS) != saas {
			return out, fmt.Errorf("approvals: installation %d is %s's, compared with %s's", in.ID, connector.Title(in.SaaS), connector.Title(saas))
		}
		in.SaaS = saas
		byName[appKey(saas, in.Name)] = append(byName[appKey(saas, in.Name)], in)
		byID[in.ID] = in
	}
	all, err := s.List(ctx)
	if err != nil {
		return out, err
	}
	covered := map[int64]bool{}
	for _, r := range all {
		if r.Kind != App.Name || (r.State != Approved && r.State != Done) || r.SaaS() != saas {
			continue
		}
		matches := byName[appKey(saas, r.Answers[FieldApp])]
		if k, ok := r.Retroactive(); ok && k.SaaS == saas {
			if in, ok := byID[k.ID]; ok {
				matches = []Installation{in}
			}
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
		sh := Shadow{SaaS: saas, ID: in.ID, Name: in.Name, FoundAt: now}
		data, err := json.Marshal(sh)
		if err != nil {
			return out, err
		}
		fresh = append(fresh, store.NewRecord{ID: sh.Key().String(), Data: data})
	}
	if len(fresh) > 0 {
		created, err := s.Records.CreateRecords(ctx, kindShadow, fresh)
		if err != nil {
			return out, err
		}
		if created > 0 {
			s.auditOn(ctx, "job:sync", "approval.shadow_found", saas+":installations", map[string]string{"count": strconv.Itoa(created)})
		}
	}
	recs, err := s.Records.ListRecords(ctx, kindShadow)
	if err != nil {
		return out, err
	}
	for _, rec := range recs {
		sh, err := decodeShadow(rec)
		if err != nil {
			s.logFailure("shadow install unreadable", rec.ID, err)
			continue
		}
		if sh.SaaS == saas && sh.Report.IsZero() && sh.Attempts < MaxAttempts && !covered[sh.ID] {
			out.Unreported = append(out.Unreported, sh)
		}
	}
	return out, nil
}

// Unapproved are the shadow installs no approved request covers yet:
// none was opened, or the one opened is still waiting or was refused. An
// app uninstalled since keeps its record; the caller compares with what
// is installed now.
func (s *Service) Unapproved(ctx context.Context) ([]Shadow, error) {
	recs, err := s.Records.ListRecords(ctx, kindShadow)
	if err != nil {
		return nil, err
	}
	requests, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	approved := map[string]bool{}
	for _, r := range requests {
		approved[r.ID] = r.State == Approved || r.State == Done
	}
	var out []Shadow
	for _, rec := range recs {
		sh, err := decodeShadow(rec)
		if err != nil {
			s.logFailure("shadow install unreadable", rec.ID, err)
			continue
		}
		if !approved[sh.Request] {
			out = append(out, sh)
		}
	}
	return out, nil
}

// decodeShadow reads a stored shadow install; one recorded before other
// SaaS is Zendesk's.
func decodeShadow(rec store.Record) (Shadow, error) {
	var sh Shadow
	if err := json.Unmarshal(rec.Data, &sh); err != nil {
		return Shadow{}, err
	}
	sh.SaaS = connector.OrZendesk(sh.SaaS)
	sh.Version = rec.Version
	return sh, nil
}

// verify records what the sync found of a request marked done, and
// reports whether that is news to tell the thread.
func (s *Service) verify(ctx context.Context, id string, in Installation, found bool) (bool, error) {
	now := s.now()
	r, err := s.update(ctx, id, func(r *Request) error {
		if r.State != Done || (r.Verified != nil && (r.Verified.Found || !found)) {
			return store.ErrSkipUpdate // verified already, or missing and said so
		}
		r.Verified = &Verification{At: now, Found: found, SaaSID: in.ID}
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
			map[string]string{"installation": strconv.FormatInt(r.Verified.SaaSID, 10)})
	}
	return err == nil, err
}

// ShadowReported records the admin channel report of a shadow install,
// or a failed attempt to post it.
func (s *Service) ShadowReported(ctx context.Context, key ShadowKey, ref Ref, cause error) (Shadow, error) {
	sh, err := s.updateShadow(ctx, key, func(sh *Shadow) error {
		if cause != nil || ref.IsZero() {
			sh.Attempts++
			return nil
		}
		sh.Report = ref
		return nil
	})
	if err == nil && cause == nil && !ref.IsZero() {
		s.auditOn(ctx, "job:sync", "approval.shadow_reported", shadowSubject(key), map[string]string{"name": sh.Name})
	}
	return sh, err
}

// ShadowInstall returns one shadow install.
func (s *Service) ShadowInstall(ctx context.Context, key ShadowKey) (Shadow, error) {
	rec, err := s.Records.GetRecord(ctx, kindShadow, key.String())
	if errors.Is(err, store.ErrNotFound) {
		return Shadow{}, ErrNoShadow
	}
	if err != nil {
		return Shadow{}, err
	}
	return decodeShadow(rec)
}

// FlagShadow flags a shadow install for removal; admins only.
func (s *Service) FlagShadow(ctx context.Context, key ShadowKey, a Actor) (Shadow, error) {
	if !a.Admin {
		s.auditOn(ctx, a.email(), "approval.refused", shadowSubject(key), map[string]string{"tried": "flag for removal"})
		return Shadow{}, &RefusedError{Why: "only admins can flag an installation for removal"}
	}
	now := s.now()
	sh, err := s.updateShadow(ctx, key, func(sh *Shadow) error {
		if sh.Flagged != nil {
			return store.ErrSkipUpdate
		}
		sh.Flagged = &Mark{By: a.email(), At: now}
		return nil
	})
	if err == nil {
		s.auditOn(ctx, a.email(), "approval.shadow_flagged", shadowSubject(key), map[string]string{"name": sh.Name})
	}
	if errors.Is(err, store.ErrSkipUpdate) {
		err = nil
	}
	return sh, err
}

// SubmitRetroactive opens a request for a shadow install and links the
// two, so the report shows it and a later approval covers it. The
// request is for the SaaS the installation is in, whatever the form
// says. The link is a compare-and-set on the shadow made before the
// request is stored, so two people pressing the button at once open one
// request.
func (s *Service) SubmitRetroactive(ctx context.Context, key ShadowKey, requester Actor, a Answers) (Request, error) {
	key = key.norm()
	a = maps.Clone(a)
	if a == nil {
		a = Answers{}
	}
	a[FieldSaaS] = key.SaaS
	r, err := s.prepare(App.Name, requester, a, key.ID)
	if err != nil {
		return Request{}, err
	}
	id := newID()
	for {
		sh, err := s.ShadowInstall(ctx, key)
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
		_, err = s.Records.CompareAndSwapRecord(ctx, kindShadow, key.String(), sh.Version, data)
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
		if _, uerr := s.updateShadow(ctx, key, func(sh *Shadow) error {
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

func (s *Service) updateShadow(ctx context.Context, key ShadowKey, change func(*Shadow) error) (Shadow, error) {
	return updateJSON(ctx, s.Records, kindShadow, key.String(), ErrNoShadow, decodeShadow,
		func(sh *Shadow, v int64) { sh.Version = v }, change)
}

// shadowSubject is the audit subject of an installation:
// "github:installation:55000002".
func shadowSubject(key ShadowKey) string {
	key = key.norm()
	return key.SaaS + ":installation:" + strconv.FormatInt(key.ID, 10)
}

// appKey compares app names as people type them. GitHub names an
// installation by its app's slug ("acme-ci" for "Acme CI"), so there
// names compare as slugs.
func appKey(saas, name string) string {
	if connector.OrZendesk(saas) == connector.GitHub {
		return strings.Join(strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}), "-")
	}
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}
