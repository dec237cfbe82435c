// Package jobs is the background worker: it claims due jobs from the
// database with a lease that a heartbeat extends while the job runs, runs
// each as a plain function, and reschedules failures with exponential
// backoff. Each kind has its own slots, so one long job holds back no
// other kind. Periodic jobs (housekeeping, deadline checks) are kept
// scheduled by a dedupe key, so that several servers sharing one database
// run each once; a server that dies loses its jobs to another within
// Lease.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
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

// Lease is how long a claimed job is held without a heartbeat: a server
// that crashes (or stalls) loses its jobs to another server this long after
// its last heartbeat. Heartbeats come every Lease/3.
const Lease = 15 * time.Second

// DefaultSlots is how many jobs of one kind a worker runs at once. Each
// kind has its own slots, so a long batch never holds back deliveries or
// alerts.
const DefaultSlots = 2

// Worker runs jobs.
type Worker struct {
	db       *store.DB
	log      *slog.Logger
	now      func() time.Time
	funcs    map[string]Func
	slots    map[string]int
	periodic []Periodic
	local    []localTask
	poll     time.Duration
	lease    time.Duration
	owner    string // this worker's name on the leases it holds
	wake     chan struct{}

	mu      sync.Mutex
	running map[string]int // jobs running now, by kind
	wg      sync.WaitGroup
}

// localTask is work every server does for itself on a timer.
type localTask struct {
	every time.Duration
	f     func(context.Context)
}

// New returns a worker polling every poll.
func New(db *store.DB, log *slog.Logger, now func() time.Time, poll time.Duration) *Worker {
	return &Worker{db: db, log: log, now: now, funcs: map[string]Func{}, slots: map[string]int{}, poll: poll, lease: Lease,
		owner: HolderName(), wake: make(chan struct{}, 1), running: map[string]int{}}
}

// HolderName is a fresh name for the leases a worker or courier of this
// process holds: the host, the process and a random part, so that two in
// one process, or a restarted process, never share one.
func HolderName() string {
	var id [8]byte
	rand.Read(id[:])
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(id[:]))
}

// WithLease sets the lease (Lease otherwise); tests shorten it.
func (w *Worker) WithLease(d time.Duration) *Worker { w.lease = d; return w }

// Handle registers the function of a job kind.
func (w *Worker) Handle(kind string, f Func) { w.funcs[kind] = f }

// Slots sets how many jobs of kind this worker runs at once (DefaultSlots
// otherwise).
func (w *Worker) Slots(kind string, n int) { w.slots[kind] = n }

// Every registers a periodic job of kind, run every d by one of the
// servers sharing the database.
func (w *Worker) Every(kind string, d time.Duration, f Func) {
	w.funcs[kind] = f
	w.periodic = append(w.periodic, Periodic{Kind: kind, Every: d})
}

// EveryHere runs f every d on this server itself, not as a job: for what
// each server must do for its own state.
func (w *Worker) EveryHere(d time.Duration, f func(context.Context)) {
	w.local = append(w.local, localTask{every: d, f: f})
}

// PeriodicKey is the dedupe key of a periodic job of kind: one pending at a
// time across the servers.
func PeriodicKey(kind string) string { return "periodic:" + kind }

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

