package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/store"
)

// CompletionResult is what the completion part of the demo did.
type CompletionResult struct {
	Filing   completion.Filing
	Beyond   []int64 // units measured beyond ±3 %
	Crossing int64   // the unit measured across 140 m²
	Surveyed int     // units with measured areas
	Alerts   int
}

// Changes of the demo's survey, by building number and 户号: a few units
// beyond ±3 % of the forecast (inner area factor) and, in building 8 (whose
// end flats are sold just under 140 m²), one measured across 140 m².
var surveyChanges = map[[2]int]string{
	{1, 5}: "1.036", {1, 10}: "0.958", {2, 7}: "1.050", {5, 13}: "0.965", {8, 17}: "1.005",
}

// measure is a unit's measured areas in the demo: the forecast with a
// small deterministic deviation (under ±0.8 %), or a listed change.
func measure(b ledger.Building, u ledger.Unit) ledger.Areas {
	factor := decimal.New(int64(1000+(u.Number*37+b.Number*11)%15-7), -3) // 0.993 … 1.007
	if f, ok := surveyChanges[[2]int{b.Number, u.Number}]; ok {
		factor = decimal.RequireFromString(f)
	}
	a := u.Forecast
	a.Inner = a.Inner.Mul(factor).Round(2)
	a.Shared = a.Inner.Mul(a.Ratio).Round(2)
	a.Total = a.Inner.Add(a.Shared)
	return a
}

func demoSurvey(b ledger.Building, units []ledger.Unit, report string) completion.Survey {
	s := completion.Survey{ReportNo: report, LandArea: decimal.Zero}
	sum := decimal.Zero
	for i, u := range units {
		a := measure(b, u)
		s.Units = append(s.Units, completion.UnitMeasure{Row: i + 2, UnitNo: u.UnitNo, Room: u.Room, Areas: a})
		sum = sum.Add(a.Total)
	}
	s.BuildingTotal = sum.Add(decimal.NewFromInt(380)) // stairs, plant rooms and the 物业用房 not apportioned
	return s
}

// markCommonPart marks the survey's first unit with no contract as the
// named common part.
func markCommonPart(ctx context.Context, db *store.DB, building int64, s *completion.Survey, name string) error {
	t, err := db.BuildingTable(ctx, building)
	if err != nil {
		return err
	}
	free := map[string]bool{}
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			free[c.Unit.UnitNo] = c.Status.Contract == ""
		}
	}
	for i := range s.Units {
		if free[s.Units[i].UnitNo] {
			s.Units[i].CommonPart = name
			return nil
		}
	}
	return fmt.Errorf("building %d: no unsold unit to mark %s", building, name)
}

// LoadCompletion takes 天山·悦府 (sales over, delivery due in December 2026)
// through the completion survey, the area reconciliation, a joint
// acceptance with one refusal and its re-inspection, the accounting and the
// completion filing; and leaves 庭州·花园 before filing with one survey
// awaiting review.
func LoadCompletion(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, setClock func(time.Time)) (*CompletionResult, error) {
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	l := &completionLoad{ctx: ctx, db: db, f: f, set: setClock, cal: cal, p: lr.Projects[0], res: &CompletionResult{},
		dev: actorOf(f, "kaifa"), housing: actorOf(f, "zhujian"), surveyor: actorOf(f, "cehui")}
	steps := []func() error{l.commission, l.surveys, l.acceptance, l.accounting, l.areaChoices, l.filing}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := l.gardenSurvey(lr.Projects[1]); err != nil {
		return nil, err
	}
	return l.res, nil
}

// completionLoad is LoadCompletion's state: who acts, 天山·悦府's buildings
// with their units, and what later steps need from earlier ones.
type completionLoad struct {
	ctx                    context.Context
	db                     *store.DB
	f                      *Foundation
	set                    func(time.Time)
	cal                    *calendar.Calendar
	p                      ledger.Project
	dev, housing, surveyor audit.Actor
	all                    []surveyedBuilding // in the project's order
	buildings              []int64            // their ids, for the acceptance and the filing
	landArea, floorArea    decimal.Decimal    // the survey's totals
	res                    *CompletionResult
}

