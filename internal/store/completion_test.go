package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
)

// completionFixture is the sale fixture with half of its units sold and
// filed (the first with a loan), the surveyor commissioned, and the
// jurisdiction's working-day calendar.
type completionFixture struct {
	*saleFixture
	cal       *calendar.Calendar
	surveyor  audit.Actor
	contracts []presale.Contract
	units     []ledger.Unit
	common    map[int]string // 户号 → the common part the survey marks it (none by default)
}

func newCompletionFixture(t *testing.T) *completionFixture {
	t.Helper()
	x := &completionFixture{saleFixture: newSaleFixture(t)}
	ctx := context.Background()
	var err error
	if x.cal, err = x.db.Calendar(ctx); err != nil {
		t.Fatal(err)
	}
	for i, u := range x.saleFixture.units[:6] {
		in := x.input(u)
		in.Buyers[0].IDNumber = buyerIDs[i%len(buyerIDs)]
		c := x.sign(t, in)
		if c, err = x.db.FileContract(ctx, x.dev, c.ID); err != nil {
			t.Fatal(err)
		}
		x.contracts = append(x.contracts, c)
	}
	if err := x.db.CommissionSurveyor(ctx, x.dev, x.project.ID, x.f.Orgs["surveyor"].ID); err != nil {
		t.Fatal(err)
	}
	x.surveyor = actor(x.f, "cehui")
	tab, _ := x.db.BuildingTable(ctx, x.building)
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			x.units = append(x.units, c.Unit)
		}
	}
	slices.SortFunc(x.units, func(a, b ledger.Unit) int { return a.Number - b.Number })
	return x
}

// measured is an area set with the fixture's 分摊系数 kept consistent.
func measured(inner string) ledger.Areas {
	in := dec(inner)
	ratio := dec("0.215909")
	shared := in.Mul(ratio).Round(2)
	return ledger.Areas{Total: in.Add(shared), Inner: in, Shared: shared, Ratio: ratio}
}

// survey builds a survey of the fixture's building: every unit measured as
// forecast except those in change (by 户号).
func (x *completionFixture) survey(change map[int]ledger.Areas) completion.Survey {
	s := completion.Survey{ReportNo: "CJCH-2026-031", LandArea: dec("10000"), FloorArea: dec("1348.20"), BuildingTotal: dec("1500")}
	for i, u := range x.units {
		a := u.Forecast
		if m, ok := change[u.Number]; ok {
			a = m
		}
		s.Units = append(s.Units, completion.UnitMeasure{Row: i + 2, UnitNo: u.UnitNo, Areas: a, CommonPart: x.common[u.Number]})
	}
	return s
}

func (x *completionFixture) submit(t *testing.T, s completion.Survey) completion.Survey {
	t.Helper()
	res, err := x.db.SubmitSurvey(context.Background(), x.surveyor, x.building, s, nil, nil)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("submit survey: %v %v", err, res.Errors)
	}
	return res.Survey
}

