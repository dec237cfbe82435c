package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/courier"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// SupervisionResult says what the supervision stage left: the standing
// alerts by kind.
type SupervisionResult struct {
	Alerts map[supervision.AlertKind]int
	Listed []credit.Listing // the restriction list
}

// LoadSupervision gives the prefecture something to supervise, through the
// same store methods as the pages: 昌吉市 widens its warning windows; a
// clerk's objection accepted in October still waits for review; another is
// reviewed 40 seconds after it was taken; 庭州·花园's joint acceptance of
// building 2 waits on the civil air defence office past its limit; the
// developer of 天山·悦府 tries three times to sell a flat already sold, and
// 庭州·花园's tries to withdraw presale funds by a node not reached; the
// bank's loan system registered as a partner endpoint does not answer.
// Then every alert rule runs.
func LoadSupervision(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, setClock func(time.Time)) (SupervisionResult, error) {
	l := &supervisionLoad{ctx: ctx, db: db, f: f, set: setClock, res: SupervisionResult{Alerts: map[supervision.AlertKind]int{}}}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return l.res, err
	}
	l.cal, l.p, l.q = cal, lr.Projects[0], lr.Projects[1]
	steps := []func() error{l.settings, l.objection, l.gardenAcceptance, l.deadLetters, l.quickReview,
		l.refusedAttempts, l.creditRecords, l.today}
	for _, step := range steps {
		if err := step(); err != nil {
			return l.res, err
		}
	}
	return l.res, nil
}

// supervisionLoad is LoadSupervision's state: the two demo projects and
// what later steps need from earlier ones.
type supervisionLoad struct {
	ctx       context.Context
	db        *store.DB
	f         *Foundation
	set       func(time.Time)
	cal       *calendar.Calendar
	p, q      ledger.Project      // 天山·悦府 and 庭州·花园
	contracts []presale.Contract  // 天山·悦府's filed contracts
	qd        store.ProjectDetail // 庭州·花园 as read by gardenAcceptance
	res       SupervisionResult
}

// day moves the clock to a day of the story, minutes after 10:00.
func (l *supervisionLoad) day(s string, minutes int) { at(l.set, calendar.MustDate(s), minutes) }

// settings has 昌吉市 warn 15 working days before a planned delivery and 12
// before the end of the 20-working-day clock, and subscribes the bank's
// loan system to filings at a wrong address.
func (l *supervisionLoad) settings() error {
	l.day("2026-10-09", 0)
	if err := l.db.PutSettings(l.ctx, actorOf(l.f, "cj-admin"), "652301", map[string]string{supervision.SettingDeliveryDays: "15", supervision.SettingClockDays: "12"},
		store.SettingChange{Reason: "昌吉市交房即交证专班要求提前预警"}); err != nil {
		return err
	}
	_, err := l.db.PutEndpoint(l.ctx, actorOf(l.f, "admin"), exchange.Endpoint{OrgID: l.f.Orgs["652301/bank"].ID, Name: "个人住房贷款系统",
		URL: "http://127.0.0.1:9/handover/events", Secret: "demo-bank-secret-2026", Events: []string{exchange.ContractFiled},
		Jurisdiction: "652301", Active: true})
	return err
}

// objection takes an objection in October that is never reviewed; it reads
// 天山·悦府's filed contracts, whose flats the later steps use.
func (l *supervisionLoad) objection() error {
	var err error
	l.contracts, err = l.db.ListContracts(l.ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: l.p.ID, State: presale.Filed})
	if err != nil {
		return err
	}
	if len(l.contracts) < 3 {
		return fmt.Errorf("demo supervision: %d filed contracts", len(l.contracts))
	}
	l.day("2026-10-12", 30)
	_, err = l.db.CreateApplication(l.ctx, actorOf(l.f, "shouli"), l.cal, store.ApplicationInput{Applicants: []registry.Applicant{{Name: "赵玉兰", IDNumber: "652301196509230523"}},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: l.contracts[0].UnitID, Details: map[string]string{
			"reason": "申请人主张对该户预告登记的买受人姓名记载有误"}}}})
	return err
}

