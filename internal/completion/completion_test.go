package completion

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/problem"
)

var now = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

func newCase(depts ...string) *Case {
	c := &Case{ID: 1, State: Inspecting, Round: 1}
	for _, d := range depts {
		c.Tasks = append(c.Tasks, Task{Department: d, Round: 1, OrgName: d + "部门"})
	}
	return c
}

func TestAcceptanceRounds(t *testing.T) {
	c := newCase("planning", "fire", "archives")
	if _, err := c.Record("fire", Fail, "  ", 1, now); problem.As(err).Code != "acceptance.reasons" {
		t.Errorf("refusal without reasons: got %v", err)
	}
	if _, err := c.Record("fire", "maybe", "", 1, now); problem.As(err).Code != "acceptance.result" {
		t.Errorf("unknown result: got %v", err)
	}
	if _, err := c.Record("meteorology", Pass, "", 1, now); problem.As(err).Code != "acceptance.not_in_round" {
		t.Errorf("a department not in the case: got %v", err)
	}
	c.Record("planning", Pass, "", 1, now)
	c.Record("fire", Fail, "消防车道不足", 1, now)
	if c.State != Rejected {
		t.Fatalf("after a refusal: %s", c.State)
	}
	if _, err := c.Record("fire", Pass, "", 1, now); problem.As(err).Code != "acceptance.decided" {
		t.Errorf("a second opinion in the round: got %v", err)
	}
	if _, err := c.Reinspect(calendar.MustDate("2026-03-11"), calendar.MustDate("2026-03-18")); problem.As(err).Code != "acceptance.pending" {
		t.Errorf("re-inspection with archives pending: got %v", err)
	}
	c.Record("archives", Pass, "", 1, now)
	if c.State != Rejected {
		t.Errorf("others passing keeps it returned: %s", c.State)
	}
	next, err := c.Reinspect(calendar.MustDate("2026-03-11"), calendar.MustDate("2026-03-18"))
	if err != nil || len(next) != 1 || next[0].Department != "fire" || next[0].Round != 2 || c.State != Inspecting {
		t.Fatalf("re-inspection: %v %+v %s", err, next, c.State)
	}
	if _, err := c.Record("planning", Pass, "", 1, now); problem.As(err).Code != "acceptance.not_in_round" {
		t.Errorf("planning in round 2: got %v", err)
	}
	if _, err := c.Record("fire", Pass, "", 1, now); err != nil || c.State != Passed {
		t.Errorf("fire passes: %v %s", err, c.State)
	}
	if _, err := c.Record("fire", Pass, "", 1, now); problem.As(err).Code != "acceptance.state" {
		t.Errorf("after the unified opinion: got %v", err)
	}
	if _, err := c.Reinspect(calendar.MustDate("2026-03-11"), calendar.MustDate("2026-03-18")); problem.As(err).Code != "acceptance.state" {
		t.Errorf("re-inspecting a passed case: got %v", err)
	}
	task := Task{DueOn: calendar.MustDate("2026-03-17")}
	if task.Overdue(calendar.MustDate("2026-03-17")) || !task.Overdue(calendar.MustDate("2026-03-18")) {
		t.Errorf("overdue on the due day or not after it")
	}
	if n := OpinionNumber("652301-01", 2026, 7); n != "65230101LHYS20260007" {
		t.Errorf("opinion number: %s", n)
	}
}

