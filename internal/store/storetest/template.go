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
	template.once.Do(func() { template.err = makeTemplate(base) })
	if template.err != nil {
		t.Fatalf("the migrated template: %v", template.err)
	}
	if base == "" {
		path := filepath.Join(t.TempDir(), "test.db")
		if err := os.WriteFile(path, template.sqlite, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if template.pg == "" {
		return DSN(t)
	}
	name := "t_" + randomHex()
	if err := PGAdmin(base, `CREATE DATABASE `+name+` TEMPLATE `+template.pg); err != nil {
		t.Fatalf("copy the migrated template: %v", err)
	}
	t.Cleanup(func() { PGAdmin(base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return PGDatabase(base, name)
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

// randomHex is 12 random hexadecimal digits, for a database's name.
func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