// applyAcceptance has the survey submitted and accepted, then applies for
// the building's joint acceptance.
func (x *completionFixture) applyAcceptance(t *testing.T) completion.Case {
	t.Helper()
	ctx := context.Background()
	s := x.submit(t, x.survey(nil))
	if _, err := x.db.DecideSurvey(ctx, x.hous, s.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	c, err := x.db.ApplyAcceptance(ctx, x.dev, x.cal, x.project.ID, []int64{x.building})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ready takes the fixture up to the point where the filing may be recorded.
func (x *completionFixture) ready(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c := x.applyAcceptance(t)
	for _, task := range c.Tasks {
		if _, err := x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, completion.Pass, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	x.clearAccounting(t)
}

func (x *completionFixture) clearAccounting(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := x.db.PrepareAccounting(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	items, _ := x.db.AccountingItems(ctx, x.project.ID, false)
	for _, it := range items {
		if !it.Cleared() {
			due := it.Due
			if it.Kind == completion.Infrastructure {
				due = dec("128000")
			}
			if _, err := x.db.RecordItem(ctx, x.hous, it.ID, due, due, "缴款凭证"+string(it.Kind), "补充协议〔2026〕3号"); err != nil {
				t.Fatal(err)
			}
			if _, err := x.db.ClearItem(ctx, x.hous, it.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (x *completionFixture) file(t *testing.T, on string) completion.Filing {
	t.Helper()
	f, err := x.db.RecordFiling(context.Background(), x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
		Number: "昌建竣备〔2026〕" + on, FiledOn: calendar.MustDate(on)}, nil)
	if err != nil {
		t.Fatalf("filing: %v", err)
	}
	return f
}

func TestSurveySubmissionChecks(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	rows := func(errs []ledger.RowError) (out []string) {
		for _, e := range errs {
			out = append(out, e.Reason)
		}
		return out
	}
	bad := x.survey(map[int]ledger.Areas{3: {Total: dec("100"), Inner: dec("80"), Shared: dec("19"), Ratio: dec("0.2375")}})
	bad.Units[5].UnitNo = bad.Units[4].UnitNo // a duplicate (and so unit 6 missing)
	bad.Units = append(bad.Units, completion.UnitMeasure{Row: 99, UnitNo: "652301004007GB00121F99990001", Areas: measured("90")})
	bad.ReportNo = ""
	res, err := x.db.SubmitSurvey(ctx, x.surveyor, x.building, bad, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rows(res.Errors), "|")
	for _, want := range []string{"测绘报告编号", "建筑面积100.00 ≠ 套内80.00 + 分摊19.00", "重复", "不是本幢的户", "缺少户"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	if list, _ := x.db.Surveys(ctx, store.SurveyQuery{BuildingID: x.building}); len(list) != 0 {
		t.Errorf("a refused survey was stored: %d", len(list))
	}
	// Only the commissioned surveyor submits.
	other := audit.Actor{UserID: 1, OrgID: x.f.Orgs["dev2"].ID}
	if _, err := x.db.SubmitSurvey(ctx, other, x.building, x.survey(nil), nil, nil); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("another organisation submits: got %v, want forbidden", err)
	}
	s := x.submit(t, x.survey(nil))
	if _, err := x.db.SubmitSurvey(ctx, x.surveyor, x.building, x.survey(nil), nil, nil); problem.As(err).Code != "survey.pending" {
		t.Errorf("a second survey while one is pending: got %v, want survey.pending", err)
	}
	// Returning needs reasons; a per-unit reason is kept.
	if _, err := x.db.DecideSurvey(ctx, x.hous, s.ID, false, nil, " "); problem.As(err).Code != "survey.reasons" {
		t.Errorf("return without reasons: got %v", err)
	}
	s, err = x.db.DecideSurvey(ctx, x.hous, s.ID, false, map[string]string{x.units[0].UnitNo: "阳台面积计算有误"}, "")
	if err != nil || s.State != completion.Returned {
		t.Fatalf("return: %v %s", err, s.State)
	}
	if got, _ := x.db.Survey(ctx, s.ID); got.Units[0].Reason != "阳台面积计算有误" {
		t.Errorf("unit reason after return: %q", got.Units[0].Reason)
	}
	if u, _ := x.db.Unit(ctx, x.units[0].ID); u.Unit.HasMeasured() {
		t.Errorf("a returned survey set measured areas")
	}
}

// An accepted survey sets the measured areas; a corrected one accepted
// later supersedes it, and the first stays as history.
func TestSurveyAcceptAndSupersede(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	first := x.submit(t, x.survey(map[int]ledger.Areas{1: measured("95.00")}))
	if _, err := x.db.DecideSurvey(ctx, x.hous, first.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := x.db.Unit(ctx, x.units[0].ID); !u.Unit.Measured.Equal(measured("95.00")) {
		t.Errorf("measured after acceptance: %+v", u.Unit.Measured)
	}
	second := x.submit(t, x.survey(map[int]ledger.Areas{1: measured("94.50")}))
	if _, err := x.db.DecideSurvey(ctx, x.hous, second.ID, true, nil, "更正阳台面积"); err != nil {
		t.Fatal(err)
	}
	if u, _ := x.db.Unit(ctx, x.units[0].ID); !u.Unit.Measured.Equal(measured("94.50")) {
		t.Errorf("measured after the correction: %+v", u.Unit.Measured)
	}
	if old, _ := x.db.Survey(ctx, first.ID); old.State != completion.Superseded || !old.Units[0].Areas.Equal(measured("95.00")) {
		t.Errorf("first survey after the correction: %s %+v", old.State, old.Units[0].Areas)
	}
	if _, err := x.db.DecideSurvey(ctx, x.hous, second.ID, true, nil, ""); problem.As(err).Code != "survey.state" {
		t.Errorf("deciding twice: got %v", err)
	}
}

// Joint acceptance: the survey first; a refusal returns the case and is a
// credit event; re-inspection reopens only the refusing department.
func TestJointAcceptance(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	if _, err := x.db.ApplyAcceptance(ctx, x.dev, x.cal, x.project.ID, []int64{x.building}); !slices.Contains(rulesOf(err), "acceptance.survey") {
		t.Fatalf("applying before the survey is accepted: got %v", err)
	}
	c := x.applyAcceptance(t)
	// 2026-03-10 (Tue) + 5 working days = 2026-03-17.
	if len(c.Tasks) != 6 || c.Tasks[0].DueOn.String() != "2026-03-17" {
		t.Fatalf("tasks: %d, first due %s; want 6 due 2026-03-17", len(c.Tasks), c.Tasks[0].DueOn)
	}
	if _, err := x.db.ApplyAcceptance(ctx, x.dev, x.cal, x.project.ID, []int64{x.building}); !slices.Contains(rulesOf(err), "acceptance.exists") {
		t.Errorf("applying twice: got %v", err)
	}
	task := func(dept string) completion.Task {
		i := slices.IndexFunc(c.Tasks, func(t completion.Task) bool { return t.Department == dept })
		return c.Tasks[i]
	}
	fire := task("fire")
	if _, err := x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task("land").OrgID}, c.ID, "fire", completion.Pass, "", nil); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("another department records the fire opinion: got %v", err)
	}
	fireActor := audit.Actor{UserID: x.f.Users["yanshou"].ID, OrgID: fire.OrgID}
	if _, err := x.db.RecordOpinion(ctx, fireActor, c.ID, "fire", completion.Fail, "", nil); problem.As(err).Code != "acceptance.reasons" {
		t.Errorf("refusing without reasons: got %v", err)
	}
	c, err := x.db.RecordOpinion(ctx, fireActor, c.ID, "fire", completion.Fail, "消防车道宽度不足", []store.File{{Name: "现场照片.jpg", ContentType: "image/jpeg", Data: []byte("jpeg")}})
	if err != nil || c.State != completion.Rejected {
		t.Fatalf("fire refuses: %v %s", err, c.State)
	}
	if got := task("fire"); len(c.Tasks[slices.IndexFunc(c.Tasks, func(t completion.Task) bool { return t.Department == "fire" })].Attachments) != 1 {
		t.Errorf("fire task attachments: %+v", got)
	}
	if ev, _ := x.db.CreditEvents(ctx, x.project.Developer); len(ev) != 1 || ev[0].Kind != "acceptance_failed" {
		t.Errorf("credit events after the refusal: %+v", ev)
	}
	if _, err := x.db.Reinspect(ctx, x.dev, x.cal, c.ID); problem.As(err).Code != "acceptance.pending" {
		t.Errorf("re-inspection while departments are still inspecting: got %v", err)
	}
	for _, tk := range c.Tasks {
		if tk.Department != "fire" {
			if c, err = x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: tk.OrgID}, c.ID, tk.Department, completion.Pass, "", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.State != completion.Rejected {
		t.Fatalf("all but fire passed: state %s, want returned", c.State)
	}
	if ev, _ := x.db.CreditEvents(ctx, x.project.Developer); len(ev) != 1 {
		t.Errorf("credit events after the others passed: got %d, want only the refusal's", len(ev))
	}
	x.clock.Advance(24 * time.Hour)
	c, err = x.db.Reinspect(ctx, x.dev, x.cal, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var round2 []string
	for _, tk := range c.Tasks {
		if tk.Round == 2 {
			round2 = append(round2, tk.Department)
		}
	}
	if c.Round != 2 || !slices.Equal(round2, []string{"fire"}) {
		t.Fatalf("re-inspection: round %d departments %v, want round 2 with fire only", c.Round, round2)
	}
	if _, err := x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task("land").OrgID}, c.ID, "land", completion.Pass, "", nil); problem.As(err).Code != "acceptance.decided" && problem.As(err).Code != "acceptance.not_in_round" {
		t.Errorf("land again in round 2: got %v", err)
	}
	c, err = x.db.RecordOpinion(ctx, fireActor, c.ID, "fire", completion.Pass, "", nil)
	if err != nil || c.State != completion.Passed || !strings.HasPrefix(c.OpinionNo, "652301LHYS2026") {
		t.Fatalf("fire passes on re-inspection: %v %s %q", err, c.State, c.OpinionNo)
	}
	if ms, _ := x.db.Milestones(ctx, x.project.ID); ms[presale.MilestoneCompleted].IsZero() {
		t.Errorf("no completion milestone after the unified opinion: %v", ms)
	}
}

// The filing is refused with every missing condition named, and recorded
// once they are met; the clock runs 20 working days from it.
func TestCompletionFilingGates(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	_, err := x.db.RecordFiling(ctx, x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
		Number: "昌建竣备〔2026〕1号", FiledOn: calendar.MustDate("2026-03-10")}, nil)
	got := rulesOf(err)
	for _, want := range []string{"filing.survey", "filing.acceptance", "filing.accounting"} {
		if !slices.Contains(got, want) {
			t.Errorf("filing refused with %v, lacking %s", got, want)
		}
	}
	for _, r := range problem.As(err).Reasons {
		if r.Basis == "" || r.Fixer == "" || r.Subject == "" {
			t.Errorf("reason %+v lacks a basis, fixer or subject", r)
		}
	}
	// A survey whose land differs from the grant contract needs a top-up.
	s := x.survey(nil)
	s.LandArea = dec("10012.50")
	sv := x.submit(t, s)
	x.db.DecideSurvey(ctx, x.hous, sv.ID, true, nil, "")
	c, _ := x.db.ApplyAcceptance(ctx, x.dev, x.cal, x.project.ID, []int64{x.building})
	for _, task := range c.Tasks {
		x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, completion.Pass, "", nil)
	}
	if _, err := x.db.PrepareAccounting(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	items, _ := x.db.AccountingItems(ctx, x.project.ID, false)
	kinds := map[completion.ItemKind]completion.Item{}
	for _, it := range items {
		kinds[it.Kind] = it
	}
	if _, ok := kinds[completion.LandTopUp]; !ok || len(kinds) != 5 {
		t.Fatalf("accounting items: %v, want the four fees and a land top-up", kinds)
	}
	if !kinds[completion.LandPremium].Due.Equal(dec("5000000")) {
		t.Errorf("land premium due: %s", kinds[completion.LandPremium].Due)
	}
	// Clearing needs full payment and evidence; a top-up needs the agreement.
	infra := kinds[completion.Infrastructure]
	x.db.RecordItem(ctx, x.hous, infra.ID, dec("128000"), dec("100000"), "", "")
	if _, err := x.db.ClearItem(ctx, x.hous, infra.ID); !slices.Equal(rulesOf(err), []string{"accounting.unpaid", "accounting.evidence"}) {
		t.Errorf("clearing an unpaid item: got %v", rulesOf(err))
	}
	x.db.RecordItem(ctx, x.hous, kinds[completion.LandTopUp].ID, dec("62500"), dec("62500"), "缴款书0091", "")
	if _, err := x.db.ClearItem(ctx, x.hous, kinds[completion.LandTopUp].ID); !slices.Contains(rulesOf(err), "accounting.agreement") {
		t.Errorf("clearing a top-up without the agreement: got %v", rulesOf(err))
	}
	_, err = x.db.RecordFiling(ctx, x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
		Number: "昌建竣备〔2026〕1号", FiledOn: calendar.MustDate("2026-03-10")}, nil)
	if got := rulesOf(err); slices.Contains(got, "filing.survey") || slices.Contains(got, "filing.acceptance") || !slices.Contains(got, "filing.accounting") {
		t.Errorf("filing with the accounting open: got %v, want only accounting", got)
	}
	x.clearAccounting(t)
	promised := []completion.Commitment{{Title: "人防工程竣工验收备案表", DueOn: calendar.MustDate("2026-04-30")}}
	f, err := x.db.RecordFiling(ctx, x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
		Number: "昌建竣备〔2026〕1号", FiledOn: calendar.MustDate("2026-03-10")}, promised)
	if err != nil {
		t.Fatal(err)
	}
	if f.DueOn.String() != "2026-04-08" { // 20 working days; 04-04…04-06 off
		t.Errorf("due: got %s, want 2026-04-08", f.DueOn)
	}
	cs, _ := x.db.Commitments(ctx, x.project.ID)
	if len(cs) != 3 || cs[0].DueOn.String() != "2026-04-30" {
		t.Errorf("commitments: %+v", cs)
	}
	if _, err := x.db.RecordFiling(ctx, x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
		Number: "昌建竣备〔2026〕2号", FiledOn: calendar.MustDate("2026-03-10")}, nil); problem.As(err).Code != "filing.exists" {
		t.Errorf("filing a building twice: got %v", err)
	}
	if ms, _ := x.db.Milestones(ctx, x.project.ID); ms[presale.MilestoneFiled].String() != "2026-03-10" {
		t.Errorf("filing milestone: %v", ms)
	}
}

// The clock's due day, counted in the jurisdiction's working days across
// the 2025 and 2026 holidays (新疆's regional festivals included in 2025).
// The joint acceptance passes on the filing day.
func TestFilingDueDates(t *testing.T) {
	tests := []struct {
		filed, due string
	}{
		{"2025-03-20", "2025-04-21"}, // 肉孜节 03-31 (新疆) and 清明 04-04 off
		{"2025-12-25", "2026-01-23"}, // 元旦 01-01…03 off, 01-04 (Sun) worked
		{"2026-02-10", "2026-03-16"}, // 春节 02-15…23 off, 02-14 and 02-28 (Sat) worked
		{"2026-09-21", "2026-10-26"}, // 中秋 09-25…27 and 国庆 10-01…07 off, 10-10 (Sat) worked
	}
	for _, tt := range tests {
		t.Run(tt.filed, func(t *testing.T) {
			x := newCompletionFixture(t)
			now, _ := time.Parse("2006-01-02", tt.filed)
			x.clock.Set(now.Add(2 * time.Hour))
			x.ready(t)
			if f := x.file(t, tt.filed); f.DueOn.String() != tt.due {
				t.Errorf("filed %s: due %s, want %s", tt.filed, f.DueOn, tt.due)
			}
		})
	}
}

// A filing dated before the day the joint acceptance passed, or after
// today, is refused and leaves nothing; the acceptance day itself is
// filed. With a condition still missing, the refusal names the date too.
func TestFilingNotBeforeAcceptance(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	c := x.applyAcceptance(t)
	x.clock.Set(time.Date(2026, 3, 12, 2, 0, 0, 0, time.UTC)) // the opinions on 2026-03-12, 10:00 in China
	for _, task := range c.Tasks {
		if _, err := x.db.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, completion.Pass, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	file := func(on string) (completion.Filing, error) {
		return x.db.RecordFiling(ctx, x.hous, x.cal, completion.Filing{ProjectID: x.project.ID, Buildings: []int64{x.building},
			Number: "昌建竣备〔2026〕" + on, FiledOn: calendar.MustDate(on)}, nil)
	}
	_, err := file("2026-03-11")
	if got, want := slices.Compact(rulesOf(err)), []string{"filing.accounting", completion.RuleBeforeAcceptance}; problem.CodeOf(err) != "readiness.blocked" || !slices.Equal(got, want) {
		t.Errorf("early, with the accounting open: got %s %v, want readiness.blocked %v", problem.CodeOf(err), got, want)
	}
	x.clearAccounting(t)
	b, err := x.db.Building(ctx, x.building)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, filed string
		code        string // "" when recorded
		field       string
	}{
		{"the day before the acceptance", "2026-03-11", completion.RuleBeforeAcceptance, ""},
		{"after today", "2026-03-13", "filing.invalid", "filed_on"},
		{"the acceptance day", "2026-03-12", "", ""},
	}
	for _, tt := range tests {
		f, err := file(tt.filed)
		if got := problem.CodeOf(err); err != nil && got != tt.code || err == nil && tt.code != "" {
			t.Fatalf("%s: got %v, want %q", tt.name, err, tt.code)
		}
		e := problem.As(err)
		switch {
		case tt.field != "":
			if e.Kind != problem.Invalid || e.Fields[tt.field] == "" {
				t.Errorf("%s: got %v, want field %s", tt.name, err, tt.field)
			}
		case tt.code != "":
			if e.Kind != problem.Refused || len(e.Reasons) != 1 || e.Reasons[0].Subject != b.Name ||
				!strings.Contains(e.Reasons[0].Message, "2026年3月11日") || !strings.Contains(e.Reasons[0].Message, "2026年3月12日") {
				t.Errorf("%s: got %+v, want the building and both dates named", tt.name, e.Reasons)
			}
		default:
			if f.DueOn.String() != "2026-04-10" { // 20 working days; 04-04…04-06 off
				t.Errorf("%s: due %s, want 2026-04-10", tt.name, f.DueOn)
			}
		}
		if fs, _ := x.db.Filings(ctx, x.project.ID); len(fs) != map[bool]int{true: 0, false: 1}[tt.code != ""] {
			t.Errorf("%s: %d filings stored", tt.name, len(fs))
		}
	}
}

// An overdue commitment raises one alert and one credit event; keeping it
// resolves the alert.
func TestCommitmentExpiry(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.ready(t)
	x.file(t, "2026-03-10")
	cs, _ := x.db.Commitments(ctx, x.project.ID)
	if n, err := x.db.CheckCommitments(ctx, audit.System(), calendar.MustDate("2026-06-10")); err != nil || n != 0 {
		t.Fatalf("on the due day: %d %v, want none overdue", n, err)
	}
	if _, err := x.db.FulfilCommitment(ctx, x.dev, cs[1].ID, "档案馆接收证明〔2026〕88号"); err != nil {
		t.Fatal(err)
	}
	n, err := x.db.CheckCommitments(ctx, audit.System(), calendar.MustDate("2026-06-11"))
	if err != nil || n != 1 {
		t.Fatalf("the day after: %d %v, want one overdue (the other was kept)", n, err)
	}
	if n, _ := x.db.CheckCommitments(ctx, audit.System(), calendar.MustDate("2026-06-12")); n != 0 {
		t.Errorf("checked again: %d new, want 0", n)
	}
	alerts, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, ProjectID: x.project.ID, State: "open"})
	events, _ := x.db.CreditEvents(ctx, x.project.Developer)
	if len(alerts) != 1 || alerts[0].OrgID != x.project.Developer || len(events) != 1 || events[0].Kind != "commitment_breach" {
		t.Fatalf("alerts %+v, credit events %+v", alerts, events)
	}
	if _, err := x.db.FulfilCommitment(ctx, x.dev, cs[0].ID, "结算备案表"); err != nil {
		t.Fatal(err)
	}
	if alerts, _ := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, ProjectID: x.project.ID, State: "open"}); len(alerts) != 0 {
		t.Errorf("alerts after the late fulfilment: %+v", alerts)
	}
	if events, _ := x.db.CreditEvents(ctx, x.project.Developer); len(events) != 1 {
		t.Errorf("the credit event must stay: %+v", events)
	}
}

