package simulation

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/demo"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
)

// project is one simulated project: its plan, what its story has reached
// and the blockers its actors brought.
type project struct {
	k       int
	name    string
	place   identity.Jurisdiction
	r       *rand.Rand
	flats   int
	begin   int // working-day indices into world.days
	planned int // the planned handover
	dev     audit.Actor
	devKey  string
	s       staff

	p         ledger.Project
	buildings []int64
	units     []int64
	sales     []*sale
	byUnit    map[int64]*sale

	surveysLeft int
	acceptance  completion.Case
	answers     map[int64]*answer // by task id: when the department answers
	filed       int               // the completion filing's day (-1 before)
	forgot      []int64           // maintenance items left unpaid …
	forgotUnits map[int64]bool    // … of these flats
	accounted   int               // the accounting's day (-1 before)
	assessed    int               // the deed tax's assessment day (-1 before)
	forgotPaid  bool
	event       handover.Event
	held        int // the handover's day (-1 before it is scheduled)
	ran         bool
	outcome     []handover.UnitOutcome // the flats as the batch left them on the day
	foreseen    map[int64][]handover.Party
}

// sale is one flat's sale, and its buyer's habits.
type sale struct {
	unit, contract int64
	buyer          demo.Person
	loan           bool
	payDay         int // the day the deed tax is paid (-1: not yet known)
	payPlanned     int // the day the platform hears of it, as last planned
	paid           bool
	late           bool
	sealOn         int // the day a court seals it (-1: never)
}

// answer is when a department answers a task, and what.
type answer struct {
	day  int
	fail bool
	done bool
}

// newProject plans project k of n: its county or park in turn, its size,
// the day it starts and the day it plans to hand over.
func (w *world) newProject(k, n int) *project {
	place := w.places[k%len(w.places)]
	flats := w.opts.Flats / n
	if k < w.opts.Flats%n {
		flats++
	}
	devKey := []string{"dev1", "dev2"}[k%2]
	p := &project{k: k, place: place, r: rand.New(rand.NewPCG(w.opts.Seed, uint64(k)+1)), flats: flats, devKey: devKey,
		name: fmt.Sprintf("%s模拟%02d号项目", place.CertPlace, k+1), filed: -1, held: -1, accounted: -1, assessed: -1, s: w.staff[place.Code],
		byUnit: map[int64]*sale{}, answers: map[int64]*answer{}, forgotUnits: map[int64]bool{}}
	p.begin = k * startsSpread / max(n, 1)
	p.planned = p.begin + storyLength
	p.dev = audit.Actor{UserID: w.f.Users["kaifa"].ID, Name: "吴强", OrgID: w.f.Orgs[devKey].ID}
	return p
}

// buildingPlan is a project's buildings for about flats sold at 95 %:
// buildings of four flats a floor, up to 18 floors.
func buildingPlan(flats int) []demo.BuildingPlan {
	units := (flats*100 + 94) / 95
	floors := min(18, max(3, (units+3)/4))
	n := (units + 4*floors - 1) / (4 * floors)
	var out []demo.BuildingPlan
	for b := 1; b <= n; b++ {
		out = append(out, demo.BuildingPlan{Number: b, Floors: floors, Sections: 2, PerSection: 2, Ratio: "0.180000"})
	}
	return out
}

// start creates the project as its developer and the housing bureau
// would, and plans its sales.
func (w *world) start(p *project) error {
	county := p.place.County
	s := demo.Synthetic{Name: p.name, Jurisdiction: p.place.Code, Developer: p.devKey, Plan: buildingPlan(p.flats),
		Parcel:     fmt.Sprintf("%s%03d%03dGB%05d", county, 800+p.k/1000, p.k%1000, p.k+1),
		LandCertNo: fmt.Sprintf("新(2024)%s不动产权第%07d号", p.place.CertPlace, 8000000+p.k), Delivery: w.days[p.planned]}
	var err error
	if p.p, err = demo.SyntheticProject(w.ctx, w.db, w.f, s); err != nil {
		return refused(p, "立项与预售", err)
	}
	d, err := w.db.ProjectDetail(w.ctx, p.p.ID)
	if err != nil {
		return err
	}
	for _, b := range d.Buildings {
		p.buildings = append(p.buildings, b.Building.ID)
		tab, err := w.db.BuildingTable(w.ctx, b.Building.ID)
		if err != nil {
			return err
		}
		for _, u := range tab.Units() {
			p.units = append(p.units, u.ID)
		}
	}
	sold := p.units[:min(len(p.units), p.flats)]
	for i, unit := range sold {
		sl := &sale{unit: unit, buyer: w.nextBuyer(), loan: p.r.IntN(10) < 6, payDay: -1, sealOn: -1}
		p.sales = append(p.sales, sl)
		p.byUnit[unit] = sl
		day := p.begin + 1 + i*salesDays/len(sold)
		w.plan(p, day, 30+i%300, "网签", func() error { return w.sell(p, sl, day) })
		if draw(p.r, w.sc.Seals.PerThousand/1000) {
			sl.sealOn = day + 20 + p.r.IntN(p.planned+sealAfterDays-day-20)
		}
	}
	w.plan(p, p.planned-surveyBefore, 0, "委托测绘", func() error { return w.survey(p) })
	return nil
}

