package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/ledger"
	"handover/internal/store"
)

// saleDB is a database filled for the filing scenarios: the demo
// foundation and projects, a bench project of about 10,000 units under a
// presale permit, signed contracts ready to file, 200,000 register entries
// of other units, and three partner endpoints subscribed to the filing's
// events (so that each filing fans out deliveries as it would in
// production).
type saleDB struct {
	db        *store.DB
	raw       *sql.DB
	f         *demo.Foundation
	contracts []int64
	dev       audit.Actor
}

// fillSales prepares a database for filing scenarios; raw is a plain
// connection to the same database for bulk fill-in and probes.
func fillSales(ctx context.Context, db *store.DB, raw *sql.DB, now func() time.Time, contracts int) (*saleDB, error) {
	s := &saleDB{db: db, raw: raw}
	var err error
	if s.f, err = demo.LoadFoundation(ctx, db, demo.Options{Hash: cheapHash()}); err != nil {
		return nil, err
	}
	s.dev = audit.Actor{UserID: s.f.Users["kaifa"].ID, Name: "吴强", OrgID: s.f.Orgs["dev1"].ID}
	pl := demo.ProjectPlan{Parcel: "652301009001GB00001"}
	for b := 1; b <= 32; b++ {
		pl.Buildings = append(pl.Buildings, demo.BuildingPlan{Number: b, Floors: 40, Sections: 2, PerSection: 4, Ratio: "0.190000"})
	}
	p, err := benchProject(ctx, db, s.f, "基准·万户", pl)
	if err != nil {
		return nil, err
	}
	for i, org := range []string{"652301/registry", "652301/tax", "652301/bank"} {
		if _, err := db.PutEndpoint(ctx, audit.System(), exchange.Endpoint{OrgID: s.f.Orgs[org].ID, Name: fmt.Sprint("endpoint", i),
			URL: "http://127.0.0.1:9/", Secret: "0123456789abcdef", Events: []string{exchange.ContractFiled, exchange.PreNoticeRegistered,
				exchange.PreMortgageRecorded}, Active: true}); err != nil {
			return nil, err
		}
	}
	// Signed contracts, written in bulk: filling the database is not what
	// is measured; filing them is, through the store's domain path.
	ids, err := unitIDs(ctx, raw, p.ID)
	if err != nil {
		return nil, err
	}
	if contracts >= len(ids) {
		contracts = len(ids) - 1
	}
	signed := now().UTC().Truncate(time.Microsecond)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if s.contracts, err = demo.SignInBulk(ctx, s.db, tx, p, s.f, ids[:contracts], signed); err != nil {
		return nil, err
	}
	// 200,000 earlier register entries of the demo's units: index depth.
	est, err := tx.PrepareContext(ctx, `INSERT INTO register_entries (unit_id, kind, reg_type, right_type, prenotice_kind, cert_no, recorded_by, recorded_at)
		VALUES ($1, 'prenotice', 700, 96, 1, $2, 0, $3)`)
	if err != nil {
		return nil, err
	}
	for i := 0; i < 200000; i++ {
		if _, err := est.ExecContext(ctx, ids[len(ids)-1-i%(len(ids)-contracts)], fmt.Sprintf("填充%07d", i), signed); err != nil {
			return nil, err
		}
	}
	return s, tx.Commit()
}

// benchProject creates a project of dev1 in 昌吉市 with the plan's
// buildings through the store (demo.SyntheticProject).
func benchProject(ctx context.Context, db *store.DB, f *demo.Foundation, name string, pl demo.ProjectPlan) (ledger.Project, error) {
	return demo.SyntheticProject(ctx, db, f, demo.Synthetic{Name: name, Jurisdiction: "652301", Parcel: pl.Parcel, Developer: "dev1",
		LandCertNo: "新(2024)昌吉市不动产权第0000001号", Delivery: calendar.MustDate("2027-12-31"), Plan: pl.Buildings})
}

