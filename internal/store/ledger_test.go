package store_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

const testParcel = "652301004007GB00121"

type ledgerFixture struct {
	db        *store.DB
	clock     *storetest.Clock
	f         *demo.Foundation
	dev, hous audit.Actor
	project   ledger.Project
}

func actor(f *demo.Foundation, username string) audit.Actor {
	u := f.Users[username]
	return audit.Actor{UserID: u.ID, Name: u.Name, OrgID: u.OrgID}
}

// newLedgerFixture creates the demo foundation and one project of 天山房地产
// with its parcel and both permits confirmed: ready for a 楼盘表 and presale.
func newLedgerFixture(t *testing.T) *ledgerFixture {
	t.Helper()
	db, clock, f := founded(t)
	ctx := context.Background()
	x := &ledgerFixture{db: db, clock: clock, f: f, dev: actor(f, "kaifa"), hous: actor(f, "zhujian")}
	d := decimal.RequireFromString
	var err error
	x.project, err = db.CreateProject(ctx, x.dev, ledger.Project{Name: "测试项目", Developer: f.Orgs["dev1"].ID, Jurisdiction: "652301",
		Address: "昌吉市测试路1号", PlannedDelivery: calendar.MustDate("2027-06-30"), TotalInvestment: d("1000000"), Invested: d("400000"), Reform: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutParcel(ctx, x.dev, x.project.ID, ledger.Parcel{Code: testParcel, Area: d("10000"), Use: "城镇住宅用地", RightNature: "出让",
		TermStart: calendar.MustDate("2024-01-01"), TermEnd: calendar.MustDate("2094-01-01"), GrantContract: "昌市出让〔2024〕017号",
		PremiumDue: d("5000000"), PremiumPaid: d("5000000"), LandCertNo: "新(2024)昌吉市不动产权第0031245号", LandCertOn: calendar.MustDate("2024-03-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmLand(ctx, actor(f, "tudi"), x.project.ID, testParcel,
		ledger.LandSeen{LandCertNo: "新(2024)昌吉市不动产权第0031245号", PremiumPaid: d("5000000")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
		pm, err := db.AddPermit(ctx, x.dev, ledger.Permit{ProjectID: x.project.ID, Kind: k, Number: "NO-" + string(k),
			IssuedOn: calendar.MustDate("2025-06-01"), Issuer: "昌吉市", Scope: "全部"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmPermit(ctx, x.hous, pm.ID); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

// workbook builds a small 楼盘表: building 3 (6 floors) with 2 units a floor.
func workbook(t testing.TB, mutate func(units [][]any) [][]any) ledger.Workbook {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", ledger.SheetBuildings)
	f.NewSheet(ledger.SheetUnits)
	row := func(sheet string, n int, cells []any) {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		f.SetSheetRow(sheet, cell, &cells)
	}
	var hb, hu []any
	for _, c := range ledger.BuildingColumns {
		hb = append(hb, c)
	}
	for _, c := range ledger.UnitColumns {
		hu = append(hu, c)
	}
	row(ledger.SheetBuildings, 1, hb)
	row(ledger.SheetBuildings, 2, []any{testParcel, 3, "3号楼", "框架", 6, 0, "住宅"})
	row(ledger.SheetUnits, 1, hu)
	var units [][]any
	n := 0
	for fl := 1; fl <= 6; fl++ {
		for k := 1; k <= 2; k++ {
			n++
			units = append(units, []any{testParcel, 3, "1单元", fl, fmt.Sprint(fl), n, fmt.Sprintf("1单元%d0%d", fl, k), "住宅", "112.35", "92.40", "19.95", "0.215909"})
		}
	}
	if mutate != nil {
		units = mutate(units)
	}
	for i, u := range units {
		row(ledger.SheetUnits, i+2, u)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	wb, errs := ledger.ReadWorkbook(context.Background(), bytes.NewReader(buf.Bytes()))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return wb
}

func (x *ledgerFixture) importOK(t *testing.T, wb ledger.Workbook) store.ImportResult {
	t.Helper()
	res, err := x.db.ImportLedger(context.Background(), x.dev, x.project.ID, "t.xlsx", wb, nil)
	if err != nil || !res.OK {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	return res
}

func countUnits(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM units`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportLedger(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	res := x.importOK(t, workbook(t, nil))
	if res.NewBuildings != 1 || res.NewUnits != 12 {
		t.Errorf("first import: %+v, want 1 building 12 units", res)
	}
	// The same workbook again duplicates nothing.
	res = x.importOK(t, workbook(t, nil))
	if res.NewBuildings+res.NewUnits+res.ChangedUnits != 0 || res.Unchanged != 13 || countUnits(t, x.db) != 12 {
		t.Errorf("second import: %+v and %d units, want 13 unchanged rows and still 12 units", res, countUnits(t, x.db))
	}
	// A workbook with bad rows imports nothing and reports every row.
	bad := workbook(t, func(units [][]any) [][]any {
		units[0][8] = "112.36"                                                                                                 // row 2: area identity
		units[3][5] = 1                                                                                                        // row 5: duplicate 户号
		units = append(units, []any{testParcel, 3, "1单元", 7, "7", 13, "1单元701", "住宅", "112.35", "92.40", "19.95", "0.215909"}) // no floor 7
		units = append(units, []any{testParcel, 3, "1单元", 6, "6", 14, "1单元601", "住宅", "100", "80", "20", "0.25"})              // room taken
		return units
	})
	res, err := x.db.ImportLedger(ctx, x.dev, x.project.ID, "bad.xlsx", bad, nil)
	if err != nil || res.OK || len(res.Errors) < 4 || !res.HasAnnotated {
		t.Fatalf("bad import: %v %+v", err, res)
	}
	if countUnits(t, x.db) != 12 {
		t.Errorf("bad import changed the ledger: %d units", countUnits(t, x.db))
	}
	for _, e := range res.Errors {
		if e.Row == 0 || e.Reason == "" {
			t.Errorf("error without row or reason: %+v", e)
		}
	}
	if _, _, data, err := x.db.AnnotatedWorkbook(ctx, res.ID); err != nil || len(data) == 0 {
		t.Errorf("annotated workbook: %v", err)
	}
	imports, _ := x.db.LedgerImports(ctx, x.project.ID)
	if len(imports) != 3 || imports[0].OK || !imports[1].OK {
		t.Errorf("import history = %d entries", len(imports))
	}
	// Every unit number is well-formed and unique.
	rows, _ := x.db.SQLForTest().Query(`SELECT unit_no FROM units`)
	seen := map[string]bool{}
	for rows.Next() {
		var no string
		rows.Scan(&no)
		if len(no) != 28 || !strings.HasPrefix(no, testParcel+"F0003") || seen[no] {
			t.Errorf("unit number %q malformed or repeated", no)
		}
		seen[no] = true
	}
	rows.Close()
}

// Two projects cannot claim the same parcel, so no unit number can exist twice.
func TestParcelBelongsToOneProject(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	other, err := x.db.CreateProject(ctx, x.dev, ledger.Project{Name: "另一个项目", Developer: x.f.Orgs["dev1"].ID, Jurisdiction: "652301", Address: "某路"})
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	_, err = x.db.PutParcel(ctx, x.dev, other.ID, ledger.Parcel{Code: testParcel, Area: d("1"), Use: "住宅", RightNature: "出让",
		TermStart: calendar.MustDate("2024-01-01"), TermEnd: calendar.MustDate("2094-01-01"), GrantContract: "x", PremiumDue: d("1")})
	if problem.CodeOf(err) != "parcel.other_project" {
		t.Errorf("second project's claim on the parcel: %v, want parcel.other_project", err)
	}
	// A parcel of another county does not fit a 昌吉市 project.
	_, err = x.db.PutParcel(ctx, x.dev, other.ID, ledger.Parcel{Code: "652302004007GB00121", Area: d("1"), Use: "住宅", RightNature: "出让",
		TermStart: calendar.MustDate("2024-01-01"), TermEnd: calendar.MustDate("2094-01-01"), GrantContract: "x", PremiumDue: d("1")})
	if e := problem.As(err); e.Fields["code"] == "" {
		t.Errorf("parcel of another county: %v, want a code field error", err)
	}
}

func TestPresaleAndTableStates(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	bid := d.Buildings[0].Building.ID
	table := func() ledger.Table {
		tab, err := x.db.BuildingTable(ctx, bid)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	if c := table().Counts; c[ledger.Unpermitted] != 12 {
		t.Errorf("before the permit: %v, want 12 unpermitted", c)
	}
	app, err := x.db.ApplyPresale(ctx, x.dev, x.project.ID, []int64{bid}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ApplyPresale(ctx, x.dev, x.project.ID, []int64{bid}, ""); problem.CodeOf(err) != "presale.application_open" {
		t.Errorf("second open application: %v", err)
	}
	p, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Units != 12 || !strings.HasSuffix(p.Number, "第0001号") || !p.Area.Equal(decimal.RequireFromString("1348.20")) {
		t.Errorf("permit = %+v", p)
	}
	if c := table().Counts; c[ledger.Available] != 12 {
		t.Errorf("after the permit: %v, want 12 available", c)
	}
	// The same building cannot get a second permit.
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); !strings.Contains(fmt.Sprint(err), "已在有效的预售许可") {
		t.Errorf("second permit for the same building: %v", err)
	}
	if _, err := x.db.ChangePresale(ctx, x.hous, p.ID, "suspended", "资金监管账户异常"); err != nil {
		t.Fatal(err)
	}
	if c := table().Counts; c[ledger.Suspended] != 12 {
		t.Errorf("suspended permit: %v", c)
	}
	if _, err := x.db.ChangePresale(ctx, x.hous, p.ID, "reinstated", "已整改"); err != nil {
		t.Fatal(err)
	}
	// A locked unit shows as restricted.
	unit := table().Rows[0].Cells[0].Unit
	if err := x.db.LockUnit(ctx, x.hous, unit.ID, true, "司法协助"); err != nil {
		t.Fatal(err)
	}
	if err := x.db.LockUnit(ctx, x.hous, unit.ID, true, "again"); problem.CodeOf(err) != "unit.locked" {
		t.Errorf("locking twice: %v", err)
	}
	if c := table().Counts; c[ledger.Restricted] != 1 || c[ledger.Available] != 11 {
		t.Errorf("after a lock: %v", c)
	}
	if _, err := x.db.ChangePresale(ctx, x.hous, p.ID, "revoked", "违规销售"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ChangePresale(ctx, x.hous, p.ID, "reinstated", "x"); problem.CodeOf(err) != "permit.state" {
		t.Errorf("reinstating a revoked permit: %v", err)
	}
	pm, _ := x.db.PresalePermit(ctx, p.ID)
	if len(pm.Events) != 4 || pm.State != "revoked" {
		t.Errorf("permit history = %+v", pm.Events)
	}
}

// Every presale refusal reason comes through the store with what it looked at.
func TestPresaleRefusedForMissingConditions(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	bid := d.Buildings[0].Building.ID
	if _, err := x.db.UpdateProject(ctx, x.dev, x.project.ID, func(p *ledger.Project) error {
		p.Invested = decimal.RequireFromString("100000")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	parcel := d.Parcels[0]
	parcel.PremiumPaid = decimal.RequireFromString("4000000")
	parcel.LandCertNo, parcel.LandCertOn = "", calendar.Date{}
	if _, err := x.db.PutParcel(ctx, x.dev, x.project.ID, parcel); err != nil {
		t.Fatal(err)
	}
	_, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0)
	got := map[string]bool{}
	for _, r := range problem.As(err).Reasons {
		got[r.Rule] = true
	}
	for _, rule := range []string{"presale.investment", "presale.land_premium", "presale.land_right"} {
		if !got[rule] {
			t.Errorf("refusal lacks %s: %v", rule, err)
		}
	}
	var n int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM presale_permits`).Scan(&n)
	if n != 0 {
		t.Errorf("a refused issue left %d permits", n)
	}
}

func TestRestrictedDeveloperEffect(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	bid := d.Buildings[0].Building.ID
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: x.f.Orgs["dev1"].ID, Listed: true, Reason: "逾期交房"}); err != nil {
		t.Fatal(err)
	}
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: x.f.Orgs["dev1"].ID, Listed: true, Reason: "again"}); problem.CodeOf(err) != "credit.already_listed" {
		t.Errorf("listing twice: %v", err)
	}
	// Default effect: refuse.
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); !strings.Contains(fmt.Sprint(problem.As(err).Reasons), "presale.credit_restricted") {
		t.Errorf("restricted developer, refuse: %v", err)
	}
	// Configured to review: refused without an opinion, issued with one.
	if err := x.db.PutSetting(ctx, actor(x.f, "cj-admin"), "652301", credit.PresalePermit, string(credit.Review)); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); problem.CodeOf(err) != "presale.review_required" {
		t.Errorf("review without opinion: %v", err)
	}
	p, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "经加强审查，资金监管到位", 0)
	if err != nil || p.ExtraReview == "" {
		t.Errorf("review with opinion: %v %+v", err, p)
	}
	if ls, _ := x.db.Listings(ctx, false); len(ls) != 1 {
		t.Errorf("listings = %v", ls)
	}
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: x.f.Orgs["dev1"].ID, Listed: false, Reason: "已整改"}); err != nil {
		t.Fatal(err)
	}
	if ls, _ := x.db.Listings(ctx, false); len(ls) != 0 {
		t.Errorf("after lifting: %v", ls)
	}
}

// Permit numbers under concurrency: no duplicates, no gaps.
func TestPresaleNumberingConcurrent(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	wb := workbook(t, nil)
	x.importOK(t, wb)
	// Eight more buildings, each its own permit.
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", ledger.SheetBuildings)
	f.NewSheet(ledger.SheetUnits)
	var hb, hu []any
	for _, c := range ledger.BuildingColumns {
		hb = append(hb, c)
	}
	for _, c := range ledger.UnitColumns {
		hu = append(hu, c)
	}
	f.SetSheetRow(ledger.SheetBuildings, "A1", &hb)
	f.SetSheetRow(ledger.SheetUnits, "A1", &hu)
	for b := 10; b < 18; b++ {
		r := []any{testParcel, b, fmt.Sprintf("%d号楼", b), "框架", 2, 0, "住宅"}
		f.SetSheetRow(ledger.SheetBuildings, fmt.Sprintf("A%d", b-8), &r)
		u := []any{testParcel, b, "", 1, "1", 1, "101", "住宅", "112.35", "92.40", "19.95", "0.215909"}
		f.SetSheetRow(ledger.SheetUnits, fmt.Sprintf("A%d", b-8), &u)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	wb2, errs := ledger.ReadWorkbook(context.Background(), bytes.NewReader(buf.Bytes()))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	x.importOK(t, wb2)
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	var wg sync.WaitGroup
	numbers := make(chan string, len(d.Buildings))
	for _, b := range d.Buildings {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			p, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{id}, "", 0)
			if err != nil {
				t.Error(err)
				return
			}
			numbers <- p.Number
		}(b.Building.ID)
	}
	wg.Wait()
	close(numbers)
	seen := map[string]bool{}
	for n := range numbers {
		seen[n] = true
	}
	for i := 1; i <= len(d.Buildings); i++ {
		want := fmt.Sprintf("第%04d号", i)
		found := false
		for n := range seen {
			found = found || strings.HasSuffix(n, want)
		}
		if !found {
			t.Errorf("permit numbers %v lack %s: a gap or a duplicate", seen, want)
		}
	}
	if len(seen) != len(d.Buildings) {
		t.Errorf("%d distinct numbers for %d permits", len(seen), len(d.Buildings))
	}
}

