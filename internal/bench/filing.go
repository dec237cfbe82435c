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
	if s.contracts, err = demo.SignInBulk(ctx, tx, p, s.f, ids[:contracts], signed); err != nil {
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

// filingSQLite files signed contracts one at a time against the sqlite_tx
// probe: a 300-byte single-row insert committed with synchronous=FULL in
// the same database file. Goal: filings/s ÷ sqlite_tx ≥ 0.7.
func filingSQLite(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P1_filing", Unit: "filings/s", Probe: "sqlite_tx", ProbeUnit: "commits/s",
		Goal: "contract filing (contract + pre-notice + pre-mortgage + audit + outbox, one transaction) ÷ sqlite_tx ≥ 0.7", Target: 0.7, AtLeast: true}
	e := &env{path: cfg.Dir + "/bench.db"}
	var err error
	if e.db, err = store.Open(ctx, e.path, store.Options{Now: cfg.Now}); err != nil {
		return r, err
	}
	defer e.db.Close()
	if _, err := e.db.Migrate(ctx); err != nil {
		return r, err
	}
	if e.raw, err = sql.Open("sqlite", "file:"+e.path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)&_txlock=immediate"); err != nil {
		return r, err
	}
	defer e.raw.Close()
	e.raw.SetMaxOpenConns(1)
	s, err := fillSales(ctx, e.db, e.raw, cfg.Now, 8000)
	if err != nil {
		return r, err
	}
	if _, err := e.raw.ExecContext(ctx, `CREATE TABLE raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return r, err
	}
	body := strings.Repeat("x", 300)
	next := 0
	scenario := func(ctx context.Context) (float64, error) {
		if next >= len(s.contracts) {
			return 0, fmt.Errorf("signed contracts exhausted; use fewer rounds or a shorter window")
		}
		_, err := s.db.FileContract(ctx, s.dev, s.contracts[next])
		next++
		return 1, err
	}
	probe := func(ctx context.Context) (float64, error) {
		tx, err := e.raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw (body) VALUES ($1)`, body); err != nil {
			tx.Rollback()
			return 0, err
		}
		return 1, tx.Commit()
	}
	c := cfg
	c.Window = min(cfg.Window, 500*time.Millisecond) // 8,000 signed contracts must last every round
	commits0, stmts0 := e.db.WriteStats()
	if err := interleave(ctx, c, &r, probe, scenario, 0.15); err != nil {
		return r, err
	}
	commits, stmts := e.db.WriteStats()
	r.Notes = append(r.Notes, fmt.Sprintf("filed %d contracts (60 %% with loans: pre-notice and pre-mortgage) in a database of %d signed contracts and 200,000 earlier register entries; each filing fans out to 3 partner endpoints",
		next, len(s.contracts)),
		fmt.Sprintf("%.1f SQL statements per filing (the probe runs 1), one commit each (%d commits)", float64(stmts-stmts0)/float64(max(commits-commits0, 1)), commits-commits0))
	return r, nil
}

// ---- P5: filing on PostgreSQL, 8 connections

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
	dsn, drop, err := pgSchema(ctx, cfg.Postgres)
	if err != nil {
		return r, err
	}
	defer drop()
	db, err := store.Open(ctx, dsn, store.Options{Now: cfg.Now, MaxConns: 16})
	if err != nil {
		return r, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return r, err
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return r, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(8)
	s, err := fillSales(ctx, db, raw, cfg.Now, 8000)
	if err != nil {
		return r, err
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE raw (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return r, err
	}
	body := strings.Repeat("x", 300)
	var next atomic.Int64
	scenario := parallel(8, cfg.Window, cfg.Now, func(ctx context.Context) error {
		i := next.Add(1) - 1
		if int(i) >= len(s.contracts) {
			return fmt.Errorf("signed contracts exhausted")
		}
		_, err := s.db.FileContract(ctx, s.dev, s.contracts[i])
		return err
	})
	probe := parallel(8, cfg.Window, cfg.Now, func(ctx context.Context) error {
		_, err := raw.ExecContext(ctx, `INSERT INTO raw (body) VALUES ($1)`, body)
		return err
	})
	c := cfg
	c.Window = cfg.Window / 4 // each op is a whole window of parallel work
	if err := interleave(ctx, c, &r, probe, scenario, 0.25); err != nil {
		return r, err
	}
	r.Notes = append(r.Notes, fmt.Sprintf("filed %d contracts with 8 workers", next.Load()))
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
