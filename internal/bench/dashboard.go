package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/problem"
	"handover/internal/store"
)

// dashboardUnits is the P7 scale on SQLite (the issue: the demo scaled to
// 100,000 units); Small runs one project's worth. dashboardUnitsPG is the
// scale on PostgreSQL, the prefecture's production engine.
const (
	dashboardUnits   = 100000
	dashboardUnitsPG = 1000000
)

// copiedEnv opens a copy of a scaled database (its demo foundation found
// again) with a raw connection to it.
func copiedEnv(ctx context.Context, cfg Config, from string, open func(ctx context.Context, dsn string, now func() time.Time) (*store.DB, error)) (*env, error) {
	e := &env{path: filepath.Join(cfg.Dir, "bench.db"), clock: demo.NewClock(cfg.Now)}
	if err := copyFile(from, e.path); err != nil {
		return nil, err
	}
	var err error
	if e.db, err = open(ctx, e.path, e.clock.Now); err != nil {
		return nil, err
	}
	if e.f, err = demo.FoundationOf(ctx, e.db); err != nil {
		return nil, err
	}
	if e.raw, err = openRaw(e.path); err != nil {
		return nil, err
	}
	return e, nil
}

func mustCal(ctx context.Context, e *env) *calendar.Calendar {
	cal, _ := e.db.Calendar(ctx)
	return cal
}

// rawAggregate is the hand-written SQL the dashboard is held against: the
// units of the prefecture by stage and the handovers of the period by
// month, each in one statement over the same tables. It works each unit's
// stage out from the joined facts, as the dashboard did before the stage
// was kept (migration 0039); it groups by position, since units.stage is
// now a column of its own and PostgreSQL takes GROUP BY stage for it.
func rawAggregate(raw *sql.DB, from, to string) op {
	return func(ctx context.Context) (float64, error) {
		rows, err := raw.QueryContext(ctx, `SELECT CASE
				WHEN h.unit_id IS NOT NULL THEN 'handed_over'
				WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.unit_id = u.id AND `+store.CertifiedSQL("c")+`) THEN 'certified'
				WHEN x.id IS NOT NULL AND fb.building_id IS NOT NULL THEN 'completed'
				WHEN x.id IS NOT NULL THEN 'sold' ELSE 'unsold' END AS stage, COUNT(*)
			FROM units u LEFT JOIN handover_units h ON h.unit_id = u.id AND h.handed_over_on <> ''
			LEFT JOIN contracts x ON x.unit_id = u.id AND x.state IN ('signed', 'filed')
			LEFT JOIN completion_filing_buildings fb ON fb.building_id = u.building_id
			GROUP BY 1`)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
		}
		rows.Close()
		rows, err = raw.QueryContext(ctx, `SELECT substr(handed_over_on, 1, 7), COUNT(*), SUM(CASE WHEN certified_on <> '' AND certified_on <= handed_over_on THEN 1 ELSE 0 END)
			FROM handover_units WHERE handed_over_on <> '' AND handed_over_on BETWEEN $1 AND $2 GROUP BY 1`, from, to)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
		}
		rows.Close()
		return 1, rows.Err()
	}
}

// dashboardScale measures the prefecture's dashboard (GET /api/v1/dashboard
// as the prefecture's supervisor, one request at a time) on the platform
// scaled to 100,000 units on SQLite, against the hand-written aggregate of
// the same tables. Goals: under a second, and at most 3 × the raw aggregate.
func dashboardScale(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P7_dashboard", Unit: "seconds", Probe: "sql_aggregate", ProbeUnit: "seconds",
		Goal: "prefecture dashboard at 100,000 units: < 1 s, and seconds ÷ hand-written SQL aggregate ≤ 3", Target: 3, AtLeast: false}
	e, res, err := dashboardEnv(ctx, cfg)
	if err != nil {
		return r, err
	}
	defer e.close()
	return r, measureDashboard(ctx, cfg, e, res, &r, 0.15)
}

// dashboardScalePG is P7 on PostgreSQL at 1,000,000 units: the database
// made by demo --scale 1000000 against a postgres:// URL (cfg.ScaledPG),
// read in place; with Small and a PostgreSQL server, a throw-away schema
// scaled to one project. Skipped otherwise: building a million units
// belongs to demo --scale, not to every run of the suite.
func dashboardScalePG(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "P7_dashboard_pg", Unit: "seconds", Probe: "sql_aggregate", ProbeUnit: "seconds",
		Goal: "prefecture dashboard at 1,000,000 units on PostgreSQL: < 1 s, and seconds ÷ hand-written SQL aggregate ≤ 3", Target: 3, AtLeast: false}
	var e *env
	var res demo.ScaleResult
	var err error
	switch {
	case cfg.ScaledPG != "":
		e, res, err = inPlaceEnv(ctx, cfg, cfg.ScaledPG)
	case cfg.Small && cfg.Postgres != "":
		e, res, err = scaledPGEnv(ctx, cfg)
	default:
		r.Notes = append(r.Notes, "skipped: no scaled PostgreSQL database (--scaled-pg, made by 'handover demo --scale 1000000 --db postgres://…')")
		r.Skipped = true
		return r, nil
	}
	if err != nil {
		return r, err
	}
	defer e.close()
	if res.Units < dashboardUnitsPG && !cfg.Small {
		r.Notes = append(r.Notes, fmt.Sprintf("the database holds %d units, not the goal's %d", res.Units, dashboardUnitsPG))
	}
	return r, measureDashboard(ctx, cfg, e, res, &r, 0.25)
}