// surveyedBuilding is a building of the demo survey with its units.
type surveyedBuilding struct {
	b     ledger.Building
	units []ledger.Unit
}

// day moves the clock to a day of the story, minutes after 10:00.
func (l *completionLoad) day(s string, minutes int) { at(l.set, calendar.MustDate(s), minutes) }

// commission has the developer commission the surveyor and reads the
// buildings and the areas every survey states.
func (l *completionLoad) commission() error {
	l.day("2026-10-12", 0)
	if err := l.db.CommissionSurveyor(l.ctx, l.dev, l.p.ID, l.f.Orgs["surveyor"].ID); err != nil {
		return err
	}
	parcels, err := l.db.ProjectDetail(l.ctx, l.p.ID)
	if err != nil {
		return err
	}
	l.landArea = parcels.Parcels[0].Area
	for _, bs := range parcels.Buildings {
		tab, err := l.db.BuildingTable(l.ctx, bs.Building.ID)
		if err != nil {
			return err
		}
		l.all = append(l.all, surveyedBuilding{bs.Building, tab.Units()})
	}
	l.floorArea = decimal.Zero
	for _, x := range l.all {
		for _, u := range x.units {
			l.floorArea = l.floorArea.Add(measure(x.b, u).Total)
		}
	}
	for _, x := range l.all {
		l.buildings = append(l.buildings, x.b.ID)
	}
	return nil
}

