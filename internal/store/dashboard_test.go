package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/handover"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// The dashboard's figures against a fixture counted by hand: 12 flats, 6
// sold and filed; the building filed on 2026-03-10; handed over on
// 2026-03-20 with five certificates that day (8 working days after the
// filing) and one on 2026-03-23 after its deed tax was paid (9 working
// days).
func TestDashboardFigures(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	var err error
	x.db.SQLForTest().Exec(`UPDATE deed_taxes SET paid_at = NULL WHERE contract_id = $1`, x.contracts[4].ID)
	x.clock.Set(time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC))
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil || ev.Done != 5 {
		t.Fatalf("first run: %v, %d done", err, ev.Done)
	}
	x.clock.Set(time.Date(2026, 3, 23, 2, 0, 0, 0, time.UTC))
	x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), x.contracts[4].ID, "补缴", "api")
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil || ev.Done != 6 {
		t.Fatalf("second run: %v, %d done", err, ev.Done)
	}
	// An objection taken and left: overdue once its 30 working days pass.
	x.apply(t, store.ServiceInput{Kind: registry.ObjectReg, UnitID: x.contracts[0].UnitID, Details: map[string]string{"reason": "主张共有"}})
	x.clock.Set(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
	if _, err := x.db.EvaluateAlerts(ctx, x.cal); err != nil {
		t.Fatal(err)
	}

	q := store.DashboardQuery{Jurisdiction: "652301", From: calendar.MustDate("2026-01-01"), To: calendar.MustDate("2026-12-31")}
	d, err := x.db.Dashboard(ctx, x.cal, q)
	if err != nil {
		t.Fatal(err)
	}
	median, _ := d.Quantile(0.5)
	p90, _ := d.Quantile(0.9)
	checks := []struct {
		name      string
		got, want any
	}{
		{"projects", d.Projects, 1},
		{"projects handed over", d.ProjectsByStage[supervision.Handed], 1},
		{"units", d.Units, 12},
		{"units handed over (stage)", d.UnitsByStage[supervision.HandedOver], 6},
		{"units unsold", d.UnitsByStage[supervision.Unsold], 6},
		{"handed over in the period", d.HandedOver, 6},
		{"with the certificate on the day", d.SameDay, 5},
		{"projects with handovers", d.ProjectsHanded, 1},
		{"projects meeting 交房即交证", d.ProjectsMeeting, 0},
		{"median working days", median, 8},
		{"90th percentile", p90, 9},
		{"overdue items", d.OverdueTotal(), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	var march supervision.Month
	for _, m := range d.Trend {
		if m.Month == "2026-03" {
			march = m
		}
	}
	if len(d.Trend) != 12 || march.HandedOver != 6 || march.SameDay != 5 || march.Filings != 1 {
		t.Errorf("trend %+v, want 12 months with March 6/5/1", d.Trend)
	}
	// Another county sees nothing of it; the prefecture sees it all.
	if other, _ := x.db.Dashboard(ctx, x.cal, store.DashboardQuery{Jurisdiction: "652302", From: q.From, To: q.To}); other.Units != 0 || other.HandedOver != 0 {
		t.Errorf("another county: %+v", other)
	}
	if all, _ := x.db.Dashboard(ctx, x.cal, store.DashboardQuery{From: q.From, To: q.To}); all.Units != 12 || all.SameDay != 5 {
		t.Errorf("the prefecture: %d units, %d same day", all.Units, all.SameDay)
	}
	// Every number's records: the lists count what the figures count.
	drills := []struct {
		q    store.DrillQuery
		want int
	}{
		{store.DrillQuery{DashboardQuery: q, Stage: supervision.SameDayUnit}, 5},
		{store.DrillQuery{DashboardQuery: q, Stage: supervision.HandedOver}, 6},
		{store.DrillQuery{DashboardQuery: q, Month: "2026-03"}, 6},
		{store.DrillQuery{DashboardQuery: q, Stage: supervision.Unsold}, 6},
		{store.DrillQuery{DashboardQuery: q}, 12},
	}
	for _, dq := range drills {
		units, total, err := x.db.DashboardUnits(ctx, dq.q)
		if err != nil || total != dq.want || len(units) != dq.want {
			t.Errorf("units behind %+v: %d listed of %d (%v), want %d", dq.q, len(units), total, err, dq.want)
		}
		if l, err := x.db.DashboardUnitList(ctx, dq.q); err != nil || l.Total != dq.want || len(l.Rows) != dq.want {
			t.Errorf("the paged list behind %+v: %d rows of %d (%v), want %d", dq.q, len(l.Rows), l.Total, err, dq.want)
		}
	}
	for stage, want := range map[supervision.ProjectStage]int{supervision.HandedInPeriod: 1, supervision.Meeting: 0, supervision.Handed: 1, supervision.OnSale: 0} {
		ps, err := x.db.DashboardProjects(ctx, q, stage)
		if err != nil || len(ps) != want {
			t.Errorf("projects %s: %d (%v), want %d", stage, len(ps), err, want)
		}
	}
}

// A flat whose deed tax is unpaid on the handover day gets its keys all
// the same (a developer may not make the tax a condition of handover,
// docs/domain.md §5.12): it is handed over without its certificate, a miss of
// 交房即交证, and every figure counts it as one: 6 handed over, 5 the same
// day, on the dashboard, its drill-down, the project list, the event and
// its tally. It is not scheduled again at a later event of its building.
func TestBlockedFlatCountsAsHandedOverAndMissed(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	var err error
	unpaid := x.contracts[4]
	x.db.SQLForTest().Exec(`UPDATE deed_taxes SET paid_at = NULL WHERE contract_id = $1`, unpaid.ID)
	x.clock.Set(time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC))
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil || ev.Done != 5 || ev.Blocked != 1 {
		t.Fatalf("run: %v, %d done, %d blocked; want 5 and 1", err, ev.Done, ev.Blocked)
	}
	o, ok, err := x.db.HandoverOfUnit(ctx, unpaid.UnitID)
	if err != nil || !ok {
		t.Fatalf("the blocked flat's handover: %v, %v", ok, err)
	}
	if o.State != handover.UnitBlocked || o.HandedOverOn != calendar.MustDate("2026-03-20") || !o.CertifiedOn.IsZero() || o.SameDay() || o.Receiver == "" {
		t.Errorf("the blocked flat: got %s handed over %s certified %s receiver %q, want blocked, 2026-03-20, none, its buyers",
			o.State, o.HandedOverOn, o.CertifiedOn, o.Receiver)
	}

	q := store.DashboardQuery{Jurisdiction: "652301", From: calendar.MustDate("2026-01-01"), To: calendar.MustDate("2026-12-31")}
	d, err := x.db.Dashboard(ctx, x.cal, q)
	if err != nil {
		t.Fatal(err)
	}
	tally, err := x.db.HandoverTally(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	projects, err := x.db.DashboardProjects(ctx, q, supervision.HandedInPeriod)
	if err != nil || len(projects) != 1 {
		t.Fatalf("projects handed over in the period: %v (%v), want one", projects, err)
	}
	_, handed, _ := x.db.DashboardUnits(ctx, store.DrillQuery{DashboardQuery: q, Stage: supervision.HandedOver})
	_, same, _ := x.db.DashboardUnits(ctx, store.DrillQuery{DashboardQuery: q, Stage: supervision.SameDayUnit})
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"dashboard: handed over", d.HandedOver, 6},
		{"dashboard: the same day", d.SameDay, 5},
		{"dashboard: share", d.SameDayShare(), 5.0 / 6},
		{"dashboard: units at the stage handed over", d.UnitsByStage[supervision.HandedOver], 6},
		{"dashboard: projects meeting 交房即交证", d.ProjectsMeeting, 0},
		{"drill-down: handed over", handed, 6},
		{"drill-down: the same day", same, 5},
		{"project list: handed over", projects[0].HandedOver, 6},
		{"project list: the same day", projects[0].SameDay, 5},
		{"event: the same day", ev.SameDay, 5},
		{"tally: blocked", tally.Blocked, 1},
		{"tally: the same day", tally.SameDay, 5},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	// A later event of the building has nobody left to hand keys to.
	next, err := x.db.ScheduleHandover(ctx, x.dev, handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building}, HeldOn: calendar.MustDate("2026-04-20"),
		Place: "售楼部", Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-04-08")})
	if err != nil {
		t.Fatal(err)
	}
	if next.Total != 0 {
		t.Errorf("a later event's units: got %d, want 0 (the blocked flat had its keys on 2026-03-20)", next.Total)
	}
}

// Transactions that hand over flats of one building on one day at once
// all add to one handover tally, and none may lose another's count. The
// store runs an event's chunks one after another and refuses a second open
// event on a building, so no path of it races itself on a tally today;
// the tally is the database's own rule (migration 0041), so this drives
// its triggers from raw transactions, as any future path would.
//
// On PostgreSQL the first transaction holds its uncommitted tally row until
// every other one is seen waiting for a lock, so that their upserts meet a
// row in flight: under read committed a tally that read its count and
// wrote it back would lose all but one (got 1, want 6). On SQLite the
// transactions take turns on the one writer, so there the test holds the
// counts but cannot catch such a race.
func TestHandoverTalliesCountConcurrentHandovers(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	outcomes, err := x.db.HandoverUnits(ctx, ev.ID)
	if err != nil || len(outcomes) < 2 {
		t.Fatalf("the event's flats: %d, %v; want at least 2", len(outcomes), err)
	}
	raw := x.db.SQLForTest()
	const day = "2026-03-20"
	tally := func(cert string) int {
		t.Helper()
		var n int
		if err := raw.QueryRowContext(ctx, `SELECT COALESCE(SUM(units), 0) FROM handover_tallies
			WHERE project_id = $1 AND building_id = $2 AND handed_over_on = $3 AND certified_on = $4`,
			x.project.ID, x.building, day, cert).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const handing = `UPDATE handover_units SET state = $1, handed_over_on = $2, certified_on = $3`
	// waiting is how many of this test's handovers wait for a lock
	// (PostgreSQL).
	waiting := func() int {
		var n int
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, handing+"%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := len(outcomes)
	for _, step := range []struct {
		name, state, cert          string
		wantCertified, wantBlocked int
	}{
		{"handed over with their certificates", "done", day, n, 0},
		{"certificates withdrawn: handed over without", "blocked", "", 0, n},
		{"certified again", "done", day, n, 0},
	} {
		hand := func(tx *sql.Tx, unit int64) error {
			_, err := tx.ExecContext(ctx, handing+` WHERE event_id = $4 AND unit_id = $5`, step.state, day, step.cert, ev.ID, unit)
			return err
		}
		first, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Rollback() // after its commit, a no-op
		if err := hand(first, outcomes[0].UnitID); err != nil {
			t.Fatalf("%s: the first flat: %v", step.name, err)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		var ended atomic.Int32
		for i := 1; i < n; i++ {
			wg.Go(func() {
				defer ended.Add(1)
				tx, err := raw.BeginTx(ctx, nil)
				if err == nil {
					if err = hand(tx, outcomes[i].UnitID); err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
				}
				errs[i] = err
			})
		}
		if x.db.Engine() == store.Postgres {
			// Every other transaction must wait for the first's tally row:
			// one that ends first did not meet the row in flight.
			deadline := time.Now().Add(20 * time.Second)
			for waiting() < n-1 {
				if ended.Load() > 0 || time.Now().After(deadline) {
					first.Commit()
					wg.Wait()
					t.Fatalf("%s: %d transactions waited for the first's tally row and %d ended before it (%v); want %d waiting",
						step.name, waiting(), ended.Load(), errors.Join(errs...), n-1)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		if err := first.Commit(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, err := range errs[1:] {
			if err != nil {
				t.Fatalf("%s: flat %d: %v", step.name, outcomes[i+1].UnitID, err)
			}
		}
		if got := tally(day); got != step.wantCertified {
			t.Errorf("%s: handed over and certified on %s: got %d, want %d", step.name, day, got, step.wantCertified)
		}
		if got := tally(""); got != step.wantBlocked {
			t.Errorf("%s: handed over on %s without a certificate: got %d, want %d", step.name, day, got, step.wantBlocked)
		}
		if astray, err := x.db.TalliesAstray(ctx); err != nil || len(astray) > 0 {
			t.Errorf("%s: tallies astray: %+v, %v; want none", step.name, astray, err)
		}
	}
}

// A handover event keeps its project: the tallies count its flats under
// it. The database refuses a statement that would move it (the platform
// has no such path); the event's other columns still change.
func TestHandoverEventKeepsItsProject(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	raw := x.db.SQLForTest()
	var other int64
	if err := raw.QueryRowContext(ctx, `INSERT INTO projects (name, developer_org, jurisdiction, address, planned_delivery, total_investment, invested, reform, created_at, updated_at)
		SELECT name || '（二期）', developer_org, jurisdiction, address, planned_delivery, total_investment, invested, reform, created_at, updated_at
		FROM projects WHERE id = $1 RETURNING id`, x.project.ID).Scan(&other); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		set     string
		arg     any
		refused bool
	}{
		{"moved to another project", "project_id = $1", other, true},
		{"its project set again", "project_id = $1", x.project.ID, false},
		{"its place changed", "place = $1", "二号售楼部", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := raw.ExecContext(ctx, `UPDATE handover_events SET `+tt.set+` WHERE id = $2`, tt.arg, ev.ID)
			if refused := err != nil && strings.Contains(err.Error(), "project is never changed"); refused != tt.refused {
				t.Errorf("UPDATE handover_events SET %s: got %v, want refused %v", tt.set, err, tt.refused)
			}
			var project int64
			if err := raw.QueryRowContext(ctx, `SELECT project_id FROM handover_events WHERE id = $1`, ev.ID).Scan(&project); err != nil {
				t.Fatal(err)
			}
			if project != x.project.ID {
				t.Errorf("the event's project: got %d, want %d", project, x.project.ID)
			}
		})
	}
}
