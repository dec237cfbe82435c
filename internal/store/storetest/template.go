package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"handover/internal/personal"
	"handover/internal/store"
)

// template is this test binary's migrated database: the bytes of a SQLite
// file, or the name of a PostgreSQL database. It is package state because
// it outlives every test.
var template struct {
	once   sync.Once
	sqlite []byte
	pg     string
	err    error
}

// TemplatePrefix starts the name of the PostgreSQL template database, which
// is named by what makes it (the migrations, store.MigrationsDigest) and
// kept on the server between runs: binaries of the same schema share it,
// and a changed migration makes a new one. Dropping one is always safe;
// the next test run makes it again.
const TemplatePrefix = "handover_template_"

// Migrated returns a fresh database for t holding the schema as migrating
// at DefaultTime leaves it, dropped when t ends. Where the PostgreSQL role
// may not create databases it is a new, empty schema (DSN), which OpenDSN
// migrates.
func Migrated(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if err := migratedTemplate(base); err != nil {
		t.Fatalf("the migrated template: %v", err)
	}
	if base != "" && template.pg == "" {
		return DSN(t)
	}
	return copyTemplate(t, base, template.sqlite, template.pg)
}

// migratedTemplate makes this binary's migrated template once.
func migratedTemplate(base string) error {
	template.once.Do(func() { template.err = makeTemplate(base) })
	return template.err
}

