package main

import (
	"bytes"
	"testing"
)

// TestRunSmall runs the whole benchmark on the embedded store with a few
// requests, so the program keeps building and working as the service
// changes.
func TestRunSmall(t *testing.T) {
	o := options{Embedded: true, Requests: 6, Approvers: 12, Needed: 2, Parallel: 3}
	var out bytes.Buffer
	rep, err := run(t.Context(), o, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass || len(rep.Stores) != 1 || len(rep.Stores[0].Phases) != 2 {
		t.Fatalf("pass %t on %d stores, want a pass on the embedded store in two phases", rep.Pass, len(rep.Stores))
	}
	for _, ph := range rep.Stores[0].Phases {
		if ph.Approvals != 12 || ph.Transitions != 6 || len(ph.Refused) != 60 || len(ph.Winners) != 12 {
			t.Errorf("%s: %d approvals, %d transitions, %d refused, %d winners; want 12, 6, 60, 12", ph.Name, ph.Approvals, ph.Transitions, len(ph.Refused), len(ph.Winners))
		}
	}
}

func TestParseOptions(t *testing.T) {
	var errs bytes.Buffer
	for _, args := range [][]string{
		{"-requests", "0"}, {"-needed", "0"}, {"-approvers", "1", "-needed", "2"}, {"-parallel", "0"},
		{"-embedded=false", "-redis", ""}, {"extra"},
	} {
		if _, err := parseOptions(args, &errs); err == nil {
			t.Errorf("parseOptions(%q) accepted", args)
		}
	}
	o, err := parseOptions(nil, &errs)
	if err != nil || o.Requests != 200 || o.Approvers != 50 || o.Needed != 2 || o.Parallel != 8 || o.RedisURL != defaultRedisURL || !o.Embedded {
		t.Errorf("defaults %+v, %v", o, err)
	}
}