// gardenAcceptance accepts the survey of 庭州·花园 building 2 and applies
// for its joint acceptance; every department answers but the civil air
// defence office.
func (l *supervisionLoad) gardenAcceptance() error {
	var err error
	if l.qd, err = l.db.ProjectDetail(l.ctx, l.q.ID); err != nil {
		return err
	}
	b2 := l.qd.Buildings[1].Building
	tab, err := l.db.BuildingTable(l.ctx, b2.ID)
	if err != nil {
		return err
	}
	l.day("2026-11-09", 0)
	s := demoSurvey(b2, tab.Units(), "CJCH-2026-198")
	s.LandArea, s.FloorArea = l.qd.Parcels[0].Area, decimal.NewFromInt(52000)
	r, err := l.db.SubmitSurvey(l.ctx, actorOf(l.f, "cehui"), b2.ID, s, nil, nil)
	if err != nil || len(r.Errors) > 0 {
		return fmt.Errorf("demo survey of 庭州·花园 2幢: %v %v", err, r.Errors)
	}
	l.day("2026-11-10", 0)
	if _, err := l.db.DecideSurvey(l.ctx, actorOf(l.f, "zhujian"), r.Survey.ID, true, nil, ""); err != nil {
		return err
	}
	c, err := l.db.ApplyAcceptance(l.ctx, actorOf(l.f, "kaifa2"), l.cal, l.q.ID, []int64{b2.ID})
	if err != nil {
		return err
	}
	for i, t := range c.Tasks {
		if t.Department == "civil_defence" {
			continue
		}
		l.day("2026-11-12", 15*i)
		if _, err := l.db.RecordOpinion(l.ctx, audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID, OrgName: t.OrgName, Addr: "demo"}, c.ID, t.Department,
			completion.Pass, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// deadLetters files a contract of 庭州·花园, which goes to the bank's system
// that does not answer: the prefecture gives up after five attempts, and
// the administrator replays the dead letters once, in vain (the address is
// still wrong), so they fail again.
func (l *supervisionLoad) deadLetters() error {
	sold, err := l.db.ListContracts(l.ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: l.q.ID, State: presale.Signed})
	if err != nil {
		return err
	}
	if len(sold) > 0 {
		l.day("2026-11-25", 30)
		if _, err := l.db.FileContract(l.ctx, actorOf(l.f, "kaifa2"), sold[0].ID); err != nil {
			return err
		}
	}
	if err := l.db.PutSetting(l.ctx, actorOf(l.f, "admin"), identity.PrefectureCode, store.SettingMaxAttempts, "5"); err != nil {
		return err
	}
	cr := &courier.Courier{DB: l.db, Client: &http.Client{Timeout: time.Second}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: l.db.Now, MaxAttempts: 5}
	if err := l.deliver(cr, 40); err != nil {
		return err
	}
	l.day("2026-11-25", 420)
	es, err := l.db.Endpoints(l.ctx, l.f.Orgs["652301/bank"].ID)
	if err != nil {
		return err
	}
	for _, e := range es {
		if _, err := l.db.ReplayDeliveries(l.ctx, actorOf(l.f, "admin"), e.ID); err != nil {
			return err
		}
	}
	return l.deliver(cr, 430)
}

// deliver runs the courier six times an hour apart, from minute first of
// the filing day.
func (l *supervisionLoad) deliver(cr *courier.Courier, first int) error {
	for i := 0; i < 6; i++ {
		l.day("2026-11-25", first+60*i)
		if _, err := cr.RunOnce(l.ctx); err != nil {
			return err
		}
	}
	return nil
}

// quickReview takes an objection and reviews it 40 seconds later, for the
// alert on reviews too quick to be real.
func (l *supervisionLoad) quickReview() error {
	at(l.set, calendar.MustDate("2026-11-25"), 0)
	a, err := l.db.CreateApplication(l.ctx, actorOf(l.f, "shouli"), l.cal, store.ApplicationInput{Applicants: []registry.Applicant{{Name: "陈立新", IDNumber: "652301197111041831"}},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: l.contracts[1].UnitID, Details: map[string]string{
			"reason": "申请人主张该户预告登记的共有情况记载有误"}}}})
	if err != nil {
		return err
	}
	l.set(calendar.MustDate("2026-11-25").Start().Add(10*time.Hour + 40*time.Second))
	_, err = l.db.Step(l.ctx, actorOf(l.f, "shenhe"), a.ID, registry.StepReview, store.StepOptions{}, nil)
	return err
}

