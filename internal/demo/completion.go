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

// LoadCompletion takes 天山·悦府 (sales over, delivery due in December 2026)
// through the completion survey, the area reconciliation, a joint
// acceptance with one refusal and its re-inspection, the accounting and the
// completion filing; and leaves 庭州·花园 before filing with one survey
// awaiting review.
func LoadCompletion(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, setClock func(time.Time)) (*CompletionResult, error) {
	res := &CompletionResult{}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	p := lr.Projects[0]
	dev, housing, surveyor := actorOf(f, "kaifa"), actorOf(f, "zhujian"), actorOf(f, "cehui")
	day := func(s string, minutes int) { at(setClock, calendar.MustDate(s), minutes) }

	day("2026-10-12", 0)
	if err := db.CommissionSurveyor(ctx, dev, p.ID, f.Orgs["surveyor"].ID); err != nil {
		return nil, err
	}
	parcels, err := db.ProjectDetail(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	landArea := parcels.Parcels[0].Area
	// The 多测合一 platform pushes buildings 1–7; building 8 comes as a workbook.
	type bu struct {
		b     ledger.Building
		units []ledger.Unit
	}
	var all []bu
	for _, bs := range parcels.Buildings {
		tab, err := db.BuildingTable(ctx, bs.Building.ID)
		if err != nil {
			return nil, err
		}
		all = append(all, bu{bs.Building, tab.Units()})
	}
	floorArea := decimal.Zero
	for _, x := range all {
		for _, u := range x.units {
			floorArea = floorArea.Add(measure(x.b, u).Total)
		}
	}
	var ids []int64
	for i, x := range all {
		day("2026-10-19", 10*i)
		s := demoSurvey(x.b, x.units, fmt.Sprintf("CJCH-2026-%03d", 100+x.b.Number))
		s.LandArea, s.FloorArea = landArea, floorArea
		var up *store.SurveyUpload
		var readErrs []ledger.RowError
		if x.b.Number == 8 || x.b.Number == 3 {
			// The page's path: a workbook read back (building 3 with a mistake).
			if x.b.Number == 3 {
				s.Units[11].Areas.Total = s.Units[11].Areas.Total.Add(decimal.RequireFromString("1.00"))
			}
			raw, err := completion.SurveyWorkbook(s, true)
			if err != nil {
				return nil, err
			}
			s, raw, readErrs = completion.ReadSurvey(bytes.NewReader(raw))
			s.Source = "import"
			up = &store.SurveyUpload{Name: x.b.Name + "竣工测绘成果.xlsx", Raw: raw}
		}
		r, err := db.SubmitSurvey(ctx, surveyor, x.b.ID, s, up, readErrs)
		if err != nil {
			return nil, err
		}
		if len(r.Errors) > 0 {
			if x.b.Number != 3 {
				return nil, fmt.Errorf("demo survey of %s: %v", x.b.Name, r.Errors[0])
			}
			// The refused upload is recorded; the surveyor corrects the row.
			day("2026-10-20", 30)
			s = demoSurvey(x.b, x.units, fmt.Sprintf("CJCH-2026-%03d", 100+x.b.Number))
			s.LandArea, s.FloorArea, s.Source = landArea, floorArea, "import"
			if r, err = db.SubmitSurvey(ctx, surveyor, x.b.ID, s, nil, nil); err != nil || len(r.Errors) > 0 {
				return nil, fmt.Errorf("demo survey of %s: %v %v", x.b.Name, err, r.Errors)
			}
		}
		ids = append(ids, r.Survey.ID)
	}
	// Building 2's result goes back once for one unit, then is accepted corrected.
	for i, id := range ids {
		day("2026-10-21", 10*i)
		if all[i].b.Number == 2 {
			if _, err := db.DecideSurvey(ctx, housing, id, false, map[string]string{all[i].units[6].UnitNo: "阳台按全面积计入，应按一半计算，请复核"}, ""); err != nil {
				return nil, err
			}
			day("2026-10-23", 0)
			s := demoSurvey(all[i].b, all[i].units, "CJCH-2026-102-R1")
			s.LandArea, s.FloorArea, s.Source = landArea, floorArea, "api"
			r, err := db.SubmitSurvey(ctx, surveyor, all[i].b.ID, s, nil, nil)
			if err != nil || len(r.Errors) > 0 {
				return nil, fmt.Errorf("demo corrected survey: %v %v", err, r.Errors)
			}
			id = r.Survey.ID
			day("2026-10-26", 0)
		}
		if _, err := db.DecideSurvey(ctx, housing, id, true, nil, "成果符合《房产测量规范》"); err != nil {
			return nil, err
		}
	}
	for _, x := range all {
		for _, u := range x.units {
			res.Surveyed++
			if _, ok := surveyChanges[[2]int{x.b.Number, u.Number}]; ok {
				if x.b.Number == 8 {
					res.Crossing = u.ID
				} else {
					res.Beyond = append(res.Beyond, u.ID)
				}
			}
		}
	}

	// Joint acceptance of every building: fire refuses, then passes on re-inspection.
	day("2026-10-27", 0)
	var buildings []int64
	for _, x := range all {
		buildings = append(buildings, x.b.ID)
	}
	c, err := db.ApplyAcceptance(ctx, dev, cal, p.ID, buildings)
	if err != nil {
		return nil, err
	}
	inspector := func(t completion.Task) audit.Actor {
		switch t.Department {
		case "fire":
			return actorOf(f, "yanshou")
		case "planning":
			return actorOf(f, "guihua")
		}
		return audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID, OrgName: t.OrgName, Addr: "demo"}
	}
	for i, t := range c.Tasks {
		day("2026-10-30", 10*i)
		result, reasons := completion.Pass, ""
		var files []store.File
		if t.Department == "fire" {
			result, reasons = completion.Fail, "7号楼消防车道宽度不足4米，地下车库防火卷帘未联动。请整改后申请复验。"
			files = []store.File{{Name: "消防验收整改通知书.txt", ContentType: "text/plain; charset=utf-8",
				Data: []byte("昌吉市消防救援大队\n消防验收整改通知书\n一、7号楼东侧消防车道宽度3.6米，应不小于4米。\n二、地下车库防火卷帘与火灾报警系统未联动。\n")}}
		}
		if c, err = db.RecordOpinion(ctx, inspector(t), c.ID, t.Department, result, reasons, files); err != nil {
			return nil, err
		}
	}
	day("2026-11-03", 0)
	if c, err = db.Reinspect(ctx, dev, cal, c.ID); err != nil {
		return nil, err
	}
	day("2026-11-06", 0)
	for _, t := range c.Tasks {
		if t.Round == c.Round {
			if c, err = db.RecordOpinion(ctx, inspector(t), c.ID, t.Department, completion.Pass, "", nil); err != nil {
				return nil, err
			}
		}
	}

	// Accounting: the fees cleared, the maintenance fund of most sold flats paid.
	day("2026-11-09", 0)
	if _, err := db.PrepareAccounting(ctx, housing, p.ID); err != nil {
		return nil, err
	}
	fees := map[completion.ItemKind][2]string{
		completion.Infrastructure: {"31680000.00", "昌财非税〔2026〕0412"}, completion.SoilWater: {"102780.00", "昌水保〔2026〕88"},
		completion.CivilDefence: {"0.00", "已按规定修建防空地下室，免缴"},
	}
	items, err := db.AccountingItems(ctx, p.ID, false)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		due, evidence := it.Due, it.Evidence
		if fee, ok := fees[it.Kind]; ok {
			due, evidence = decimal.RequireFromString(fee[0]), fee[1]
		}
		if _, err := db.RecordItem(ctx, housing, it.ID, due, due, evidence, it.Note); err != nil {
			return nil, err
		}
		if _, err := db.ClearItem(ctx, housing, it.ID); err != nil {
			return nil, err
		}
	}
	maint, err := db.AccountingItems(ctx, p.ID, true)
	if err != nil {
		return nil, err
	}
	for i, it := range maint {
		if i%9 == 4 { // some buyers have not paid yet
			continue
		}
		day("2026-11-10", i%480)
		if _, err := db.PayMaintenance(ctx, housing, it.ID, fmt.Sprintf("维修资金交存凭证 WX2026%05d", i+1)); err != nil {
			return nil, err
		}
	}

	// The buyers beyond the band choose; one rescinds.
	contracts, err := db.ListContracts(ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: p.ID, State: presale.Filed, Limit: 5000})
	if err != nil {
		return nil, err
	}
	decided := 0
	for _, u := range res.Beyond {
		for _, ct := range contracts {
			if ct.UnitID != u || decided >= 2 {
				continue
			}
			day("2026-11-12", decided)
			choice := []string{"keep", "rescind"}[decided]
			if err := db.DecideArea(ctx, audit.Actor{Name: ct.BuyerNames(), Addr: "demo"}, ct.ID, choice); err != nil {
				return nil, err
			}
			decided++
		}
	}

	// The filing: day 0 of the 20 working days.
	day("2026-11-16", 0)
	res.Filing, err = db.RecordFiling(ctx, housing, cal, completion.Filing{ProjectID: p.ID, Buildings: buildings, Number: "昌建竣备〔2026〕第0187号",
		FiledOn: calendar.MustDate("2026-11-16")}, []completion.Commitment{{Title: "人防工程竣工验收备案表", DueOn: calendar.MustDate("2026-11-27")}})
	if err != nil {
		return nil, err
	}

	// 庭州·花园: the survey of building 1 awaits review.
	q := lr.Projects[1]
	day("2026-11-25", 0)
	if err := db.CommissionSurveyor(ctx, actorOf(f, "kaifa2"), q.ID, f.Orgs["surveyor"].ID); err != nil {
		return nil, err
	}
	qd, err := db.ProjectDetail(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	tab, err := db.BuildingTable(ctx, qd.Buildings[0].Building.ID)
	if err != nil {
		return nil, err
	}
	s := demoSurvey(qd.Buildings[0].Building, tab.Units(), "CJCH-2026-211")
	s.LandArea, s.FloorArea = qd.Parcels[0].Area, decimal.NewFromInt(52000)
	day("2026-11-26", 0)
	if r, err := db.SubmitSurvey(ctx, surveyor, qd.Buildings[0].Building.ID, s, nil, nil); err != nil || len(r.Errors) > 0 {
		return nil, fmt.Errorf("demo survey of 庭州·花园: %v %v", err, r.Errors)
	}

	return res, nil
}
