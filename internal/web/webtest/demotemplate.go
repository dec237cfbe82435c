package webtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
//
// One run of the test command may share the template between its test
// binaries too: with EnvShared set to a name for the run, the first binary
// to need the demo loads it, holding a lock file, and the others wait for
// it and copy it. The template then outlives the binaries; whoever chose
// the name removes it (.ci/run does, at its end). A name is for one source
// tree: the template is not loaded again when the code changes.

// EnvShared names the demo template a run's test binaries share: letters,
// digits and underscores. Unset, each binary loads its own.
const EnvShared = "HANDOVER_TEST_DEMO"

// demoTemplate is the demo loaded once for this test binary. It is
// package state because it must outlive every test; Main removes it.
var demoTemplate struct {
	once   sync.Once
	main   bool      // Main runs this binary's tests
	shared bool      // the template is the run's (EnvShared), not this binary's
	base   string    // the engine's base DSN: "" for SQLite, else the PostgreSQL URL
	source string    // the template: a SQLite file, or a PostgreSQL database's name
	at     time.Time // the demo's clock when its load ended
	err    error
}

// Main runs a package's tests (call it from TestMain), then the package's
// own clean-ups (after), and then removes the demo template and closes the
// shared Chromium, if a test used them, and the templates storetest filled
// (storetest.Main).
func Main(m *testing.M, after ...func()) {
	demoTemplate.main = true
	storetest.Main(m, append(after, removeDemoTemplate, closeBrowser)...)
}

// demoDSN returns a fresh database holding the loaded demo for t, and the
// demo's clock at the end of its load; ok is false when this binary keeps
// no template (its TestMain does not call Main).
func demoDSN(t testing.TB) (dsn string, at time.Time, ok bool) {
	t.Helper()
	if !demoTemplate.main {
		return "", time.Time{}, false
	}
	demoTemplate.once.Do(func() { demoTemplate.err = demoTemplateOnce() })
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
	name := storetest.RandomName("t_")
	// FILE_COPY (PostgreSQL 15) copies the files without logging every page;
	// an older server copies the default way.
	err := storetest.PGAdmin(demoTemplate.base, `CREATE DATABASE `+name+` TEMPLATE `+demoTemplate.source+` STRATEGY FILE_COPY`)
	if err != nil {
		err = storetest.PGAdmin(demoTemplate.base, `CREATE DATABASE `+name+` TEMPLATE `+demoTemplate.source)
	}
	if err != nil {
		t.Fatalf("copy the demo template: %v", err)
	}
	t.Cleanup(func() { storetest.PGAdmin(demoTemplate.base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return storetest.PGDatabase(demoTemplate.base, name), demoTemplate.at, true
}

// demoTemplateOnce makes this binary's template, or finds the run's
// (EnvShared) and loads it first if no other binary has.
func demoTemplateOnce() error {
	name := os.Getenv(EnvShared)
	if name == "" {
		return loadDemoTemplate("")
	}
	if !sharedName.MatchString(name) {
		return fmt.Errorf("%s=%q: want letters, digits and underscores", EnvShared, name)
	}
	demoTemplate.shared = true
	engine := "sqlite"
	if os.Getenv(storetest.EnvPostgres) != "" {
		engine = "postgres"
	}
	// The lock is held while loading; the note of the clock, written last,
	// says the template is whole.
	prefix := filepath.Join(os.TempDir(), "handover-demo-"+name+"-"+engine)
	unlock, err := lockFile(prefix + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	demoTemplate.base = os.Getenv(storetest.EnvPostgres)
	demoTemplate.source = "handover_demo_" + strings.ToLower(name)
	if demoTemplate.base == "" {
		demoTemplate.source = filepath.Join(prefix, "demo.db")
	}
	if b, err := os.ReadFile(prefix + ".at"); err == nil {
		demoTemplate.at, err = readClock(string(b))
		return err
	}
	// A load that failed or was killed may have left a part behind.
	if demoTemplate.base == "" {
		os.RemoveAll(prefix)
	} else if err := storetest.PGAdmin(demoTemplate.base, `DROP DATABASE IF EXISTS `+demoTemplate.source+` WITH (FORCE)`); err != nil {
		return err
	}
	if err := loadDemoTemplate(prefix); err != nil {
		return err
	}
	tmp := prefix + ".at.new"
	if err := os.WriteFile(tmp, []byte(writeClock(demoTemplate.at)), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, prefix+".at")
}

// writeClock and readClock keep the demo's clock in the note of a shared
// template, with its zone's name (the demo's days are China Standard Time).
func writeClock(at time.Time) string {
	name, _ := at.Zone()
	return at.Format(time.RFC3339Nano) + " " + name
}

func readClock(note string) (time.Time, error) {
	text, name, _ := strings.Cut(note, " ")
	at, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return at, err
	}
	_, offset := at.Zone()
	if name == "UTC" && offset == 0 {
		return at.UTC(), nil
	}
	return at.In(time.FixedZone(name, offset)), nil
}

// sharedName is what EnvShared may hold: it becomes part of a database's
// name and of file names.
var sharedName = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)

// loadDemoTemplate creates the template and loads the demo into it, as
// serve --demo does (with cheap password hashing), then closes every
// connection to it so that it can be copied. A run's shared template goes
// into dir (SQLite) or under its name (PostgreSQL); this binary's own,
// with dir "", under a new name.
func loadDemoTemplate(dir string) error {
	ctx := context.Background()
	base, dsn := os.Getenv(storetest.EnvPostgres), ""
	if base == "" {
		var err error
		if dir == "" {
			dir, err = os.MkdirTemp("", "webtest-demo-")
		} else {
			err = os.MkdirAll(dir, 0o700)
		}
		if err != nil {
			return err
		}
		demoTemplate.source = filepath.Join(dir, "demo.db")
		dsn = demoTemplate.source
	} else {
		if dir == "" {
			demoTemplate.source = storetest.RandomName("handover_demo_")
		}
		if err := storetest.PGAdmin(base, `CREATE DATABASE `+demoTemplate.source); err != nil {
			return fmt.Errorf("create the template database (the test role needs CREATEDB): %w", err)
		}
		dsn = storetest.PGDatabase(base, demoTemplate.source)
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

// removeDemoTemplate drops the template, if this binary loaded its own.
func removeDemoTemplate() {
	switch {
	case demoTemplate.source == "" || demoTemplate.shared:
	case demoTemplate.base == "":
		os.RemoveAll(filepath.Dir(demoTemplate.source))
	default:
		storetest.PGAdmin(demoTemplate.base, `DROP DATABASE IF EXISTS `+demoTemplate.source+` WITH (FORCE)`)
	}
}