// measureDashboard serves the platform on e and times the dashboard of the
// last 365 days against the raw aggregate; a spread above maxSpread is
// inconclusive.
func measureDashboard(ctx context.Context, cfg Config, e *env, res demo.ScaleResult, r *Result, maxSpread float64) error {
	app, token, err := e.serveApp(ctx, cfg.Now, "jianguan")
	if err != nil {
		return err
	}
	defer app.Close()
	today := calendar.DateOf(cfg.Now())
	from, to := today.AddDays(-365).String(), today.String()
	request := pageRequest(fmt.Sprintf("http://%s/api/v1/dashboard?from=%s&to=%s", app.Addr(), from, to), token)
	if _, err := request(ctx); err != nil { // warm, and check once
		return err
	}
	if err := dashboardRounds(ctx, cfg, r, rawAggregate(e.raw, from, to), request); err != nil {
		return err
	}
	r.Noisy = r.Spread > maxSpread
	r.Notes = append(r.Notes, fmt.Sprintf("%d units in %d projects across the counties and parks, %d handed over; median_rate and median_probe are seconds per request and per raw aggregate",
		res.Units, res.Projects, res.HandedOver))
	return nil
}

// inPlaceEnv opens a scaled PostgreSQL database where it is (the
// dashboard only reads; the benchmark adds a token), with a raw pool.
func inPlaceEnv(ctx context.Context, cfg Config, dsn string) (*env, demo.ScaleResult, error) {
	e := &env{clock: demo.NewClock(cfg.Now)}
	var err error
	if e.db, err = openScaled(ctx, dsn, e.clock.Now); err != nil {
		return nil, demo.ScaleResult{}, err
	}
	if e.raw, err = sql.Open("pgx", store.PostgresSession(dsn)); err != nil {
		e.db.Close()
		return nil, demo.ScaleResult{}, err
	}
	if e.f, err = demo.FoundationOf(ctx, e.db); err != nil {
		e.close()
		return nil, demo.ScaleResult{}, err
	}
	res, err := scaledCounts(ctx, e)
	if err != nil {
		e.close()
		return nil, demo.ScaleResult{}, err
	}
	logf(cfg, "  %s in place: %d projects, %d units, %d handed over", redactURL(dsn), res.Projects, res.Units, res.HandedOver)
	return e, res, nil
}

// scaledPGEnv is a throw-away PostgreSQL schema with the demo foundation
// scaled to one project (the smoke test's P7 on PostgreSQL), dropped when
// the env is closed.
func scaledPGEnv(ctx context.Context, cfg Config) (*env, demo.ScaleResult, error) {
	dsn, drop, err := pgSchema(ctx, cfg.Postgres)
	if err != nil {
		return nil, demo.ScaleResult{}, err
	}
	e := &env{clock: demo.NewClock(cfg.Now), drop: drop}
	fail := func(err error) (*env, demo.ScaleResult, error) { e.close(); return nil, demo.ScaleResult{}, err }
	if e.db, err = store.Open(ctx, dsn, storeOptions(e.clock.Now)); err != nil {
		drop()
		return nil, demo.ScaleResult{}, err
	}
	if e.raw, err = sql.Open("pgx", store.PostgresSession(dsn)); err != nil {
		e.db.Close()
		drop()
		return nil, demo.ScaleResult{}, err
	}
	if _, err := e.db.Migrate(ctx); err != nil {
		return fail(err)
	}
	if e.f, err = demo.LoadFoundation(ctx, e.db, demo.Options{Hash: cheapHash()}); err != nil {
		return fail(err)
	}
	res, err := demo.Scale(ctx, e.db, e.f, demo.ScaleOptions{Units: 1600, Clock: e.clock.Set, Workers: 2,
		OpenWorker: func(now func() time.Time) (*store.DB, error) {
			o := storeOptions(now)
			o.Keyring = e.db.Keyring()
			return store.Open(ctx, store.SyntheticDSN(dsn), o)
		}})
	if err != nil {
		return fail(err)
	}
	return e, res, nil
}

