package priority

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// clock is a clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// yieldDone runs p.Yield in its own goroutine and returns its answer's
// channel.
func yieldDone(ctx context.Context, p *Pacer) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Yield(ctx) }()
	return done
}

// within waits for done at most d and says whether it came.
func within(done <-chan error, d time.Duration) (error, bool) {
	select {
	case err := <-done:
		return err, true
	case <-time.After(d):
		return nil, false
	}
}

func TestBusy(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)}
	g := New(time.Hour, c.Now)
	check := func(when string, want bool) {
		t.Helper()
		if got := g.Busy(); got != want {
			t.Errorf("%s: Busy() got %v, want %v", when, got, want)
		}
	}
	check("never served", false)
	leave := g.Enter()
	check("a request in progress", true)
	c.Add(time.Minute)
	check("a minute into the request", true)
	leave()
	check("as it ends", true)
	c.Add(busyFor - time.Millisecond)
	check("a moment after it ended", true)
	c.Add(2 * time.Millisecond)
	check("a while after it ended", false)
}

func TestYieldReturnsAtOnceOnAnIdleServer(t *testing.T) {
	g := New(time.Hour, time.Now)
	if err, ok := within(yieldDone(context.Background(), g.Pacer()), 5*time.Second); !ok || err != nil {
		t.Fatalf("Yield on a server that never served: got (%v, returned %v), want (nil, true)", err, ok)
	}
}

func TestYieldWaitsForTheRequestInProgress(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)} // steps take no time: no share to wait
	g := New(time.Hour, c.Now)
	p := g.Pacer()
	leave := g.Enter()
	done := yieldDone(context.Background(), p)
	if _, ok := within(done, 50*time.Millisecond); ok {
		t.Fatal("Yield returned while a request was in progress and its bound is an hour away")
	}
	leave()
	if err, ok := within(done, 5*time.Second); !ok || err != nil {
		t.Fatalf("after the request ended: got (%v, returned %v), want (nil, true)", err, ok)
	}
}

func TestYieldWaitsAtMostItsBound(t *testing.T) {
	g := New(20*time.Millisecond, time.Now)
	defer g.Enter()() // a request that outlasts the test
	p := g.Pacer()
	start := time.Now()
	if err, ok := within(yieldDone(context.Background(), p), 5*time.Second); !ok || err != nil {
		t.Fatalf("got (%v, returned %v), want (nil, true) after the bound", err, ok)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("returned after %v while a request was in progress; want at least the bound 20ms", waited)
	}
}

// While requests are being served, a step is followed by Share times its
// length before the next may begin, even when no request is in progress
// at that moment.
func TestYieldLeavesTheRequestsTheirShare(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)}
	g := New(time.Hour, c.Now)
	g.Enter()() // a request that has just ended: busy, nothing in progress
	p := g.Pacer()
	c.Add(10 * time.Millisecond) // the step took 10 ms on the gate's clock
	start := time.Now()
	if err, ok := within(yieldDone(context.Background(), p), 5*time.Second); !ok || err != nil {
		t.Fatalf("got (%v, returned %v), want (nil, true)", err, ok)
	}
	if waited, want := time.Since(start), Share*10*time.Millisecond; waited < want {
		t.Errorf("waited %v after a 10 ms step; want at least %v", waited, want)
	}
}

func TestYieldStopsWithItsContext(t *testing.T) {
	g := New(time.Hour, time.Now)
	defer g.Enter()()
	ctx, cancel := context.WithCancel(context.Background())
	done := yieldDone(ctx, g.Pacer())
	cancel()
	if err, ok := within(done, 5*time.Second); !ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("got (%v, returned %v), want (context.Canceled, true)", err, ok)
	}
}

// A process that serves no requests has no gate: its background work
// never waits.
func TestNilGate(t *testing.T) {
	var g *Gate
	if g.Busy() || g.Serving() != 0 {
		t.Errorf("nil gate: Busy %v Serving %d, want false 0", g.Busy(), g.Serving())
	}
	if err := g.Pacer().Yield(context.Background()); err != nil {
		t.Errorf("nil pacer: got %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Pacer().Yield(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("nil pacer, ended context: got %v, want context.Canceled", err)
	}
}

// The handler counts each request for as long as it is served.
func TestHandlerCounts(t *testing.T) {
	g := New(time.Hour, time.Now)
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	srv := httptest.NewServer(g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	})))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	<-entered
	<-entered
	if got := g.Serving(); got != 2 {
		t.Errorf("two requests in progress: Serving() got %d, want 2", got)
	}
	close(release)
	wg.Wait()
	if got := g.Serving(); got != 0 {
		t.Errorf("after both answered: Serving() got %d, want 0", got)
	}
	if err, ok := within(yieldDone(context.Background(), &Pacer{g: g, last: time.Now()}), 5*time.Second); !ok || err != nil {
		t.Errorf("Yield after the requests ended: got (%v, returned %v)", err, ok)
	}
}
