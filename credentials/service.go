package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Policy is the credential part of the policy.
type Policy struct {
	Location *time.Location
	// UnusedDays: a credential unused this long is an orphan (default 90).
	UnusedDays int
	// StepUpRevoke: revoking a credential in its SaaS counts only after
	// the admin signs in again (step_up.for: credential_revoke).
	StepUpRevoke bool
}

// Service keeps one SaaS's credential register over the store and the
// SaaS's connector.
type Service struct {
	Records   store.Records
	Audit     store.Audit
	Snapshots store.Snapshots
	// SaaS names the connector whose credentials this register keeps
	// ("" is Zendesk). Each SaaS has its own records; Zendesk's keep the
	// kinds they had before connectors.
	SaaS string
	// Connector revokes credentials in the governed account.
	Connector connector.Credentials
	Policy    Policy
	Now       func() time.Time
	// Holder names this replica in revoke leases.
	Holder string
	// Lease is how long a replica may take to carry out a revoke before
	// another may (default 1 minute).
	Lease time.Duration
	// Directory, when set, says who left the company: their credentials
	// become orphans at once, whatever the SaaS still shows.
	Directory Directory
	Logger    *slog.Logger

	mu         sync.Mutex
	invVersion int64
	inv        *Inventory

	// roster is the staff of the snapshot saved as rosterBase, read with
	// the patches of the members rosterPatched.
	rosterMu      sync.Mutex
	rosterBase    string
	rosterPatched []int64
	roster        *roster
}

// Directory is the company directory's word on who left: every email of
// each departed person, and when they left.
type Directory interface {
	Departed(ctx context.Context) (map[string]time.Time, error)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// saas is the connector this register belongs to.
func (s *Service) saas() string { return connector.OrZendesk(s.SaaS) }

// kind names a record kind in this register's SaaS.
func (s *Service) kind(base string) string { return connector.Kind(s.saas(), base) }

func (s *Service) policy() Policy {
	p := s.Policy
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.UnusedDays <= 0 {
		p.UnusedDays = 90
	}
	return p
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) holder() string {
	if s.Holder == "" {
		return "seatwarden"
	}
	return s.Holder
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return time.Minute
	}
	return s.Lease
}

// account is the account of the inventory last read or written: the one
// the register's decisions are about.
func (s *Service) account() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inv == nil {
		return ""
	}
	return s.inv.Account
}

// subject names a credential in the audit trail: "credential:api-token:5"
// for Zendesk's, as before connectors, "credential:github:fine-grained-
// token:7" for another SaaS's.
func (s *Service) subject(id string) string {
	if c := s.saas(); c != connector.Zendesk {
		return "credential:" + c + ":" + id
	}
	return "credential:" + id
}

// cached returns the decoded inventory of version, if it is the one kept:
// a large account's inventory is megabytes of JSON, and every command and
// click reads it.
func (s *Service) cached(version int64) *Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inv != nil && s.invVersion == version {
		return s.inv
	}
	return nil
}

func (s *Service) keep(version int64, inv *Inventory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version >= s.invVersion {
		s.invVersion, s.inv = version, inv
	}
}

// Entries returns every register entry by id.
func (s *Service) Entries(ctx context.Context) (map[string]Entry, error) {
	recs, err := s.Records.ListRecords(ctx, s.kind(kindEntry))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(recs))
	for _, r := range recs {
		e, err := decodeEntry(r.Data, r.Version)
		if err != nil {
			// One unreadable entry must not hide the register; it reads
			// as unclaimed and is logged.
			s.log().Warn("register entry unreadable; shown as unclaimed", slog.String("id", r.ID), slog.Any("error", err))
			continue
		}
		out[r.ID] = e
	}
	return out, nil
}

// entry returns one register entry; a fresh Unclaimed one when none is
// stored.
func (s *Service) entry(ctx context.Context, id string) (Entry, error) {
	rec, err := s.Records.GetRecord(ctx, s.kind(kindEntry), id)
	if errors.Is(err, store.ErrNotFound) {
		return Entry{ID: id, State: Unclaimed}, nil
	}
	if err != nil {
		return Entry{}, err
	}
	return decodeEntry(rec.Data, rec.Version)
}

// update applies change to an entry with a compare-and-set, creating it
// when absent. change may return store.ErrSkipUpdate to write nothing.
func (s *Service) update(ctx context.Context, id string, change func(*Entry) error) (Entry, error) {
	var out Entry
	rec, err := store.UpsertRecord(ctx, s.Records, s.kind(kindEntry), id, func(cur store.Record) ([]byte, error) {
		e := Entry{ID: id, State: Unclaimed}
		if cur.Data != nil {
			var err error
			if e, err = decodeEntry(cur.Data, cur.Version); err != nil {
				return nil, err
			}
		}
		e.Scopes = append([]string(nil), e.Scopes...)
		if e.Migration != nil {
			m := *e.Migration
			e.Migration = &m
		}
		if e.Revoking != nil {
			l := *e.Revoking
			e.Revoking = &l
		}
		if err := change(&e); err != nil {
			return nil, err
		}
		e.Account = &connector.Account{Connector: s.saas(), ID: s.account()}
		out = e
		return json.Marshal(e)
	})
	if err != nil {
		return Entry{}, err
	}
	out.Version = rec.Version
	return out, nil
}

func (s *Service) audit(ctx context.Context, actor, action, id string, detail map[string]string) {
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{At: s.now(), Actor: actor, Action: action, Subject: s.subject(id), Detail: detail})
}

// auditRevoked writes a credential's one credential.revoked entry. The
// replica that revoked it, the intake's replay of the click after that
// replica died, and the sync that finds it gone may each come to say
// so: the entry is appended under a key, in one step, so the first to
// say it does and no other, whichever of them dies when. Once it is in
// the trail, a pending mark on the entry is cleared.
func (s *Service) auditRevoked(ctx context.Context, actor, id string, detail map[string]string) {
	// Before entries were keyed, a marker record said one was written.
	if _, err := s.Records.GetRecord(ctx, s.kind(kindRevokeAudited), id); err != nil {
		subject := s.subject(id)
		if store.RecordAuditOnce(ctx, s.Audit, s.log(), "credential.revoked:"+subject,
			store.AuditEntry{At: s.now(), Actor: actor, Action: "credential.revoked", Subject: subject, Detail: detail}) != nil {
			return
		}
	}
	if _, err := s.update(ctx, id, func(e *Entry) error {
		if !e.AuditPending {
			return store.ErrSkipUpdate
		}
		e.AuditPending = false
		return nil
	}); err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		s.log().WarnContext(ctx, "credentials: a revoke's entry is in the trail and still marked owed; the sync job clears it", slog.String("credential", id), slog.Any("error", err))
	}
}