// scaledCounts reads what a scaled database holds from the dashboard of
// all time.
func scaledCounts(ctx context.Context, e *env) (demo.ScaleResult, error) {
	d, err := e.db.Dashboard(ctx, mustCal(ctx, e), store.DashboardQuery{From: calendar.MustDate("2000-01-01"), To: calendar.MustDate("2100-01-01")})
	return demo.ScaleResult{Projects: d.Projects, Units: d.Units, HandedOver: d.HandedOver}, err
}

// redactURL drops a URL's password for the log.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

// dashboardEnv is the database the dashboard is measured on: a copy of
// cfg.ScaledDB when given, else of the database an earlier scenario of the
// run scaled, else a new one scaled to dashboardUnits (1,600 when small),
// of which the run keeps a copy; the env is closed again when it cannot be
// made ready.
func dashboardEnv(ctx context.Context, cfg Config) (*env, demo.ScaleResult, error) {
	from, open := cfg.ScaledDB, openScaled
	if from == "" && cfg.scaled != nil && cfg.scaled.made {
		from, open = cfg.scaled.path, openBench // sealed with the bench's passphrase
	}
	if from != "" {
		e, err := copiedEnv(ctx, cfg, from, open)
		if err != nil {
			return nil, demo.ScaleResult{}, err
		}
		res, err := scaledCounts(ctx, e)
		if err != nil {
			e.close()
			return nil, demo.ScaleResult{}, err
		}
		logf(cfg, "  a copy of %s: %d projects, %d units, %d handed over", from, res.Projects, res.Units, res.HandedOver)
		return e, res, nil
	}
	e, err := newEnv(ctx, cfg, false)
	if err != nil {
		return nil, demo.ScaleResult{}, err
	}
	n := dashboardUnits
	if cfg.Small {
		n = 1600
	}
	logf(cfg, "  scaling to %d units (sales in bulk, everything else through the store) …", n)
	start := cfg.Now()
	res, err := demo.Scale(ctx, e.db, e.f, demo.ScaleOptions{Units: n, Clock: e.clock.Set})
	if err != nil {
		e.close()
		return nil, demo.ScaleResult{}, err
	}
	logf(cfg, "  %d projects, %d units, %d handed over, in %s", res.Projects, res.Units, res.HandedOver, cfg.Now().Sub(start).Round(time.Second))
	if cfg.scaled != nil {
		if _, err := e.db.Backup(ctx, cfg.scaled.path, true); err != nil {
			e.close()
			return nil, demo.ScaleResult{}, err
		}
		cfg.scaled.made = true
	}
	return e, res, nil
}

// dashboardRounds times the probe (the raw SQL) and then the request in
// each round, and sets r's medians, ratio, spread and verdict from them.
func dashboardRounds(ctx context.Context, cfg Config, r *Result, probe, request op) error {
	var ratios, secs, probes []float64
	for round := 1; round <= cfg.Rounds; round++ {
		pw, err := window(ctx, r.Probe, round, cfg.Window, cfg.Now, probe)
		if err != nil {
			return err
		}
		sw, err := window(ctx, r.Name, round, cfg.Window, cfg.Now, request)
		if err != nil {
			return err
		}
		r.Windows = append(r.Windows, pw, sw)
		s, p := 1/sw.Rate, 1/pw.Rate
		ratios, secs, probes = append(ratios, s/p), append(secs, s), append(probes, p)
		logf(cfg, "  round %d: %s %.4f s, %s %.4f s, ratio %.2f", round, r.Name, s, r.Probe, p, s/p)
	}
	r.MedianRate, r.MedianProbe = median(secs), median(probes)
	r.Ratio, r.Spread = median(ratios), spread(ratios)
	r.Noisy = r.Spread > 0.15
	r.Pass = r.Ratio <= r.Target && r.MedianRate < 1
	return nil
}

// openScaled opens and migrates a database 'handover demo --scale' made:
// its keys of personal information are the demo's (or the operator's,
// when it was made with HANDOVER_KEY_PASSPHRASE). The dashboards read no
// one's number, so a database whose keys are not the demo's is read
// locked; none is made for it.
func openScaled(ctx context.Context, dsn string, now func() time.Time) (*store.DB, error) {
	pass := []byte(os.Getenv("HANDOVER_KEY_PASSPHRASE"))
	if len(pass) == 0 {
		pass = []byte(demo.KeyPassphrase)
	}
	db, err := store.Open(ctx, dsn, store.Options{Now: now})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.UnlockPersonal(ctx, pass); err != nil && problem.CodeOf(err) != "personal.locked" && problem.CodeOf(err) != "personal.no_key" {
		db.Close()
		return nil, err
	}
	return db, nil
}