// surveys submits every building's survey, reviews them and counts the
// measured units.
func (l *completionLoad) surveys() error {
	var ids []int64
	for i, x := range l.all {
		l.day("2026-10-19", 10*i)
		id, err := l.submitSurvey(x)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := l.reviewSurveys(ids); err != nil {
		return err
	}
	l.countSurveyed()
	return nil
}

// submitSurvey submits one building's survey and returns its id. The 多测合一
// platform pushes buildings 1–7; buildings 3 and 8 come as a workbook read
// back, as the page does, and building 3's first has a mistake, which is
// refused (and recorded) and then corrected.
func (l *completionLoad) submitSurvey(x surveyedBuilding) (int64, error) {
	s := demoSurvey(x.b, x.units, fmt.Sprintf("CJCH-2026-%03d", 100+x.b.Number))
	s.LandArea, s.FloorArea = l.landArea, l.floorArea
	var up *store.SurveyUpload
	var readErrs []ledger.RowError
	if x.b.Number == 8 {
		// Building 8's 物业服务用房 is a flat never sold: the surveyor marks
		// it a common part (业主共有), recorded so at first registration.
		if err := markCommonPart(l.ctx, l.db, x.b.ID, &s, "物业服务用房"); err != nil {
			return 0, err
		}
	}
	if x.b.Number == 8 || x.b.Number == 3 {
		if x.b.Number == 3 {
			s.Units[11].Areas.Total = s.Units[11].Areas.Total.Add(decimal.RequireFromString("1.00"))
		}
		raw, err := completion.SurveyWorkbook(s, true)
		if err != nil {
			return 0, err
		}
		s, raw, readErrs = completion.ReadSurvey(l.ctx, bytes.NewReader(raw))
		s.Source = "import"
		up = &store.SurveyUpload{Name: x.b.Name + "竣工测绘成果.xlsx", Raw: raw}
	}
	r, err := l.db.SubmitSurvey(l.ctx, l.surveyor, x.b.ID, s, up, readErrs)
	if err != nil {
		return 0, err
	}
	if len(r.Errors) > 0 {
		if x.b.Number != 3 {
			return 0, fmt.Errorf("demo survey of %s: %v", x.b.Name, r.Errors[0])
		}
		l.day("2026-10-20", 30)
		s = demoSurvey(x.b, x.units, fmt.Sprintf("CJCH-2026-%03d", 100+x.b.Number))
		s.LandArea, s.FloorArea, s.Source = l.landArea, l.floorArea, "import"
		if r, err = l.db.SubmitSurvey(l.ctx, l.surveyor, x.b.ID, s, nil, nil); err != nil || len(r.Errors) > 0 {
			return 0, fmt.Errorf("demo survey of %s: %v %v", x.b.Name, err, r.Errors)
		}
	}
	return r.Survey.ID, nil
}

// reviewSurveys has housing accept every survey; building 2's goes back
// once for one unit and is accepted corrected.
func (l *completionLoad) reviewSurveys(ids []int64) error {
	for i, id := range ids {
		l.day("2026-10-21", 10*i)
		if x := l.all[i]; x.b.Number == 2 {
			if _, err := l.db.DecideSurvey(l.ctx, l.housing, id, false, map[string]string{x.units[6].UnitNo: "阳台按全面积计入，应按一半计算，请复核"}, ""); err != nil {
				return err
			}
			l.day("2026-10-23", 0)
			s := demoSurvey(x.b, x.units, "CJCH-2026-102-R1")
			s.LandArea, s.FloorArea, s.Source = l.landArea, l.floorArea, "api"
			r, err := l.db.SubmitSurvey(l.ctx, l.surveyor, x.b.ID, s, nil, nil)
			if err != nil || len(r.Errors) > 0 {
				return fmt.Errorf("demo corrected survey: %v %v", err, r.Errors)
			}
			id = r.Survey.ID
			l.day("2026-10-26", 0)
		}
		if _, err := l.db.DecideSurvey(l.ctx, l.housing, id, true, nil, "成果符合《房产测量规范》"); err != nil {
			return err
		}
	}
	return nil
}

// countSurveyed records the measured units and those of the listed changes:
// beyond ±3 %, or (building 8) across 140 m².
func (l *completionLoad) countSurveyed() {
	for _, x := range l.all {
		for _, u := range x.units {
			l.res.Surveyed++
			if _, ok := surveyChanges[[2]int{x.b.Number, u.Number}]; ok {
				if x.b.Number == 8 {
					l.res.Crossing = u.ID
				} else {
					l.res.Beyond = append(l.res.Beyond, u.ID)
				}
			}
		}
	}
}

// acceptance runs the joint acceptance of every building: fire refuses,
// then passes on re-inspection.
func (l *completionLoad) acceptance() error {
	l.day("2026-10-27", 0)
	c, err := l.db.ApplyAcceptance(l.ctx, l.dev, l.cal, l.p.ID, l.buildings)
	if err != nil {
		return err
	}
	for i, t := range c.Tasks {
		l.day("2026-10-30", 10*i)
		result, reasons := completion.Pass, ""
		var files []store.File
		if t.Department == "fire" {
			result, reasons = completion.Fail, "7号楼消防车道宽度不足4米，地下车库防火卷帘未联动。请整改后申请复验。"
			files = []store.File{{Name: "消防验收整改通知书.txt", ContentType: "text/plain; charset=utf-8",
				Data: []byte("昌吉市消防救援大队\n消防验收整改通知书\n一、7号楼东侧消防车道宽度3.6米，应不小于4米。\n二、地下车库防火卷帘与火灾报警系统未联动。\n")}}
		}
		if c, err = l.db.RecordOpinion(l.ctx, l.inspector(t), c.ID, t.Department, result, reasons, files); err != nil {
			return err
		}
	}
	l.day("2026-11-03", 0)
	if c, err = l.db.Reinspect(l.ctx, l.dev, l.cal, c.ID); err != nil {
		return err
	}
	l.day("2026-11-06", 0)
	for _, t := range c.Tasks {
		if t.Round == c.Round {
			if c, err = l.db.RecordOpinion(l.ctx, l.inspector(t), c.ID, t.Department, completion.Pass, "", nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// inspector is who records a department's opinion: the demo's users for
// fire and planning, else the department's inspection team.
func (l *completionLoad) inspector(t completion.Task) audit.Actor {
	switch t.Department {
	case "fire":
		return actorOf(l.f, "yanshou")
	case "planning":
		return actorOf(l.f, "guihua")
	}
	return audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID, OrgName: t.OrgName, Addr: "demo"}
}

// accounting clears the fees and pays the maintenance fund of most sold
// flats (every ninth from the fifth is left unpaid).
func (l *completionLoad) accounting() error {
	l.day("2026-11-09", 0)
	if _, err := l.db.PrepareAccounting(l.ctx, l.housing, l.p.ID); err != nil {
		return err
	}
	if err := l.clearFees(); err != nil {
		return err
	}
	maint, err := l.db.AccountingItems(l.ctx, l.p.ID, true)
	if err != nil {
		return err
	}
	for i, it := range maint {
		if i%9 == 4 { // some buyers have not paid yet
			continue
		}
		l.day("2026-11-10", i%480)
		if _, err := l.db.PayMaintenance(l.ctx, l.housing, it.ID, fmt.Sprintf("维修资金交存凭证 WX2026%05d", i+1)); err != nil {
			return err
		}
	}
	return nil
}

// clearFees records and clears every fee of the accounting, with the
// demo's amounts and evidence where it has them.
func (l *completionLoad) clearFees() error {
	fees := map[completion.ItemKind][2]string{
		completion.Infrastructure: {"31680000.00", "昌财非税〔2026〕0412"}, completion.SoilWater: {"102780.00", "昌水保〔2026〕88"},
		completion.CivilDefence: {"0.00", "已按规定修建防空地下室，免缴"},
	}
	items, err := l.db.AccountingItems(l.ctx, l.p.ID, false)
	if err != nil {
		return err
	}
	for _, it := range items {
		due, evidence := it.Due, it.Evidence
		if fee, ok := fees[it.Kind]; ok {
			due, evidence = decimal.RequireFromString(fee[0]), fee[1]
		}
		if _, err := l.db.RecordItem(l.ctx, l.housing, it.ID, due, due, evidence, it.Note); err != nil {
			return err
		}
		if _, err := l.db.ClearItem(l.ctx, l.housing, it.ID); err != nil {
			return err
		}
	}
	return nil
}

// areaChoices has the first two buyers beyond the ±3 % band choose: one
// keeps the flat, one rescinds.
func (l *completionLoad) areaChoices() error {
	contracts, err := l.db.ListContracts(l.ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: l.p.ID, State: presale.Filed, Limit: 5000})
	if err != nil {
		return err
	}
	decided := 0
	for _, u := range l.res.Beyond {
		for _, ct := range contracts {
			if ct.UnitID != u || decided >= 2 {
				continue
			}
			l.day("2026-11-12", decided)
			choice := []string{"keep", "rescind"}[decided]
			if err := l.db.DecideArea(l.ctx, audit.Actor{Name: ct.BuyerNames(), Addr: "demo"}, ct.ID, choice); err != nil {
				return err
			}
			decided++
		}
	}
	return nil
}

// filing records the completion filing with one material promised later:
// day 0 of the 20 working days.
func (l *completionLoad) filing() error {
	l.day("2026-11-16", 0)
	var err error
	l.res.Filing, err = l.db.RecordFiling(l.ctx, l.housing, l.cal, completion.Filing{ProjectID: l.p.ID, Buildings: l.buildings, Number: "昌建竣备〔2026〕第0187号",
		FiledOn: calendar.MustDate("2026-11-16")}, []completion.Commitment{{Title: "人防工程竣工验收备案表", DueOn: calendar.MustDate("2026-11-27")}})
	return err
}

// gardenSurvey leaves 庭州·花园 with the survey of building 1 awaiting
// review.
func (l *completionLoad) gardenSurvey(q ledger.Project) error {
	l.day("2026-11-25", 0)
	if err := l.db.CommissionSurveyor(l.ctx, actorOf(l.f, "kaifa2"), q.ID, l.f.Orgs["surveyor"].ID); err != nil {
		return err
	}
	qd, err := l.db.ProjectDetail(l.ctx, q.ID)
	if err != nil {
		return err
	}
	tab, err := l.db.BuildingTable(l.ctx, qd.Buildings[0].Building.ID)
	if err != nil {
		return err
	}
	s := demoSurvey(qd.Buildings[0].Building, tab.Units(), "CJCH-2026-211")
	s.LandArea, s.FloorArea = qd.Parcels[0].Area, decimal.NewFromInt(52000)
	l.day("2026-11-26", 0)
	if r, err := l.db.SubmitSurvey(l.ctx, l.surveyor, qd.Buildings[0].Building.ID, s, nil, nil); err != nil || len(r.Errors) > 0 {
		return fmt.Errorf("demo survey of 庭州·花园: %v %v", err, r.Errors)
	}
	return nil
}
