package jobs_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/jobs"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// twoWorkers are two servers' workers on one database, with a short lease
// so that the test sees takeovers in a second, on the real clock.
// raw, a plain connection, plays a third server.
func twoWorkers(t *testing.T, lease time.Duration) (db *store.DB, raw *sql.DB, a, b *jobs.Worker) {
	t.Helper()
	dsn := storetest.DSN(t)
	raw = storetest.Raw(t, dsn)
	da := storetest.OpenDSN(t, dsn, time.Now)
	db2 := storetest.OpenDSN(t, dsn, time.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return da, raw, jobs.New(da, log, time.Now, 20*time.Millisecond).WithLease(lease),
		jobs.New(db2, log, time.Now, 20*time.Millisecond).WithLease(lease)
}

// runFor runs w until the returned stop is called.
func runFor(w *jobs.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	if !waitUntil(limit, ok) {
		t.Fatalf("%s: not after %v", what, limit)
	}
	return time.Since(start)
}

// waitUntil polls ok until it holds or limit passes, and reports whether
// it held.
func waitUntil(limit time.Duration, ok func() bool) bool {
	start := time.Now()
	for !ok() {
		if time.Since(start) > limit {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// TestHeartbeatKeepsALongJob: a job running for several leases is never
// taken by the other server while its heartbeat goes on.
//
// The lease is 2 s, not the 1 s of the takeover tests: a heartbeat's
// tolerance of a slow database is two thirds of a lease, and with both
// engines' tests sharing two cores an ExtendJob has taken longer than
// 0.67 s. The worker then rightly gives the job up, which is a stalled
// machine, not the property under test.
func TestHeartbeatKeepsALongJob(t *testing.T) {
	const lease = 2 * time.Second
	db, _, a, b := twoWorkers(t, lease)
	var runs, finished atomic.Int32
	long := func(ctx context.Context, _ string) error {
		runs.Add(1)
		select {
		case <-time.After(lease * 5 / 2): // two and a half leases
			finished.Add(1)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	a.Handle("batch", long)
	b.Handle("batch", long)
	if err := db.EnsureJob(context.Background(), "batch", time.Now(), "batch:1"); err != nil {
		t.Fatal(err)
	}
	stopA := runFor(a)
	waitFor(t, "the job starting", 2*time.Second, func() bool { return runs.Load() == 1 })
	stopB := runFor(b)
	if !waitUntil(4*lease, func() bool { return finished.Load() == 1 }) {
		stopA()
		stopB()
		t.Fatalf("the job finishing: not after %v; it started %d times", 4*lease, runs.Load())
	}
	time.Sleep(100 * time.Millisecond)
	stopA()
	stopB()
	if got := runs.Load(); got != 1 {
		t.Errorf("a job of two and a half leases ran %d times across two servers, want 1", got)
	}
}

// TestCrashedJobTakenOver: a server that stops in the middle of a job
// (its heartbeat stops) loses it to the other within a lease.
func TestCrashedJobTakenOver(t *testing.T) {
	const lease = time.Second
	db, _, a, b := twoWorkers(t, lease)
	started := make(chan string, 2)
	var done atomic.Int32
	job := func(name string) jobs.Func {
		return func(ctx context.Context, _ string) error {
			started <- name
			if name == "a" {
				<-ctx.Done() // a never finishes: it is stopped
				return ctx.Err()
			}
			done.Add(1)
			return nil
		}
	}
	a.Handle("batch", job("a"))
	b.Handle("batch", job("b"))
	if err := db.EnsureJob(context.Background(), "batch", time.Now(), "batch:1"); err != nil {
		t.Fatal(err)
	}
	stopA := runFor(a)
	if got := <-started; got != "a" {
		t.Fatalf("first run on %s, want a", got)
	}
	stopA() // the crash: no completion, no retry recorded
	crashed := time.Now()
	stopB := runFor(b)
	defer stopB()
	waitFor(t, "the other server finishing the job", 3*time.Second, func() bool { return done.Load() == 1 })
	took := time.Since(crashed)
	if took > 2*lease+200*time.Millisecond {
		t.Errorf("taken over %v after the crash, want within about one lease (%v)", took, lease)
	}
	t.Logf("taken over %v after the crash (lease %v)", took.Round(time.Millisecond), lease)
	// Its completion is recorded by the server that took it over.
	waitFor(t, "the job recorded done", 2*time.Second, func() bool {
		pending, err := db.PendingJobs(context.Background())
		return err == nil && pending["batch"] == 0
	})
}

// TestKindsHaveTheirOwnSlots: a long batch does not hold back another
// kind's jobs on the same worker.
func TestKindsHaveTheirOwnSlots(t *testing.T) {
	db, _, a, _ := twoWorkers(t, time.Second)
	release := make(chan struct{})
	var delivered atomic.Int32
	a.Handle("batch", func(ctx context.Context, _ string) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	a.Slots("batch", 1)
	a.Handle("deliver", func(context.Context, string) error { delivered.Add(1); return nil })
	ctx := context.Background()
	for _, key := range []string{"batch:1", "batch:2"} {
		if err := db.EnsureJob(ctx, "batch", time.Now(), key); err != nil {
			t.Fatal(err)
		}
	}
	stop := runFor(a)
	defer stop()
	defer close(release)
	for i, key := range []string{"d1", "d2", "d3"} {
		if err := db.EnsureJob(ctx, "deliver", time.Now(), key); err != nil {
			t.Fatal(err)
		}
		a.Wake()
		waitFor(t, "a delivery while a batch runs", 2*time.Second, func() bool { return delivered.Load() == int32(i+1) })
	}
	pending, err := db.PendingJobs(ctx)
	if err != nil || pending["batch"] != 2 {
		t.Errorf("pending = %v, %v; want both batches still pending (one running, one waiting for the kind's one slot)", pending, err)
	}
}

// TestLostLeaseStopsTheJob: a worker whose lease was taken (it stalled past
// it) stops the job at its next heartbeat and records nothing of it.
func TestLostLeaseStopsTheJob(t *testing.T) {
	db, raw, a, _ := twoWorkers(t, time.Second)
	stopped := make(chan error, 1)
	a.Handle("batch", func(ctx context.Context, _ string) error {
		<-ctx.Done()
		stopped <- ctx.Err()
		return ctx.Err()
	})
	ctx := context.Background()
	if err := db.EnsureJob(ctx, "batch", time.Now(), "batch:1"); err != nil {
		t.Fatal(err)
	}
	stop := runFor(a)
	defer stop()
	waitFor(t, "the job being claimed", 2*time.Second, func() bool {
		p, _ := db.DueJobs(ctx)
		q, _ := db.PendingJobs(ctx)
		return p["batch"] == 0 && q["batch"] == 1
	})
	var runAt string
	raw.QueryRowContext(ctx, `SELECT CAST(run_at AS TEXT) FROM jobs WHERE kind = 'batch'`).Scan(&runAt)
	// Another server takes the job over, as if a's lease had run out.
	if _, err := raw.ExecContext(ctx, `UPDATE jobs SET lease_owner = 'another server#2' WHERE kind = 'batch'`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		if err == nil {
			t.Errorf("the job stopped with no error")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the job went on after its lease was taken")
	}
	time.Sleep(200 * time.Millisecond) // let a record whatever it would
	var done sql.NullString
	var lastError, runAtNow, owner string
	if err := raw.QueryRowContext(ctx, `SELECT CAST(done_at AS TEXT), last_error, CAST(run_at AS TEXT), lease_owner FROM jobs WHERE kind = 'batch'`).
		Scan(&done, &lastError, &runAtNow, &owner); err != nil {
		t.Fatal(err)
	}
	if done.Valid || lastError != "" || runAtNow != runAt || owner != "another server#2" {
		t.Errorf("after the lease was lost: done %v, last error %q, run at %s (was %s), lease %q; want nothing recorded by the worker that lost it",
			done.String, lastError, runAtNow, runAt, owner)
	}
}

// TestReclaimedJobStopsTheFirstRun: when a worker's lease on a running job
// runs out (its heartbeats failed, a database failover) and the same worker
// claims the job again, the first run stops: its heartbeat names the first
// claim, which no longer holds the job.
func TestReclaimedJobStopsTheFirstRun(t *testing.T) {
	db, raw, a, _ := twoWorkers(t, time.Second)
	var runs atomic.Int32
	stopped := make(chan struct{}, 2)
	a.Handle("batch", func(ctx context.Context, _ string) error {
		runs.Add(1)
		<-ctx.Done()
		stopped <- struct{}{}
		return ctx.Err()
	})
	ctx := context.Background()
	if err := db.EnsureJob(ctx, "batch", time.Now(), "batch:1"); err != nil {
		t.Fatal(err)
	}
	stop := runFor(a)
	waitFor(t, "the first run", 2*time.Second, func() bool { return runs.Load() == 1 })
	// The lease runs out under the first run.
	if _, err := raw.ExecContext(ctx, `UPDATE jobs SET leased_until = $1 WHERE kind = 'batch'`, time.Now().Add(-time.Minute).UTC()); err != nil {
		t.Fatal(err)
	}
	a.Wake()
	waitFor(t, "the same worker claiming it again", 3*time.Second, func() bool { return runs.Load() == 2 })
	select {
	case <-stopped:
	case <-time.After(3 * time.Second):
		t.Fatal("the first run went on beside the second")
	}
	stop()
}
