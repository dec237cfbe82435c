package courier_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/courier"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// slowReceiver is a partner that takes a while to answer and records every
// arrival the courier waited for (its acknowledgements).
type slowReceiver struct {
	delay     time.Duration
	mu        sync.Mutex
	got       map[int64]int      // acknowledged arrivals by event id
	order     map[string][]int64 // acknowledged arrivals by aggregate, in order
	active    map[string]bool    // aggregates with a request in flight
	overlap   []string           // aggregates that had two requests in flight at once
	abandoned int                // arrivals the courier stopped waiting for
}

func (rv *slowReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env courier.Envelope
	json.Unmarshal(body, &env)
	rv.mu.Lock()
	rv.got[env.ID]++
	rv.order[env.Aggregate] = append(rv.order[env.Aggregate], env.ID)
	if rv.active[env.Aggregate] {
		rv.overlap = append(rv.overlap, env.Aggregate)
	}
	rv.active[env.Aggregate] = true
	rv.mu.Unlock()
	time.Sleep(rv.delay)
	rv.mu.Lock()
	rv.active[env.Aggregate] = false
	if r.Context().Err() != nil {
		// The courier gave up waiting (a loaded machine, a post past its
		// timeout): not an acknowledgement, and the courier rightly sends
		// the event again after its backoff.
		rv.got[env.ID]--
		ids := rv.order[env.Aggregate]
		if i := slices.Index(ids, env.ID); i >= 0 {
			rv.order[env.Aggregate] = slices.Delete(ids, i, i+1)
		}
		rv.abandoned++
	}
	rv.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestTwoServersDeliverOnceInOrder runs two servers' couriers on one
// database against a slow partner, with a lease shorter than a claimed
// batch takes to send: claims run out while their deliveries wait, and
// the other server takes them. No event arrives twice, and every unit's
// events arrive in order, one at a time.
func TestTwoServersDeliverOnceInOrder(t *testing.T) {
	dsn := storetest.DSN(t)
	a := storetest.OpenDSN(t, dsn, time.Now)
	b := storetest.OpenDSN(t, dsn, time.Now)
	raw := storetest.Raw(t, dsn)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, a, demo.Options{Hash: identity.HashParams{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	rv := &slowReceiver{delay: 150 * time.Millisecond, got: map[int64]int{}, order: map[string][]int64{}, active: map[string]bool{}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	ep, err := a.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: f.Orgs["652301/tax"].ID, Name: "税务征管系统", URL: srv.URL,
		Secret: "0123456789abcdef-secret", Events: []string{exchange.ContractFiled}, Jurisdiction: "652301", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	const units, perUnit = 30, 6
	var events []int64
	for i := 0; i < perUnit; i++ {
		for u := 0; u < units; u++ {
			agg := fmt.Sprintf("unit:%d", u+1)
			var id int64
			payload, err := store.SealedEventPayload(a.Keyring(), agg, "{}")
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRow(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ('contract.filed', $1, '652301', $2, $3) RETURNING id`,
				agg, payload, time.Now().UTC()).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(`INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at) VALUES ($1, $2, $3, 'pending', $4)`,
				id, ep.ID, agg, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			events = append(events, id)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// 32 claimed, 2 at a time, 150 ms each: the last of a claim is sent
	// 2.3 s or more after it, long after a 1.5 s lease has run out. Each
	// post has 750 ms (half the lease) for the partner's 150, and its
	// answer the other 750 ms to be recorded before the lease runs out: a
	// machine stalled longer than that between the partner's answer and
	// its record (two CI runs on two cores stalled 300 ms) would let the
	// other server send the event again, which is what the idempotency
	// key is for, but not what this test counts.
	lease := 1500 * time.Millisecond
	var wg sync.WaitGroup
	for _, c := range []*courier.Courier{
		{DB: a, Client: srv.Client(), Log: log, Now: time.Now, Lease: lease, Parallel: 2},
		{DB: b, Client: srv.Client(), Log: log, Now: time.Now, Lease: lease, Parallel: 2},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(60 * time.Second) // room for a post abandoned twice (10 s, 20 s backoff)
			for time.Now().Before(deadline) {
				if _, err := c.RunOnce(ctx); err != nil {
					t.Error(err)
					return
				}
				var left int
				raw.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state <> 'delivered'`).Scan(&left)
				if left == 0 {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	rv.mu.Lock()
	defer rv.mu.Unlock()
	var twice int
	for _, id := range events {
		if rv.got[id] != 1 {
			twice++
			if twice <= 5 {
				t.Errorf("event %d arrived %d times, want once", id, rv.got[id])
			}
		}
	}
	for agg, ids := range rv.order {
		for i := 1; i < len(ids); i++ {
			if ids[i] < ids[i-1] {
				t.Errorf("%s: events arrived in the order %v, want ascending", agg, ids)
				break
			}
		}
	}
	if len(rv.overlap) > 0 {
		t.Errorf("%d times a unit had two events in flight at once (%v…)", len(rv.overlap), rv.overlap[0])
	}
	t.Logf("%d events of %d units delivered by two servers: %d not acknowledged exactly once (%d posts abandoned by a courier's timeout and sent again)",
		len(events), units, twice, rv.abandoned)
}
