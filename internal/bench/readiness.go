package bench

import (
	"context"
	"fmt"
	"time"

	"handover/internal/demo"
	"handover/internal/handover"
)

// readiness evaluates the readiness view of 天山·悦府 (2,016 units, 8
// buildings, about 1,700 sold, filed and partly settled) against reading
// the same project's units with their live contracts by one hand-written
// query. The view loads every fact of the project with a dozen queries and
// evaluates every condition of every sold unit; its budget is ten such
// scans (ratio ≥ 0.1), a guard against a query that starts to cost more
// than the rest together. The bound is absolute: well under 100 ms
// on a 2,000-unit project; a slower view fails whatever its ratio.
func readiness(ctx context.Context, cfg Config) (Result, error) {
	r := Result{Name: "readiness_2000", Unit: "views/s", Probe: "units_sql", ProbeUnit: "scans/s",
		Goal: "readiness view (handover) of a 2,016-unit project ÷ one SQL scan of its units and live contracts ≥ 0.1; and < 100 ms", Target: 0.1, AtLeast: true}
	e, err := newEnv(ctx, cfg, false)
	if err != nil {
		return r, err
	}
	defer e.close()
	lr, err := demo.LoadLedger(ctx, e.db, e.f, e.clock.Set)
	if err != nil {
		return r, err
	}
	if _, err := demo.LoadContracts(ctx, e.db, e.f, lr, e.clock.Set); err != nil {
		return r, err
	}
	if _, err := demo.LoadCompletion(ctx, e.db, e.f, lr, e.clock.Set); err != nil {
		return r, err
	}
	e.clock.Set(time.Time{})
	cal, err := e.db.Calendar(ctx)
	if err != nil {
		return r, err
	}
	project := lr.Projects[0].ID
	var conditions, units int
	scenario := func(ctx context.Context) (float64, error) {
		rep, _, err := e.db.Readiness(ctx, cal, project, handover.Delivery, handover.Scope{})
		conditions, units = len(rep.Conditions), rep.Units
		return 1, err
	}
	probe := func(ctx context.Context) (float64, error) {
		rows, err := e.raw.QueryContext(ctx, `SELECT u.id, u.unit_no, u.room, u.m_total, u.m_inner, c.id, c.state, c.total_price
			FROM units u JOIN buildings b ON b.id = u.building_id
			LEFT JOIN contracts c ON c.unit_id = u.id AND c.state IN ('draft', 'sent', 'signed', 'filed') WHERE b.project_id = $1`, project)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			var id, mt, mi int64
			var no, room string
			var cid, total *int64
			var state *string
			if err := rows.Scan(&id, &no, &room, &mt, &mi, &cid, &state, &total); err != nil {
				return 0, err
			}
		}
		return 1, rows.Err()
	}
	if _, err := scenario(ctx); err != nil {
		return r, err
	}
	if err := interleave(ctx, cfg, &r, probe, scenario, 0.15); err != nil {
		return r, err
	}
	ms := 1000 / r.MedianRate
	r.Notes = append(r.Notes, fmt.Sprintf("%.1f ms per view (%d sold units, %d open conditions); the probe scans the project's units in %.1f ms",
		ms, units, conditions, 1000/r.MedianProbe))
	if ms >= 100 {
		r.Pass = false
		r.Notes = append(r.Notes, "slower than the 100 ms bound")
	}
	return r, nil
}