// nextBuyer is the next buyer of the prefecture: each buys one flat.
func (w *world) nextBuyer() demo.Person {
	if len(w.buyers) == 0 {
		panic("simulation: out of buyers")
	}
	b := w.buyers[0]
	w.buyers = w.buyers[1:]
	return b
}

// sell has the developer draft and send the contract, the buyer confirm
// it, the bank record the down payment and, two working days later, the
// developer file it.
func (w *world) sell(p *project, sl *sale, day int) error {
	u, err := w.db.Unit(w.ctx, sl.unit)
	if err != nil {
		return err
	}
	in := store.ContractInput{UnitID: sl.unit, Ownership: presale.Sole, PriceBasis: presale.ByGross, UnitPrice: decimal.NewFromInt(int64(5800 + 40*u.Unit.Floor)),
		Payment: presale.Lump, HomeCount: presale.FirstHome, Marital: "已婚", DeliveryDate: w.days[p.planned], RegistrationDays: 60,
		LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3), DeliveryConditions: []string{"供水、排水、供电、供暖已接通"},
		Buyers: []presale.Buyer{{Name: sl.buyer.Name, IDNumber: sl.buyer.IDNumber, Phone: sl.buyer.Phone}}}
	_, total := presale.Price(in.PriceBasis, in.UnitPrice, u.Unit)
	down := total
	if sl.loan {
		in.Payment, in.LoanBank, in.LoanYears = presale.Commercial, p.s.bank.OrgID, 25
		in.LoanAmount = total.Mul(decimal.NewFromFloat(0.7)).Div(decimal.NewFromInt(10000)).Floor().Mul(decimal.NewFromInt(10000))
		in.LoanNo = fmt.Sprintf("JK%d%06d", p.k, len(p.byUnit)+int(sl.unit%100000))
		down = total.Sub(in.LoanAmount)
	}
	c, err := w.db.DraftContract(w.ctx, p.dev, p.p.Developer, in)
	if err != nil {
		return refused(p, "起草网签合同", err)
	}
	if c, err = w.db.SendContract(w.ctx, p.dev, c.ID); err != nil {
		return refused(p, "推送合同", err)
	}
	if c, err = w.db.ConfirmContract(w.ctx, audit.Actor{Name: sl.buyer.Name, Addr: "simulation"}, c.ID, sl.buyer.IDNumber); err != nil {
		return refused(p, "买受人确认合同", err)
	}
	if err := w.db.RecordPayment(w.ctx, p.s.bank, p.p.ID, c.ID, down, w.days[day], "首付款"); err != nil {
		return refused(p, "监管账户入账", err)
	}
	sl.contract = c.ID
	w.plan(p, day+2, 60, "合同备案", func() error {
		if _, err := w.db.FileContract(w.ctx, p.dev, c.ID); err != nil {
			return refused(p, "合同备案", err)
		}
		return nil
	})
	if sl.sealOn >= 0 {
		w.plan(p, max(sl.sealOn, day+3), 120, "法院查封", func() error { return w.seal(p, sl) })
	}
	return nil
}

// survey has the developer commission the surveyor, who submits each
// building's measured areas (as forecast); the housing bureau returns a
// share of them once, and the surveyor resubmits.
func (w *world) survey(p *project) error {
	if err := w.db.CommissionSurveyor(w.ctx, p.dev, p.p.ID, w.f.Orgs["surveyor"].ID); err != nil {
		return refused(p, "委托测绘", err)
	}
	p.surveysLeft = len(p.buildings)
	for _, b := range p.buildings {
		if err := w.submitSurvey(p, b, 0); err != nil {
			return err
		}
	}
	return nil
}

