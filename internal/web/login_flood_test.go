package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"handover/internal/web/webtest"
)

// Failing logins, however many at once, leave the server to everyone
// else: password checks (64 MiB and a core each, at production cost) run
// in at most one core fewer than the machine has, so another user's
// request stays within 3× its latency at rest while 16 clients keep
// failing (the best of three rounds, see below). The failing clients try
// unknown names, which are hashed like known ones and never locked.
func TestFailingLoginsLeaveOthersServed(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	e := webtest.Start(t)
	c := e.Client(t, "admin")
	median := func(n int) time.Duration {
		var ds []time.Duration
		for range n {
			start := time.Now()
			resp, err := c.Get(e.HTTP.URL + "/api/v1/me")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET /api/v1/me: status %d", resp.StatusCode)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	// One flood: 16 clients failing logins until stopped; it returns how
	// many failed.
	flood := func(during func()) int {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := client.PostForm(e.HTTP.URL+"/login", url.Values{"username": {fmt.Sprintf("nobody%d", i)}, "password": {"guess-1234"}})
					if err != nil {
						return
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusUnauthorized {
						mu.Lock()
						failed++
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(300 * time.Millisecond) // the failing clients are all hashing or waiting to
		during()
		close(stop)
		wg.Wait()
		return failed
	}
	median(20) // warm up
	// Each round measures the latency at rest and during a flood back to
	// back, so both see the same machine: when other work shares it (CI
	// runs two test suites at once), a burst of that work in one round
	// does not pass for the flood's doing. Starvation by the password
	// checks would show in every round; the best of three is held to 3×.
	var rest, loaded time.Duration
	var failed int
	best := 0.0
	for round := 1; round <= 3; round++ {
		r := median(100)
		var l time.Duration
		n := flood(func() { l = median(100) })
		if n < 16 {
			t.Fatalf("got %d failed logins during the flood, want at least 16: the flood did not happen", n)
		}
		ratio := float64(l) / float64(r)
		t.Logf("round %d: median at rest %v, during the flood %v (%.1f×), %d failed logins", round, r, l, ratio, n)
		if best == 0 || ratio < best {
			best, rest, loaded, failed = ratio, r, l, n
		}
		if best <= 3 {
			break
		}
	}
	if loaded > 3*rest {
		t.Errorf("GET /api/v1/me median: got %v during 16 failing logins, want at most 3 × %v at rest (best of 3 rounds)", loaded, rest)
	}
	t.Logf("median at rest %v, during the flood %v (%.1f×), %d failed logins", rest, loaded, float64(loaded)/float64(rest), failed)
}
