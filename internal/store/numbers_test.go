package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

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