func TestSettings(t *testing.T) {
	if d, err := ParseDepartments(""); err != nil || len(d) != 6 {
		t.Errorf("default departments: %v %v", d, err)
	}
	if d, err := ParseDepartments("fire, planning"); err != nil || !slices.Equal(d, []string{"fire", "planning"}) {
		t.Errorf("two departments: %v %v", d, err)
	}
	for _, bad := range []string{"fire,fire", "police", ","} {
		if _, err := ParseDepartments(bad); err == nil {
			t.Errorf("ParseDepartments(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int{"": 5, "7": 7} {
		if n, err := ParseDays(in); err != nil || n != want {
			t.Errorf("ParseDays(%q) = %d %v", in, n, err)
		}
	}
	for _, bad := range []string{"0", "61", "x"} {
		if _, err := ParseDays(bad); err == nil {
			t.Errorf("ParseDays(%q) accepted", bad)
		}
	}
	if b, err := ParseBlocking("infrastructure"); err != nil || !slices.Equal(b, []ItemKind{Infrastructure}) {
		t.Errorf("blocking: %v %v", b, err)
	}
	if _, err := ParseBlocking("maintenance"); err == nil {
		t.Errorf("the maintenance fund blocks the handover, not the filing")
	}
	if r, err := ParseRate(""); err != nil || !r.Equal(d("120")) {
		t.Errorf("default rate: %s %v", r, err)
	}
	if _, err := ParseRate("-1"); err == nil {
		t.Errorf("negative rate accepted")
	}
	if m := MaintenanceDue(d("112.35"), d("120")); !m.Equal(d("13482")) {
		t.Errorf("maintenance due: %s", m)
	}
}

func TestAccountingItem(t *testing.T) {
	it := Item{Kind: LandTopUp}
	if err := it.Record(d("-1"), d("0"), "", "", now); problem.KindOf(err) != problem.Invalid {
		t.Errorf("negative due: got %v", err)
	}
	it.Record(d("62500"), d("60000"), "", "", now)
	if !it.Outstanding().Equal(d("2500")) {
		t.Errorf("outstanding: %s", it.Outstanding())
	}
	err := it.Clear(9, now)
	var rules []string
	for _, r := range problem.As(err).Reasons {
		rules = append(rules, r.Rule)
	}
	if !slices.Equal(rules, []string{"accounting.unpaid", "accounting.evidence", "accounting.agreement"}) {
		t.Errorf("clearing: got %v", rules)
	}
	it.Record(d("62500"), d("62500"), "缴款书", "补充协议〔2026〕3号", now)
	if err := it.Clear(9, now); err != nil || !it.Cleared() {
		t.Errorf("clearing a paid item: %v", err)
	}
	if err := it.Record(d("1"), d("1"), "x", "", now); problem.As(err).Code != "accounting.cleared" {
		t.Errorf("changing a cleared item: got %v", err)
	}
}

func TestLandCheck(t *testing.T) {
	tests := []struct {
		land, floor string
		want        string
	}{
		{"10000", "30000", ""},
		{"10000", "29999", ""},
		{"10000.01", "30000", "宗地实测面积"},
		{"10000", "30000.01", "计容建筑面积"},
	}
	for _, tt := range tests {
		got := LandCheck(d("10000"), d("30000"), d(tt.land), d(tt.floor))
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("land %s floor %s: got %q, want %q", tt.land, tt.floor, got, tt.want)
		}
	}
	if got := LandCheck(d("0"), d("0"), d("1"), d("1")); got != "" {
		t.Errorf("no grant figures recorded: got %q", got)
	}
}

// A filing may not be dated before the day its buildings' joint acceptance
// passed; every building whose opinion is later is named.
func TestFilingDateAfterAcceptance(t *testing.T) {
	passed := func(b, on string) PassedAcceptance {
		return PassedAcceptance{Building: b, OpinionNo: "联验〔2026〕" + b, On: calendar.MustDate(on)}
	}
	tests := []struct {
		name     string
		filed    string
		accepted []PassedAcceptance
		want     []string // the buildings refused
	}{
		{"the day before", "2026-03-09", []PassedAcceptance{passed("1号楼", "2026-03-10")}, []string{"1号楼"}},
		{"the same day", "2026-03-10", []PassedAcceptance{passed("1号楼", "2026-03-10")}, nil},
		{"days after", "2026-03-24", []PassedAcceptance{passed("1号楼", "2026-03-10")}, nil},
		{"one of two later", "2026-03-12", []PassedAcceptance{passed("1号楼", "2026-03-10"), passed("2号楼", "2026-03-13")}, []string{"2号楼"}},
		{"no acceptance known", "2026-03-09", nil, nil},
	}
	for _, tt := range tests {
		err := Filing{FiledOn: calendar.MustDate(tt.filed)}.CheckAccepted(tt.accepted)
		var got []string
		for _, r := range problem.As(err).Reasons {
			got = append(got, r.Subject)
			if r.Rule != RuleBeforeAcceptance || r.Basis == "" || r.Fixer == "" || !strings.Contains(r.Message, "2026年3月") {
				t.Errorf("%s: reason %+v, want %s with the dates, a basis and a fixer", tt.name, r, RuleBeforeAcceptance)
			}
		}
		if err != nil && (problem.KindOf(err) != problem.Refused || problem.CodeOf(err) != RuleBeforeAcceptance) {
			t.Errorf("%s: got %v, want refused with %s", tt.name, err, RuleBeforeAcceptance)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: refused buildings %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCommitments(t *testing.T) {
	filed := calendar.MustDate("2026-03-10")
	cs := Standard(filed, []Commitment{{Title: "人防验收备案表", DueOn: calendar.MustDate("2026-04-30")}})
	if len(cs) != 3 || cs[0].Kind != FinalAccount || cs[0].DueOn.String() != "2026-06-10" || cs[2].Kind != Material {
		t.Errorf("standard commitments: %+v", cs)
	}
	p := Commitment{Title: " ", DueOn: filed}
	if err := p.ValidatePromise(filed); problem.KindOf(err) != problem.Invalid || len(problem.As(err).Fields) != 2 {
		t.Errorf("a bad promise: got %v", err)
	}
	c := cs[0]
	if c.Overdue(calendar.MustDate("2026-06-10")) || !c.Overdue(calendar.MustDate("2026-06-11")) {
		t.Errorf("overdue on the due day or not after it")
	}
	if err := c.Fulfil("", 1, now); problem.As(err).Code != "commitment.evidence" {
		t.Errorf("fulfilling without evidence: got %v", err)
	}
	if err := c.Fulfil("结算备案表", 1, now); err != nil || c.Overdue(calendar.MustDate("2027-01-01")) {
		t.Errorf("fulfilled: %v", err)
	}
	if err := c.Fulfil("again", 1, now); problem.As(err).Code != "commitment.fulfilled" {
		t.Errorf("fulfilling twice: got %v", err)
	}
}

func surveyUnits() []ledger.Unit {
	return []ledger.Unit{
		{ID: 1, UnitNo: "652301004007GB00121F00030001", Room: "1单元101"},
		{ID: 2, UnitNo: "652301004007GB00121F00030002", Room: "1单元102"},
	}
}

// The survey workbook round-trips: a filled workbook reads back as the
// same survey and passes the checks; a template reads back with every
// figure missing.
func TestSurveyWorkbook(t *testing.T) {
	a := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	s := Survey{ReportNo: "CJCH-2026-031", BuildingTotal: d("300"), LandArea: d("10000"), FloorArea: d("25000"),
		Units: []UnitMeasure{{UnitNo: surveyUnits()[0].UnitNo, Areas: a}, {UnitNo: surveyUnits()[1].UnitNo, Areas: a}}}
	raw, err := SurveyWorkbook(s, true)
	if err != nil {
		t.Fatal(err)
	}
	got, _, errs := ReadSurvey(context.Background(), bytes.NewReader(raw))
	if len(errs) > 0 {
		t.Fatalf("reading a filled workbook: %v", errs)
	}
	if errs := got.Check(surveyUnits(), nil); len(errs) > 0 {
		t.Fatalf("checking it: %v", errs)
	}
	if got.ReportNo != s.ReportNo || !got.Units[1].Areas.Equal(a) || got.Units[1].UnitID != 2 || got.Units[1].Row != 3 {
		t.Errorf("read back: %+v", got)
	}
	tpl, err := SurveyTemplate(ledger.Building{}, surveyUnits())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, errs := ReadSurvey(context.Background(), bytes.NewReader(tpl)); len(errs) != 9 {
		t.Errorf("an empty template read with %d errors, want 9: the 3 figures of the building and 3 areas of each unit", len(errs))
	}
	if _, _, errs := ReadSurvey(context.Background(), strings.NewReader("not a workbook")); len(errs) != 1 || errs[0].Row != 0 {
		t.Errorf("not a workbook: %v", errs)
	}
	dec := Survey{State: Submitted, Units: []UnitMeasure{{UnitNo: "A"}}}
	if err := dec.Decide(false, map[string]string{"A": " 面积有误 "}, "", 3, now); err != nil || dec.State != Returned || dec.Units[0].Reason != "面积有误" {
		t.Errorf("return with a unit reason: %v %+v", err, dec)
	}
}

// Whatever the bytes, reading a survey workbook never panics and a survey
// it accepts has as many units as rows it read.
func FuzzReadSurvey(f *testing.F) {
	a := ledger.Areas{Total: d("112.35"), Inner: d("92.40"), Shared: d("19.95"), Ratio: d("0.215909")}
	raw, _ := SurveyWorkbook(Survey{ReportNo: "R", BuildingTotal: d("1"), LandArea: d("1"), FloorArea: d("1"),
		Units: []UnitMeasure{{UnitNo: "X", Areas: a}}}, true)
	f.Add(raw)
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, errs := ReadSurvey(context.Background(), bytes.NewReader(b))
		if len(errs) == 0 && len(s.Units) > 0 {
			s.Check(nil, nil) // no panic on any input
		}
	})
}
