package handover

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

func testCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	ns, err := calendar.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return calendar.New(ns)
}

var now = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC) // a Tuesday in China

func area(total string) ledger.Areas {
	d := decimal.RequireFromString(total)
	return ledger.Areas{Total: d, Inner: d}
}

// fixture: a project with two buildings of two units; unit 11 and 21 sold
// (filed contracts), the others unsold. Nothing of completion done.
func fixture() *Facts {
	p := ledger.Project{ID: 1, Name: "天山·悦府", Developer: 7, DeveloperName: "天山房地产", Jurisdiction: "652301"}
	unit := func(id, b int64, sold bool) UnitFacts {
		u := UnitFacts{Unit: ledger.Unit{ID: id, BuildingID: b, UnitNo: "U" + string(rune('0'+id)), Room: "1单元101", Forecast: area("100")}}
		if sold {
			u.Contract = presale.Contract{ID: id, State: presale.Filed, PriceBasis: presale.ByGross, UnitPrice: decimal.NewFromInt(6000),
				TotalPrice: decimal.NewFromInt(600000), Buyers: []presale.Buyer{{Name: "张伟"}}}
		}
		return u
	}
	return &Facts{Project: p, Region: "650000", Developer: Party{Kind: identity.Developer, OrgID: 7, Name: "天山房地产"},
		Housing: Party{Kind: identity.Housing, OrgID: 2, Name: "住建局"}, Registry: Party{Kind: identity.Registry, OrgID: 3, Name: "登记中心"},
		Tax: Party{Kind: identity.Tax, OrgID: 4, Name: "税务局"}, Surveyor: Party{Kind: identity.Surveyor, OrgID: 5, Name: "测绘院"},
		Departments: map[string]Party{"land": {Kind: identity.Acceptance, OrgID: 6, Name: "自然资源局"}},
		Blocking:    completion.DefaultBlocking(),
		Buildings: []BuildingFacts{
			{Building: ledger.Building{ID: 1, Name: "1号楼"}, Units: []UnitFacts{unit(11, 1, true), unit(12, 1, false)}},
			{Building: ledger.Building{ID: 2, Name: "2号楼"}, Units: []UnitFacts{unit(21, 2, true), unit(22, 2, false)}},
		}}
}

func codes(r Report) []string {
	var out []string
	for _, c := range r.Conditions {
		out = append(out, c.Rule+"@"+c.Subject)
	}
	return out
}

// done makes building b ready for filing: survey accepted, acceptance
// passed, accounting cleared.
func done(f *Facts, b int) {
	f.Buildings[b].Accepted, f.Buildings[b].Survey = true, completion.Accepted
	f.Cases = append(f.Cases, completion.Case{ID: int64(b + 1), Buildings: []int64{f.Buildings[b].Building.ID}, State: completion.Passed, Round: 1})
	f.Items = nil
	for _, k := range completion.DefaultBlocking() {
		if k == completion.LandTopUp {
			continue // only when the land differs
		}
		f.Items = append(f.Items, completion.Item{ID: int64(len(f.Items) + 1), Kind: k, ClearedAt: now})
	}
}