// submitSurvey submits a building's survey (round n) and plans its review
// the next working day.
func (w *world) submitSurvey(p *project, building int64, n int) error {
	tab, err := w.db.BuildingTable(w.ctx, building)
	if err != nil {
		return err
	}
	s := completion.Survey{ReportNo: fmt.Sprintf("SIM-%d-%d-%d", p.p.ID, building, n), LandArea: decimal.NewFromInt(100000), FloorArea: decimal.NewFromInt(250000)}
	sum := decimal.Zero
	for i, u := range tab.Units() {
		s.Units = append(s.Units, completion.UnitMeasure{Row: i + 2, UnitNo: u.UnitNo, Room: u.Room, Areas: u.Forecast})
		sum = sum.Add(u.Forecast.Total)
	}
	s.BuildingTotal = sum.Add(decimal.NewFromInt(300))
	surveyor := audit.Actor{UserID: w.f.Users["cehui"].ID, Name: "周涛", OrgID: w.f.Orgs["surveyor"].ID}
	res, err := w.db.SubmitSurvey(w.ctx, surveyor, building, s, nil, nil)
	if err != nil || len(res.Errors) > 0 {
		return refused(p, "提交测绘成果", fmt.Errorf("%v %v", err, res.Errors))
	}
	returned := n == 0 && draw(p.r, w.sc.Survey.Returned)
	w.plan(p, w.today+1, 30, "审核测绘成果", func() error {
		if returned {
			if _, err := w.db.DecideSurvey(w.ctx, p.s.housing, res.Survey.ID, false, nil, "公共部位分摊计算有误，请核实后重报"); err != nil {
				return refused(p, "退回测绘成果", err)
			}
			fix := w.today + 1 + w.sc.Survey.Fix.draw(p.r)
			w.plan(p, fix, 60, "重报测绘成果", func() error { return w.submitSurvey(p, building, n+1) })
			return nil
		}
		if _, err := w.db.DecideSurvey(w.ctx, p.s.housing, res.Survey.ID, true, nil, ""); err != nil {
			return refused(p, "审核通过测绘成果", err)
		}
		if p.surveysLeft--; p.surveysLeft == 0 {
			w.plan(p, max(w.today+1, p.planned-acceptBefore), 0, "申请联合验收", func() error { return w.applyAcceptance(p) })
		}
		return nil
	})
	return nil
}

// applyAcceptance applies for the joint acceptance of every building and
// plans each department's answer.
func (w *world) applyAcceptance(p *project) error {
	var err error
	if p.acceptance, err = w.db.ApplyAcceptance(w.ctx, p.dev, w.cal, p.p.ID, p.buildings); err != nil {
		return refused(p, "申请联合验收", err)
	}
	w.planAnswers(p, 1)
	return nil
}

// planAnswers plans the answers of the round's tasks: within the
// department's time limit, or late, or (in the first round) a refusal.
func (w *world) planAnswers(p *project, round int) {
	for _, t := range p.acceptance.Tasks {
		if t.Round != round || t.Result != completion.Pending {
			continue
		}
		dept := w.sc.Department(t.Department)
		due := w.index(t.DueOn)
		a := &answer{day: w.today + 1 + p.r.IntN(max(1, due-w.today))}
		switch {
		case round == 1 && draw(p.r, dept.FailFirst):
			a.fail = true
		case draw(p.r, dept.Late):
			a.day = due + max(1, dept.LateBy.draw(p.r))
		}
		p.answers[t.ID] = a
		w.planAnswer(p, t, a)
	}
}

