// Package emufault is the emulators' queue of injected faults: each fault
// answers the requests it matches, in the order injected, a set number of
// times or until cleared. What a fault does to a response is each
// emulator's own; which fault a request meets is decided here.
package emufault

// Queue holds faults of type F. It does no locking: the emulator guards
// it with the lock it holds while it answers a request.
type Queue[F any] struct {
	faults []*entry[F]
}

type entry[F any] struct {
	fault F
	match string
	left  int // uses left; 0 means until Clear
}

// Inject queues f for requests that match (the emulator's meaning: an
// endpoint name, a path prefix), for times requests, or every one until
// Clear when times is 0.
func (q *Queue[F]) Inject(match string, f F, times int) {
	q.faults = append(q.faults, &entry[F]{fault: f, match: match, left: times})
}

// Clear removes every fault.
func (q *Queue[F]) Clear() { q.faults = nil }

// Take consumes one use of the first fault whose match matches says
// applies to the request.
func (q *Queue[F]) Take(matches func(match string) bool) (F, bool) {
	for i, e := range q.faults {
		if !matches(e.match) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				q.faults = append(q.faults[:i:i], q.faults[i+1:]...)
			}
		}
		return e.fault, true
	}
	var zero F
	return zero, false
}
