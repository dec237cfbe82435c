package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// TestGenerationsReachAnotherServer runs two servers' stores on one
// database: a holiday notice loaded through one reloads the other's
// calendar, and a token revoked through one moves the other's identity
// generation, each within the watcher's time (a notification on
// PostgreSQL, a poll on SQLite), well inside the 2 s promised.
func TestGenerationsReachAnotherServer(t *testing.T) {
	dsn := storetest.DSN(t)
	clock := storetest.NewClock(storetest.DefaultTime)
	a := storetest.OpenDSN(t, dsn, clock.Now)
	b := storetest.OpenDSN(t, dsn, clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := demo.LoadFoundation(ctx, a, demo.Options{Hash: cheap}); err != nil {
		t.Fatal(err)
	}

	bCal, err := calendar.NewSource(ctx, b.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	workday := func(date string) bool {
		d, _, err := bCal.Get().Day(calendar.MustDate(date), "650000")
		if err != nil {
			t.Fatal(err)
		}
		return d.Workday
	}
	notice := func(title, from, to, name string) {
		t.Helper()
		n := calendar.Notice{Scope: "650000", ScopeName: "新疆维吾尔自治区", Year: 2026, Title: title,
			Rules: []calendar.Rule{{From: calendar.MustDate(from), To: calendar.MustDate(to), Off: true, Name: name}}}
		if _, err := a.LoadNotice(ctx, audit.System(), n); err != nil {
			t.Fatal(err)
		}
	}
	if !workday("2026-03-20") || !workday("2026-05-27") {
		t.Fatalf("2026-03-20 or 2026-05-27 is not a working day before the notices; the test's premise is wrong")
	}
	// A notice loaded after b filled its calendar but before its watcher
	// started (a server starting up): the watcher's first reading applies it.
	notice("新疆维吾尔自治区2026年肉孜节放假安排", "2026-03-20", "2026-03-22", "肉孜节")
	var reloads atomic.Int32
	b.OnGeneration(store.CalendarData, func(ctx context.Context) error {
		reloads.Add(1)
		return bCal.Reload(ctx)
	})
	done := make(chan struct{})
	go func() { defer close(done); b.WatchGenerations(ctx) }()
	defer func() { cancel(); <-done }()

	within := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: not seen by the other server after %v, want within 2 s", what, time.Since(start))
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("%s: seen by the other server after %v", what, time.Since(start).Round(time.Millisecond))
	}
	within("a notice loaded before the watcher started", func() bool { return !workday("2026-03-20") })
	// Let the watcher take its first reading (and, on PostgreSQL, LISTEN).
	time.Sleep(300 * time.Millisecond)
	was := reloads.Load()
	notice("新疆维吾尔自治区2026年古尔邦节放假安排", "2026-05-27", "2026-05-29", "古尔邦节")
	within("a holiday notice", func() bool { return !workday("2026-05-27") })
	if got := reloads.Load() - was; got != 1 {
		t.Errorf("the other server reloaded its calendar %d times for one notice, want 1", got)
	}

	// A change of identity made through a moves b's identity generation.
	before := b.IdentityGeneration()
	raw := storetest.Raw(t, dsn)
	if _, err := raw.ExecContext(ctx, `UPDATE users SET disabled = disabled`); err != nil {
		t.Fatal(err)
	}
	within("a change to users", func() bool { return b.IdentityGeneration() != before })

	// A login's failure counter moves nothing.
	time.Sleep(2 * store.GenerationPollSQLite)
	before = b.IdentityGeneration()
	if _, err := raw.ExecContext(ctx, `UPDATE users SET failed_logins = failed_logins`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * store.GenerationPollSQLite)
	if got := b.IdentityGeneration(); got != before {
		t.Errorf("identity generation moved from %d to %d on a failure counter, want unchanged", before, got)
	}
}
