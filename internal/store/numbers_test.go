package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Numbers drawn by concurrent transactions, some of which roll back, are
// never issued twice, and what was issued plus what is pooled is exactly
// 1…n: a rolled-back draw leaves no lasting hole.
func TestNumberSeriesConcurrent(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	const workers, draws = 16, 25
	var mu sync.Mutex
	var issued []int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range draws {
				abort := (w+i)%4 == 0
				v, err := db.DrawForTest(ctx, "test/series", abort)
				if abort != store.IsAbort(err) || (!abort && err != nil) {
					t.Errorf("draw (abort %v): %v", abort, err)
					return
				}
				if !abort {
					mu.Lock()
					issued = append(issued, v)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var pooled []int64
	rows, err := db.SQLForTest().Query(`SELECT value FROM number_pool WHERE series = 'test/series'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int64
		rows.Scan(&v)
		pooled = append(pooled, v)
	}
	rows.Close()
	all := append(slices.Clone(issued), pooled...)
	slices.Sort(all)
	for i, v := range all {
		if v != int64(i+1) {
			t.Fatalf("issued ∪ pooled = %v…, want 1…%d without gaps or repeats (at index %d got %d)", all[:min(len(all), 40)], len(all), i, v)
		}
	}
	if want := workers * draws * 3 / 4; len(issued) != want {
		t.Errorf("issued %d numbers, want %d", len(issued), want)
	}
	// The smallest pooled number (one put back, if any) is the next drawn.
	if len(pooled) > 0 {
		slices.Sort(pooled)
		if v, err := db.DrawForTest(ctx, "test/series", false); err != nil || v != pooled[0] {
			t.Errorf("next draw = %d, %v; want %d", v, err, pooled[0])
		}
	}
}

// Transactions that found a series' pool empty while another refilled it
// draw from the new block side by side once the refill commits: none of
// them holds the series' counter while it goes on with its work, so none
// waits for another's commit (on PostgreSQL, where writers run at once;
// SQLite has one writer).
func TestNumberRefillWaitersDoNotQueue(t *testing.T) {
	db, _ := storetest.Open(t)
	if db.Engine() != store.Postgres {
		t.Skip("one writer on SQLite: nobody refills a pool beside another transaction")
	}
	ctx := context.Background()
	const series = "test/refill"
	// Draw the series' first block: its pool is empty again after it.
	var last int64
	for pooled := 1; pooled > 0; {
		v, err := db.DrawForTest(ctx, series, false)
		if err != nil {
			t.Fatal(err)
		}
		last = v
		if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM number_pool WHERE series = $1`, series).Scan(&pooled); err != nil {
			t.Fatal(err)
		}
	}
	drawn := make(chan int64, 3)
	releaseRefill, releaseWaiters := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 3)
	go func() { errs <- db.DrawHoldingForTest(ctx, series, drawn, releaseRefill) }()
	if got := <-drawn; got != last+1 {
		t.Fatalf("the refill drew %d, want %d", got, last+1)
	}
	// Two transactions find the pool empty (the refill's block is not
	// committed) and wait for the refill.
	for range 2 {
		go func() { errs <- db.DrawHoldingForTest(ctx, series, drawn, releaseWaiters) }()
	}
	waitForLockWaiters(t, db, 2)
	close(releaseRefill)
	if err := <-errs; err != nil {
		t.Fatalf("refill: %v", err)
	}
	// Both draw while both are still open.
	got := map[int64]bool{}
	for range 2 {
		select {
		case v := <-drawn:
			got[v] = true
		case <-time.After(10 * time.Second):
			close(releaseWaiters)
			t.Fatalf("drew %v; want two numbers drawn side by side: one waiter waits for the other's commit", got)
		}
	}
	close(releaseWaiters)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !got[last+2] || !got[last+3] {
		t.Errorf("waiters drew %v, want %d and %d from the refilled block", got, last+2, last+3)
	}
}

// waitForLockWaiters waits until n sessions of the test's database wait
// for a lock (PostgreSQL), or gives up after a few seconds: the test then
// goes on, exercising less.
func waitForLockWaiters(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%FROM sequences%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
	}
	t.Logf("fewer than %d sessions seen waiting for the counter", n)
}
