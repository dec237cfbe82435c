// Package storetest opens a fresh, migrated database for one test: a SQLite
// file in the test's temporary directory, or — when HANDOVER_TEST_POSTGRES
// holds a connection URL — a new database (or schema) on that PostgreSQL
// server, dropped when the test ends. The whole suite runs on both engines
// this way.
//
// Migrating costs most of a second of a core on PostgreSQL (its DDL), and
// the suite opens hundreds of databases. So a test binary migrates once,
// into a template, and a test whose clock starts at DefaultTime gets a
// copy of it (Migrated): the file's bytes on SQLite, CREATE DATABASE …
// TEMPLATE on PostgreSQL. The copy is what migrating at DefaultTime
// leaves; opening it runs Migrate all the same, which finds every
// migration applied and unlocks the personal-information keys.
package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"handover/internal/personal"
	"handover/internal/store"
)

// EnvPostgres names the variable that selects PostgreSQL.
const EnvPostgres = "HANDOVER_TEST_POSTGRES"

// Clock is a settable test clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the current test time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// DefaultTime is where test clocks start: a working day, 10:00 in China.
var DefaultTime = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

// Open returns a migrated database for t at a clock starting at DefaultTime.
func Open(t testing.TB) (*store.DB, *Clock) {
	t.Helper()
	clock := NewClock(DefaultTime)
	return OpenWith(t, clock.Now), clock
}

// OpenWith returns a migrated database for t using the given clock: a
// copy of the template (Migrated) when the clock reads DefaultTime, else
// one migrated afresh, so that what a migration stamps (when each was
// applied, when the keys were made) is the clock's.
func OpenWith(t testing.TB, now func() time.Time) *store.DB {
	t.Helper()
	if now().Equal(DefaultTime) {
		return OpenDSN(t, Migrated(t), now)
	}
	return OpenDSN(t, DSN(t), now)
}

// OpenDSN returns the migrated database at dsn (from DSN) on the clock.
func OpenDSN(t testing.TB, dsn string, now func() time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, Options(now))
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Every test's writes keep each unit's stage (migration 0039) and the
	// handover tallies (0041): checked before the database closes, whatever
	// the test did.
	t.Cleanup(func() {
		astray, err := db.StagesAstray(ctx)
		if err != nil {
			t.Errorf("check the units' kept stages: %v", err)
		}
		for _, u := range astray {
			t.Errorf("unit %d (%s): kept stage %s, its facts give %s", u.UnitID, u.UnitNo, u.Kept, u.Now)
		}
		// and the handover tallies (migration 0041).
		tallies, err := db.TalliesAstray(ctx)
		if err != nil {
			t.Errorf("check the handover tallies: %v", err)
		}
		for _, x := range tallies {
			t.Errorf("handovers of project %d, building %d, on %s certified %q: kept %d, the handovers give %d",
				x.ProjectID, x.BuildingID, x.HandedOver, x.Certified, x.Kept, x.Now)
		}
	})
	return db
}

// Passphrase wraps the keys of personal information of every test
// database.
const Passphrase = "storetest-personal"

// Options are the store's options for a test database on now: its
// personal-information keys made with Passphrase at the least cost, and
// every fact a transaction keeps checked against the database.
func Options(now func() time.Time) store.Options {
	return store.Options{Now: now, Passphrase: []byte(Passphrase), KeyCost: personal.TestCost, CheckKept: true}
}

// DSN returns a fresh, empty database for t: a new SQLite file, or a new
// PostgreSQL schema (selected through search_path) dropped at cleanup.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return filepath.Join(t.TempDir(), "test.db")
	}
	schema := RandomName("t_")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Raw opens a plain connection to the test database at dsn, for tests that
// count rows independently of the store or play a tampering administrator.
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, source := "pgx", dsn
	if !store.IsPostgresURL(dsn) {
		driver, source = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// IDs runs on db a query of one integer column (ids, mostly) and returns
// its values in order, failing t on any error.
func IDs(t testing.TB, db *sql.DB, query string, args ...any) []int64 {
	t.Helper()
	return column[int64](t, db, query, args...)
}

// Strings runs on db a query of one text column and returns its values in
// order, failing t on any error.
func Strings(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	return column[string](t, db, query, args...)
}

func column[T any](t testing.TB, db *sql.DB, query string, args ...any) []T {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