// Run polls until ctx is done, then waits for the jobs it started. It
// claims a kind's jobs whenever that kind has a free slot: a job ending
// wakes it at once.
func (w *Worker) Run(ctx context.Context) {
	for _, l := range w.local {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			t := time.NewTicker(l.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					l.f(ctx)
				}
			}
		}()
	}
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		if err := w.startDue(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("worker", "err", err)
		}
		select {
		case <-ctx.Done():
			w.wg.Wait()
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// schedule keeps each periodic job scheduled for its current slot.
func (w *Worker) schedule(ctx context.Context) error {
	now := w.now()
	for _, p := range w.periodic {
		slot := now.Truncate(p.Every)
		if err := w.db.EnsureJob(ctx, p.Kind, slot, PeriodicKey(p.Kind)); err != nil {
			return err
		}
	}
	return nil
}

// startDue claims, for every kind with due jobs and free slots, as many
// jobs as it has slots free, and starts them.
func (w *Worker) startDue(ctx context.Context) error {
	if err := w.schedule(ctx); err != nil {
		return err
	}
	due, err := w.db.DueJobs(ctx)
	if err != nil {
		return err
	}
	for _, kind := range w.kinds() {
		if due[kind] == 0 {
			continue
		}
		free := w.free(kind)
		if free <= 0 {
			continue
		}
		jobs, err := w.db.ClaimJobs(ctx, []string{kind}, min(free, due[kind]), w.lease, w.owner)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			w.mu.Lock()
			w.running[j.Kind]++
			w.mu.Unlock()
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.run(ctx, j)
				w.mu.Lock()
				w.running[j.Kind]--
				w.mu.Unlock()
				w.Wake()
			}()
		}
	}
	return nil
}

func (w *Worker) free(kind string) int {
	n, ok := w.slots[kind]
	if !ok {
		n = DefaultSlots
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return n - w.running[kind]
}

// RunDue schedules periodic jobs and runs every due job once, waiting for
// them: tests call it directly.
func (w *Worker) RunDue(ctx context.Context) error {
	if err := w.schedule(ctx); err != nil {
		return err
	}
	for {
		jobs, err := w.db.ClaimJobs(ctx, w.kinds(), 16, w.lease, w.owner)
		if err != nil || len(jobs) == 0 {
			return err
		}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() { defer wg.Done(); w.run(ctx, j) }()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// run runs one claimed job with a heartbeat: every lease/3 the lease is
// extended while this worker still holds it. A heartbeat that finds the
// lease gone (this server stalled past it and another took the job over)
// cancels the job, which stops at its next check of ctx; its end is then
// not recorded, the other worker's is.
func (w *Worker) run(ctx context.Context, j store.Job) {
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	beat := make(chan struct{})
	beaten := time.Now() // the last heartbeat that held the lease (the claim, at first)
	go func() {
		defer close(beat)
		t := time.NewTicker(w.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
			}
			held, err := w.db.ExtendJob(jctx, j.ID, j.Lease, w.now().Add(w.lease))
			if err != nil {
				if jctx.Err() != nil {
					return
				}
				// Heartbeats failing for most of a lease: another
				// worker may take the job any moment. Stop first.
				if time.Since(beaten) > w.lease*2/3 {
					w.log.Warn("job heartbeat failing: stopping it before its lease runs out", "job", j.ID, "kind", j.Kind, "err", err)
					cancel()
					return
				}
				w.log.Warn("job heartbeat", "job", j.ID, "kind", j.Kind, "err", err)
				continue
			}
			if !held {
				w.log.Warn("job lease lost: stopping it", "job", j.ID, "kind", j.Kind)
				cancel()
				return
			}
			beaten = time.Now()
		}
	}()
	err := safely(jctx, w.funcs[j.Kind], j.Payload)
	cancel()
	<-beat
	if ctx.Err() != nil {
		// Shutting down: the lease runs out and another worker (or this
		// one, restarted) resumes the job.
		return
	}
	if err == nil {
		if err := w.db.CompleteJob(ctx, j.ID, j.Lease); err != nil {
			w.log.Error("complete job", "job", j.ID, "err", err)
		}
		w.afterPeriodic(ctx, j.Kind)
		return
	}
	retry := w.now().Add(Backoff(j.Attempts))
	w.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "retry_at", retry, "err", err)
	if err := w.db.RetryJob(ctx, j.ID, j.Lease, retry, err.Error()); err != nil {
		w.log.Error("reschedule job", "job", j.ID, "err", err)
	}
}

// afterPeriodic schedules the next run of a periodic job.
func (w *Worker) afterPeriodic(ctx context.Context, kind string) {
	for _, p := range w.periodic {
		if p.Kind == kind {
			next := w.now().Truncate(p.Every).Add(p.Every)
			if err := w.db.EnsureJob(ctx, kind, next, PeriodicKey(kind)); err != nil {
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
