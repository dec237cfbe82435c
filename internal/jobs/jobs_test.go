package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/jobs"
	"handover/internal/store/storetest"
)

func TestWorkerRetriesAndPeriodic(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	w := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Now, time.Second)
	var runs, fails atomic.Int32
	w.Every("tick", time.Minute, func(context.Context, string) error {
		runs.Add(1)
		if runs.Load() == 1 {
			fails.Add(1)
			return errors.New("first attempt fails")
		}
		return nil
	})
	if err := w.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 || fails.Load() != 1 {
		t.Fatalf("after first poll: runs %d fails %d, want 1, 1", runs.Load(), fails.Load())
	}
	// Not due again before the backoff.
	w.RunDue(ctx)
	if runs.Load() != 1 {
		t.Errorf("job ran again before its backoff: runs %d", runs.Load())
	}
	clock.Advance(jobs.Backoff(1) + time.Second)
	w.RunDue(ctx)
	if runs.Load() != 2 {
		t.Errorf("after the backoff: runs %d, want 2", runs.Load())
	}
	// The periodic job is rescheduled for the next minute, once.
	w.RunDue(ctx)
	if runs.Load() != 2 {
		t.Errorf("periodic job ran twice in one period: runs %d", runs.Load())
	}
	clock.Advance(time.Minute)
	w.RunDue(ctx)
	if runs.Load() != 3 {
		t.Errorf("next period: runs %d, want 3", runs.Load())
	}
	pending, err := db.PendingJobs(ctx)
	if err != nil || pending["tick"] != 1 {
		t.Errorf("pending = %v, %v; want one tick scheduled", pending, err)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 4: 80 * time.Second, 30: time.Hour} {
		if got := jobs.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
