package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/supervision"
)

// The units behind a dashboard number, a page at a time: every unit once,
// the soonest due first (its contract's delivery date, else its project's
// planned delivery), then by id; the search finds a flat by its room,
// unit number or project (a typed % or _ matching itself); the stage and
// the jurisdiction narrow the list as the dashboard counts; the report's
// list holds the same units.
func TestDashboardUnitListPages(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	plan := []demo.BuildingPlan{{Number: 1, Floors: 3, Sections: 1, PerSection: 4, Ratio: "0.190000"}}
	projects := []demo.Synthetic{
		{Name: "清单·一期", Jurisdiction: "652301", Parcel: "652301009002GB00081", LandCertNo: "新(2024)昌吉市不动产权第0000081号", Delivery: calendar.MustDate("2027-12-31")},
		{Name: "清单·二期", Jurisdiction: "652301", Parcel: "652301009002GB00082", LandCertNo: "新(2024)昌吉市不动产权第0000082号", Delivery: calendar.MustDate("2026-12-31")},
		{Name: "阜康%_苑", Jurisdiction: "652302", Parcel: "652302009002GB00083", LandCertNo: "新(2024)阜康市不动产权第0000083号", Delivery: calendar.MustDate("2026-06-30")},
	}
	var units [][]int64
	for _, s := range projects {
		s.Developer, s.Plan = "dev1", plan
		p, err := demo.SyntheticProject(ctx, db, f, s)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, projectUnitIDs(t, db, p.ID))
		if len(units) == 1 { // the first project sells half its flats
			tx, err := db.SQLForTest().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := demo.SignInBulk(ctx, db, tx, p, f, units[0][:6], storetest.DefaultTime); err != nil {
				tx.Rollback()
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two flats promised earlier than their project's planned delivery.
	exec(t, db, `UPDATE contracts SET delivery_date = '2026-08-01' WHERE unit_id = $1`, units[0][4])
	exec(t, db, `UPDATE contracts SET delivery_date = '2026-03-01' WHERE unit_id = $1`, units[0][1])

	read := func(q store.DrillQuery) store.Listed[store.DashboardUnit] {
		t.Helper()
		l, err := db.DashboardUnitList(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ids := func(us []store.DashboardUnit) []int64 {
		var out []int64
		for _, u := range us {
			out = append(out, u.UnitID)
		}
		return out
	}
	whole := read(store.DrillQuery{Page: store.Page{Size: store.MaxPageSize}})
	if whole.Total != 36 || len(whole.Rows) != 36 {
		t.Fatalf("every unit: got %d rows of %d, want 36", len(whole.Rows), whole.Total)
	}
	due := map[int64]string{units[0][4]: "2026-08-01", units[0][1]: "2026-03-01"}
	for i, ps := range units {
		for _, u := range ps {
			if due[u] == "" {
				due[u] = projects[i].Delivery.String()
			}
		}
	}
	want := slices.Clone(whole.Rows)
	slices.SortFunc(want, func(a, b store.DashboardUnit) int {
		return cmp.Or(strings.Compare(due[a.UnitID], due[b.UnitID]), cmp.Compare(a.UnitID, b.UnitID))
	})
	if !slices.Equal(ids(whole.Rows), ids(want)) {
		t.Errorf("order: got %v, want %v (due soonest first, then id)", ids(whole.Rows), ids(want))
	}
	for _, u := range whole.Rows {
		if u.DueOn != due[u.UnitID] {
			t.Errorf("unit %d (%s %s): due %q, want %q", u.UnitID, u.Building, u.Room, u.DueOn, due[u.UnitID])
		}
	}

	const size = 5
	var paged []int64
	for n := 1; ; n++ {
		l := read(store.DrillQuery{Page: store.Page{Number: n, Size: size}})
		if l.Total != 36 || l.First() != (n-1)*size+1 {
			t.Fatalf("page %d: total %d, first row %d", n, l.Total, l.First())
		}
		paged = append(paged, ids(l.Rows)...)
		if n == l.Pages() {
			break
		}
	}
	if !slices.Equal(paged, ids(whole.Rows)) {
		t.Errorf("pages of %d: got %v, want %v", size, paged, ids(whole.Rows))
	}
	if past := read(store.DrillQuery{Page: store.Page{Number: 99, Size: size}}); past.Page.Number != 8 || len(past.Rows) != 1 {
		t.Errorf("page 99: got page %d with %d rows, want the last page 8 with 1", past.Page.Number, len(past.Rows))
	}

	one := whole.Rows[7]
	for _, q := range []string{one.Building + " " + one.Room, one.UnitNo, one.UnitNo[len(one.UnitNo)-6:], "清单·二期", "%", "_", `\`, "没有这一户"} {
		l := read(store.DrillQuery{Search: q, Page: store.Page{Size: store.MaxPageSize}})
		var want []int64
		for _, u := range whole.Rows {
			if strings.Contains(u.Building+" "+u.Room, q) || strings.Contains(u.UnitNo, q) || strings.Contains(u.Project, q) {
				want = append(want, u.UnitID)
			}
		}
		if !slices.Equal(ids(l.Rows), want) || l.Total != len(want) {
			t.Errorf("search %q: got %v (total %d), want %v", q, ids(l.Rows), l.Total, want)
		}
	}

	filters := []struct {
		name string
		q    store.DrillQuery
		want []int64
	}{
		{"sold", store.DrillQuery{Stage: supervision.Sold}, units[0][:6]},
		{"unsold in 652301", store.DrillQuery{DashboardQuery: store.DashboardQuery{Jurisdiction: "652301"}, Stage: supervision.Unsold}, append(slices.Clone(units[0][6:]), units[1]...)},
		{"652302 alone", store.DrillQuery{DashboardQuery: store.DashboardQuery{Jurisdiction: "652302"}}, units[2]},
		{"652302's flats searched for another county's project", store.DrillQuery{DashboardQuery: store.DashboardQuery{Jurisdiction: "652302"}, Search: "清单"}, nil},
		{"handed over", store.DrillQuery{Stage: supervision.HandedOver}, nil},
	}
	for _, c := range filters {
		c.q.Page = store.Page{Size: store.MaxPageSize}
		l := read(c.q)
		got := ids(l.Rows)
		slices.Sort(got)
		if !slices.Equal(got, c.want) || l.Total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got, l.Total, c.want)
		}
		report, total, err := db.DashboardUnits(ctx, c.q)
		if err != nil || total != l.Total || len(report) != l.Total {
			t.Errorf("%s: the report lists %d units of %d (%v), the list %d", c.name, len(report), total, err, l.Total)
		}
	}
	if fmt.Sprint(ids(read(store.DrillQuery{Stage: supervision.Sold, Page: store.Page{Size: 2}}).Rows)) != fmt.Sprint([]int64{units[0][1], units[0][4]}) {
		t.Errorf("the first page of the sold: want the two flats promised soonest, %d and %d", units[0][1], units[0][4])
	}
}
