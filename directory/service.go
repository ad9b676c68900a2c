package directory

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// recordKind is the store kind of directory snapshots, one per source.
const recordKind = "directory"

// DefaultFullEvery is how often a source that reads changes is read whole
// anyway: people deleted from it appear in no change feed.
const DefaultFullEvery = 24 * time.Hour

// ErrNoDirectory: no read of the source has been kept yet.
var ErrNoDirectory = errors.New("directory: not read yet; run `seatwarden run-job identity-sync`")

// Service reads an identity source into the store and keeps the last good
// read.
type Service struct {
	Records store.Records
	Source  Source
	Safety  Safety
	// FullEvery is how often the source is read whole (default
	// DefaultFullEvery); reads in between ask only for changes.
	FullEvery time.Duration
	// CacheFor is how long Load answers from memory before reading the
	// store again (default DefaultCacheFor; negative: never cache). Every
	// credential evaluation and confirmation reads the directory, and a
	// large one takes a while to decode.
	CacheFor time.Duration
	Now      func() time.Time

	mu       sync.Mutex
	cached   *Snapshot
	cachedAt time.Time
}

// DefaultCacheFor is how long a loaded directory is reused.
const DefaultCacheFor = time.Minute

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// stored is a snapshot as kept, with when it was last read whole.
type stored struct {
	Snapshot
	FullAt time.Time `json:"full_at"`
}

// Load returns the last good read; ErrNoDirectory before the first. The
// snapshot is shared: callers must not change it.
func (s *Service) Load(ctx context.Context) (*Snapshot, error) {
	every := s.CacheFor
	if every == 0 {
		every = DefaultCacheFor
	}
	now := s.now()
	s.mu.Lock()
	if s.cached != nil && every > 0 && now.Sub(s.cachedAt) < every {
		defer s.mu.Unlock()
		return s.cached, nil
	}
	s.mu.Unlock()
	st, _, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	snap := st.Snapshot
	snap.index = &lazyIndex{}
	s.remember(&snap, now)
	return &snap, nil
}

func (s *Service) remember(snap *Snapshot, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cached, s.cachedAt = snap, at
}

// Departed maps every email of everyone the directory says left to when
// they did (the read's time when the source does not say); nil before
// the first read. The map is shared: callers must not change it.
func (s *Service) Departed(ctx context.Context) (map[string]time.Time, error) {
	snap, err := s.Load(ctx)
	if errors.Is(err, ErrNoDirectory) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return snap.Leavers(), nil
}

func (s *Service) load(ctx context.Context) (*stored, int64, error) {
	rec, err := s.Records.GetRecord(ctx, recordKind, s.Source.Name())
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrNoDirectory
	}
	if err != nil {
		return nil, 0, err
	}
	var st stored
	zr, err := gzip.NewReader(bytes.NewReader(rec.Data))
	if err == nil {
		err = json.NewDecoder(zr).Decode(&st)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("directory: stored %s read unreadable: %w", s.Source.Name(), err)
	}
	return &st, rec.Version, nil
}

// encode is a snapshot as stored: JSON, gzipped, since a directory of
// tens of thousands of people compresses about tenfold, and every replica
// and every backup holds it.
func encode(st stored) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(st); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Result is what one sync did.
type Result struct {
	Snapshot *Snapshot
	// Departed are the people who left since the last good read.
	Departed []Person
	Full     bool
	Requests int
	// Shared are emails several people answer to, which find nobody.
	Shared map[string][]string
}

// Sync reads the source, changes only unless a full read is due, and
// keeps the result if Safety trusts it. A held read returns a *HeldError
// and changes nothing: the last good read stays, and nobody counts as
// departed because of it.
func (s *Service) Sync(ctx context.Context) (Result, error) {
	now := s.now()
	prev, version, err := s.load(ctx)
	if err != nil && !errors.Is(err, ErrNoDirectory) {
		return Result{}, err
	}
	cursor := ""
	every := s.FullEvery
	if every <= 0 {
		every = DefaultFullEvery
	}
	if prev != nil && now.Sub(prev.FullAt) < every {
		cursor = prev.Cursor
	}
	r, err := s.Source.ReadPeople(ctx, cursor)
	if err != nil {
		return Result{}, fmt.Errorf("directory: read %s: %w", s.Source.Name(), err)
	}
	// Normalized in place: a large directory is not copied more than
	// it must be.
	kept := r.People[:0]
	for i := range r.People {
		// A partial change may leave the emails out: they did not change.
		if Normalize(&r.People[i]) || (r.Partial && !r.Full) {
			kept = append(kept, r.People[i])
		}
	}
	r.People = kept
	var before *Snapshot
	if prev != nil {
		before = &prev.Snapshot
	}
	next := Merge(before, s.Source.Name(), r, now)
	res := Result{Snapshot: next, Full: r.Full || prev == nil, Requests: r.Requests, Shared: next.Index().Shared}
	if err := s.Safety.Check(before, r, next); err != nil {
		return res, err
	}
	res.Departed = Departures(before, next)
	keep := stored{Snapshot: Snapshot{Source: next.Source, ReadAt: next.ReadAt, Cursor: next.Cursor, People: next.People}, FullAt: now}
	if !res.Full && prev != nil {
		keep.FullAt = prev.FullAt
	}
	data, err := encode(keep)
	if err != nil {
		return res, err
	}
	if prev == nil {
		_, err = s.Records.CreateRecord(ctx, recordKind, s.Source.Name(), data)
	} else {
		_, err = s.Records.CompareAndSwapRecord(ctx, recordKind, s.Source.Name(), version, data)
	}
	if errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrConflict) {
		// Another replica kept a read meanwhile; the next run reads on
		// from it.
		return res, fmt.Errorf("directory: another sync saved %s first: %w", s.Source.Name(), err)
	}
	if err == nil {
		s.remember(next, now)
	}
	return res, err
}

// SourceID is the source's own id for the person with this email (for
// Microsoft Graph, the Entra object id Teams knows them by), when they
// still work here; ok is false before the first read too.
func (s *Service) SourceID(ctx context.Context, email string) (string, bool, error) {
	snap, err := s.Load(ctx)
	if errors.Is(err, ErrNoDirectory) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	p, ok := snap.Index().Find(email)
	if !ok || p.Status.Departed() || p.ID == "" {
		return "", false, nil
	}
	return p.ID, true, nil
}

// ManagerOf is the manager the directory names for email, when the
// person is in it and their manager still works here: a departed manager
// can confirm nothing. ok is false before the first read too.
func (s *Service) ManagerOf(ctx context.Context, email string) (string, bool, error) {
	snap, err := s.Load(ctx)
	if errors.Is(err, ErrNoDirectory) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	ix := snap.Index()
	p, ok := ix.Find(email)
	if !ok || p.Manager == "" {
		return "", false, nil
	}
	if m, ok := ix.Find(p.Manager); ok && m.Status.Departed() {
		return "", false, nil
	}
	return p.Manager, true, nil
}
