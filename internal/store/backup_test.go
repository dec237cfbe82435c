package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// A backup taken while clerks file contracts is the database at one moment:
// restored, its audit trail is the source's trail up to some point in every
// lane (same digest and count as the source's events up to the copy's lane
// heads), its register book holds exactly the entries whose events are in
// that part of the trail, and it holds at least what was committed before
// the backup began. Once the writers stop, a second backup (over the first)
// verifies identically to the source. On SQLite the backup is
// handover backup's own (store.DB.Backup); on PostgreSQL it is pg_dump -Fc
// restored with pg_restore into a new database, as docs/backup.md says.
func TestBackupWhileFiling(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	clock := storetest.NewClock(storetest.DefaultTime)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	backup := sqliteBackup(db)
	if db.Engine() == store.Postgres {
		backup = pgDumpRestore(t, dsn)
	}
	// The demo's foundation, then a project of 320 signed contracts to
	// file, whose filings write the register (pre-notices) and the trail
	// while the backup runs.
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	_, _, contracts := signedProject(t, db, f, demo.Synthetic{Name: "备份演练", Parcel: "652301009002GB00084",
		LandCertNo: "新(2024)昌吉市不动产权第0000084号", Plan: []demo.BuildingPlan{{Number: 1, Floors: 40, Sections: 2, PerSection: 4, Ratio: "0.190000"}}})

	filers := startFiling(t, db, actor(f, "kaifa"), contracts)
	for filers.filed.Load() < 10 && !filers.finished() {
		time.Sleep(5 * time.Millisecond)
	}
	before := checkTrail(t, db)
	restored := backup(t)
	after := checkTrail(t, db)
	filers.stop()

	copied := storetest.OpenDSN(t, restored, clock.Now)
	got := checkTrail(t, copied)
	t.Logf("register entries / audit events when the backup began: %d / %d; in the copy: %d / %d; when it returned: %d / %d (%d of %d contracts filed in all)",
		before.RegisterEntries, before.Audit.Count, got.RegisterEntries, got.Audit.Count, after.RegisterEntries, after.Audit.Count,
		filers.filed.Load(), len(contracts))
	if got.RegisterEntries < before.RegisterEntries || got.RegisterEntries > after.RegisterEntries {
		t.Errorf("register entries in the copy: got %d, want between %d (at the start of the backup) and %d (at its end)",
			got.RegisterEntries, before.RegisterEntries, after.RegisterEntries)
	}
	want := trailUpTo(t, storetest.Raw(t, dsn), laneHeads(t, storetest.Raw(t, restored)))
	if got.Head() != want.head || got.Audit.Count != want.events {
		t.Errorf("restored trail: got head %s over %d events, want the source's %s over %d events up to the same lane heads",
			got.Head(), got.Audit.Count, want.head, want.events)
	}
	if entries := registerIDs(t, storetest.Raw(t, restored)); !slices.Equal(entries, want.entries) {
		t.Errorf("restored register book: got %d entries, want the %d whose events are in the copied trail (first got %v, want %v)",
			len(entries), len(want.entries), entries[:min(5, len(entries))], want.entries[:min(5, len(want.entries))])
	}
	if db.Engine() == store.SQLite {
		if s, err := copied.IntegrityCheck(ctx); err != nil || s != "ok" {
			t.Errorf("integrity_check of the restored copy: got %q, %v, want ok", s, err)
		}
	}

	// Quiet now: the next backup is the source exactly.
	source := checkTrail(t, db)
	again := checkTrail(t, storetest.OpenDSN(t, backup(t), clock.Now))
	if again.Head() != source.Head() || again.Audit.Count != source.Audit.Count || again.RegisterEntries != source.RegisterEntries {
		t.Errorf("backup of a quiet database: got head %s, %d events, %d entries; want the source's %s, %d, %d",
			again.Head(), again.Audit.Count, again.RegisterEntries, source.Head(), source.Audit.Count, source.RegisterEntries)
	}
}

// backupRestore backs up the test's database and restores the backup as a
// restore guide says, returning the restored database's DSN.
type backupRestore func(t *testing.T) string

