package demo

import (
	"context"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// A small scaled load, built by two workers on their own handles, leaves
// valid data: one live contract and one buyer per sold unit, an audit event
// per bulk sale, an intact audit chain, and the dashboard counting what
// Scale says it added.
func TestScale(t *testing.T) {
	ctx := context.Background()
	clock := NewClock(time.Now)
	dsn := storetest.DSN(t)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	f, err := LoadFoundation(ctx, db, Options{Hash: identity.HashParams{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	plan := []BuildingPlan{{Number: 1, Floors: 5, Sections: 1, PerSection: 4, Ratio: "0.190000"}} // 20 units a project
	res, err := Scale(ctx, db, f, ScaleOptions{Units: 100, Clock: clock.Set, Plan: plan, Workers: 2, Wall: time.Now,
		OpenWorker: func(now func() time.Time) (*store.DB, error) {
			return store.Open(ctx, store.SyntheticDSN(dsn), store.Options{Now: now, Keyring: db.Keyring()})
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Five projects, one per stage: 60 % sold of the first, 95 % of the others.
	want := ScaleResult{Projects: 5, Units: 100, Sold: 12 + 4*19}
	if res.Projects != want.Projects || res.Units != want.Units || res.Sold != want.Sold || res.HandedOver == 0 || res.HandedOver > 3*19 {
		t.Errorf("Scale = %d projects, %d units, %d sold, %d handed over; want %d, %d, %d and 1–57 handed over",
			res.Projects, res.Units, res.Sold, res.HandedOver, want.Projects, want.Units, want.Sold)
	}
	for _, p := range []string{"project", "sign", "file", "accounting", "deed_tax", "handover"} {
		if res.Phases[p] <= 0 {
			t.Errorf("phase %s not timed: %v", p, res.Phases)
		}
	}
	raw := storetest.Raw(t, dsn)
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"units with more than one live contract", `SELECT COUNT(*) FROM (SELECT unit_id FROM contracts WHERE state IN ('draft', 'sent', 'signed', 'filed') GROUP BY unit_id HAVING COUNT(*) > 1) x`, 0},
		{"live contracts", `SELECT COUNT(*) FROM contracts WHERE state IN ('signed', 'filed')`, want.Sold},
		{"filed contracts", `SELECT COUNT(*) FROM contracts WHERE state = 'filed'`, want.Sold},
		{"contracts without exactly one buyer owning it alone (no share)", `SELECT COUNT(*) FROM contracts c WHERE (SELECT COUNT(*) FROM contract_buyers b WHERE b.contract_id = c.id AND b.share_num = b.share_den) <> 1`, 0},
		{"bulk sales audited", `SELECT COUNT(*) FROM audit_events WHERE action = 'synthetic.load' AND record_id = 'contracts'`, want.Projects},
		{"handover units handed over (done or blocked)", `SELECT COUNT(*) FROM handover_units WHERE handed_over_on <> ''`, res.HandedOver},
	} {
		var got int
		if err := raw.QueryRowContext(ctx, c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.name, got, c.want)
		}
	}
	v, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, broken := v.First(); broken {
		t.Errorf("audit chain broken: %v", b)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Dashboard(ctx, cal, store.DashboardQuery{From: calendar.MustDate("2000-01-01"), To: calendar.MustDate("2100-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Units != want.Units || d.Projects != want.Projects || d.HandedOver != res.HandedOver {
		t.Errorf("dashboard: %d units, %d projects, %d handed over; want %d, %d, %d", d.Units, d.Projects, d.HandedOver, want.Units, want.Projects, res.HandedOver)
	}
}
