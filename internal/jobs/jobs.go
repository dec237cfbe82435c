// Package jobs is the background worker: it claims due jobs from the
// database with a lease, runs each as a plain function, and reschedules
// failures with exponential backoff. Periodic jobs (housekeeping, deadline
// checks) are kept scheduled by a dedupe key, so that several servers
// sharing one database run each once.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"handover/internal/store"
)

// Func runs one job. An error reschedules it with backoff.
type Func func(ctx context.Context, payload string) error

// Periodic is a job run every Every.
type Periodic struct {
	Kind  string
	Every time.Duration
}

// Worker runs jobs.
type Worker struct {
	db       *store.DB
	log      *slog.Logger
	now      func() time.Time
	funcs    map[string]Func
	periodic []Periodic
	poll     time.Duration
	lease    time.Duration
	wake     chan struct{}
}

// New returns a worker polling every poll.
func New(db *store.DB, log *slog.Logger, now func() time.Time, poll time.Duration) *Worker {
	return &Worker{db: db, log: log, now: now, funcs: map[string]Func{}, poll: poll, lease: 5 * time.Minute,
		wake: make(chan struct{}, 1)}
}

// Handle registers the function of a job kind.
func (w *Worker) Handle(kind string, f Func) { w.funcs[kind] = f }

// Every registers a periodic job of kind, run every d.
func (w *Worker) Every(kind string, d time.Duration, f Func) {
	w.funcs[kind] = f
	w.periodic = append(w.periodic, Periodic{Kind: kind, Every: d})
}

// Wake makes the worker poll now (after a transaction enqueued work).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) kinds() []string {
	var ks []string
	for k := range w.funcs {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Run polls until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		if err := w.RunDue(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunDue schedules periodic jobs and runs every due job once, concurrently
// up to 4 at a time. Tests call it directly.
func (w *Worker) RunDue(ctx context.Context) error {
	now := w.now()
	for _, p := range w.periodic {
		slot := now.Truncate(p.Every)
		if err := w.db.EnsureJob(ctx, p.Kind, slot, fmt.Sprintf("periodic:%s", p.Kind)); err != nil {
			return err
		}
	}
	for {
		jobs, err := w.db.ClaimJobs(ctx, w.kinds(), 16, w.lease)
		if err != nil || len(jobs) == 0 {
			return err
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for _, j := range jobs {
			wg.Add(1)
			sem <- struct{}{}
			go func(j store.Job) {
				defer wg.Done()
				defer func() { <-sem }()
				w.run(ctx, j)
			}(j)
		}
		wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (w *Worker) run(ctx context.Context, j store.Job) {
	f := w.funcs[j.Kind]
	err := safely(ctx, f, j.Payload)
	if err == nil {
		if err := w.db.CompleteJob(ctx, j.ID); err != nil {
			w.log.Error("complete job", "job", j.ID, "err", err)
		}
		w.afterPeriodic(ctx, j.Kind)
		return
	}
	retry := w.now().Add(Backoff(j.Attempts))
	w.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "retry_at", retry, "err", err)
	if err := w.db.RetryJob(ctx, j.ID, retry, err.Error()); err != nil {
		w.log.Error("reschedule job", "job", j.ID, "err", err)
	}
}

// afterPeriodic schedules the next run of a periodic job.
func (w *Worker) afterPeriodic(ctx context.Context, kind string) {
	for _, p := range w.periodic {
		if p.Kind == kind {
			next := w.now().Truncate(p.Every).Add(p.Every)
			if err := w.db.EnsureJob(ctx, kind, next, "periodic:"+kind); err != nil {
				w.log.Error("schedule periodic job", "kind", kind, "err", err)
			}
		}
	}
}

func safely(ctx context.Context, f Func, payload string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return f(ctx, payload)
}

// Backoff is the delay before attempt n+1: 10 s doubling to at most 1 h.
func Backoff(attempts int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
