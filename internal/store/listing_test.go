package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/presale"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// A list read page by page holds every row of the whole list once, in
// order, however the pages fall; a page past the end is the last page;
// the search finds exactly the rows whose flat, number or project holds
// the text (a typed % or _ is read literally); the overdue filter agrees
// with the contract's own rule (FilingOverdue); and a viewer sees only the
// contracts its filter allows.
func TestContractListPages(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	p, _, contracts := signedProject(t, db, f, demo.Synthetic{Name: "翻页·一期", Parcel: "652301009002GB00079",
		LandCertNo: "新(2024)昌吉市不动产权第0000079号", Plan: []demo.BuildingPlan{{Number: 1, Floors: 14, Sections: 2, PerSection: 4, Ratio: "0.190000"}}})
	all := access.Filter{All: true}
	whole, err := db.ContractList(ctx, all, store.ContractListQuery{Project: p.ID, Page: store.Page{Size: store.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Total != len(contracts) || len(whole.Rows) != len(contracts) {
		t.Fatalf("one page of %d: got %d rows of %d, want %d", store.MaxPageSize, len(whole.Rows), whole.Total, len(contracts))
	}

	for _, size := range []int{7, 50} {
		var ids []int64
		pages := 0
		for n := 1; ; n++ {
			l, err := db.ContractList(ctx, all, store.ContractListQuery{Project: p.ID, Page: store.Page{Number: n, Size: size}})
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != len(contracts) || l.First() != (n-1)*size+1 || l.Last() != l.First()+len(l.Rows)-1 {
				t.Fatalf("size %d page %d: total %d rows %d–%d", size, n, l.Total, l.First(), l.Last())
			}
			pages = l.Pages()
			for _, c := range l.Rows {
				ids = append(ids, c.ID)
			}
			if n == l.Pages() {
				break
			}
		}
		want := make([]int64, len(whole.Rows))
		for i, c := range whole.Rows {
			want[i] = c.ID
		}
		if !slices.Equal(ids, want) {
			t.Errorf("size %d: the pages hold %d rows, not the whole list's %d in order", size, len(ids), len(want))
		}
		if wantPages := (len(contracts) + size - 1) / size; pages != wantPages {
			t.Errorf("size %d: got %d pages, want %d", size, pages, wantPages)
		}
		past, err := db.ContractList(ctx, all, store.ContractListQuery{Project: p.ID, Page: store.Page{Number: 999, Size: size}})
		if err != nil || past.Page.Number != pages || len(past.Rows) == 0 {
			t.Errorf("size %d, page 999: got page %d with %d rows, want the last page %d", size, past.Page.Number, len(past.Rows), pages)
		}
	}

	one := whole.Rows[len(whole.Rows)/2]
	if strings.ToLower(one.Number) == one.Number {
		t.Fatalf("contract number %s has no Latin letter to search in lower case", one.Number)
	}
	// The contract number's letters are found in either case, on both
	// engines (PostgreSQL's LIKE minds case; SQLite's does not).
	for _, q := range []string{one.Room, strings.Fields(one.Room)[len(strings.Fields(one.Room))-1], one.Number, one.Number[len(one.Number)-5:],
		strings.ToLower(one.Number), p.Name, "%", "_", `\`, "没有这一户"} {
		l, err := db.ContractList(ctx, all, store.ContractListQuery{Project: p.ID, Search: q, Page: store.Page{Size: store.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, c := range whole.Rows {
			if in := func(s string) bool { return strings.Contains(strings.ToUpper(s), strings.ToUpper(q)) }; in(c.Room) || in(c.Number) || in(c.Project) {
				want = append(want, c.ID)
			}
		}
		var got []int64
		for _, c := range l.Rows {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) || l.Total != len(want) {
			t.Errorf("search %q: got %d rows (total %d), want %d", q, len(got), l.Total, len(want))
		}
	}

	signed := whole.Rows[0].SignedAt
	for _, today := range []calendar.Date{calendar.DateOf(signed), calendar.DateOf(signed).AddDays(presale.FilingDays), calendar.DateOf(signed).AddDays(presale.FilingDays + 1)} {
		l, err := db.ContractList(ctx, all, store.ContractListQuery{Project: p.ID, OverdueOn: today, Page: store.Page{Size: store.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, c := range whole.Rows {
			if c.FilingOverdue(today) {
				want++
			}
		}
		if l.Total != want {
			t.Errorf("overdue on %s: got %d, want %d (FilingOverdue)", today, l.Total, want)
		}
	}

	other, err := db.ContractList(ctx, access.Filter{Developer: f.Orgs["dev2"].ID}, store.ContractListQuery{Project: p.ID})
	if err != nil || other.Total != 0 || len(other.Rows) != 0 {
		t.Errorf("another developer's view: %v, %d rows of %d, want none", err, len(other.Rows), other.Total)
	}
	if buyers := whole.Rows[0].Buyers; len(buyers) == 0 {
		t.Errorf("the listed contract has no buyers read")
	}
}