func unitIDs(ctx context.Context, raw *sql.DB, projectID int64) ([]int64, error) {
	rows, err := raw.QueryContext(ctx, `SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.project_id = $1 ORDER BY u.id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ---- P1: filing on SQLite

// sqliteFiling is the P1 fixture: the store and a raw connection on one
// database file filled by fillSales, with the sqlite_tx probe's table.
type sqliteFiling struct {
	env
	filings
	body string
}

// filings files a fixture's signed contracts, each once, in order.
type filings struct {
	sales *saleDB
	next  atomic.Int64 // the next signed contract to file
}

// file files the next signed contract through the store.
func (f *filings) file(ctx context.Context) error {
	i := f.next.Add(1) - 1
	if int(i) >= len(f.sales.contracts) {
		return fmt.Errorf("signed contracts exhausted; use fewer rounds or a shorter window")
	}
	_, err := f.sales.db.FileContract(ctx, f.sales.dev, f.sales.contracts[i])
	return err
}

func openSQLiteFiling(ctx context.Context, cfg Config, contracts int) (*sqliteFiling, error) {
	e := &sqliteFiling{env: env{path: cfg.Dir + "/bench.db"}, body: strings.Repeat("x", 300)}
	var err error
	if e.db, err = store.Open(ctx, e.path, storeOptions(cfg.Now)); err != nil {
		return nil, err
	}
	if _, err := e.db.Migrate(ctx); err != nil {
		e.close()
		return nil, err
	}
	if e.raw, err = sql.Open("sqlite", "file:"+e.path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)&_txlock=immediate"); err != nil {
		e.close()
		return nil, err
	}
	e.raw.SetMaxOpenConns(1)
	if cfg.Small {
		contracts /= 10
	}
	if e.sales, err = fillSales(ctx, e.db, e.raw, cfg.Now, contracts); err != nil {
		e.close()
		return nil, err
	}
	if _, err := e.raw.ExecContext(ctx, `CREATE TABLE raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *sqliteFiling) close() {
	if e.raw != nil {
		e.raw.Close()
	}
	e.db.Close()
}

// probe is sqlite_tx: one ~300-byte row committed durably.
func (e *sqliteFiling) probe(ctx context.Context) (float64, error) {
	tx, err := e.raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO raw (body) VALUES ($1)`, e.body); err != nil {
		tx.Rollback()
		return 0, err
	}
	return 1, tx.Commit()
}

// walFrames files n contracts from the given number of clients and returns
// the WAL frames written per filing: the WAL is emptied first, and n is
// small enough that no automatic checkpoint (at 1,000 frames) restarts it.
func (e *sqliteFiling) walFrames(ctx context.Context, n, clients int) (float64, error) {
	var busy, frames, done int
	if err := e.raw.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return 0, err
	}
	if busy != 0 {
		return 0, fmt.Errorf("wal_checkpoint(TRUNCATE) was blocked")
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += clients {
				if err := e.file(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	if err := e.raw.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		return 0, err
	}
	return float64(frames) / float64(n), nil
}

// filingSQLite files signed contracts from 32 concurrent clients against
// the sqlite_tx probe (one client): the store commits the filings waiting
// together in one durable commit. Goal: filings/s ÷ sqlite_tx ≥ 0.7.
func filingSQLite(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P1_filing", Unit: "filings/s", Probe: "sqlite_tx", ProbeUnit: "commits/s",
		Goal:   "contract filing from 32 clients (contract + pre-notice + pre-mortgage + audit + outbox, one transaction each) ÷ sqlite_tx (one client) ≥ 0.7",
		Target: 0.7, AtLeast: true}
	e, err := openSQLiteFiling(ctx, cfg, 30000)
	if err != nil {
		return r, err
	}
	defer e.close()
	// 24 filings from 24 clients: even committed one by one (37 frames
	// each) they stay under the 1,000 frames that start a checkpoint.
	frames, err := e.walFrames(ctx, 24, 24)
	if err != nil {
		return r, err
	}
	const clients = 32
	scenario := parallel(clients, 4*cfg.Window/5, cfg.Now, func(ctx context.Context) error { return e.file(ctx) })
	c := cfg
	c.Window = cfg.Window / 5
	filed0 := e.next.Load()
	commits0, stmts0 := e.db.WriteStats()
	groups0, members0 := e.db.GroupStats()
	if err := interleave(ctx, c, &r, e.probe, scenario, 0.15); err != nil {
		return r, err
	}
	commits, stmts := e.db.WriteStats()
	groups, members := e.db.GroupStats()
	r.Notes = append(r.Notes, fmt.Sprintf("filed %d contracts from %d clients (60 %% with loans: pre-notice and pre-mortgage) in a database of %d signed contracts and 200,000 earlier register entries; each filing fans out to 3 partner endpoints",
		e.next.Load()-filed0, clients, len(e.sales.contracts)),
		fmt.Sprintf("%.1f SQL statements per filing (the probe runs 1)", float64(stmts-stmts0)/float64(max(commits-commits0, 1))),
		fmt.Sprintf("%.1f filings per durable commit (%d transactions in %d group commits)", float64(members-members0)/float64(max(groups-groups0, 1)), members-members0, groups-groups0),
		fmt.Sprintf("%.1f WAL frames per filing, 24 filings from 24 clients (the probe writes %.1f per commit)", frames, e.probeFrames(ctx)))
	return r, nil
}

// probeFrames is the WAL frames of one sqlite_tx commit.
func (e *sqliteFiling) probeFrames(ctx context.Context) float64 {
	var busy, frames, done int
	if err := e.raw.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return 0
	}
	for range 10 {
		if _, err := e.probe(ctx); err != nil {
			return 0
		}
	}
	if err := e.raw.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		return 0
	}
	return float64(frames) / 10
}

// filingLatency files from one client: the latency of a filing ÷ the
// latency of a sqlite_tx commit. Goal ≤ 4.
func filingLatency(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P1s_filing_latency", Unit: "filings/s", Probe: "sqlite_tx", ProbeUnit: "commits/s",
		Goal: "one client: filing latency ÷ sqlite_tx commit latency ≤ 4", Target: 4}
	e, err := openSQLiteFiling(ctx, cfg, 8000)
	if err != nil {
		return r, err
	}
	defer e.close()
	frames, err := e.walFrames(ctx, 20, 1)
	if err != nil {
		return r, err
	}
	c := cfg
	c.Window = min(cfg.Window, 500*time.Millisecond) // the signed contracts must last every round
	commits0, stmts0 := e.db.WriteStats()
	filed0 := e.next.Load()
	scenario := func(ctx context.Context) (float64, error) { return 1, e.file(ctx) }
	if err := interleave(ctx, c, &r, e.probe, scenario, 0.15); err != nil {
		return r, err
	}
	latencyRatio(&r)
	commits, stmts := e.db.WriteStats()
	r.Notes = append(r.Notes, fmt.Sprintf("filed %d contracts one at a time; the ratio is the probe's rate ÷ the filing rate (latency ÷ latency)", e.next.Load()-filed0),
		fmt.Sprintf("%.1f SQL statements per filing (the probe runs 1), one durable commit each", float64(stmts-stmts0)/float64(max(commits-commits0, 1))),
		fmt.Sprintf("%.1f WAL frames per filing, 20 filings from one client (the probe writes %.1f per commit)", frames, e.probeFrames(ctx)))
	return r, nil
}

// latencyRatio turns a rate ratio of one client into a latency ratio: the
// scenario's latency over the probe's is the probe's rate over the
// scenario's.
func latencyRatio(r *Result) {
	if r.Ratio > 0 {
		r.Ratio = 1 / r.Ratio
	}
	r.Pass = r.Ratio <= r.Target
}

// ---- P5: filing on PostgreSQL, 8 connections

// pgFiling is the P5 fixture: the store on a throw-away PostgreSQL schema
// filled by fillSales, and a raw pool of 8 connections with the
// pg_insert probe's table.
type pgFiling struct {
	filings
	body  string
	close func()
}

func openPGFiling(ctx context.Context, cfg Config, contracts int) (_ *pgFiling, err error) {
	dsn, drop, err := pgSchema(ctx, cfg.Postgres)
	if err != nil {
		return nil, err
	}
	var closers []func()
	e := &pgFiling{body: strings.Repeat("x", 300), close: func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}}
	closers = append(closers, drop)
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	db, err := store.Open(ctx, dsn, withConns(storeOptions(cfg.Now), 16))
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	raw, err := sql.Open("pgx", store.PostgresSession(dsn))
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { raw.Close() })
	raw.SetMaxOpenConns(8)
	if e.sales, err = fillSales(ctx, db, raw, cfg.Now, contracts); err != nil {
		return nil, err
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE raw (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	return e, nil
}

// probe is pg_insert: one ~300-byte row inserted in autocommit.
func (e *pgFiling) probe(ctx context.Context) error {
	_, err := e.sales.raw.ExecContext(ctx, `INSERT INTO raw (body) VALUES ($1)`, e.body)
	return err
}

// filingPostgres files with 8 concurrent workers against pg_insert with 8
// connections (single-row autocommit inserts). Goal ≥ 0.3.
func filingPostgres(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P5_filing_pg", Unit: "filings/s", Probe: "pg_insert_8", ProbeUnit: "inserts/s",
		Goal: "filing on PostgreSQL with 8 connections ÷ pg_insert (8 connections) ≥ 0.3", Target: 0.3, AtLeast: true}
	if cfg.Postgres == "" {
		r.Notes = append(r.Notes, "skipped: no PostgreSQL URL (--postgres or HANDOVER_BENCH_POSTGRES)")
		r.Skipped = true
		return r, nil
	}
	e, err := openPGFiling(ctx, cfg, 8000)
	if err != nil {
		return r, err
	}
	defer e.close()
	scenario := parallel(8, cfg.Window, cfg.Now, e.file)
	probe := parallel(8, cfg.Window, cfg.Now, e.probe)
	c := cfg
	c.Window = cfg.Window / 4 // each op is a whole window of parallel work
	commits0, stmts0 := e.sales.db.WriteStats()
	trips0 := e.sales.db.RoundTrips()
	if err := interleave(ctx, c, &r, probe, scenario, 0.25); err != nil {
		return r, err
	}
	commits, stmts := e.sales.db.WriteStats()
	filings := float64(max(commits-commits0, 1))
	r.Notes = append(r.Notes, fmt.Sprintf("filed %d contracts with 8 workers", e.next.Load()),
		fmt.Sprintf("%.1f SQL statements in %.1f round trips per filing, besides BEGIN and COMMIT (the probe: 1 in 1)",
			float64(stmts-stmts0)/filings, float64(e.sales.db.RoundTrips()-trips0)/filings))
	return r, nil
}

// parallel returns an op that runs f on n goroutines for about d and
// counts the completed calls.
func parallel(n int, d time.Duration, now func() time.Time, f func(context.Context) error) op {
	return func(ctx context.Context) (float64, error) {
		var done atomic.Int64
		var failed atomic.Value
		var wg sync.WaitGroup
		deadline := now().Add(d / 4)
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for now().Before(deadline) {
					if err := f(ctx); err != nil {
						failed.Store(err)
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		if err, ok := failed.Load().(error); ok {
			return 0, err
		}
		return float64(done.Load()), nil
	}
}

// pgSchema creates a throw-away schema and returns a URL selecting it.
func pgSchema(ctx context.Context, base string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}, nil
}
