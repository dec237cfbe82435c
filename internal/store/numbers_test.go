package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Numbers drawn by concurrent transactions, some of which roll back, are
// never issued twice, and what was issued plus what is pooled is exactly
// 1…n: a rolled-back draw leaves no lasting hole. A third of the workers
// draw many numbers a transaction, ahead of use as a batch chunk does, and
// put back what they did not use.
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
				var vs []int64
				var err error
				if w%3 == 0 {
					vs, err = db.DrawManyForTest(ctx, "test/series", (w*7+i*13)%70+1, abort)
				} else {
					var v int64
					v, err = db.DrawForTest(ctx, "test/series", abort)
					vs = []int64{v}
				}
				if abort != store.IsAbort(err) || (!abort && err != nil) {
					t.Errorf("draw (abort %v): %v", abort, err)
					return
				}
				if !abort {
					mu.Lock()
					issued = append(issued, vs...)
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
	want := 0
	for w := range workers {
		for i := range draws {
			switch {
			case (w+i)%4 == 0:
			case w%3 == 0:
				want += (w*7+i*13)%70 + 1
			default:
				want++
			}
		}
	}
	if len(issued) != want {
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

// A transaction that draws ahead (a batch chunk) issues the numbers that
// drawing one at a time would have issued, and puts back the rest: the
// next draw takes the next number, and a rolled-back one takes nothing.
func TestNumbersDrawnAhead(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	for _, n := range []int{1, 31, 32, 33, 100, 300} {
		one, many := fmt.Sprintf("test/one/%d", n), fmt.Sprintf("test/many/%d", n)
		var want []int64
		for range n {
			v, err := db.DrawForTest(ctx, one, false)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, v)
		}
		if _, err := db.DrawManyForTest(ctx, many, n+7, true); !store.IsAbort(err) {
			t.Fatalf("aborted draw of %d: %v", n+7, err)
		}
		got, err := db.DrawManyForTest(ctx, many, n, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d drawn ahead = %v, want %v", n, got, want)
		}
		for _, series := range []string{one, many} {
			if v, err := db.DrawForTest(ctx, series, false); err != nil || v != int64(n+1) {
				t.Errorf("%s: next draw = %d, %v; want %d", series, v, err, n+1)
			}
		}
	}
}

// Rows queued for insertion are seen by the next statement that names
// their table, and a failure to write them fails the transaction whole,
// with that failure (on PostgreSQL, not with the aborted transaction's
// error of the statement that followed).
func TestQueuedRowsSettle(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	pooled := func(series string) int {
		var n int
		if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM number_pool WHERE series = $1`, series).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	values := make([]int64, 70) // more than one statement's rows
	for i := range values {
		values[i] = int64(i + 1)
	}
	tests := []struct {
		name     string
		values   []int64
		wantSeen int
		wantErr  bool
		want     int
	}{
		{"rows", values, 70, false, 70},
		{"one row twice", []int64{1, 2, 2}, 0, true, 0},
	}
	for _, tt := range tests {
		series := "test/queued/" + tt.name
		seen, err := db.QueueForTest(ctx, series, tt.values...)
		if (err != nil) != tt.wantErr || (tt.wantErr && !store.IsUniqueViolation(err)) {
			t.Errorf("%s: err = %v, want a unique violation %v", tt.name, err, tt.wantErr)
		}
		if !tt.wantErr && seen != tt.wantSeen {
			t.Errorf("%s: the transaction saw %d rows, want %d", tt.name, seen, tt.wantSeen)
		}
		if got := pooled(series); got != tt.want {
			t.Errorf("%s: %d rows committed, want %d", tt.name, got, tt.want)
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
