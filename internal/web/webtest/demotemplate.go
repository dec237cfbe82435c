package webtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Loading the whole demo prefecture takes a minute on PostgreSQL, and
// several tests of a package want it. A test binary whose TestMain calls
// Main loads it once into a template database and gives each test its own
// copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL):
// every test still starts from the same state and changes only its copy.
// Without Main, StartDemo loads the demo for each test.

// demoTemplate is the demo loaded once for this test binary. It is
// package state because it must outlive every test; Main removes it.
var demoTemplate struct {
	once   sync.Once
	main   bool      // Main runs this binary's tests
	base   string    // the engine's base DSN: "" for SQLite, else the PostgreSQL URL
	source string    // the template: a SQLite file, or a PostgreSQL database's name
	at     time.Time // the demo's clock when its load ended
	err    error
}

// Main runs a package's tests (call it from TestMain) and then removes the
// demo template and closes the shared Chromium, if a test used them.
func Main(m *testing.M) {
	demoTemplate.main = true
	code := m.Run()
	removeDemoTemplate()
	closeBrowser()
	os.Exit(code)
}

// demoDSN returns a fresh database holding the loaded demo for t, and the
// demo's clock at the end of its load; ok is false when this binary keeps
// no template (its TestMain does not call Main).
func demoDSN(t testing.TB) (dsn string, at time.Time, ok bool) {
	t.Helper()
	if !demoTemplate.main {
		return "", time.Time{}, false
	}
	demoTemplate.once.Do(func() { demoTemplate.err = loadDemoTemplate() })
	if err := demoTemplate.err; err != nil {
		t.Fatalf("loading the demo template: %v", err)
	}
	if demoTemplate.base == "" {
		// The template's directory holds the closed database alone.
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(filepath.Dir(demoTemplate.source))); err != nil {
			t.Fatal(err)
		}
		dsn = filepath.Join(dir, filepath.Base(demoTemplate.source))
		return dsn, demoTemplate.at, true
	}
	name := "t_" + randomHex()
	// FILE_COPY (PostgreSQL 15) copies the files without logging every page;
	// an older server copies the default way.
	err := pgAdmin(demoTemplate.base, `CREATE DATABASE `+name+` TEMPLATE `+demoTemplate.source+` STRATEGY FILE_COPY`)
	if err != nil {
		err = pgAdmin(demoTemplate.base, `CREATE DATABASE `+name+` TEMPLATE `+demoTemplate.source)
	}
	if err != nil {
		t.Fatalf("copy the demo template: %v", err)
	}
	t.Cleanup(func() { pgAdmin(demoTemplate.base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return pgDatabase(demoTemplate.base, name), demoTemplate.at, true
}

// loadDemoTemplate creates the template and loads the demo into it, as
// serve --demo does (with cheap password hashing), then closes every
// connection to it so that it can be copied.
func loadDemoTemplate() error {
	ctx := context.Background()
	base, dsn := os.Getenv(storetest.EnvPostgres), ""
	if base == "" {
		dir, err := os.MkdirTemp("", "webtest-demo-")
		if err != nil {
			return err
		}
		demoTemplate.source = filepath.Join(dir, "demo.db")
		dsn = demoTemplate.source
	} else {
		demoTemplate.source = "handover_demo_" + randomHex()
		if err := pgAdmin(base, `CREATE DATABASE `+demoTemplate.source); err != nil {
			return fmt.Errorf("create the template database (the test role needs CREATEDB): %w", err)
		}
		dsn = pgDatabase(base, demoTemplate.source)
	}
	demoTemplate.base = base
	clock := storetest.NewClock(storetest.DefaultTime)
	db, err := store.Open(ctx, dsn, storetest.Options(clock.Now))
	if err != nil {
		return err
	}
	set := func(at time.Time) {
		if !at.IsZero() {
			clock.Set(at)
		}
	}
	_, err = db.Migrate(ctx)
	if err == nil {
		err = demo.Load(ctx, db, demo.Options{Hash: Cheap, Clock: set})
	}
	demoTemplate.at = clock.Now()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeDemoTemplate drops the template, if one was loaded.
func removeDemoTemplate() {
	switch {
	case demoTemplate.source == "":
	case demoTemplate.base == "":
		os.RemoveAll(filepath.Dir(demoTemplate.source))
	default:
		pgAdmin(demoTemplate.base, `DROP DATABASE IF EXISTS `+demoTemplate.source+` WITH (FORCE)`)
	}
}

// pgAdmin runs one statement on the base URL's database.
func pgAdmin(base, statement string) error {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(statement)
	return err
}

// pgDatabase is the base URL naming another database of the same server
// (its public schema: the base's search_path is dropped).
func pgDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
