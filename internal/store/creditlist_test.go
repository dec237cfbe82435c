package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/credit"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// The credit page's lists, a page at a time: the developers by name with
// their standing, found by name or 统一社会信用代码 (a typed % or _
// matching itself) and narrowed to those listed now or with an appeal
// waiting; the restriction list now and every decision on it, newest
// first; a developer's own records only.
func TestCreditListsPage(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	hous, dev := actor(f, "zhujian"), actor(f, "kaifa")
	names := []string{"甲安置业", "乙和地产", "丙泰房产", "丁盛开发", "戊%建设", "己_置业", "庚辰地产", "辛丰房产", "壬水开发", "癸丑置业"}
	var devs []identity.Org
	for i, name := range names {
		o, err := db.CreateOrg(ctx, audit.System(), identity.Org{Name: name, Kind: identity.Developer, Jurisdiction: "652301",
			USCC: demo.USCC("91", "652301", fmt.Sprintf("MC%06d", 100+i))})
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, o)
	}
	// Listed now: 0, 2 and 5; 2 listed then lifted then listed, 7 lifted.
	decide := func(i int, listed bool) {
		t.Helper()
		if err := db.ListDeveloper(ctx, hous, credit.Listing{Developer: devs[i].ID, Listed: listed, Reason: "测试"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []struct {
		i      int
		listed bool
	}{{0, true}, {2, true}, {7, true}, {2, false}, {5, true}, {7, false}, {2, true}} {
		decide(d.i, d.listed)
	}
	listedNow := []int{2, 5, 0} // the latest listed first
	// Records: 3 has two, one appealed and waiting; 4 one appealed and decided; 6 one appealed, waiting.
	event := func(i, points int) credit.Event {
		t.Helper()
		e, err := db.RecordCreditEvent(ctx, hous, devs[i].ID, "未按期公示", "检查记录", points)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	appeal := func(e credit.Event) {
		t.Helper()
		if _, err := db.AppealCreditEvent(ctx, dev, e.ID, "已整改完毕，请复核"); err != nil {
			t.Fatal(err)
		}
	}
	e3a, e3b := event(3, 5), event(3, 7)
	appeal(e3b)
	e4 := event(4, 4)
	appeal(e4)
	if _, err := db.DecideAppeal(ctx, hous, e4.ID, credit.Upheld, "维持"); err != nil {
		t.Fatal(err)
	}
	appeal(event(6, 3))
	waiting := map[int64]int{devs[3].ID: 1, devs[6].ID: 1}

	var all []identity.Org
	rows, err := db.ListOrgs(ctx, access.Filter{All: true}, store.OrgQuery{Kind: identity.Developer})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, rows...)
	slices.SortFunc(all, func(a, b identity.Org) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	orgIDs := func(os []identity.Org, keep func(identity.Org) bool) []int64 {
		var out []int64
		for _, o := range os {
			if keep(o) {
				out = append(out, o.ID)
			}
		}
		return out
	}
	readDevs := func(q store.CreditDeveloperQuery) store.Listed[store.CreditDeveloper] {
		t.Helper()
		l, err := db.CreditDevelopers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	devIDs := func(l store.Listed[store.CreditDeveloper]) []int64 {
		var out []int64
		for _, x := range l.Rows {
			out = append(out, x.ID)
		}
		return out
	}

	whole := readDevs(store.CreditDeveloperQuery{Page: store.Page{Size: store.MaxPageSize}})
	if want := orgIDs(all, func(identity.Org) bool { return true }); !slices.Equal(devIDs(whole), want) || whole.Total != len(want) {
		t.Fatalf("every developer: got %v (total %d), want %v by name", devIDs(whole), whole.Total, want)
	}
	isListed := map[int64]bool{}
	for _, i := range listedNow {
		isListed[devs[i].ID] = true
	}
	for _, x := range whole.Rows {
		wantScore := 100
		switch x.ID {
		case devs[3].ID:
			wantScore = 100 - 12
		case devs[4].ID:
			wantScore = 96
		case devs[6].ID:
			wantScore = 97
		}
		if x.Listed != isListed[x.ID] || x.Appeals != waiting[x.ID] || x.Assessment.Score != wantScore {
			t.Errorf("%s: listed %v, %d appeals waiting, score %d; want %v, %d, %d", x.Name, x.Listed, x.Appeals, x.Assessment.Score, isListed[x.ID], waiting[x.ID], wantScore)
		}
	}
	var paged []int64
	for n := 1; ; n++ {
		l := readDevs(store.CreditDeveloperQuery{Page: store.Page{Number: n, Size: 3}})
		if l.Total != len(all) || l.First() != (n-1)*3+1 {
			t.Fatalf("page %d: total %d, first row %d", n, l.Total, l.First())
		}
		paged = append(paged, devIDs(l)...)
		if n == l.Pages() {
			break
		}
	}
	if !slices.Equal(paged, devIDs(whole)) {
		t.Errorf("pages of 3: got %v, want %v", paged, devIDs(whole))
	}

	cases := []struct {
		name string
		q    store.CreditDeveloperQuery
		want func(identity.Org) bool
	}{
		{"by name", store.CreditDeveloperQuery{Search: "庚辰"}, func(o identity.Org) bool { return o.Name == "庚辰地产" }},
		{"by USCC", store.CreditDeveloperQuery{Search: strings.ToLower(devs[8].USCC[8:17])}, func(o identity.Org) bool { return o.ID == devs[8].ID }},
		{"%", store.CreditDeveloperQuery{Search: "%"}, func(o identity.Org) bool { return o.Name == "戊%建设" }},
		{"_", store.CreditDeveloperQuery{Search: "_"}, func(o identity.Org) bool { return o.Name == "己_置业" }},
		{"listed now", store.CreditDeveloperQuery{Listed: true}, func(o identity.Org) bool { return isListed[o.ID] }},
		{"appeals waiting", store.CreditDeveloperQuery{Appeals: true}, func(o identity.Org) bool { return waiting[o.ID] > 0 }},
		{"listed, searched", store.CreditDeveloperQuery{Listed: true, Search: "置业"}, func(o identity.Org) bool { return isListed[o.ID] && strings.Contains(o.Name, "置业") }},
	}
	for _, c := range cases {
		c.q.Page = store.Page{Size: store.MaxPageSize}
		l := readDevs(c.q)
		if want := orgIDs(all, c.want); !slices.Equal(devIDs(l), want) || l.Total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, devIDs(l), l.Total, want)
		}
	}
	if n, err := db.PendingAppeals(ctx); err != nil || n != 2 {
		t.Errorf("appeals waiting: %d (%v), want 2", n, err)
	}

	listings := func(l store.Listed[credit.Listing], err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, x := range l.Rows {
			out = append(out, x.Developer)
		}
		return out
	}
	var wantNow []int64
	for _, i := range listedNow {
		wantNow = append(wantNow, devs[i].ID)
	}
	if got := listings(db.Restrictions(ctx, store.CreditListQuery{})); !slices.Equal(got, wantNow) {
		t.Errorf("the restriction list: got %v, want %v", got, wantNow)
	}
	if got := listings(db.Restrictions(ctx, store.CreditListQuery{Search: "%"})); len(got) != 0 {
		t.Errorf("the restriction list searched for %%: got %v, want none (戊%%建设 is not listed)", got)
	}
	if got := listings(db.Restrictions(ctx, store.CreditListQuery{Search: "_"})); !slices.Equal(got, []int64{devs[5].ID}) {
		t.Errorf("the restriction list searched for _: got %v, want 己_置业", got)
	}
	if got := listings(db.Restrictions(ctx, store.CreditListQuery{Page: store.Page{Number: 2, Size: 2}})); !slices.Equal(got, wantNow[2:]) {
		t.Errorf("the restriction list, page 2 of 2: got %v, want %v", got, wantNow[2:])
	}
	history := []int64{devs[2].ID, devs[7].ID, devs[5].ID, devs[2].ID, devs[7].ID, devs[2].ID, devs[0].ID}
	if got := listings(db.ListingHistory(ctx, store.CreditListQuery{Page: store.Page{Size: store.MaxPageSize}})); !slices.Equal(got, history) {
		t.Errorf("every decision: got %v, want %v", got, history)
	}
	if got := listings(db.ListingHistory(ctx, store.CreditListQuery{Page: store.Page{Number: 3, Size: 3}})); !slices.Equal(got, history[6:]) {
		t.Errorf("every decision, page 3: got %v, want %v", got, history[6:])
	}
	if got := listings(db.ListingHistory(ctx, store.CreditListQuery{Search: "丙泰"})); !slices.Equal(got, []int64{devs[2].ID, devs[2].ID, devs[2].ID}) {
		t.Errorf("the decisions on 丙泰房产: got %v", got)
	}

	events, err := db.CreditEventList(ctx, devs[3].ID, store.Page{Size: 1})
	if err != nil || events.Total != 2 || len(events.Rows) != 1 || events.Rows[0].ID != e3b.ID || events.Rows[0].Appeal == nil {
		t.Errorf("3's records, page 1 of 1 a page: %+v (%v), want the appealed %d of 2", events, err, e3b.ID)
	}
	if events, _ = db.CreditEventList(ctx, devs[3].ID, store.Page{Number: 2, Size: 1}); len(events.Rows) != 1 || events.Rows[0].ID != e3a.ID {
		t.Errorf("3's records, page 2: %+v, want %d", events.Rows, e3a.ID)
	}
	if events, _ = db.CreditEventList(ctx, devs[9].ID, store.Page{}); events.Total != 0 || len(events.Rows) != 0 {
		t.Errorf("a developer without records: %d of %d", len(events.Rows), events.Total)
	}
}