func TestFilingConditions(t *testing.T) {
	cal := testCalendar(t)
	f := fixture()
	r := Evaluate(f, cal, Filing, Scope{}, now)
	want := []string{
		"filing.survey@1号楼", "filing.acceptance@1号楼",
		"filing.accounting@天山·悦府", "filing.accounting@天山·悦府", "filing.accounting@天山·悦府", "filing.accounting@天山·悦府",
		"filing.survey@2号楼", "filing.acceptance@2号楼",
	}
	if got := codes(r); !slices.Equal(got, want) {
		t.Errorf("nothing done: got %v, want %v", got, want)
	}
	if r.Ready() || r.ReadyUnits != 0 || r.Units != 4 {
		t.Errorf("ready %v, %d of %d units", r.Ready(), r.ReadyUnits, r.Units)
	}
	for _, c := range r.Conditions {
		if c.Responsible.Name == "" || c.Basis == "" {
			t.Errorf("%s lacks who or basis: %+v", c.Rule, c)
		}
	}
	// Building 1 done; building 2's survey waits for review, its acceptance
	// for the fire department (overdue); the land needs a top-up.
	done(f, 0)
	f.Buildings[1].Survey = completion.Submitted
	f.Cases = append(f.Cases, completion.Case{ID: 9, Buildings: []int64{2}, State: completion.Inspecting, Round: 1, Tasks: []completion.Task{
		{Department: "fire", Round: 1, OrgName: "消防救援大队", DueOn: calendar.MustDate("2026-03-09")},
		{Department: "land", Round: 1, OrgName: "自然资源局", DueOn: calendar.MustDate("2026-03-09"), Result: completion.Pass}}})
	f.LandTopUp = "宗地实测面积10012.50㎡与出让合同10000.00㎡不符"
	r = Evaluate(f, cal, Filing, Scope{}, now)
	if got := codes(r); !slices.Equal(got, []string{"filing.land_topup@天山·悦府", "filing.survey@2号楼", "filing.acceptance@2号楼"}) {
		t.Errorf("building 1 done: got %v", got)
	}
	if r.Conditions[0].Responsible.Name != "自然资源局" || r.Conditions[1].Responsible.Name != "住建局" || r.Conditions[2].Responsible.Name != "消防救援大队" {
		t.Errorf("responsible: %v, %v, %v", r.Conditions[0].Responsible, r.Conditions[1].Responsible, r.Conditions[2].Responsible)
	}
	if r.Conditions[2].Message != "联合验收：消防尚未出具意见（时限2026-03-09）" && r.Conditions[2].Message != "联合验收：消防出具意见已逾期（时限2026-03-09）" {
		t.Errorf("acceptance title: %q", r.Conditions[2].Message)
	}
	// Scoped to building 1 the land top-up still blocks (a project condition).
	r = Evaluate(f, cal, Filing, Scope{Building: 1}, now)
	if got := codes(r); !slices.Equal(got, []string{"filing.land_topup@天山·悦府"}) {
		t.Errorf("building 1 alone: got %v", got)
	}
	f.LandTopUp = ""
	if r = Evaluate(f, cal, Filing, Scope{Building: 1}, now); !r.Ready() || r.ReadyUnits != 2 {
		t.Errorf("building 1 ready: %v, %d units ready", codes(r), r.ReadyUnits)
	}
	if err := Evaluate(f, cal, Filing, Scope{}, now).Err(); problem.As(err).Kind != problem.Refused || len(problem.As(err).Reasons) != 2 {
		t.Errorf("refusal: %v", err)
	}
}