// planAnswer plans one department's answer on its day.
func (w *world) planAnswer(p *project, t completion.Task, a *answer) {
	day := a.day
	w.plan(p, day, 60, "出具验收意见", func() error {
		if a.done || a.day != day { // answered already, or brought forward by an alert
			return nil
		}
		a.done = true
		result, reasons := completion.Pass, ""
		if a.fail {
			result, reasons = completion.Fail, "现场查验发现问题，须整改后复验"
		}
		c, err := w.db.RecordOpinion(w.ctx, audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID}, p.acceptance.ID, t.Department, result, reasons, nil)
		if err != nil {
			return refused(p, "出具验收意见", err)
		}
		p.acceptance = c
		if a.fail {
			dept := w.sc.Department(t.Department)
			w.plan(p, w.today+max(1, dept.Rectify.draw(p.r)), 0, "整改后申请复验", func() error { return w.reinspect(p) })
		}
		if c.State == completion.Passed {
			w.plan(p, w.today+1, 0, "竣工结算", func() error { return w.account(p) })
		}
		return nil
	})
}

// reinspect asks for the re-inspection once every first-round answer is
// in (a refused round waits for the others); a second department's
// refusal finds it asked already.
func (w *world) reinspect(p *project) error {
	if p.acceptance.State != completion.Rejected {
		return nil
	}
	for _, t := range p.acceptance.Latest() {
		if t.Result == completion.Pending {
			w.plan(p, w.today+1, 0, "整改后申请复验", func() error { return w.reinspect(p) })
			return nil
		}
	}
	c, err := w.db.Reinspect(w.ctx, p.dev, w.cal, p.acceptance.ID)
	if err != nil {
		return refused(p, "申请复验", err)
	}
	p.acceptance = c
	w.planAnswers(p, c.Round)
	return nil
}

// account prepares the accounting, has every item paid and cleared and
// the maintenance funds paid (a forgetful developer leaves some), and
// files the completion the next working day.
func (w *world) account(p *project) error {
	if _, err := w.db.PrepareAccounting(w.ctx, p.s.housing, p.p.ID); err != nil {
		return refused(p, "编制竣工结算清单", err)
	}
	p.accounted = w.today
	forget := draw(p.r, w.sc.Maintenance.Forget)
	for _, maint := range []bool{false, true} {
		items, err := w.db.AccountingItems(w.ctx, p.p.ID, maint)
		if err != nil {
			return err
		}
		for _, it := range items {
			switch {
			case maint && forget && p.r.Float64() < w.sc.Maintenance.Flats:
				p.forgot = append(p.forgot, it.ID)
				p.forgotUnits[it.UnitID] = true
			case maint:
				if _, err := w.db.PayMaintenance(w.ctx, p.s.housing, it.ID, fmt.Sprint("WX", it.ID)); err != nil {
					return refused(p, "交存维修资金", err)
				}
			default:
				if _, err := w.db.RecordItem(w.ctx, p.s.housing, it.ID, it.Due, it.Due, "缴款凭证", ""); err != nil {
					return refused(p, "登记结算款项", err)
				}
				if _, err := w.db.ClearItem(w.ctx, p.s.housing, it.ID); err != nil {
					return refused(p, "结清款项", err)
				}
			}
		}
	}
	w.plan(p, w.today+1, 30, "竣工验收备案", func() error { return w.file(p) })
	return nil
}

// file records the completion filing; the next working day the developer
// schedules the handover and applies for first registration, and the tax
// bureau assesses the deed tax the day after.
func (w *world) file(p *project) error {
	if _, err := w.db.RecordFiling(w.ctx, p.s.housing, w.cal, completion.Filing{ProjectID: p.p.ID, Buildings: p.buildings,
		Number: fmt.Sprintf("竣备〔%d〕模%d号", w.days[w.today].Year(), p.k+1), FiledOn: w.days[w.today]}, nil); err != nil {
		return refused(p, "竣工验收备案", err)
	}
	p.filed = w.today
	promised, err := w.db.Commitments(w.ctx, p.p.ID)
	if err != nil {
		return err
	}
	for _, c := range promised {
		// The developer keeps what it promised at the filing (容缺受理), a
		// few weeks on and before the day.
		day := min(w.today+10+p.r.IntN(20), w.index(c.DueOn)-1)
		w.plan(p, day, 200, "履行承诺事项", func() error {
			if _, err := w.db.FulfilCommitment(w.ctx, p.dev, c.ID, c.Title+"已办结，凭证编号 SIM-"+itoa(int(c.ID))); err != nil {
				return refused(p, "履行承诺事项", err)
			}
			return nil
		})
	}
	w.plan(p, w.today+1, 0, "安排交房", func() error { return w.schedule(p) })
	w.plan(p, w.today+1, 60, "首次登记", func() error { return w.firstRegistration(p) })
	w.plan(p, w.today+2, 0, "核定契税", func() error { return w.assess(p) })
	return nil
}