// refusedAttempts makes three attempts this morning to sell a flat already
// sold (the rule counts those of the last day) and a withdrawal by a node
// 庭州·花园 has not reached: each refused by rule, and recorded.
func (l *supervisionLoad) refusedAttempts() error {
	dev := actorOf(l.f, "kaifa")
	l.set(time.Time{})
	today := l.db.Now()
	for i := 0; i < 3; i++ {
		l.set(today.Add(time.Duration(20*i-180) * time.Minute))
		_, err := l.db.DraftContract(l.ctx, dev, l.f.Orgs["dev1"].ID, store.ContractInput{UnitID: l.contracts[2].UnitID,
			Buyers: []presale.Buyer{{Name: "孙浩", IDNumber: "652301198807150017"}}, Ownership: presale.Sole, PriceBasis: presale.ByGross,
			UnitPrice: decimal.NewFromInt(6200), Payment: presale.Lump, HomeCount: presale.FirstHome, Marital: "未婚",
			DeliveryDate: l.p.PlannedDelivery, RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)})
		if err == nil {
			return fmt.Errorf("demo supervision: a sold flat was sold again")
		}
	}
	l.day("2026-11-26", 90)
	if _, err := l.db.RequestWithdrawal(l.ctx, actorOf(l.f, "kaifa2"), presale.Withdrawal{ProjectID: l.q.ID, Node: "completion",
		Amount: decimal.NewFromInt(8000000), Evidence: "工程进度说明"}); err == nil {
		return fmt.Errorf("demo supervision: a withdrawal by an unreached node was allowed")
	}
	return nil
}

// creditRecords has the housing bureau record two findings against 庭州置业
// (its refused withdrawal raised an alert; the inspection it prompted found
// purchase money kept out of the supervised account): its score falls to D
// and the rule lists it, so its next presale permit is refused. 天山房地产
// appeals the record of its refused fire inspection.
func (l *supervisionLoad) creditRecords() error {
	l.day("2026-11-26", 100)
	for _, f := range []struct {
		facts, evidence string
		points          int
	}{
		{"售楼处公示的预售房源与备案楼盘表不一致，且未公示预售资金监管账户", "昌市住建检查记录〔2026〕第41号", 30},
		{"部分购房款未存入预售资金监管账户（经核查认定）", "昌市住建检查记录〔2026〕第42号", 15},
	} {
		if _, err := l.db.RecordCreditEvent(l.ctx, actorOf(l.f, "zhujian"), l.f.Orgs["dev2"].ID, f.facts, f.evidence, f.points); err != nil {
			return err
		}
	}
	events, err := l.db.CreditEvents(l.ctx, l.f.Orgs["dev1"].ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Kind == credit.AcceptanceFailed {
			if _, err := l.db.AppealCreditEvent(l.ctx, actorOf(l.f, "kaifa"), e.ID, "消防验收不通过系设计变更未及时报送所致，已于复验前整改完毕并通过复验，请求撤销扣分"); err != nil {
				return err
			}
			break
		}
	}
	l.day("2026-11-26", 120)
	if _, err := l.db.EvaluateCredit(l.ctx, l.cal); err != nil {
		return err
	}
	l.day("2026-11-27", 30)
	b3 := l.qd.Buildings[2].Building
	app, err := l.db.ApplyPresale(l.ctx, actorOf(l.f, "kaifa2"), l.q.ID, []int64{b3.ID}, "3号楼主体结构已封顶，申请预售")
	if err != nil {
		return err
	}
	if _, err := l.db.IssuePresale(l.ctx, actorOf(l.f, "zhujian"), l.q.ID, []int64{b3.ID}, "", app.ID); err == nil {
		return fmt.Errorf("demo supervision: a presale permit for a restricted developer")
	}
	return nil
}

// today runs every rule at the real time and counts the open alerts by kind
// and the restriction list, for the demo's summary.
func (l *supervisionLoad) today() error {
	l.set(time.Time{})
	if _, err := l.db.EvaluateAlerts(l.ctx, l.cal); err != nil {
		return err
	}
	all, err := l.db.Alerts(l.ctx, store.AlertQuery{Filter: access.Filter{All: true}, State: "open", Limit: 10000})
	if err != nil {
		return err
	}
	for _, a := range all {
		l.res.Alerts[a.Kind]++
	}
	if _, err := l.db.EvaluateCredit(l.ctx, l.cal); err != nil {
		return err
	}
	l.res.Listed, err = l.db.Listings(l.ctx, false)
	return err
}