// The readiness view as the store loads it: after the filing, a sold unit
// still waits for its maintenance fund, the first registration and the
// deed tax; the clock counts down.
func TestReadinessAfterFiling(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.ready(t)
	x.file(t, "2026-03-10")
	r, _, err := x.db.Readiness(ctx, x.cal, x.project.ID, handover.Delivery, handover.Scope{Unit: x.contracts[0].UnitID})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range r.Conditions {
		codes = append(codes, c.Rule)
		if c.Clock == nil || c.Clock.WorkdaysLeft != 20 {
			t.Errorf("%s: clock %+v, want 20 working days left", c.Rule, c.Clock)
		}
	}
	if want := []string{"transfer.ownership", "transfer.deed_tax", "handover.maintenance"}; !slices.Equal(codes, want) {
		t.Errorf("conditions: got %v, want %v", codes, want)
	}
	if r.Units != 1 || r.ReadyUnits != 0 {
		t.Errorf("units %d ready %d", r.Units, r.ReadyUnits)
	}
	maint, _ := x.db.AccountingItems(ctx, x.project.ID, true)
	i := slices.IndexFunc(maint, func(it completion.Item) bool { return it.UnitID == x.contracts[0].UnitID })
	if i < 0 || !maint[i].Due.Equal(dec("112.35").Mul(dec("120"))) {
		t.Fatalf("maintenance item of the unit: %+v", maint)
	}
	if _, err := x.db.PayMaintenance(ctx, x.hous, maint[i].ID, "维修资金交存凭证 W001"); err != nil {
		t.Fatal(err)
	}
	r, _, _ = x.db.Readiness(ctx, x.cal, x.project.ID, handover.Delivery, handover.Scope{Unit: x.contracts[0].UnitID})
	if len(r.Conditions) != 2 {
		t.Errorf("after the maintenance fund: %+v", r.Conditions)
	}
	// Filing needs nothing more; the whole project's handover counts every sold unit.
	r, _, _ = x.db.Readiness(ctx, x.cal, x.project.ID, handover.Filing, handover.Scope{})
	if !r.Ready() {
		t.Errorf("filing readiness after the filing: %+v", r.Conditions)
	}
	r, _, _ = x.db.Readiness(ctx, x.cal, x.project.ID, handover.Delivery, handover.Scope{})
	if r.Units != 6 {
		t.Errorf("sold units: %d, want 6", r.Units)
	}
}

