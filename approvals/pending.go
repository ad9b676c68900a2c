package approvals

import (
	"sync"
	"time"
)

// pendingRequests are the requests this replica has seen pending, so an
// approval of one is judged without reading it first and costs the store
// one round trip, the vote. What the judgement reads of a request (who
// asked, who confirmed, who owns it, its kind, tier and quorum) never
// changes while it is pending, and whether it still is the ballot itself
// answers: every way out of pending closes it. A request is forgotten once
// seen decided, and is not trusted past its expiry.
type pendingRequests struct {
	mu   sync.Mutex
	byID map[string]Request
}

// pendingKept bounds the requests remembered; a forgotten one is read.
const pendingKept = 4096

func (p *pendingRequests) get(id string, now time.Time) (Request, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byID[id]
	if ok && !now.Before(r.ExpiresAt) {
		delete(p.byID, id)
		return Request{}, false
	}
	return r, ok
}

// remember keeps r if it is pending.
func (p *pendingRequests) remember(r Request) {
	if r.State != Pending {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byID == nil {
		p.byID = map[string]Request{}
	}
	if len(p.byID) >= pendingKept {
		for id := range p.byID { // any one: a forgotten request is read again
			delete(p.byID, id)
			break
		}
	}
	p.byID[r.ID] = r.clone()
}

func (p *pendingRequests) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.byID, id)
}
