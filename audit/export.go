// Package audit carries the bot's audit trail out of the store: exports
// for people (JSON lines, CSV) and the stream to a SIEM. The format of an
// entry as it leaves is documented in docs/audit.md.
package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Entry is an audit entry as it leaves seatwarden. ID is stable: the
// same entry always carries the same id, so a receiver can drop repeats.
type Entry struct {
	ID      string            `json:"id"`
	Seq     int64             `json:"seq"`
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`
	Action  string            `json:"action"`
	Subject string            `json:"subject"`
	Detail  map[string]string `json:"detail,omitempty"`
}

// EntryOf is e as it leaves.
func EntryOf(e store.AuditEntry) Entry {
	return Entry{ID: "sw-" + strconv.FormatInt(e.Seq, 10), Seq: e.Seq, At: e.At.UTC(), Actor: e.Actor, Action: e.Action,
		Subject: e.Subject, Detail: e.Detail}
}

// Format is how an export is written.
type Format string

// Formats.
const (
	JSONLines Format = "jsonl"
	CSV       Format = "csv"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case JSONLines, CSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use jsonl or csv, e.g. --format csv", s)
}

// Query is which entries an export writes: those at or after Since and
// before Until (zero: no bound).
type Query struct {
	Since, Until time.Time
}

// Check reports a query that can match nothing.
func (q Query) Check() error {
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return fmt.Errorf("--since (%s) is not before --until (%s): e.g. --since 2026-11-01 --until 2026-12-01",
			q.Since.UTC().Format(time.RFC3339), q.Until.UTC().Format(time.RFC3339))
	}
	return nil
}

func (q Query) matches(at time.Time) bool {
	return (q.Since.IsZero() || !at.Before(q.Since)) && (q.Until.IsZero() || at.Before(q.Until))
}

// PageSize is how many entries an export reads from the store at a time:
// its memory does not grow with the trail.
const PageSize = 1000

// Export writes the entries q matches to w in format f, oldest first,
// reading the trail a page at a time. progress, when set, hears how many
// entries were read and written after each page. It returns how many it
// wrote.
func Export(ctx context.Context, trail store.Audit, w io.Writer, f Format, q Query, progress func(read, written int)) (int, error) {
	if err := q.Check(); err != nil {
		return 0, err
	}
	buf := bufio.NewWriterSize(w, 64<<10)
	write, flush, err := writerOf(buf, f)
	if err != nil {
		return 0, err
	}
	var after int64
	read, written := 0, 0
	for {
		page, err := trail.ListAudit(ctx, after, PageSize)
		if err != nil {
			return written, fmt.Errorf("read the audit trail after entry %d: %w", after, err)
		}
		for _, e := range page {
			after = e.Seq
			read++
			if !q.matches(e.At) {
				continue
			}
			if err := write(EntryOf(e)); err != nil {
				return written, err
			}
			written++
		}
		if progress != nil && len(page) > 0 {
			progress(read, written)
		}
		if len(page) < PageSize {
			break
		}
	}
	if err := flush(); err != nil {
		return written, err
	}
	return written, buf.Flush()
}

// csvHeader names the CSV columns; detail is the JSON object of the
// entry's details, so nothing is lost to the format.
var csvHeader = []string{"id", "seq", "at", "actor", "action", "subject", "detail"}

func writerOf(w io.Writer, f Format) (write func(Entry) error, flush func() error, err error) {
	switch f {
	case JSONLines:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return func(e Entry) error { return enc.Encode(e) }, func() error { return nil }, nil
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return nil, nil, err
		}
		return func(e Entry) error {
				detail := ""
				if len(e.Detail) > 0 {
					b, err := json.Marshal(e.Detail)
					if err != nil {
						return err
					}
					detail = string(b)
				}
				return cw.Write([]string{e.ID, strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), cell(e.Actor), cell(e.Action), cell(e.Subject), detail})
			}, func() error {
				cw.Flush()
				return cw.Error()
			}, nil
	}
	return nil, nil, errors.New("audit: no format given")
}

// cell keeps a value a person typed from being read as a formula when the
// CSV is opened in a spreadsheet: one that starts like a formula gets a
// leading apostrophe, as OWASP advises for CSV injection.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