// The buyer's choice beyond ±3 % is recorded once; within the band there is
// nothing to choose.
func TestAreaDecision(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	number := func(c presale.Contract) int {
		return x.units[slices.IndexFunc(x.units, func(u ledger.Unit) bool { return u.ID == c.UnitID })].Number
	}
	s := x.submit(t, x.survey(map[int]ledger.Areas{number(x.contracts[0]): measured("96.00"), number(x.contracts[1]): measured("93.00")}))
	x.db.DecideSurvey(ctx, x.hous, s.ID, true, nil, "")
	buyer := audit.Actor{Name: "张伟"}
	if err := x.db.DecideArea(ctx, buyer, x.contracts[1].ID, "keep"); problem.As(err).Code != "area.within" {
		t.Errorf("within the band: got %v", err)
	}
	if err := x.db.DecideArea(ctx, buyer, x.contracts[0].ID, "maybe"); problem.KindOf(err) != problem.Invalid {
		t.Errorf("an unknown choice: got %v", err)
	}
	if err := x.db.DecideArea(ctx, buyer, x.contracts[0].ID, "keep"); err != nil {
		t.Fatal(err)
	}
	if err := x.db.DecideArea(ctx, buyer, x.contracts[0].ID, "rescind"); problem.As(err).Code != "area.decided" {
		t.Errorf("deciding twice: got %v", err)
	}
	if c, _ := x.db.AreaDecision(ctx, x.contracts[0].ID); c != "keep" {
		t.Errorf("decision: %q", c)
	}
}
