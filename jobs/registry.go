package jobs

import (
	"fmt"
	"slices"
	"strings"
)

// Registry holds the jobs this build can run, keyed by contract name.
type Registry struct {
	defs map[string]Definition
}

// NewRegistry registers defs; a name outside the contract or registered
// twice is a wiring bug and fails at startup.
func NewRegistry(defs ...Definition) (*Registry, error) {
	r := &Registry{defs: make(map[string]Definition, len(defs))}
	for _, d := range defs {
		if !slices.Contains(Names, d.Name) {
			return nil, fmt.Errorf("jobs: %q is not a job name (names: %s)", d.Name, strings.Join(Names, ", "))
		}
		if _, dup := r.defs[d.Name]; dup {
			return nil, fmt.Errorf("jobs: %q registered twice", d.Name)
		}
		if d.Run == nil {
			return nil, fmt.Errorf("jobs: %q has no Run function", d.Name)
		}
		r.defs[d.Name] = d
	}
	return r, nil
}

// Lookup finds a job by name, with an error that says what to type instead.
func (r *Registry) Lookup(name string) (Definition, error) {
	if d, ok := r.defs[name]; ok {
		return d, nil
	}
	if slices.Contains(Names, name) {
		return Definition{}, fmt.Errorf("%w: %q is not available in this version yet (available: %s)", ErrUnknownJob, name, strings.Join(r.names(), ", "))
	}
	return Definition{}, fmt.Errorf("%w: %q (jobs: %s)", ErrUnknownJob, name, strings.Join(r.names(), ", "))
}

// Definitions lists the registered jobs in contract order.
func (r *Registry) Definitions() []Definition {
	var out []Definition
	for _, n := range Names {
		if d, ok := r.defs[n]; ok {
			out = append(out, d)
		}
	}
	return out
}

func (r *Registry) names() []string {
	var out []string
	for _, d := range r.Definitions() {
		out = append(out, d.Name)
	}
	return out
}