// sqliteBackup backs up with store.DB.Backup (over the previous backup, as
// a nightly job would with --force), checks what it reports, and restores
// by copying the file into place under a new name.
func sqliteBackup(db *store.DB) backupRestore {
	return func(t *testing.T) string {
		t.Helper()
		dir := t.TempDir()
		path := filepath.Join(dir, "handover-backup.db")
		b, err := db.Backup(context.Background(), path, true)
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		if b.Integrity != "ok" || !b.OK() {
			t.Errorf("backup reports integrity %q and %s, want ok and an intact trail", b.Integrity, b.Problem())
		}
		if b.Path != path || b.Bytes == 0 {
			t.Errorf("backup reports %s of %d bytes, want %s and its size", b.Path, b.Bytes, path)
		}
		restored := filepath.Join(dir, "handover.db")
		copyFile(t, path, restored)
		return restored
	}
}

// pgDumpRestore dumps the test's schema with pg_dump -Fc while it is
// written to, and restores it with pg_restore into a new, empty database
// (dropped when the test ends).
func pgDumpRestore(t *testing.T, dsn string) backupRestore {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := osexec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: PostgreSQL backups are made with pg_dump -Fc and restored with pg_restore (docs/backup.md)", tool)
		}
	}
	source, schema := libpqURL(t, dsn)
	return func(t *testing.T) string {
		t.Helper()
		dump := filepath.Join(t.TempDir(), "handover.dump")
		run(t, "pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, "--dbname="+source)
		target := createDatabase(t, dsn)
		run(t, "pg_restore", "--single-transaction", "--no-owner", "--dbname="+target, dump)
		u, _ := url.Parse(target)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
}

// libpqURL is dsn without the search_path parameter, which pgx takes and
// libpq's tools refuse, and the schema it named.
func libpqURL(t *testing.T, dsn string) (string, string) {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// createDatabase makes a new empty database on dsn's server and returns
// its libpq URL.
func createDatabase(t *testing.T, dsn string) string {
	t.Helper()
	base, _ := libpqURL(t, dsn)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "restore_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := osexec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// filing files contracts from several clients until every contract is filed
// or stop is called, while one more client is refused request after request
// (each refusal an audit event) until stop: the trail grows for as long as
// a backup takes, however soon the filings are done.
type filing struct {
	filed    atomic.Int64
	next     atomic.Int64
	total    int
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func startFiling(t *testing.T, db *store.DB, dev audit.Actor, contracts []int64) *filing {
	f := &filing{total: len(contracts), quit: make(chan struct{})}
	for range 8 {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for i := f.next.Add(1) - 1; int(i) < len(contracts); i = f.next.Add(1) - 1 {
				select {
				case <-f.quit:
					return
				default:
				}
				if _, err := db.FileContract(context.Background(), dev, contracts[i]); err != nil {
					t.Errorf("file contract %d: %v", contracts[i], err)
					return
				}
				f.filed.Add(1)
			}
		}()
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			select {
			case <-f.quit:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if err := db.RecordDenial(context.Background(), dev, "GET", "/admin/users", "角色不允许"); err != nil {
				t.Errorf("record a denial: %v", err)
				return
			}
		}
	}()
	t.Cleanup(f.stop)
	return f
}

func (f *filing) finished() bool { return f.next.Load() >= int64(f.total) }

// stop ends the filing and waits for the clients.
func (f *filing) stop() {
	f.stopOnce.Do(func() { close(f.quit) })
	f.wg.Wait()
}

func checkTrail(t *testing.T, db *store.DB) store.TrailCheck {
	t.Helper()
	c, err := db.CheckTrail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !c.OK() {
		t.Fatalf("trail of the %s database: %s", db.Engine(), c.Problem())
	}
	return c
}

// laneHeads reads each lane's last sequence number.
func laneHeads(t *testing.T, raw *sql.DB) map[int]int64 {
	t.Helper()
	rows, err := raw.Query(`SELECT lane, seq FROM audit_heads`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	heads := map[int]int64{}
	for rows.Next() {
		var lane int
		var seq int64
		if err := rows.Scan(&lane, &seq); err != nil {
			t.Fatal(err)
		}
		heads[lane] = seq
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return heads
}

// trailPart is a database's trail up to given lane heads.
type trailPart struct {
	head    string  // the digest of the events up to the heads
	events  int     // how many
	entries []int64 // register entries whose events they are, by id
}

// trailUpTo walks a database's trail up to the given sequence number of
// every lane, independently of the store.
func trailUpTo(t *testing.T, raw *sql.DB, heads map[int]int64) trailPart {
	t.Helper()
	v := audit.NewVerifier()
	var part trailPart
	for lane := range audit.Lanes {
		rows, err := raw.Query(`SELECT id, lane, seq, at, actor_user, actor_name, actor_org, actor_org_name, addr,
			action, record_type, record_id, summary, prev_hash, hash FROM audit_events WHERE lane = $1 AND seq <= $2 ORDER BY seq`, lane, heads[lane])
		if err != nil {
			t.Fatal(err)
		}
		var last audit.Event
		for rows.Next() {
			var e audit.Event
			if err := rows.Scan(&e.ID, &e.Lane, &e.Seq, &e.At, &e.Actor.UserID, &e.Actor.Name, &e.Actor.OrgID, &e.Actor.OrgName,
				&e.Actor.Addr, &e.Action, &e.RecordType, &e.RecordID, &e.Summary, &e.PrevHash, &e.Hash); err != nil {
				t.Fatal(err)
			}
			v.Add(&e)
			last = e
			if e.RecordType == "register_entry" && strings.HasPrefix(e.Action, "register.") {
				id, err := strconv.ParseInt(e.RecordID, 10, 64)
				if err != nil {
					t.Fatalf("event %d names entry %q", e.ID, e.RecordID)
				}
				part.entries = append(part.entries, id)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if last.Seq != heads[lane] {
			t.Fatalf("source lane %d ends at %d, before the copy's head %d", lane, last.Seq, heads[lane])
		}
	}
	if b, broken := v.First(); broken {
		t.Fatalf("source trail: %s", b)
	}
	slices.Sort(part.entries)
	part.head, part.events = audit.Hex(v.Digest()), v.Count
	return part
}

func registerIDs(t *testing.T, raw *sql.DB) []int64 {
	t.Helper()
	return storetest.IDs(t, raw, `SELECT id FROM register_entries ORDER BY id`)
}

// A backup refuses what it must not do — write over an existing file
// without overwrite, over the database itself even with it, into a
// directory that is not there, onto a directory, from a file that is not
// the platform's — and leaves no file behind, the existing one untouched.
func TestBackupRefusals(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) != "" {
		t.Skip("handover backup copies SQLite databases; PostgreSQL is backed up with pg_dump (TestBackupWhileFiling)")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db := storetest.OpenDSN(t, dsn, time.Now)
	dir := t.TempDir()
	existing := filepath.Join(dir, "yesterday.db")
	os.WriteFile(existing, []byte("yesterday's backup"), 0o600)
	stray := filepath.Join(t.TempDir(), "stray.db")
	other, err := store.Open(ctx, stray, store.Options{Now: time.Now}) // an empty SQLite file, never migrated
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	tests := []struct {
		name      string
		db        *store.DB
		path      string
		overwrite bool
		want      string // the error code
	}{
		{"existing file", db, existing, false, "backup.exists"},
		{"the database itself", db, dsn, true, "backup.path"},
		{"a directory", db, dir, true, "backup.path"},
		{"missing directory", db, filepath.Join(dir, "nowhere", "b.db"), false, "backup.dir"},
		{"empty path", db, "", false, "backup.path"},
		{"not the platform's database", other, filepath.Join(dir, "b.db"), false, "backup.not_database"},
	}
	for _, tt := range tests {
		_, err := tt.db.Backup(ctx, tt.path, tt.overwrite)
		var p *problem.Error
		if !errors.As(err, &p) || p.Code != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "yesterday's backup" {
		t.Errorf("the existing file now holds %q, want it untouched", b)
	}
	assertOnly(t, dir, "yesterday.db")
}

// A copy that fails its check is not kept: with an audit event edited in
// the source (as an administrator could, with the triggers dropped), the
// backup fails, names the break, and leaves neither the file nor a part.
func TestBackupOfTamperedDatabaseFails(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) != "" {
		t.Skip("handover backup copies SQLite databases; PostgreSQL is backed up with pg_dump (TestBackupWhileFiling)")
	}
	ctx := context.Background()
	db, _ := storetest.Open(t)
	if _, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap}); err != nil {
		t.Fatal(err)
	}
	disableAppendOnly(t, db)
	exec(t, db, `UPDATE audit_events SET summary = '{}' WHERE id = 3`)
	dir := t.TempDir()
	_, err := db.Backup(ctx, filepath.Join(dir, "b.db"), false)
	if err == nil || !strings.Contains(err.Error(), "事件 #3") {
		t.Errorf("backup of a tampered database: got %v, want a failed check naming event #3", err)
	}
	assertOnly(t, dir)
}

// assertOnly fails unless dir holds exactly the named files.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("files in the backup directory: got %v, want %v", got, names)
	}
}
