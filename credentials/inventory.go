package credentials

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Inventory is every credential the last sync found.
type Inventory struct {
	SyncedAt time.Time `json:"synced_at"`
	// SaaS names the connector it was read from; "" in inventories
	// written before connectors, which were all Zendesk's.
	SaaS    string `json:"saas,omitempty"`
	Account string `json:"account,omitempty"`
	// APITokensDisabled: Zendesk answered 404 for API tokens, which
	// means token access is turned off in the account.
	APITokensDisabled bool `json:"api_tokens_disabled,omitempty"`
	// Problems says, by kind, why a kind could not be read this time; the
	// previous sync's credentials of that kind are kept.
	Problems map[Kind]string `json:"problems,omitempty"`
	// Credentials are sorted by kind (in Kinds order), then SaaS id.
	Credentials []Credential `json:"credentials"`
}

// Count is how many credentials of kind k the inventory holds.
func (inv *Inventory) Count(k Kind) int {
	n := 0
	for _, c := range inv.Credentials {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// SyncResult says what one inventory sync did.
type SyncResult struct {
	Counts   map[Kind]int
	Problems map[Kind]string
	// Ended are the register ids of credentials found gone since the last
	// sync (retired, deleted in the SaaS).
	Ended []string
	// Finished counts the revokes left undone by a replica that died,
	// carried out by this sync.
	Finished int
	Duration time.Duration
}

// Sync reads every credential from src and replaces the inventory in one
// write. A kind that cannot be read keeps its previous credentials and is
// reported in the result and the inventory; an API token list answered
// with 404 means token access is off, which is not a failure. Only when
// nothing at all can be read is the previous inventory left as it was and
// an error returned. Register entries of credentials no longer in the
// SaaS are ended (an API token marked to retire is then retired), and the
// revokes a dead replica left are finished, from one read of the register.
func (s *Service) Sync(ctx context.Context, src connector.Credentials, account string) (SyncResult, error) {
	start := s.now()
	prev, err := s.Inventory(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log().WarnContext(ctx, "stored credential inventory is unreadable; rebuilding it", slog.Any("error", err))
	}
	if prev == nil || prev.Account != account {
		prev = &Inventory{}
	}
	inv := &Inventory{SyncedAt: start, SaaS: s.saas(), Account: account}
	res := SyncResult{Counts: map[Kind]int{}}
	fresh := map[Kind]bool{}
	var failures []error
	fail := func(k Kind, err error) {
		failures = append(failures, fmt.Errorf("%s: %w", k.Label(), err))
		if inv.Problems == nil {
			inv.Problems = map[Kind]string{}
		}
		inv.Problems[k] = problemText(s.saas(), err)
		for _, c := range prev.Credentials {
			if c.Kind == k {
				inv.Credentials = append(inv.Credentials, c)
			}
		}
	}

	var listed []Kind // the kinds this SaaS has
	for _, list := range src.ListCredentials(ctx) {
		k := Kind(list.Kind)
		listed = append(listed, k)
		switch {
		case list.Off && k == APIToken:
			inv.APITokensDisabled = true
			fresh[k] = true
		case list.Off:
			fresh[k] = true
		case list.Err != nil:
			fail(k, list.Err)
		default:
			fresh[k] = true
			for _, c := range list.Credentials {
				inv.Credentials = append(inv.Credentials, credential(c))
			}
		}
	}

	if fresh[OAuthClient] {
		clientsUsedByTokens(inv.Credentials)
	}

	if len(fresh) == 0 {
		return res, fmt.Errorf("credentials: nothing could be read from %s: %w", connector.Title(s.saas()), errors.Join(failures...))
	}
	sortCredentials(inv.Credentials)
	data, err := json.Marshal(inv)
	if err != nil {
		return res, err
	}
	rec, err := store.PutRecord(ctx, s.Records, s.kind(kindInventory), inventoryID, data)
	if err != nil {
		return res, fmt.Errorf("credentials: save inventory: %w", err)
	}
	s.keep(rec.Version, inv)
	if entries, err := s.Entries(ctx); err != nil {
		failures = append(failures, err)
	} else {
		var errEnd, errFinish error
		res.Ended, errEnd = s.endMissing(ctx, inv, fresh, entries)
		for _, id := range res.Ended {
			delete(entries, id) // ended above, with its audit entry
		}
		if res.Finished, errFinish = s.finishRevokes(ctx, entries); errFinish != nil {
			errFinish = fmt.Errorf("finish revokes: %w", errFinish)
		}
		failures = append(failures, errEnd, errFinish)
	}
	for _, k := range listed {
		res.Counts[k] = inv.Count(k)
	}
	res.Problems = inv.Problems
	res.Duration = s.now().Sub(start)
	attrs := []slog.Attr{slog.String("saas", s.saas())}
	for _, k := range listed {
		attrs = append(attrs, slog.Int(strings.ReplaceAll(string(k), "-", "_")+"s", res.Counts[k]))
	}
	attrs = append(attrs, slog.Int("ended", len(res.Ended)), slog.Int("revokes_finished", res.Finished), slog.Bool("api_tokens_disabled", inv.APITokensDisabled), slog.Duration("duration", res.Duration))
	s.log().LogAttrs(ctx, slog.LevelInfo, "credential inventory synced", attrs...)
	if inv.APITokensDisabled {
		s.log().InfoContext(ctx, "Zendesk says API token access is disabled in this account (404 on /api/v2/api_tokens); no API tokens to track")
	}
	return res, errors.Join(failures...)
}

// problemText is a kind's read failure in a few words for people.
func problemText(saas string, err error) string {
	title := connector.Title(saas)
	switch {
	case errors.Is(err, connector.ErrForbidden) && saas == connector.Zendesk:
		return "Zendesk refused (the bot's Zendesk user must be an admin with read access)"
	case errors.Is(err, connector.ErrForbidden) && connector.RefusalText(err) != "":
		return connector.RefusalText(err)
	case errors.Is(err, connector.ErrForbidden):
		return title + " refused the bot's read"
	case errors.Is(err, connector.ErrAuth):
		return title + " did not accept the bot's credentials"
	case errors.Is(err, connector.ErrRateLimited):
		return title + " rate-limited the sync; the next run tries again"
	case errors.Is(err, connector.ErrUnavailable):
		return title + " did not answer; the next run tries again"
	}
	return title + " answered something unexpected; the next run tries again"
}

// clientsUsedByTokens dates an OAuth client's last use by its tokens':
// the ones just read, or those kept from the last sync when the tokens
// could not be read.
func clientsUsedByTokens(cs []Credential) {
	used := make(map[int64]time.Time)
	for _, t := range cs {
		if t.Kind == OAuthToken && t.LastUsedAt.After(used[t.Client]) {
			used[t.Client] = t.LastUsedAt
		}
	}
	for i, c := range cs {
		if c.Kind == OAuthClient && used[c.SaaSID].After(c.LastUsedAt) {
			cs[i].LastUsedAt = used[c.SaaSID]
		}
	}
}

// credential is the register's copy of what the connector read.
func credential(c connector.Credential) Credential {
	k := Kind(c.Kind)
	return Credential{
		ID: IDOf(k, c.ID), Kind: k, SaaSID: c.ID, Name: c.Name,
		ActsAs: c.ActsAs, ActsAsName: c.ActsAsName, ActsAsEmail: c.ActsAsEmail,
		Client: c.Client, Scopes: c.Scopes, Active: c.Active,
		CreatedAt: c.Created, LastUsedAt: c.LastUsed, ExpiresAt: c.Expires,
	}
}

func sortCredentials(cs []Credential) {
	rank := func(k Kind) int { return slices.Index(Kinds, k) }
	slices.SortFunc(cs, func(a, b Credential) int {
		return cmp.Or(cmp.Compare(rank(a.Kind), rank(b.Kind)), cmp.Compare(a.SaaSID, b.SaaSID))
	})
}

// Inventory returns the stored inventory; store.ErrNotFound before the
// first sync.
func (s *Service) Inventory(ctx context.Context) (*Inventory, error) {
	rec, err := s.Records.GetRecord(ctx, s.kind(kindInventory), inventoryID)
	if err != nil {
		return nil, err
	}
	if inv := s.cached(rec.Version); inv != nil {
		return inv, nil
	}
	var inv Inventory
	if err := json.Unmarshal(rec.Data, &inv); err != nil {
		return nil, fmt.Errorf("credentials: unreadable inventory: %w", err)
	}
	upgradeInventory(&inv)
	s.keep(rec.Version, &inv)
	return &inv, nil
}

// upgradeInventory reads an inventory written before connectors: all
// Zendesk's, each credential's number under "zendesk_id", which the
// register id also carries.
func upgradeInventory(inv *Inventory) {
	inv.SaaS = connector.OrZendesk(inv.SaaS)
	for i, c := range inv.Credentials {
		if c.SaaSID == 0 {
			_, inv.Credentials[i].SaaSID, _ = ParseID(c.ID)
		}
	}
}

// endMissing ends the entries of credentials of the freshly read kinds
// that are no longer in the SaaS.
func (s *Service) endMissing(ctx context.Context, inv *Inventory, fresh map[Kind]bool, entries map[string]Entry) ([]string, error) {
	present := make(map[string]bool, len(inv.Credentials))
	for _, c := range inv.Credentials {
		present[c.ID] = true
	}
	now := s.now()
	var ended []string
	var errs []error
	for id, e := range entries {
		k, _, ok := ParseID(id)
		if !ok || !fresh[k] || present[id] || e.State.Ended() {
			continue
		}
		var was State
		var revoking *Lease
		_, err := s.update(ctx, id, func(e *Entry) error {
			if e.State.Ended() {
				return store.ErrSkipUpdate
			}
			was, revoking = e.State, e.Revoking
			e.State, e.EndedAt, e.Revoking = Gone, now, nil
			if revoking != nil && k.Revocable() {
				// An admin's revoke whose replica died after the SaaS
				// revoked it and before it said so: the revoke is theirs.
				e.State, e.DecidedBy, e.DecidedAt = Revoked, revoking.By, now
				e.AuditPending = true
			}
			return nil
		})
		if errors.Is(err, store.ErrSkipUpdate) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case revoking != nil && k.Revocable():
			s.auditRevoked(ctx, revoking.By, id, map[string]string{"recorded_by": "job:sync", s.saas(): "gone"})
		case was == ToRetire:
			s.audit(ctx, "job:sync", "credential.retired", id, map[string]string{"was": string(was)})
		default:
			s.audit(ctx, "job:sync", "credential.gone", id, map[string]string{"was": string(was)})
		}
		ended = append(ended, id)
	}
	slices.Sort(ended)
	return ended, errors.Join(errs...)
}