// copyTemplate returns a copy for t of a template (the bytes of a SQLite
// file, or a PostgreSQL database), dropped when t ends.
func copyTemplate(t testing.TB, base string, sqlite []byte, pg string) string {
	t.Helper()
	if base == "" {
		path := filepath.Join(t.TempDir(), "test.db")
		if err := os.WriteFile(path, sqlite, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	name := RandomName("t_")
	if err := PGAdmin(base, `CREATE DATABASE `+name+` TEMPLATE `+pg); err != nil {
		t.Fatalf("copy the template %s: %v", pg, err)
	}
	t.Cleanup(func() { PGAdmin(base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return PGDatabase(base, name)
}

// filled holds the templates this binary filled (Filled), by key. It is
// package state because the templates outlive every test; Main drops them.
var filled struct {
	main  bool // Main runs this binary's tests
	mu    sync.Mutex
	byKey map[string]*filledTemplate
}

// filledTemplate is one filled template: the bytes of a SQLite file, or a
// PostgreSQL database of this binary's.
type filledTemplate struct {
	once   sync.Once
	sqlite []byte
	pg     string
	err    error
}

// Main runs a package's tests (call it from TestMain), then the package's
// own clean-ups (after), and then drops the templates its tests filled.
func Main(m *testing.M, after ...func()) {
	filled.main = true
	code := m.Run()
	for _, f := range after {
		f()
	}
	filled.mu.Lock()
	for _, ft := range filled.byKey {
		if ft.pg != "" {
			PGAdmin(os.Getenv(EnvPostgres), `DROP DATABASE IF EXISTS `+ft.pg+` WITH (FORCE)`)
		}
	}
	filled.mu.Unlock()
	os.Exit(code)
}

// Filled returns a fresh database for t holding what migrating and then
// fill leave at DefaultTime (the demo's foundation, say), dropped when t
// ends: the binary fills a template once per key, and each test gets a
// copy of it, as Migrated copies the migrated one. A fill is the binary's
// code, so its template is the binary's too, dropped by Main at the end;
// ok is false when this binary's TestMain does not call Main, or the
// PostgreSQL role may not create databases, and the caller then fills a
// database of its own.
func Filled(t testing.TB, key string, fill func(context.Context, *store.DB) error) (dsn string, ok bool) {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if !filled.main {
		return "", false
	}
	if err := migratedTemplate(base); err != nil {
		t.Fatalf("the migrated template: %v", err)
	}
	if base != "" && template.pg == "" {
		return "", false
	}
	filled.mu.Lock()
	if filled.byKey == nil {
		filled.byKey = map[string]*filledTemplate{}
	}
	ft := filled.byKey[key]
	if ft == nil {
		ft = &filledTemplate{}
		filled.byKey[key] = ft
	}
	filled.mu.Unlock()
	ft.once.Do(func() { ft.err = ft.fill(base, fill) })
	if ft.err != nil {
		t.Fatalf("the template %q: %v", key, ft.err)
	}
	return copyTemplate(t, base, ft.sqlite, ft.pg), true
}

// OpenFilled returns a database for t holding what migrating and then fill
// leave, at a clock starting at DefaultTime, and its dsn: a copy of the
// binary's template (Filled), or, where there is none, a migrated
// database that fill is run on.
func OpenFilled(t testing.TB, key string, fill func(context.Context, *store.DB) error) (*store.DB, *Clock, string) {
	t.Helper()
	clock := NewClock(DefaultTime)
	dsn, ok := Filled(t, key, fill)
	if ok {
		return OpenDSN(t, dsn, clock.Now), clock, dsn
	}
	dsn = Migrated(t)
	db := OpenDSN(t, dsn, clock.Now)
	if err := fill(context.Background(), db); err != nil {
		t.Fatalf("fill %q: %v", key, err)
	}
	return db, clock, dsn
}

// fill makes the filled template: a copy of the migrated one, opened at
// DefaultTime and filled.
func (ft *filledTemplate) fill(base string, fill func(context.Context, *store.DB) error) error {
	ctx := context.Background()
	at := func() time.Time { return DefaultTime }
	dsn := ""
	if base == "" {
		dir, err := os.MkdirTemp("", "handover-template-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "template.db")
		if err := os.WriteFile(dsn, template.sqlite, 0o600); err != nil {
			return err
		}
	} else {
		ft.pg = RandomName("handover_filled_")
		if err := PGAdmin(base, `CREATE DATABASE `+ft.pg+` TEMPLATE `+template.pg); err != nil {
			return err
		}
		dsn = PGDatabase(base, ft.pg)
	}
	db, err := store.Open(ctx, dsn, Options(at))
	if err != nil {
		return err
	}
	if _, err = db.Migrate(ctx); err == nil {
		err = fill(ctx, db)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil || base != "" {
		return err
	}
	ft.sqlite, err = os.ReadFile(dsn)
	return err
}

// makeTemplate migrates this binary's template at DefaultTime.
func makeTemplate(base string) error {
	ctx := context.Background()
	at := func() time.Time { return DefaultTime }
	if base == "" {
		dir, err := os.MkdirTemp("", "handover-template-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "template.db")
		if err := migrate(ctx, path, at); err != nil {
			return err
		}
		// Closed, the database is its one file (SQLite checkpoints and
		// removes the write-ahead log when the last connection closes).
		if _, err := os.Stat(path + "-wal"); err == nil {
			return fmt.Errorf("%s-wal is left after closing", path)
		}
		template.sqlite, err = os.ReadFile(path)
		return err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer admin.Close()
	var create bool
	if err := admin.QueryRowContext(ctx, `SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&create); err != nil || !create {
		return err // the tests migrate a schema each
	}
	// Binaries of one run start together: one makes the template while the
	// others wait on the lock, then find it.
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7240002)`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(7240002)`)
	// Named by all that makes it: the migrations, and the clock and the
	// keys' passphrase and cost they ran with.
	sum := sha256.Sum256(fmt.Appendf(nil, "%s %s %s %v", store.MigrationsDigest(), DefaultTime.Format(time.RFC3339Nano), Passphrase, personal.TestCost))
	name := TemplatePrefix + hex.EncodeToString(sum[:8])
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		// Made under another name and renamed when whole: a load killed
		// halfway leaves no template that looks finished.
		part := name + "_part"
		for _, stmt := range []string{`DROP DATABASE IF EXISTS ` + part + ` WITH (FORCE)`, `CREATE DATABASE ` + part} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		if err := migrate(ctx, PGDatabase(base, part), at); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+part+` RENAME TO `+name); err != nil {
			return err
		}
	}
	template.pg = name
	return nil
}

// migrate opens the database at dsn with the tests' options, migrates it
// and closes it.
func migrate(ctx context.Context, dsn string, now func() time.Time) error {
	db, err := store.Open(ctx, dsn, Options(now))
	if err != nil {
		return err
	}
	_, err = db.Migrate(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// pgAdmin runs one statement on the base URL's database.
func PGAdmin(base, statement string) error {
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
func PGDatabase(base, name string) string {
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

// RandomName is prefix and 12 random hexadecimal digits: the name of a
// test's database or schema.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