// schedule has the developer give notice of the handover: on the planned
// day, or later when the filing came too late for the notice and the
// deed tax.
func (w *world) schedule(p *project) error {
	p.held = max(p.planned, p.filed+noticeAfter)
	if p.held >= len(w.days) {
		return fmt.Errorf("%s：交房日落在日历之外（日历只到 %s）：情景的延误超出了模拟期", p.name, w.days[len(w.days)-1])
	}
	var err error
	p.event, err = w.db.ScheduleHandover(w.ctx, p.dev, handover.Event{ProjectID: p.p.ID, Buildings: p.buildings, HeldOn: w.days[p.held],
		Place: p.name + "交付大厅", Mode: handover.OnSite, NoticeOn: w.days[w.today]})
	if err != nil {
		return refused(p, "安排交房", err)
	}
	w.plan(p, p.held, -30, "交房当日批量办理", func() error { return w.handOver(p) })
	return nil
}

// firstRegistration: the developer's first registration of the filed
// buildings at the window, reviewed (unless automatically) and recorded by
// different clerks.
func (w *world) firstRegistration(p *project) error {
	dev := w.f.Orgs[p.devKey]
	in := store.ApplicationInput{Applicants: []registry.Applicant{{Name: dev.Name, IDKind: registry.USCCKind, IDNumber: dev.USCC}}, Agent: "吴强", Source: "counter"}
	for _, b := range p.buildings {
		in.Services = append(in.Services, store.ServiceInput{Kind: registry.First, BuildingID: b})
	}
	a, err := w.db.CreateApplication(w.ctx, p.s.acceptor, w.cal, in)
	if err != nil {
		return refused(p, "受理首次登记", err)
	}
	if a.Services[0].State == registry.Accepted {
		if a, err = w.db.Step(w.ctx, p.s.reviewer, a.ID, registry.StepReview, store.StepOptions{}, w.keys); err != nil {
			return refused(p, "审核首次登记", err)
		}
	}
	w.plan(p, w.today+1, 0, "首次登记登簿", func() error {
		if _, err := w.db.Step(w.ctx, p.s.recorder, a.ID, registry.StepRecord, store.StepOptions{}, w.keys); err != nil {
			return refused(p, "首次登记登簿", err)
		}
		return nil
	})
	return nil
}

// assess has the tax bureau assess the deed tax, and plans each buyer's
// payment: within days, or late.
func (w *world) assess(p *project) error {
	if _, err := w.db.AssessDeedTax(w.ctx, p.s.tax, p.p.ID); err != nil {
		return refused(p, "核定契税", err)
	}
	p.assessed = w.today
	for _, sl := range p.sales {
		sl.payDay = w.today + w.sc.DeedTax.OnTime.draw(p.r)
		if draw(p.r, w.sc.DeedTax.Late) {
			sl.late = true
			sl.payDay = w.today + max(1, w.sc.DeedTax.LateBy.draw(p.r))
		}
		w.planPayment(p, sl)
	}
	return nil
}

// planPayment plans a buyer's deed-tax payment on its day; the platform
// hears of it through the tax bureau's interface, on the day it is back
// when it is down.
func (w *world) planPayment(p *project, sl *sale) {
	day := sl.payDay
	if day >= w.outage[0] && day < w.outage[1] {
		day = w.outage[1]
	}
	sl.payPlanned = day
	w.plan(p, day, 120+int(sl.unit%240), "缴纳契税", func() error {
		if sl.paid || sl.payPlanned != day {
			return nil // paid already, or brought forward by an alert
		}
		sl.paid = true
		if _, err := w.db.PayDeedTax(w.ctx, p.s.tax, sl.contract, fmt.Sprintf("电子完税凭证 %d", sl.contract), "api"); err != nil {
			return refused(p, "缴纳契税", err)
		}
		return nil
	})
}