func TestListProjectsFilter(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	dev2 := &identity.Principal{User: identity.User{Roles: []identity.Role{identity.RoleDeveloper}}, Org: x.f.Orgs["dev2"], Jurisdiction: identity.Jurisdiction{Code: "652301", Kind: identity.County}}
	f, err := access.ListFilter(dev2, access.ProjectRead)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := x.db.ListProjects(ctx, f, store.ProjectQuery{})
	if err != nil || len(ps) != 0 {
		t.Errorf("another developer sees %d projects, want 0", len(ps))
	}
	ps, _ = x.db.ListProjects(ctx, access.Filter{Jurisdiction: "652302"}, store.ProjectQuery{})
	if len(ps) != 0 {
		t.Errorf("another county sees %d projects", len(ps))
	}
	ps, _ = x.db.ListProjects(ctx, access.Filter{Jurisdiction: "652301"}, store.ProjectQuery{})
	if len(ps) != 1 {
		t.Errorf("the county sees %d projects, want 1", len(ps))
	}
}

// The presale check reads the natural-resources bureau's confirmation of
// the land facts, not the developer's word: a developer who changes them
// after the confirmation is refused a permit (presale.land_confirmed, to be
// put right by the bureau) until the bureau confirms them again; the bureau
// cannot confirm a premium declared unpaid.
func TestLandConfirmationGate(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	bid := d.Buildings[0].Building.ID
	parcel := d.Parcels[0]
	if !parcel.LandConfirmed() {
		t.Fatalf("fixture: the parcel is not confirmed")
	}
	// The developer declares another certificate: the confirmation is void.
	parcel.LandCertNo = "新(2024)昌吉市不动产权第0031299号"
	if _, err := x.db.PutParcel(ctx, x.dev, x.project.ID, parcel); err != nil {
		t.Fatal(err)
	}
	_, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0)
	var reason problem.Reason
	for _, r := range problem.As(err).Reasons {
		if r.Rule == "presale.land_confirmed" {
			reason = r
		}
	}
	if reason.Rule == "" || !strings.Contains(reason.Fixer, "自然资源") || reason.Subject != testParcel {
		t.Fatalf("presale with declared land facts: %v, want presale.land_confirmed for the bureau", err)
	}
	// Declared unpaid: nothing to confirm.
	parcel.PremiumPaid = decimal.RequireFromString("4999999.99")
	if _, err := x.db.PutParcel(ctx, x.dev, x.project.ID, parcel); err != nil {
		t.Fatal(err)
	}
	land := actor(x.f, "tudi")
	seen := func(p ledger.Parcel) ledger.LandSeen {
		return ledger.LandSeen{LandCertNo: p.LandCertNo, PremiumPaid: p.PremiumPaid}
	}
	if _, err := x.db.ConfirmLand(ctx, land, x.project.ID, testParcel, seen(parcel)); !problem.Is(err, "parcel.not_confirmable") {
		t.Errorf("confirming an unpaid premium: %v, want parcel.not_confirmable", err)
	}
	// The clerk looked at the unpaid figure; the developer then declares it
	// paid: the clerk's confirmation is of facts no longer declared.
	looked := seen(parcel)
	parcel.PremiumPaid = decimal.RequireFromString("5000000")
	if _, err := x.db.PutParcel(ctx, x.dev, x.project.ID, parcel); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ConfirmLand(ctx, land, x.project.ID, testParcel, looked); !problem.Is(err, "parcel.changed") {
		t.Errorf("confirming what the clerk saw before the change: %v, want parcel.changed", err)
	}
	if p, err := x.db.ConfirmLand(ctx, land, x.project.ID, testParcel, seen(parcel)); err != nil || !p.LandConfirmed() {
		t.Fatalf("the bureau confirms: %+v, %v", p, err)
	}
	if _, err := x.db.ConfirmLand(ctx, land, x.project.ID, testParcel, seen(parcel)); !problem.Is(err, "parcel.confirmed") {
		t.Errorf("confirming twice: %v, want parcel.confirmed", err)
	}
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); err != nil {
		t.Errorf("presale after the confirmation: %v", err)
	}
	// A change of what the confirmation does not cover keeps it.
	d, _ = x.db.ProjectDetail(ctx, x.project.ID)
	parcel = d.Parcels[0]
	parcel.Use = "城镇住宅用地（含商业）"
	if p, err := x.db.PutParcel(ctx, x.dev, x.project.ID, parcel); err != nil || !p.LandConfirmed() {
		t.Errorf("a change of the land use: confirmed %v (%v), want the confirmation kept", p.LandConfirmed(), err)
	}
}
