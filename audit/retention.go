package audit

import (
	"context"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// trimBatch is how many entries one trim removes: retention works in
// batches so no store call holds the trail for long.
const trimBatch = 1000

// Trim removes the entries older than before, oldest first, and returns
// how many it removed. With a sink it never removes one the SIEM has not
// taken: the trail waits for the collector. An entry is judged by its
// time; the first one at or after before ends the run, so a later entry
// written with an earlier clock is kept until the next one.
func Trim(ctx context.Context, trail store.Audit, records store.Records, sink bool, before time.Time) (int, error) {
	var ceiling int64 = 1<<63 - 1
	if sink {
		delivered, err := Delivered(ctx, records)
		if err != nil {
			return 0, err
		}
		ceiling = delivered
	}
	removed := 0
	for {
		page, err := trail.ListAudit(ctx, 0, trimBatch)
		if err != nil {
			return removed, err
		}
		var through int64
		for _, e := range page {
			if !e.At.Before(before) || e.Seq > ceiling {
				break
			}
			through = e.Seq
		}
		if through == 0 {
			return removed, nil
		}
		n, err := trail.TrimAudit(ctx, through, trimBatch)
		removed += n
		if err != nil || n == 0 {
			return removed, err
		}
	}
}