// seal has the county court seal a flat for its buyer's debt, reviewed
// and recorded at the window.
func (w *world) seal(p *project, sl *sale) error {
	court := registry.Applicant{Name: p.place.CertPlace + "人民法院", IDKind: registry.USCCKind, IDNumber: demo.USCC("11", p.place.County, fmt.Sprintf("0%07d", 1305520+p.k%7))}
	day := w.days[w.today].String()
	end := w.days[w.today].AddDays(3*365 - 1).String()
	a, err := w.db.CreateApplication(w.ctx, p.s.acceptor, w.cal, store.ApplicationInput{Applicants: []registry.Applicant{court}, Agent: "执行法官",
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: sl.unit, Details: map[string]string{"authority": court.Name,
			"doc_no": fmt.Sprintf("（%d）新执保%d号", w.days[w.today].Year(), sl.unit), "seal_kind": "查封", "term_start": day, "term_end": end}}}})
	if err != nil {
		return refused(p, "受理查封登记", err)
	}
	// The reviewer and the recorder take it up within the hour (a review
	// within seconds of the acceptance is itself an alert).
	w.plan(p, w.today, 150, "审核查封登记", func() error {
		if a, err = w.db.Step(w.ctx, p.s.reviewer, a.ID, registry.StepReview, store.StepOptions{}, w.keys); err != nil {
			return refused(p, "审核查封登记", err)
		}
		return nil
	})
	w.plan(p, w.today, 180, "查封登簿", func() error {
		if _, err = w.db.Step(w.ctx, p.s.recorder, a.ID, registry.StepRecord, store.StepOptions{}, w.keys); err != nil {
			return refused(p, "查封登簿", err)
		}
		return nil
	})
	return nil
}

// handOver runs the handover's batch on its day, before the day's work,
// and keeps what it left; the developer runs it again for the flats
// blocked every few working days for a while, as causes are fixed.
func (w *world) handOver(p *project) error {
	before := w.db.Now()
	ev, err := w.db.RunHandover(w.ctx, p.dev, w.cal, p.event.ID, w.keys, nil)
	if err != nil {
		return refused(p, "批量办理", err)
	}
	p.event, p.ran = ev, true
	if p.outcome, err = w.db.HandoverUnits(w.ctx, ev.ID); err != nil {
		return err
	}
	// Who was to act on each blocked flat: the last rehearsal before the
	// batch (the same decision on the same facts).
	p.foreseen = map[int64][]handover.Party{}
	if r, ok, err := w.db.LatestRehearsal(w.ctx, ev.ID, before.Add(1)); err != nil {
		return err
	} else if ok {
		for _, o := range r.Owners() {
			for _, u := range o.Units {
				p.foreseen[u.UnitID] = append(p.foreseen[u.UnitID], o.Party)
			}
		}
	}
	if len(p.forgot) > 0 && !p.forgotPaid {
		w.plan(p, w.today+max(1, w.sc.Maintenance.Later.draw(p.r)), 90, "补交维修资金", func() error { return w.payForgotten(p) })
	}
	if ev.Blocked > 0 {
		last := w.today + rerunsAfter
		w.plan(p, w.today+rerunEvery, 420, "受阻户再次批量办理", func() error { return w.rerun(p, last) })
	}
	return nil
}

// rerun runs the batch again for the flats still blocked, every few
// working days until the last.
func (w *world) rerun(p *project, last int) error {
	ev, err := w.db.RunHandover(w.ctx, p.dev, w.cal, p.event.ID, w.keys, nil)
	if err != nil {
		return refused(p, "受阻户再次办理", err)
	}
	p.event = ev
	if ev.Blocked > 0 && w.today < last {
		w.plan(p, w.today+rerunEvery, 420, "受阻户再次批量办理", func() error { return w.rerun(p, last) })
	}
	return nil
}

// forgets reports whether the developer left the flat's maintenance fund
// unpaid, and has not paid it since.
func (p *project) forgets(unit int64) bool { return p.forgotUnits[unit] && !p.forgotPaid }

// payForgotten: the developer pays the maintenance funds it left unpaid.
func (w *world) payForgotten(p *project) error {
	if p.forgotPaid {
		return nil
	}
	p.forgotPaid = true
	for _, id := range p.forgot {
		if _, err := w.db.PayMaintenance(w.ctx, p.s.housing, id, fmt.Sprint("WX补", id)); err != nil {
			return refused(p, "补交维修资金", err)
		}
	}
	return nil
}

// index is the index of a day in world.days: of the working day on or
// after it.
func (w *world) index(d calendar.Date) int {
	i, _ := slices.BinarySearchFunc(w.days, d, func(a, b calendar.Date) int { return a.Compare(b) })
	return i
}
