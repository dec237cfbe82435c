// Package priority puts people's requests before background work in one
// server process. The HTTP server counts the requests it is serving
// (Gate.Handler); a long background job — the handover batch of a
// project's thousands of flats — asks between its short transactions to
// wait while any request is in progress (Pacer.Yield), and takes smaller
// steps while requests keep coming (Gate.Busy). The gate is per process:
// a batch run by another process does not see this one's requests.
//
// Go has no thread priorities. On a server of two cores a batch that keeps
// a core for its whole run leaves the pages of the clerks beside it a core
// they already need, and every request queues behind the one before it:
// a 楼盘表 that answers in milliseconds waits seconds. Given way to, the
// batch runs in the gaps between requests and finishes a little later.
//
// While requests keep coming, a job's Pacer waits after each step at least
// Share times as long as the step took, then until no request is in
// progress: on a server whose pages already keep its cores three-quarters
// busy, a batch that took every gap would fill them and the requests
// would queue. A bound keeps the batch moving on a server that is never
// idle: a Pacer waits at most its gate's bound at a time.
//
// The gate counts requests, not the CPU they use: while a long request is
// in progress (a large export, a slow client's download) every wait runs
// to its bound and the batch goes at its floor. A streaming or long-poll
// route, which would keep the batch at its floor for good, belongs
// outside Gate.Handler.
package priority

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWait is the longest a Pacer waits at a time on a server that
// never falls idle: a step of 10 ms is followed by at most 50, so the
// batch (two steps a chunk of four flats) keeps about a sixth of a core
// however busy the pages are, and 2,000 flats still end within minutes.
const DefaultWait = 50 * time.Millisecond

// Share is how many times as long as its last step a background job waits
// while requests are being served: for steps up to DefaultWait/Share
// (12.5 ms) the job keeps at most a fifth of the time it runs in; a longer
// step is followed by the bound alone.
const Share = 4

// busyFor is how long after the last request the gate still counts as
// busy: requests come in bursts (a page loads its parts together), and a
// batch that took a long step in the gap of a burst would land in the
// next one.
const busyFor = 250 * time.Millisecond

// Gate counts the requests in progress. The zero value is not usable;
// call New. A nil *Gate gives way to nothing: Yield returns at once and
// Busy is false, for a process that serves no requests (the command
// line's batch).
type Gate struct {
	wait time.Duration
	now  func() time.Time

	mu      sync.Mutex
	serving int
	idle    chan struct{} // closed while serving is 0
	last    atomic.Int64  // Unix nanoseconds when a request last began or ended
}

// New returns a gate whose Yield waits at most wait at a time (DefaultWait
// when zero), on the clock now.
func New(wait time.Duration, now func() time.Time) *Gate {
	if wait <= 0 {
		wait = DefaultWait
	}
	idle := make(chan struct{})
	close(idle)
	return &Gate{wait: wait, now: now, idle: idle}
}

// Handler counts every request next serves.
func (g *Gate) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer g.Enter()()
		next.ServeHTTP(w, r)
	})
}

// Enter marks a request in progress until the returned func is called.
func (g *Gate) Enter() (leave func()) {
	g.mu.Lock()
	if g.serving == 0 {
		g.idle = make(chan struct{})
	}
	g.serving++
	g.mu.Unlock()
	g.last.Store(g.now().UnixNano())
	return func() {
		g.last.Store(g.now().UnixNano())
		g.mu.Lock()
		g.serving--
		if g.serving == 0 {
			close(g.idle)
		}
		g.mu.Unlock()
	}
}

// Pacer paces one background job on its gate: the job calls Yield
// between its steps. A nil *Pacer (of a nil gate) never waits.
type Pacer struct {
	g    *Gate
	last time.Time // when the job's current step began
}

// Pacer returns a pacer for a job that starts its first step now.
func (g *Gate) Pacer() *Pacer {
	if g == nil {
		return nil
	}
	return &Pacer{g: g, last: g.now()}
}

// Yield ends the job's step and returns when its next may begin: at once
// while no request is being served; otherwise after Share times the step's
// length and then when no request is in progress, waiting at most the
// gate's bound in all. It returns ctx's error when ctx ends first.
func (p *Pacer) Yield(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	defer func() { p.last = p.g.now() }()
	if !p.g.Busy() {
		return ctx.Err()
	}
	bound := time.NewTimer(p.g.wait)
	defer bound.Stop()
	if rest := Share * p.g.now().Sub(p.last); rest > 0 {
		t := time.NewTimer(min(rest, p.g.wait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	p.g.mu.Lock()
	idle := p.g.idle
	p.g.mu.Unlock()
	select {
	case <-idle:
	case <-bound.C:
	case <-ctx.Done():
	}
	return ctx.Err()
}

// Busy reports whether a request is in progress or began or ended within
// the last busyFor (250 ms): a background job takes small steps while it
// is.
func (g *Gate) Busy() bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	serving := g.serving
	g.mu.Unlock()
	return serving > 0 || g.now().UnixNano()-g.last.Load() < int64(busyFor)
}

// Serving is how many requests are in progress.
func (g *Gate) Serving() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.serving
}
