package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"handover/internal/handover"
	"handover/internal/priority"
)

// A batch run beside people's requests gives way to them: while a
// request is in progress it records its flats a few at a time and waits
// between steps, and it still hands every flat over exactly once.
func TestBatchGivesWayToRequests(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	const bound = 150 * time.Millisecond
	gate := priority.New(bound, time.Now)
	x.db.GiveWayTo(gate)
	leave := gate.Enter() // a clerk's page, in progress for the whole run
	defer leave()
	var steps []int
	start := time.Now()
	ev, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, func(e handover.Event) { steps = append(steps, e.Done+e.Blocked) })
	if err != nil {
		t.Fatal(err)
	}
	// Two chunks (four flats, then two) and the empty one that ends the
	// run: five waits, each to its bound, as the request never ends.
	if took, want := time.Since(start), 5*bound; took < want {
		t.Errorf("the run took %v; want at least %v, five waits for the request in progress", took, want)
	}
	if ev.Done != len(x.contracts) || ev.State != "done" {
		t.Fatalf("got %d of %d done, state %s; want all, done", ev.Done, len(x.contracts), ev.State)
	}
	// Six flats in steps of at most four, where an idle server takes them
	// in one chunk of a hundred.
	taking, prev := 0, 0
	for i, n := range steps {
		if n > prev {
			taking++
		}
		if n-prev > 4 {
			t.Errorf("step %d took %d flats (%v); want at most 4 while a request is in progress", i, n-prev, steps)
		}
		prev = n
	}
	if taking < 2 {
		t.Errorf("got steps %v; want the flats taken in at least two while a request is in progress", steps)
	}
	var apps, owners int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM applications WHERE source = 'batch'`).Scan(&apps)
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM register_entries WHERE kind = 'ownership' AND reg_type = 200`).Scan(&owners)
	if apps != len(x.contracts) || owners != len(x.contracts) {
		t.Errorf("got %d batch applications and %d transfers; want %d each", apps, owners, len(x.contracts))
	}
}

// A batch waiting for the pages stops when its context ends, and run
// again it finishes without doing anything twice.
func TestBatchWaitingForRequestsStops(t *testing.T) {
	x := newRegistrationFixture(t)
	ev := x.scheduleHandover(t)
	// The gate's clock stands still: a request that has just ended keeps
	// the server busy, so the batch takes small steps.
	still := time.Now()
	gate := priority.New(time.Hour, func() time.Time { return still })
	gate.Enter()()
	x.db.GiveWayTo(gate)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var leave func()
	_, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, func(handover.Event) {
		// After the first step a request begins that never ends; the
		// batch waits for it until the worker is stopped.
		if leave == nil {
			leave = gate.Enter()
			time.AfterFunc(20*time.Millisecond, cancel)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want the run stopped by its context", err)
	}
	leave()
	mid, err := x.db.HandoverEvent(context.Background(), ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Done != 4 {
		t.Errorf("stopped after %d of %d flats; want the first step's 4", mid.Done, len(x.contracts))
	}
	ev, err = x.db.RunHandover(context.Background(), x.dev, x.cal, ev.ID, x.keys, nil)
	if err != nil || ev.Done != len(x.contracts) {
		t.Fatalf("resumed: %v, %d done; want all %d", err, ev.Done, len(x.contracts))
	}
	var apps int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM applications WHERE source = 'batch'`).Scan(&apps)
	if apps != len(x.contracts) {
		t.Errorf("got %d batch applications; want %d, one per flat", apps, len(x.contracts))
	}
}
