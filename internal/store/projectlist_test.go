package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/demo"
	"handover/internal/ledger"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// listedProject is what the project list test knows of a project it made.
type listedProject struct {
	id                  int64
	name, address       string
	jurisdiction, dev   string // the developer's key in the foundation
	delivery            calendar.Date
	permits             int  // permits not yet confirmed
	presale             bool // a presale application submitted
	permitNo, developer string
}

// The project list pages every project once in the order of its planned
// delivery (none last), then id; it finds a project by its name, address,
// developer or presale permit number (a typed % or _ matching itself);
// it narrows to the work waiting on the housing bureau, and to a
// jurisdiction; a viewer sees only the projects its filter allows.
func TestProjectListPages(t *testing.T) {
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	dev, hous := actor(f, "kaifa"), actor(f, "zhujian")
	deliveries := []string{"2027-03-31", "", "2026-12-31", "2027-03-31", "2028-01-15", "", "2026-06-30", "2027-09-30", "2026-12-31", "2027-01-31", "2026-09-30"}
	var made []listedProject
	for i, day := range deliveries {
		x := listedProject{name: fmt.Sprintf("翻页项目%02d", i), address: fmt.Sprintf("昌吉市延安路%d号", 100+i), jurisdiction: "652301", dev: "dev1"}
		switch i {
		case 3:
			x.name = "百分之%花园"
		case 4:
			x.name, x.jurisdiction = "下划_线苑", "652302"
		case 6, 9:
			x.dev = "dev2"
		}
		if day != "" {
			x.delivery = calendar.MustDate(day)
		}
		x.developer = f.Orgs[x.dev].Name
		p, err := db.CreateProject(ctx, dev, ledger.Project{Name: x.name, Developer: f.Orgs[x.dev].ID, Jurisdiction: x.jurisdiction, Address: x.address,
			PlannedDelivery: x.delivery, TotalInvestment: decimal.NewFromInt(1000000), Invested: decimal.NewFromInt(400000), Reform: true})
		if err != nil {
			t.Fatal(err)
		}
		x.id = p.ID
		// Permits: the first of every third project confirmed, the rest waiting.
		for k, kind := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
			if i%3 != 0 {
				continue
			}
			pm, err := db.AddPermit(ctx, dev, ledger.Permit{ProjectID: p.ID, Kind: kind, Number: fmt.Sprintf("P%d-%d", i, k),
				IssuedOn: calendar.MustDate("2025-06-01"), Issuer: "昌吉市", Scope: "全部"})
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 && i != 0 {
				if _, err := db.ConfirmPermit(ctx, hous, pm.ID); err != nil {
					t.Fatal(err)
				}
				continue
			}
			x.permits++
		}
		if i%4 == 1 {
			x.presale = true
			exec(t, db, `INSERT INTO presale_applications (project_id, buildings, state, submitted_by, submitted_at) VALUES ($1, '[]', 'submitted', 1, $2)`,
				p.ID, storetest.DefaultTime)
		}
		if i%4 == 2 { // decided: waits on no one
			exec(t, db, `INSERT INTO presale_applications (project_id, buildings, state, submitted_by, submitted_at) VALUES ($1, '[]', 'refused', 1, $2)`,
				p.ID, storetest.DefaultTime)
		}
		if i == 7 {
			x.permitNo = "昌市预许字〔2026〕第0077号"
			exec(t, db, `INSERT INTO presale_permits (number, project_id, jurisdiction, issued_on, units, area, created_at) VALUES ($1, $2, '652301', '2026-01-05', 10, 100000, $3)`,
				x.permitNo, p.ID, storetest.DefaultTime)
		}
		made = append(made, x)
	}
	// The order the list must keep: delivery soonest first, none last, then id.
	slices.SortStableFunc(made, func(a, b listedProject) int {
		switch {
		case a.delivery.IsZero() != b.delivery.IsZero():
			if a.delivery.IsZero() {
				return 1
			}
			return -1
		case a.delivery != b.delivery:
			return strings.Compare(a.delivery.String(), b.delivery.String())
		}
		return int(a.id - b.id)
	})
	ids := func(ps []listedProject, keep func(listedProject) bool) []int64 {
		var out []int64
		for _, p := range ps {
			if keep(p) {
				out = append(out, p.id)
			}
		}
		return out
	}
	all := access.Filter{All: true}
	read := func(f access.Filter, q store.ProjectListQuery) store.Listed[store.ListedProject] {
		t.Helper()
		l, err := db.ProjectList(ctx, f, q)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	got := func(l store.Listed[store.ListedProject]) []int64 {
		var out []int64
		for _, p := range l.Rows {
			out = append(out, p.ID)
		}
		return out
	}

	whole := read(all, store.ProjectListQuery{Page: store.Page{Size: store.MaxPageSize}})
	if want := ids(made, func(listedProject) bool { return true }); !slices.Equal(got(whole), want) || whole.Total != len(want) {
		t.Fatalf("the whole list: got %v (total %d), want %v", got(whole), whole.Total, want)
	}
	for _, p := range whole.Rows {
		for _, m := range made {
			if m.id == p.ID && (p.PermitsToConfirm != m.permits || p.PresaleSubmitted != m.presale || p.DeveloperName != m.developer) {
				t.Errorf("project %s: got %d permits to confirm, presale waiting %v, developer %q; want %d, %v, %q",
					p.Name, p.PermitsToConfirm, p.PresaleSubmitted, p.DeveloperName, m.permits, m.presale, m.developer)
			}
		}
	}

	const size = 4
	var paged []int64
	for n := 1; ; n++ {
		l := read(all, store.ProjectListQuery{Page: store.Page{Number: n, Size: size}})
		if l.Total != len(made) || l.First() != (n-1)*size+1 {
			t.Fatalf("page %d: total %d, first row %d", n, l.Total, l.First())
		}
		paged = append(paged, got(l)...)
		if n == l.Pages() {
			break
		}
	}
	if !slices.Equal(paged, got(whole)) {
		t.Errorf("pages of %d: got %v, want %v", size, paged, got(whole))
	}
	if past := read(all, store.ProjectListQuery{Page: store.Page{Number: 99, Size: size}}); past.Page.Number != 3 || len(past.Rows) != len(made)-2*size {
		t.Errorf("page 99: got page %d with %d rows, want the last page 3 with %d", past.Page.Number, len(past.Rows), len(made)-2*size)
	}

	byName := func(name string) func(listedProject) bool {
		return func(p listedProject) bool { return p.name == name }
	}
	searches := []struct {
		q    string
		want func(listedProject) bool
	}{
		{"翻页项目05", byName("翻页项目05")},
		{"延安路108", func(p listedProject) bool { return p.address == "昌吉市延安路108号" }},
		{"庭州置业", func(p listedProject) bool { return p.dev == "dev2" }},
		{"第0077号", func(p listedProject) bool { return p.permitNo != "" }},
		{"%", byName("百分之%花园")},
		{"_", byName("下划_线苑")},
		{`\`, func(listedProject) bool { return false }},
		{"没有这个项目", func(listedProject) bool { return false }},
	}
	for _, s := range searches {
		l := read(all, store.ProjectListQuery{Search: s.q, Page: store.Page{Size: store.MaxPageSize}})
		if want := ids(made, s.want); !slices.Equal(got(l), want) || l.Total != len(want) {
			t.Errorf("search %q: got %v (total %d), want %v", s.q, got(l), l.Total, want)
		}
	}

	filters := []struct {
		name string
		f    access.Filter
		q    store.ProjectListQuery
		want func(listedProject) bool
	}{
		{"permits to confirm", all, store.ProjectListQuery{PermitsToConfirm: true}, func(p listedProject) bool { return p.permits > 0 }},
		{"presale waiting", all, store.ProjectListQuery{PresaleSubmitted: true}, func(p listedProject) bool { return p.presale }},
		{"both", all, store.ProjectListQuery{PermitsToConfirm: true, PresaleSubmitted: true}, func(p listedProject) bool { return p.permits > 0 && p.presale }},
		{"jurisdiction", all, store.ProjectListQuery{Jurisdiction: "652302"}, func(p listedProject) bool { return p.jurisdiction == "652302" }},
		{"a county's bureau", access.Filter{Jurisdiction: "652301"}, store.ProjectListQuery{}, func(p listedProject) bool { return p.jurisdiction == "652301" }},
		{"a county's bureau, another county asked", access.Filter{Jurisdiction: "652301"}, store.ProjectListQuery{Jurisdiction: "652302"}, func(listedProject) bool { return false }},
		{"a developer", access.Filter{Developer: f.Orgs["dev2"].ID}, store.ProjectListQuery{}, func(p listedProject) bool { return p.dev == "dev2" }},
		{"a developer searching another's", access.Filter{Developer: f.Orgs["dev2"].ID}, store.ProjectListQuery{Search: "翻页项目05"}, func(listedProject) bool { return false }},
		{"nobody", access.Filter{}, store.ProjectListQuery{}, func(listedProject) bool { return false }},
	}
	for _, c := range filters {
		c.q.Page = store.Page{Size: store.MaxPageSize}
		l := read(c.f, c.q)
		if want := ids(made, c.want); !slices.Equal(got(l), want) || l.Total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got(l), l.Total, want)
		}
	}
}