func TestDeliveryConditionsAndClock(t *testing.T) {
	cal := testCalendar(t)
	f := fixture()
	done(f, 0)
	f.Filings = []completion.Filing{{ID: 1, Buildings: []int64{1}, FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-30")}}
	b := &f.Buildings[0]
	u := &b.Units[0]
	u.Unit.Measured = area("104") // +4 %: the buyer may rescind
	r := Evaluate(f, cal, Delivery, Scope{Building: 1}, now)
	want := []string{"transfer.ownership@1单元101（U;）", "transfer.deed_tax@1单元101（U;）",
		"handover.area_decision@1单元101（U;）", "handover.maintenance@1单元101（U;）"}
	if got := codes(r); !slices.Equal(got, want) {
		t.Errorf("sold unit after filing: got %v, want %v", got, want)
	}
	// 2026-03-10 → 2026-03-30: 14 working days left.
	if c := r.Conditions[0].Clock; c == nil || c.WorkdaysLeft != 14 || c.Overdue {
		t.Errorf("clock: %+v", c)
	}
	if r.Units != 1 || r.ReadyUnits != 0 {
		t.Errorf("units %d ready %d: the unsold unit does not count", r.Units, r.ReadyUnits)
	}
	u.Book = []registry.Entry{{ID: 1, Kind: registry.Ownership, RegType: registry.RegFirst}}
	u.DeedTaxPaid, u.AreaDecision = true, "keep"
	u.Maintenance = completion.Item{ID: 5, Kind: completion.Maintenance, Due: decimal.NewFromInt(12480), Paid: decimal.NewFromInt(12480), ClearedAt: now}
	u.Locked = true
	if got := codes(Evaluate(f, cal, Delivery, Scope{Unit: 11}, now)); !slices.Equal(got, []string{"transfer.locked@1单元101（U;）"}) {
		t.Errorf("locked unit: %v", got)
	}
	u.Locked = false
	r = Evaluate(f, cal, Delivery, Scope{Unit: 11}, now)
	if !r.Ready() || r.ReadyUnits != 1 {
		t.Errorf("everything done: %v", codes(r))
	}
	// Past the due day the clock is overdue.
	late := time.Date(2026, 3, 31, 2, 0, 0, 0, time.UTC)
	r = Evaluate(f, cal, Delivery, Scope{Building: 1}, late)
	if c := r.Clocks[1]; c == nil || !c.Overdue || c.WorkdaysLeft != -1 {
		t.Errorf("clock after the due day: %+v", c)
	}
	// Building 2 (not filed) lists the filing chain before its unit's conditions.
	r = Evaluate(f, cal, Delivery, Scope{Building: 2}, now)
	if got := codes(r); len(got) < 4 || got[0] != "filing.survey@2号楼" || !slices.Contains(got, "firstreg.filing@2号楼") {
		t.Errorf("unfiled building: %v", got)
	}
}

// The clock's due day follows the calendar in force, not the day stored at
// the filing: a regional day off loaded later inside the window moves it
// by a working day, and the days left count to the moved day.
func TestClockFollowsTheCalendar(t *testing.T) {
	ns, err := calendar.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	festival := calendar.Notice{Scope: "650000", ScopeName: "新疆维吾尔自治区", Year: 2026, Title: "肉孜节",
		Rules: []calendar.Rule{{From: calendar.MustDate("2026-03-20"), To: calendar.MustDate("2026-03-22"), Off: true, Name: "肉孜节"}}}
	tests := []struct {
		name    string
		notices []calendar.Notice
		due     string
		left    int
	}{
		{"built-in calendar", ns, "2026-03-30", 14},
		{"肉孜节 loaded after the filing", append(slices.Clone(ns), festival), "2026-03-31", 14},
	}
	for _, tt := range tests {
		f := fixture()
		done(f, 0)
		f.Filings = []completion.Filing{{ID: 1, Buildings: []int64{1}, FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-30")}}
		c := Evaluate(f, calendar.New(tt.notices), Delivery, Scope{Building: 1}, now).Clocks[1]
		if c == nil || c.DueOn.String() != tt.due || c.WorkdaysLeft != tt.left {
			t.Errorf("%s: clock %+v, want due %s with %d working days left", tt.name, c, tt.due, tt.left)
		}
	}
}
func TestFirstRegistrationConditions(t *testing.T) {
	cal := testCalendar(t)
	f := fixture()
	done(f, 0)
	f.Buildings[0].Units[1].Book = []registry.Entry{{ID: 7, Kind: registry.Seal, RegType: registry.RegSeal}}
	f.ParcelRestriction = "在建工程抵押"
	r := Evaluate(f, cal, FirstRegistration, Scope{Building: 1}, now)
	if got := codes(r); !slices.Equal(got, []string{"firstreg.filing@1号楼", "first.parcel@1号楼", "first.sealed@1单元101（U<）"}) {
		t.Errorf("first registration: %v", got)
	}
	f.Filings = []completion.Filing{{ID: 1, Buildings: []int64{1}, FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-27")}}
	f.Buildings[0].Units[1].Book = append(f.Buildings[0].Units[1].Book, registry.Entry{ID: 8, Kind: registry.Cancellation, Ends: 7, EndKind: registry.Cancelled})
	f.ParcelRestriction = ""
	if r := Evaluate(f, cal, FirstRegistration, Scope{Building: 1}, now); !r.Ready() || r.ReadyUnits != 2 {
		t.Errorf("after filing: %v", codes(r))
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{"": Delivery, "completion_filing": Filing, "first_registration": FirstRegistration, "handover": Delivery} {
		if got, err := ParseTarget(in); err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := ParseTarget("x"); err == nil {
		t.Errorf("unknown target accepted")
	}
}

// A unit whose 套内 area alone is beyond ±3 % is held for the buyer's
// choice with the 套内 ratio quoted, not the 建筑面积 ratio (+2 %, within).
func TestAreaDecisionQuotesTheRatioBeyond(t *testing.T) {
	cal := testCalendar(t)
	f := fixture()
	done(f, 0)
	f.Filings = []completion.Filing{{ID: 1, Buildings: []int64{1}, FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-27")}}
	u := &f.Buildings[0].Units[0]
	u.Unit.Forecast = ledger.Areas{Total: decimal.RequireFromString("100"), Inner: decimal.RequireFromString("80")}
	u.Unit.Measured = ledger.Areas{Total: decimal.RequireFromString("102"), Inner: decimal.RequireFromString("77")}
	var got []string
	for _, c := range Evaluate(f, cal, Delivery, Scope{Unit: 11}, now).Conditions {
		if c.Rule == "handover.area_decision" {
			got = append(got, c.Message)
		}
	}
	want := []string{"套内建筑面积误差比-3.75%超出±3%，待买受人选择解除合同或继续履行"}
	if !slices.Equal(got, want) {
		t.Errorf("area decision: got %q, want %q", got, want)
	}
}
