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
	res := SupervisionResult{Alerts: map[supervision.AlertKind]int{}}
	day := func(s string, minutes int) { at(setClock, calendar.MustDate(s), minutes) }
	cal, err := db.Calendar(ctx)
	if err != nil {
		return res, err
	}
	admin, acceptor, reviewer := actorOf(f, "cj-admin"), actorOf(f, "shouli"), actorOf(f, "shenhe")
	p, q := lr.Projects[0], lr.Projects[1]

	// 昌吉市 warns 15 working days before a planned delivery and 12 before
	// the end of the 20-working-day clock.
	day("2026-10-09", 0)
	if err := db.PutSettings(ctx, admin, "652301", map[string]string{supervision.SettingDeliveryDays: "15", supervision.SettingClockDays: "12"}); err != nil {
		return res, err
	}

	// The bank's loan system subscribes to filings; its address is wrong.
	if _, err := db.PutEndpoint(ctx, actorOf(f, "admin"), exchange.Endpoint{OrgID: f.Orgs["652301/bank"].ID, Name: "个人住房贷款系统",
		URL: "http://127.0.0.1:9/handover/events", Secret: "demo-bank-secret-2026", Events: []string{exchange.ContractFiled},
		Jurisdiction: "652301", Active: true}); err != nil {
		return res, err
	}

	// An objection taken in October and never reviewed.
	contracts, err := db.ListContracts(ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: p.ID, State: presale.Filed})
	if err != nil {
		return res, err
	}
	if len(contracts) < 3 {
		return res, fmt.Errorf("demo supervision: %d filed contracts", len(contracts))
	}
	day("2026-10-12", 30)
	if _, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: []string{"赵玉兰"},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: contracts[0].UnitID, Details: map[string]string{
			"reason": "申请人主张对该户预告登记的买受人姓名记载有误"}}}}); err != nil {
		return res, err
	}

	// 庭州·花园 building 2: survey accepted, joint acceptance applied; the
	// civil air defence office has not answered.
	qd, err := db.ProjectDetail(ctx, q.ID)
	if err != nil {
		return res, err
	}
	b2 := qd.Buildings[1].Building
	tab, err := db.BuildingTable(ctx, b2.ID)
	if err != nil {
		return res, err
	}
	day("2026-11-09", 0)
	s := demoSurvey(b2, tab.Units(), "CJCH-2026-198")
	s.LandArea, s.FloorArea = qd.Parcels[0].Area, decimal.NewFromInt(52000)
	r, err := db.SubmitSurvey(ctx, actorOf(f, "cehui"), b2.ID, s, nil, nil)
	if err != nil || len(r.Errors) > 0 {
		return res, fmt.Errorf("demo survey of 庭州·花园 2幢: %v %v", err, r.Errors)
	}
	day("2026-11-10", 0)
	if _, err := db.DecideSurvey(ctx, actorOf(f, "zhujian"), r.Survey.ID, true, nil, ""); err != nil {
		return res, err
	}
	c, err := db.ApplyAcceptance(ctx, actorOf(f, "kaifa2"), cal, q.ID, []int64{b2.ID})
	if err != nil {
		return res, err
	}
	for i, t := range c.Tasks {
		if t.Department == "civil_defence" {
			continue
		}
		day("2026-11-12", 15*i)
		if _, err := db.RecordOpinion(ctx, audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID, OrgName: t.OrgName, Addr: "demo"}, c.ID, t.Department,
			completion.Pass, "", nil); err != nil {
			return res, err
		}
	}

	// A new filing of 庭州·花园 goes to the bank's system, which does not
	// answer: the courier tries again and again.
	sold, err := db.ListContracts(ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: q.ID, State: presale.Signed})
	if err != nil {
		return res, err
	}
	if len(sold) > 0 {
		day("2026-11-25", 30)
		if _, err := db.FileContract(ctx, actorOf(f, "kaifa2"), sold[0].ID); err != nil {
			return res, err
		}
	}
	// The prefecture gives up on a delivery after five attempts; the
	// administrator replays the bank's dead letters once, in vain (the
	// address is still wrong), and they fail again.
	if err := db.PutSetting(ctx, actorOf(f, "admin"), identity.PrefectureCode, store.SettingMaxAttempts, "5"); err != nil {
		return res, err
	}
	cr := &courier.Courier{DB: db, Client: &http.Client{Timeout: time.Second}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: db.Now, MaxAttempts: 5}
	for i := 0; i < 6; i++ {
		day("2026-11-25", 40+60*i)
		if _, err := cr.RunOnce(ctx); err != nil {
			return res, err
		}
	}
	day("2026-11-25", 420)
	es, err := db.Endpoints(ctx, f.Orgs["652301/bank"].ID)
	if err != nil {
		return res, err
	}
	for _, e := range es {
		if _, err := db.ReplayDeliveries(ctx, actorOf(f, "admin"), e.ID); err != nil {
			return res, err
		}
	}
	for i := 0; i < 6; i++ {
		day("2026-11-25", 430+60*i)
		if _, err := cr.RunOnce(ctx); err != nil {
			return res, err
		}
	}

	// A review 40 seconds after the acceptance.
	at(setClock, calendar.MustDate("2026-11-25"), 0)
	a, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: []string{"陈立新"},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: contracts[1].UnitID, Details: map[string]string{
			"reason": "申请人主张该户预告登记的共有情况记载有误"}}}})
	if err != nil {
		return res, err
	}
	setClock(calendar.MustDate("2026-11-25").Start().Add(10*time.Hour + 40*time.Second))
	if _, err := db.Step(ctx, reviewer, a.ID, registry.StepReview, store.StepOptions{}, nil); err != nil {
		return res, err
	}

	// Three attempts to sell a flat already sold, and a withdrawal by a node
	// 庭州·花园 has not reached: each refused by rule, and recorded.
	// The attempts are this morning: the rule counts those of the last day.
	dev := actorOf(f, "kaifa")
	setClock(time.Time{})
	today := db.Now()
	for i := 0; i < 3; i++ {
		setClock(today.Add(time.Duration(20*i-180) * time.Minute))
		_, err := db.DraftContract(ctx, dev, f.Orgs["dev1"].ID, store.ContractInput{UnitID: contracts[2].UnitID,
			Buyers: []presale.Buyer{{Name: "孙浩", IDNumber: "652301198807150017"}}, Ownership: presale.Sole, PriceBasis: presale.ByGross,
			UnitPrice: decimal.NewFromInt(6200), Payment: presale.Lump, HomeCount: presale.FirstHome, Marital: "未婚",
			DeliveryDate: p.PlannedDelivery, RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)})
		if err == nil {
			return res, fmt.Errorf("demo supervision: a sold flat was sold again")
		}
	}
	day("2026-11-26", 90)
	if _, err := db.RequestWithdrawal(ctx, actorOf(f, "kaifa2"), presale.Withdrawal{ProjectID: q.ID, Node: "completion",
		Amount: decimal.NewFromInt(8000000), Evidence: "工程进度说明"}); err == nil {
		return res, fmt.Errorf("demo supervision: a withdrawal by an unreached node was allowed")
	}

	// Credit: the housing bureau records a finding against 庭州置业; with the
	// withdrawal attempt its score falls to D and the rule lists it, so its
	// next presale permit is refused. 天山房地产 appeals the record of its
	// refused fire inspection.
	day("2026-11-26", 100)
	if _, err := db.RecordCreditEvent(ctx, actorOf(f, "zhujian"), f.Orgs["dev2"].ID, "售楼处公示的预售房源与备案楼盘表不一致，且未公示预售资金监管账户",
		"昌市住建检查记录〔2026〕第41号", 30); err != nil {
		return res, err
	}
	events, err := db.CreditEvents(ctx, f.Orgs["dev1"].ID)
	if err != nil {
		return res, err
	}
	for _, e := range events {
		if e.Kind == credit.AcceptanceFailed {
			if _, err := db.AppealCreditEvent(ctx, actorOf(f, "kaifa"), e.ID, "消防验收不通过系设计变更未及时报送所致，已于复验前整改完毕并通过复验，请求撤销扣分"); err != nil {
				return res, err
			}
			break
		}
	}
	day("2026-11-26", 120)
	if _, err := db.EvaluateCredit(ctx, cal); err != nil {
		return res, err
	}
	day("2026-11-27", 30)
	b3 := qd.Buildings[2].Building
	app, err := db.ApplyPresale(ctx, actorOf(f, "kaifa2"), q.ID, []int64{b3.ID}, "3号楼主体结构已封顶，申请预售")
	if err != nil {
		return res, err
	}
	if _, err := db.IssuePresale(ctx, actorOf(f, "zhujian"), q.ID, []int64{b3.ID}, "", app.ID); err == nil {
		return res, fmt.Errorf("demo supervision: a presale permit for a restricted developer")
	}

	// Today: every rule.
	setClock(time.Time{})
	if _, err := db.EvaluateAlerts(ctx, cal); err != nil {
		return res, err
	}
	all, err := db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, State: "open", Limit: 10000})
	if err != nil {
		return res, err
	}
	for _, a := range all {
		res.Alerts[a.Kind]++
	}
	if _, err := db.EvaluateCredit(ctx, cal); err != nil {
		return res, err
	}
	res.Listed, err = db.Listings(ctx, false)
	return res, err
}
