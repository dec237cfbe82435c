package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/completion"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
	"handover/internal/web/webtest"
)

// principals of the authorization matrix: one user of every role in the
// home county (652301), one in another county (652302), the prefecture's
// administrator and supervisor, and nobody.
type matrix struct {
	env      *webtest.Env
	home     map[identity.Role]*http.Client
	other    map[identity.Role]*http.Client
	pref     map[identity.Role]*http.Client
	anon     *http.Client
	fixture  map[string]int64 // records in the home county the routes address
	seq      atomic.Int64
	workbook []byte // a valid 楼盘表 workbook for the import route
	licence  string // the 电子证照标识 of the fixture certificate
	unitNo   string // the 不动产单元号 of the fixture unit
	inquiry  string // the number of the fixture 查询结果证明
	note     string // the register log's signed checkpoint
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	env := webtest.Start(t)
	ctx := context.Background()
	m := &matrix{env: env, home: map[identity.Role]*http.Client{}, other: map[identity.Role]*http.Client{},
		pref: map[identity.Role]*http.Client{}, anon: env.Client(t, ""), fixture: map[string]int64{}}
	homeUsers := map[identity.Role]string{
		identity.RoleAcceptor: "shouli", identity.RoleReviewer: "shenhe", identity.RoleRecorder: "dengbu",
		identity.RoleAdmin: "cj-admin", identity.RoleHousing: "zhujian", identity.RoleInspector: "yanshou",
		identity.RoleSurveyor: "cehui", identity.RoleDeveloper: "kaifa", identity.RoleBuyer: "zhangwei",
		identity.RoleBank: "yinhang", identity.RoleTax: "shuiwu", identity.RoleUtility: "gongshui",
	}
	for r, u := range homeUsers {
		m.home[r] = env.Client(t, u)
	}
	m.pref[identity.RoleAdmin] = env.Client(t, "admin")
	m.pref[identity.RoleSupervisor] = env.Client(t, "jianguan")

	// The other county's users.
	surveyor2, err := env.DB.CreateOrg(ctx, audit.System(), identity.Org{Name: "阜康测绘有限公司", Kind: identity.Surveyor,
		Jurisdiction: "652302", USCC: demo.USCC("91", "652302", "MB000019")})
	if err != nil {
		t.Fatal(err)
	}
	otherOrgs := map[identity.Role]int64{
		identity.RoleAcceptor: env.Demo.Orgs["652302/registry"].ID, identity.RoleReviewer: env.Demo.Orgs["652302/registry"].ID,
		identity.RoleRecorder: env.Demo.Orgs["652302/registry"].ID, identity.RoleAdmin: env.Demo.Orgs["652302/registry"].ID,
		identity.RoleHousing: env.Demo.Orgs["652302/housing"].ID, identity.RoleInspector: env.Demo.Orgs["652302/fire"].ID,
		identity.RoleSurveyor: surveyor2.ID, identity.RoleDeveloper: env.Demo.Orgs["dev2"].ID,
		identity.RoleBuyer: env.Demo.Orgs["individual"].ID, identity.RoleBank: env.Demo.Orgs["652302/bank"].ID,
		identity.RoleTax: env.Demo.Orgs["652302/tax"].ID, identity.RoleUtility: env.Demo.Orgs["652302/water"].ID,
	}
	for r, org := range otherOrgs {
		u := identity.User{Username: "other-" + string(r), Name: "他县" + r.Label(), OrgID: org, Roles: []identity.Role{r}}
		if r == identity.RoleBuyer {
			u.IDNumber = "440524188001010014"
		}
		if _, err := env.DB.CreateUser(ctx, audit.System(), store.NewUser{User: u, Password: "Demo2026!", Hash: webtest.Cheap}); err != nil {
			t.Fatalf("other %s: %v", r, err)
		}
		m.other[r] = env.Client(t, u.Username)
	}

	// Records of the home county.
	shouli := env.Demo.Users["shouli"]
	m.fixture["org"] = env.Demo.Orgs["652301/registry"].ID
	m.fixture["user"] = shouli.ID
	_, tok, err := env.DB.CreateToken(ctx, audit.System(), shouli.ID, "fixture")
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["token"] = tok.ID
	actor := audit.Actor{UserID: shouli.ID, Name: shouli.Name, OrgID: shouli.OrgID, Addr: "127.0.0.1"}
	if err := env.DB.RecordAudit(ctx, actor, "test.fixture", "user", shouli.ID, nil); err != nil {
		t.Fatal(err)
	}
	events, err := env.DB.ListAudit(ctx, accessAll(), store.AuditQuery{Action: "test.fixture"})
	if err != nil || len(events) != 1 {
		t.Fatal(err)
	}
	m.fixture["event"] = events[0].ID

	// The ledger: the demo projects of 昌吉市; 天山·悦府 belongs to dev1 (kaifa).
	lr, err := demo.LoadLedger(ctx, env.DB, env.Demo, func(time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	proj := lr.Projects[0]
	m.fixture["project"] = proj.ID
	d, err := env.DB.ProjectDetail(ctx, proj.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["building"] = d.Buildings[0].Building.ID
	tab, err := env.DB.BuildingTable(ctx, d.Buildings[0].Building.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["unit"] = tab.Rows[0].Cells[0].Unit.ID
	m.fixture["presale"] = lr.Permits[0]
	dev := actorOfUser(env, "kaifa")
	pm, err := env.DB.AddPermit(ctx, dev, ledger.Permit{ProjectID: proj.ID, Kind: ledger.Planning, Number: "待确认-1",
		IssuedOn: calendar.MustDate("2025-01-01"), Issuer: "昌吉市自然资源局", Scope: "变更"})
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["permit"] = pm.ID
	app, err := env.DB.ApplyPresale(ctx, dev, proj.ID, []int64{d.Buildings[0].Building.ID}, "补充申请")
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["application"] = app.ID
	m.fixture["dev2"] = env.Demo.Orgs["dev2"].ID
	m.fixture["dev1"] = env.Demo.Orgs["dev1"].ID
	ce, err := env.DB.RecordCreditEvent(ctx, actorOfUser(env, "zhujian"), env.Demo.Orgs["dev1"].ID, "样板房与实际交付标准不符", "昌市住建检查〔2026〕3号", 2)
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["creditevent"] = ce.ID
	m.workbook, err = ledger.Template(d.Parcels[0].Code)
	if err != nil {
		t.Fatal(err)
	}

	// Contracts of 天山·悦府 for the demo buyer (zhangwei), with a loan at the
	// home county's bank: one filed, one sent (to confirm), one signed (to
	// file), two drafts (to send and to withdraw), one filed to cancel.
	housingActor := actorOfUser(env, "zhujian")
	bank := env.Demo.Orgs["652301/bank"].ID
	if err := env.DB.OpenFundAccount(ctx, housingActor, presale.FundAccount{ProjectID: proj.ID, Bank: bank, Number: "6523010001", Supervised: decimal.NewFromInt(1000000)}); err != nil {
		t.Fatal(err)
	}
	var free []int64
	for _, row := range tab.Rows {
		for _, c := range row.Cells {
			if c.Unit.ID != m.fixture["unit"] {
				free = append(free, c.Unit.ID)
			}
		}
	}
	contract := func(unit int64, steps int) int64 {
		in := store.ContractInput{UnitID: unit, Buyers: []presale.Buyer{{Name: "张伟", IDNumber: "652301199003071231"}}, Ownership: presale.Sole,
			PriceBasis: presale.ByGross, UnitPrice: decimal.NewFromInt(6000), Payment: presale.Commercial, LoanBank: bank,
			LoanAmount: decimal.NewFromInt(300000), LoanYears: 20, HomeCount: presale.FirstHome, DeliveryDate: calendar.MustDate("2027-01-01"),
			RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)}
		c, err := env.DB.DraftContract(ctx, dev, env.Demo.Orgs["dev1"].ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if steps >= 1 {
			env.DB.SendContract(ctx, dev, c.ID)
		}
		if steps >= 2 {
			env.DB.ConfirmContract(ctx, audit.Actor{}, c.ID, "652301199003071231")
		}
		if steps >= 3 {
			if _, err := env.DB.FileContract(ctx, dev, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	m.fixture["contract"] = contract(m.fixture["unit"], 3)
	m.fixture["sent"] = contract(free[0], 1)
	m.fixture["signed"] = contract(free[1], 2)
	m.fixture["draft"] = contract(free[2], 0)
	m.fixture["draft2"] = contract(free[3], 0)
	m.fixture["tocancel"] = contract(free[4], 3)
	m.fixture["freeunit"] = free[5]
	if err := env.DB.RecordPayment(ctx, housingActor, proj.ID, 0, decimal.NewFromInt(2000000), calendar.MustDate("2026-03-01"), "x"); err != nil {
		t.Fatal(err)
	}
	w, err := env.DB.RequestWithdrawal(ctx, dev, presale.Withdrawal{ProjectID: proj.ID, Node: presale.FreeNode, Amount: decimal.NewFromInt(1000), Evidence: "x"})
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["withdrawal"] = w.ID
	ep, err := env.DB.PutEndpoint(ctx, actorOfUser(env, "cj-admin"), exchange.Endpoint{OrgID: env.Demo.Orgs["652301/tax"].ID, Name: "征管",
		URL: "http://127.0.0.1:9/x", Secret: "0123456789abcdef0", Events: []string{exchange.ContractFiled}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["endpoint"] = ep.ID
	contract(free[6], 3) // a filing after the endpoint exists: one delivery
	ds, _ := env.DB.Deliveries(ctx, store.DeliveryQuery{})
	if len(ds) == 0 {
		t.Fatal("no delivery fixture")
	}
	m.fixture["delivery"] = ds[0].ID
	m.completionFixture(t, proj.ID, d.Buildings[0].Building.ID, tab)
	m.registrationFixture(t, d.Parcels[0].Code)
	// The register log, taken in and signed by the prefecture's key.
	m.note = env.SignLog(t).Note
	return m
}

// registrationFixture registers the fixture unit (first registration,
// the buyer's transfer and the bank's mortgage in one application, issued),
// leaves an objection awaiting review, restricts the parcel, and schedules
// a handover of the filed building.
func (m *matrix) registrationFixture(t *testing.T, parcel string) {
	t.Helper()
	ctx := context.Background()
	env := m.env
	project, unit := m.fixture["project"], m.fixture["unit"]
	if err := env.DB.PutSetting(ctx, actorOfUser(env, "cj-admin"), "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	items, _ := env.DB.AccountingItems(ctx, project, true)
	for _, it := range items {
		if _, err := env.DB.PayMaintenance(ctx, actorOfUser(env, "zhujian"), it.ID, fmt.Sprint("WX", it.ID)); err != nil {
			t.Fatal(err)
		}
	}
	taxes := actorOfUser(env, "shuiwu")
	if _, err := env.DB.AssessDeedTax(ctx, taxes, project); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.PayDeedTax(ctx, taxes, m.fixture["contract"], "完税001", "api"); err != nil {
		t.Fatal(err)
	}
	cal := env.Cal.Get()
	a, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("张伟"),
		Services: []store.ServiceInput{{Kind: registry.First, UnitID: unit}, {Kind: registry.Transfer, UnitID: unit}, {Kind: registry.MortgageReg, UnitID: unit}}})
	if err != nil {
		t.Fatal(err)
	}
	recorder := actorOfUser(env, "dengbu")
	for _, step := range []registry.Step{registry.StepRecord, registry.StepCertify, registry.StepIssue} {
		if a, err = env.DB.Step(ctx, recorder, a.ID, step, store.StepOptions{Delivery: "hand"}, env.Keys); err != nil {
			t.Fatalf("fixture %s: %v", step, err)
		}
	}
	m.fixture["registration"] = a.ID
	if _, err := env.DB.ReceivePaper(ctx, recorder, "652301", certificate.Range{Prefix: "XJ", First: 26000001, Last: 26000100, Digits: 8}); err != nil {
		t.Fatal(err)
	}
	certs, _ := env.DB.CertificatesOfUnit(ctx, unit)
	for _, c := range certs {
		if c.Kind == "title" {
			m.fixture["certificate"], m.licence = c.ID, c.LicenceID
		}
	}
	ref, _ := env.DB.Unit(ctx, unit)
	m.unitNo = ref.Unit.UnitNo
	iq, err := env.DB.Inquire(ctx, actorOfUser(env, "shouli"), inquiry.Request{Requester: inquiry.Interested, Name: "王五", IDNumber: "652301199001011235",
		Purpose: "民事诉讼需查明房屋权属", Basis: inquiry.Lawsuit, BasisNo: "（2026）新2301民初1号", By: inquiry.ByUnitNo, Key: m.unitNo}, unit, env.Keys)
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["inquiry"], m.inquiry = iq.ID, iq.Number
	o, err := env.DB.CreateApplication(ctx, actorOfUser(env, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("马建华"),
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: unit, Details: map[string]string{"reason": "共同出资"}}}})
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["pending"], m.fixture["queued"] = o.ID, o.Services[0].ID
	reqs, _ := env.DB.UtilityRequests(ctx, unit, 0, 0)
	for _, r := range reqs {
		if r.OrgID == env.Demo.Orgs["652301/water"].ID {
			m.fixture["utility"] = r.ID
		}
	}
	book, _ := env.DB.UnitBook(ctx, unit)
	m.fixture["mortgage"] = registry.Live(book, registry.Mortgage)[0].ID
	if m.fixture["restriction"], err = env.DB.RestrictParcel(ctx, recorder, parcel, "lock", "昌吉市不动产登记中心", "锁定1号", "测试"); err != nil {
		t.Fatal(err)
	}
	today := calendar.DateOf(env.Clock.Now())
	ev, err := env.DB.ScheduleHandover(ctx, actorOfUser(env, "kaifa"), handover.Event{ProjectID: project, Buildings: []int64{m.fixture["building"]},
		HeldOn: today.AddDays(20), Place: "售楼部", Mode: handover.OnSite, NoticeOn: today})
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["handover"] = ev.ID
}

// completionFixture takes building 0 of the project through the survey
// (the fixture unit measured 4 % larger), joint acceptance, accounting and
// the completion filing; leaves a corrected survey pending; and lets the
// commitments run late so that there is an alert.
func (m *matrix) completionFixture(t *testing.T, project, building int64, tab ledger.Table) {
	t.Helper()
	ctx := context.Background()
	env := m.env
	ids := completeBuilding(t, env, project, building, tab, m.fixture["unit"], stageFiled)
	for k, v := range ids {
		m.fixture[k] = v
	}
	today := calendar.DateOf(env.Clock.Now())
	if _, err := env.DB.CheckCommitments(ctx, audit.System(), today.AddDays(365)); err != nil {
		t.Fatal(err)
	}
	alerts, _ := env.DB.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, ProjectID: project})
	if len(alerts) == 0 {
		t.Fatal("no alert fixture")
	}
	m.fixture["alert"] = alerts[0].ID
	m.fixture["devuser"] = actorOfUser(env, "kaifa").UserID
	res, err := env.DB.SubmitSurvey(ctx, actorOfUser(env, "cehui"), building, buildingSurvey(tab, m.fixture["unit"]), nil, nil)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("corrected fixture survey: %v %v", err, res.Errors[:min(3, len(res.Errors))])
	}
	m.fixture["survey"] = res.Survey.ID
}

// Stages of completeBuilding.
const (
	stageApplied = iota // survey accepted, joint acceptance applied
	stageFiled          // every department passed, accounting cleared, filed today
)

// buildingSurvey measures every unit of the table as forecast, except
// bigger (4 %), which is measured larger.
func buildingSurvey(tab ledger.Table, bigger int64) completion.Survey {
	survey := completion.Survey{ReportNo: "CJCH-2026-001", BuildingTotal: decimal.NewFromInt(1000000), LandArea: decimal.NewFromInt(68520),
		FloorArea: decimal.NewFromInt(100000)}
	for _, row := range tab.Rows {
		for _, c := range row.Cells {
			a := c.Unit.Forecast
			if c.Unit.ID == bigger {
				a.Inner = a.Inner.Mul(decimal.RequireFromString("1.04")).Round(2)
				a.Shared = a.Inner.Mul(a.Ratio).Round(2)
				a.Total = a.Inner.Add(a.Shared)
			}
			survey.Units = append(survey.Units, completion.UnitMeasure{UnitNo: c.Unit.UnitNo, Areas: a})
		}
	}
	return survey
}

// completeBuilding takes a building of a demo project through the
// completion stage up to stage, through the store, and returns the ids of
// what it made (case, task: the fire department's, item, commitment).
func completeBuilding(t *testing.T, env *webtest.Env, project, building int64, tab ledger.Table, bigger int64, stage int) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	dev, housingActor := actorOfUser(env, "kaifa"), actorOfUser(env, "zhujian")
	cal, err := env.DB.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.DB.CommissionSurveyor(ctx, dev, project, env.Demo.Orgs["surveyor"].ID); err != nil {
		t.Fatal(err)
	}
	survey := buildingSurvey(tab, bigger)
	res, err := env.DB.SubmitSurvey(ctx, actorOfUser(env, "cehui"), building, survey, nil, nil)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("fixture survey of %d units: %v %v", len(survey.Units), err, res.Errors[:min(3, len(res.Errors))])
	}
	if _, err := env.DB.DecideSurvey(ctx, housingActor, res.Survey.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	c, err := env.DB.ApplyAcceptance(ctx, dev, cal, project, []int64{building})
	if err != nil {
		t.Fatal(err)
	}
	ids["case"] = c.ID
	for _, task := range c.Tasks {
		if task.Department == "fire" { // the home inspector's department
			ids["task"] = task.ID
		}
	}
	if stage == stageApplied {
		return ids
	}
	for _, task := range c.Tasks {
		if _, err := env.DB.RecordOpinion(ctx, audit.Actor{UserID: 1, OrgID: task.OrgID}, c.ID, task.Department, completion.Pass, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.DB.PrepareAccounting(ctx, housingActor, project); err != nil {
		t.Fatal(err)
	}
	items, _ := env.DB.AccountingItems(ctx, project, false)
	for _, it := range items {
		if _, err := env.DB.RecordItem(ctx, housingActor, it.ID, it.Due, it.Due, "凭证", "补充协议"); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.ClearItem(ctx, housingActor, it.ID); err != nil {
			t.Fatal(err)
		}
		ids["item"] = it.ID
	}
	today := calendar.DateOf(env.Clock.Now())
	if _, err := env.DB.RecordFiling(ctx, housingActor, cal, completion.Filing{ProjectID: project, Buildings: []int64{building},
		Number: "昌建竣备〔2026〕001号", FiledOn: today}, nil); err != nil {
		t.Fatal(err)
	}
	cs, _ := env.DB.Commitments(ctx, project)
	ids["commitment"] = cs[0].ID
	return ids
}

func actorOfUser(env *webtest.Env, username string) audit.Actor {
	u := env.Demo.Users[username]
	return audit.Actor{UserID: u.ID, Name: u.Name, OrgID: u.OrgID}
}

// saleInput is a lump-sum sale of unit to one buyer on the usual clauses.
func saleInput(unit int64, name, id string) store.ContractInput {
	return store.ContractInput{UnitID: unit, Buyers: []presale.Buyer{{Name: name, IDNumber: id}}, Ownership: presale.Sole,
		PriceBasis: presale.ByGross, UnitPrice: decimal.NewFromInt(6000), Payment: presale.Lump, HomeCount: presale.FirstHome,
		DeliveryDate: calendar.MustDate("2027-01-01"), RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)}
}

// sell has the demo developer draft and send a contract of in and its buyer
// confirm it, and files it when file is set.
func sell(t *testing.T, env *webtest.Env, in store.ContractInput, file bool) presale.Contract {
	t.Helper()
	ctx := context.Background()
	dev := actorOfUser(env, "kaifa")
	c, err := env.DB.DraftContract(ctx, dev, env.Demo.Orgs["dev1"].ID, in)
	if err == nil {
		c, err = env.DB.SendContract(ctx, dev, c.ID)
	}
	if err == nil {
		c, err = env.DB.ConfirmContract(ctx, audit.Actor{Name: in.Buyers[0].Name}, c.ID, in.Buyers[0].IDNumber)
	}
	if err == nil && file {
		c, err = env.DB.FileContract(ctx, dev, c.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// routeSpec says who may use a route on a record of the home county.
type routeSpec struct {
	anon     bool            // public
	all      bool            // every logged-in user
	home     []identity.Role // home-county roles allowed
	other    []identity.Role // other-county roles allowed
	pref     []identity.Role // prefecture principals allowed
	list     bool            // a list: out-of-scope principals may get 200 without the record
	record   string          // fixture key whose id a list must (or must not) contain
	hidden   bool            // a principal who may act in another scope is told the record is not found (404) there
	bodyText bool            // the body is the text of a holiday notice
	xlsx     bool            // the body is the 楼盘表 workbook
	req      func(m *matrix) (path, body string)
}

var (
	admin      = identity.RoleAdmin
	supervisor = identity.RoleSupervisor
)

func fixed(path string) func(*matrix) (string, string) {
	return func(*matrix) (string, string) { return path, "" }
}

func withID(format, key string) func(*matrix) (string, string) {
	return func(m *matrix) (string, string) { return fmt.Sprintf(format, m.fixture[key]), "" }
}

// specs covers every route of the API; the test fails on a route without one.
func specs() map[string]routeSpec {
	return map[string]routeSpec{
		"GET /api/v1/codes/validate":         {anon: true, req: fixed("/api/v1/codes/validate?type=unit&value=652301001002GB00123F00030012")},
		"GET /api/v1/calendar/deadline":      {anon: true, req: fixed("/api/v1/calendar/deadline?start=2026-03-02&workdays=5")},
		"GET /api/v1/calendar/notices":       {anon: true, req: fixed("/api/v1/calendar/notices")},
		"GET /api/v1/log/checkpoint":         {anon: true, req: fixed("/api/v1/log/checkpoint")},
		"GET /api/v1/log/proofs/inclusion":   {anon: true, req: fixed("/api/v1/log/proofs/inclusion?index=0&size=2")},
		"GET /api/v1/log/proofs/consistency": {anon: true, req: fixed("/api/v1/log/proofs/consistency?from=1&size=2")},
		"GET /api/v1/log/leaves":             {anon: true, req: withID("/api/v1/log/leaves?kind=audit_event&record=%d", "event")},
		// A partner of any county witnesses the prefecture's one log.
		"POST /api/v1/log/witnessed": {home: []identity.Role{identity.RoleTax, identity.RoleBank}, other: []identity.Role{identity.RoleTax, identity.RoleBank},
			pref: []identity.Role{supervisor}, req: func(m *matrix) (string, string) {
				b, _ := json.Marshal(map[string]string{"witness": "征管系统", "note": m.note})
				return "/api/v1/log/witnessed", string(b)
			}},
		"GET /api/v1/guide":              {anon: true, req: fixed("/api/v1/guide?jurisdiction=652301&matter=completion_filing")},
		"GET /api/v1/jurisdictions":      {anon: true, req: fixed("/api/v1/jurisdictions")},
		"GET /api/v1/me":                 {all: true, req: fixed("/api/v1/me")},
		"POST /api/v1/calendar/notices":  {pref: []identity.Role{admin}, req: fixed("/api/v1/calendar/notices"), bodyText: true},
		"GET /api/v1/organisations":      {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "org", req: fixed("/api/v1/organisations")},
		"GET /api/v1/organisations/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, req: withID("/api/v1/organisations/%d", "org")},
		"POST /api/v1/organisations": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return "/api/v1/organisations", fmt.Sprintf(`{"name":"测试机构%d","kind":"tax","jurisdiction":"652301"}`, m.seq.Add(1))
		}},
		"GET /api/v1/users":      {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "user", req: fixed("/api/v1/users")},
		"GET /api/v1/users/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, req: withID("/api/v1/users/%d", "user")},
		"POST /api/v1/users": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return "/api/v1/users", fmt.Sprintf(`{"username":"new%d","name":"新用户","org_id":%d,"roles":["acceptor"],"password":"passw0rd-x"}`,
				m.seq.Add(1), m.fixture["org"])
		}},
		"PATCH /api/v1/users/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/users/%d", m.fixture["user"]), `{"unlock":true}`
		}},
		"POST /api/v1/users/{id}/tokens": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/users/%d/tokens", m.fixture["user"]), `{"name":"x"}`
		}},
		"DELETE /api/v1/tokens/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: withID("/api/v1/tokens/%d", "token")},
		"GET /api/v1/audit/events":   {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "event", req: fixed("/api/v1/audit/events?action=test.fixture&limit=500")},
		"GET /api/v1/audit/verify":   {pref: []identity.Role{admin, supervisor}, req: fixed("/api/v1/audit/verify")},

		"GET /api/v1/projects":                    {home: projectReaders, pref: sup, list: true, record: "project", req: fixed("/api/v1/projects")},
		"GET /api/v1/projects/{id}":               {home: projectReaders, pref: sup, req: withID("/api/v1/projects/%d", "project")},
		"GET /api/v1/projects/{id}/presale-check": {home: projectReaders, pref: sup, req: withID("/api/v1/projects/%d/presale-check?buildings=1", "project")},
		"GET /api/v1/buildings/{id}/table":        {home: projectReaders, pref: sup, req: withID("/api/v1/buildings/%d/table", "building")},
		"GET /api/v1/units/{id}":                  {home: projectReaders, pref: sup, req: withID("/api/v1/units/%d", "unit")},
		"GET /api/v1/presale/permits":             {home: projectReaders, pref: sup, list: true, record: "presale", req: fixed("/api/v1/presale/permits")},
		"POST /api/v1/projects": {home: dev, other: dev, req: func(m *matrix) (string, string) {
			return "/api/v1/projects", fmt.Sprintf(`{"name":"新项目%d","jurisdiction":"652301","address":"某路"}`, m.seq.Add(1))
		}},
		"PATCH /api/v1/projects/{id}":        {home: dev, req: body("/api/v1/projects/%d", "project", `{"address":"昌吉市北京南路以东、延安北路以北"}`)},
		"POST /api/v1/projects/{id}/parcels": {home: dev, req: body("/api/v1/projects/%d/parcels", "project", `{"code":"652301004007GB00121","area":"68520.36","use":"城镇住宅用地","right_nature":"出让","term_start":"2023-12-28","term_end":"2094-01-04","grant_contract":"x","premium_due":"186000000.00","premium_paid":"186000000.00","land_cert_no":"新(2024)昌吉市不动产权第0031245号","land_cert_on":"2024-04-16"}`)},
		"POST /api/v1/projects/{id}/permits": {home: dev, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/projects/%d/permits", m.fixture["project"]), fmt.Sprintf(`{"kind":"planning","number":"X-%d","issued_on":"2025-01-01","issuer":"昌吉市","scope":"变更"}`, m.seq.Add(1))
		}},
		"POST /api/v1/permits/{id}/confirm": {home: housingOnly, req: withID("/api/v1/permits/%d/confirm", "permit")},
		// Only the land department of the project's jurisdiction, which no
		// principal of the matrix is (its inspector is the fire
		// department's): TestLandDepartmentConfirmsParcel has the allowed one.
		"POST /api/v1/projects/{id}/parcels/{code}/confirm": {req: body("/api/v1/projects/%d/parcels/652301004007GB00121/confirm", "project",
			`{"land_cert_no":"新(2024)昌吉市不动产权第0031245号","premium_paid":"186000000.00"}`)},
		"POST /api/v1/projects/{id}/ledger":               {home: dev, xlsx: true, req: withID("/api/v1/projects/%d/ledger", "project")},
		"POST /api/v1/units/{id}/lock":                    {home: []identity.Role{identity.RoleHousing, identity.RoleRecorder}, req: body("/api/v1/units/%d/lock", "unit", `{"locked":true,"reason":"测试锁定"}`)},
		"POST /api/v1/projects/{id}/presale-applications": {home: dev, req: body("/api/v1/projects/%d/presale-applications", "project", `{"buildings":[1]}`)},
		"POST /api/v1/presale/applications/{id}/issue":    {home: housingOnly, req: body("/api/v1/presale/applications/%d/issue", "application", `{}`)},
		"POST /api/v1/presale/applications/{id}/refuse":   {home: housingOnly, req: body("/api/v1/presale/applications/%d/refuse", "application", `{"reason":"材料不全"}`)},
		"POST /api/v1/presale/permits/{id}/{action}":      {home: housingOnly, req: body("/api/v1/presale/permits/%d/suspend", "presale", `{"reason":"核查"}`)},
		"GET /api/v1/credit/restrictions":                 {anon: true, req: fixed("/api/v1/credit/restrictions")},
		"POST /api/v1/credit/listings":                    {home: housingOnly, other: housingOnly, pref: sup, req: body("/api/v1/credit/listings", "", "")},
		// 一处失信、处处受限: every county's housing bureau reads and records.
		"GET /api/v1/developers/{id}/credit": {home: []identity.Role{identity.RoleDeveloper, identity.RoleHousing}, other: housingOnly, pref: sup,
			req: withID("/api/v1/developers/%d/credit", "dev1")},
		"POST /api/v1/developers/{id}/credit-events": {home: housingOnly, other: housingOnly, pref: sup,
			req: body("/api/v1/developers/%d/credit-events", "dev1", `{"description":"检查发现","evidence":"检查记录","points":1}`)},
		"POST /api/v1/credit-events/{id}/appeal":   {home: dev, req: body("/api/v1/credit-events/%d/appeal", "creditevent", `{"reason":"与实际情况不符，有验收记录为证"}`)},
		"POST /api/v1/credit-events/{id}/decision": {home: housingOnly, other: housingOnly, pref: sup, req: body("/api/v1/credit-events/%d/decision", "creditevent", `{"decision":"upheld","note":"维持"}`)},
		"GET /api/v1/public/projects":              {anon: true, req: fixed("/api/v1/public/projects")},
		"GET /api/v1/public/buildings/{id}/table":  {anon: true, req: withID("/api/v1/public/buildings/%d/table", "building")},
		"GET /api/v1/contracts":                    {home: contractReaders, pref: sup, list: true, record: "contract", req: fixed("/api/v1/contracts")},
		"GET /api/v1/contracts/{id}":               {home: contractReaders, pref: sup, req: withID("/api/v1/contracts/%d", "contract")},
		"POST /api/v1/contracts": {home: dev, req: func(m *matrix) (string, string) {
			return "/api/v1/contracts", fmt.Sprintf(`{"unit_id":%d,"ownership":"sole","price_basis":"gross","unit_price":"6000","payment":"lump",
				"buyers":[{"name":"王芳","id_number":"440524188001010014"}],"home_count":"first","delivery_date":"2027-01-01","registration_days":60,
				"late_delivery_rate":"3","late_certificate_rate":"3"}`, m.fixture["freeunit"])
		}},
		"POST /api/v1/contracts/{id}/send":         {home: dev, req: withID("/api/v1/contracts/%d/send", "draft")},
		"POST /api/v1/contracts/{id}/withdraw":     {home: dev, req: body("/api/v1/contracts/%d/withdraw", "draft2", `{"reason":"买受人放弃"}`)},
		"POST /api/v1/contracts/{id}/confirm":      {home: []identity.Role{identity.RoleBuyer}, req: withID("/api/v1/contracts/%d/confirm", "sent")},
		"POST /api/v1/contracts/{id}/file":         {home: dev, req: withID("/api/v1/contracts/%d/file", "signed")},
		"POST /api/v1/contracts/{id}/cancellation": {home: []identity.Role{identity.RoleDeveloper, identity.RoleBuyer, identity.RoleHousing}, req: body("/api/v1/contracts/%d/cancellation", "tocancel", `{"reason":"协商解除","court_doc":"（2026）新2301民初9号"}`)},
		// The fixture unit's transfer is registered: its developer no longer
		// reads the buyers' book (access.BookTarget).
		"GET /api/v1/units/{id}/register": {home: []identity.Role{identity.RoleAcceptor, identity.RoleReviewer, identity.RoleRecorder, identity.RoleHousing,
			identity.RoleBuyer, identity.RoleBank}, pref: sup, req: withID("/api/v1/units/%d/register", "unit")},
		"GET /api/v1/projects/{id}/fund": {home: []identity.Role{identity.RoleDeveloper, identity.RoleHousing, identity.RoleBank}, pref: sup, req: withID("/api/v1/projects/%d/fund", "project")},
		"POST /api/v1/projects/{id}/fund/account": {home: housingOnly, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/projects/%d/fund/account", m.fixture["project"]), fmt.Sprintf(`{"bank":%d,"account":"x","supervised":"1"}`, m.env.Demo.Orgs["652301/bank"].ID)
		}},
		"POST /api/v1/projects/{id}/fund/payments":    {home: []identity.Role{identity.RoleBank, identity.RoleHousing}, req: body("/api/v1/projects/%d/fund/payments", "project", `{"amount":"1000.00","paid_on":"2026-03-01"}`)},
		"POST /api/v1/projects/{id}/fund/withdrawals": {home: dev, req: body("/api/v1/projects/%d/fund/withdrawals", "project", `{"node":"free","amount":"100.00","evidence":"x"}`)},
		"POST /api/v1/fund/withdrawals/{id}/decision": {home: housingOnly, req: body("/api/v1/fund/withdrawals/%d/decision", "withdrawal", `{"approve":true}`)},
		"POST /api/v1/projects/{id}/milestones":       {home: housingOnly, req: body("/api/v1/projects/%d/milestones", "project", `{"milestone":"structure_accepted","reached_on":"2026-03-01","evidence":"验收记录"}`)},
		"GET /api/v1/partners/endpoints":              {home: adminOnly, pref: adminOnly, list: true, record: "endpoint", req: fixed("/api/v1/partners/endpoints")},
		"GET /api/v1/partners/deliveries":             {home: adminOnly, pref: adminOnly, list: true, record: "delivery", req: fixed("/api/v1/partners/deliveries")},
		"GET /api/v1/partners/health":                 {home: adminOnly, pref: adminOnly, list: true, record: "endpoint", req: fixed("/api/v1/partners/health")},
		// Nothing is dead in the fixture: an allowed replay meets 409.
		"POST /api/v1/partners/endpoints/{id}/replay": {home: adminOnly, pref: adminOnly, req: withID("/api/v1/partners/endpoints/%d/replay", "endpoint")},
		"POST /api/v1/partners/endpoints/{id}/rotate": {home: adminOnly, pref: adminOnly, req: body("/api/v1/partners/endpoints/%d/rotate", "endpoint", `{"days":7}`)},
		// Rotated by whoever was allowed before: an allowed end meets a
		// changeover under way, or, once ended, 409.
		"POST /api/v1/partners/endpoints/{id}/rotate/end": {home: adminOnly, pref: adminOnly, req: withID("/api/v1/partners/endpoints/%d/rotate/end", "endpoint")},
		"POST /api/v1/partners/endpoints": {home: adminOnly, pref: adminOnly, req: func(m *matrix) (string, string) {
			return "/api/v1/partners/endpoints", fmt.Sprintf(`{"org_id":%d,"name":"征管%d","url":"https://tax.example/x","secret":"0123456789abcdefX","events":["contract.filed"]}`,
				m.env.Demo.Orgs["652301/tax"].ID, m.seq.Add(1))
		}},

		"POST /api/v1/projects/{id}/surveyor": {home: dev, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/projects/%d/surveyor", m.fixture["project"]), fmt.Sprintf(`{"org_id":%d}`, m.env.Demo.Orgs["surveyor"].ID)
		}},
		"POST /api/v1/buildings/{id}/surveys":      {home: []identity.Role{identity.RoleSurveyor}, req: body("/api/v1/buildings/%d/surveys", "building", `{"report_no":"R","building_total":"1","land_area":"1","floor_area":"1","units":[]}`)},
		"GET /api/v1/projects/{id}/surveys":        {home: surveyReaders, pref: sup, req: withID("/api/v1/projects/%d/surveys", "project")},
		"GET /api/v1/surveys/{id}":                 {home: surveyReaders, pref: sup, req: withID("/api/v1/surveys/%d", "survey")},
		"POST /api/v1/surveys/{id}/decision":       {home: []identity.Role{identity.RoleHousing, identity.RoleReviewer}, req: body("/api/v1/surveys/%d/decision", "survey", `{"accept":true}`)},
		"GET /api/v1/projects/{id}/reconciliation": {home: areaReaders, pref: sup, req: withID("/api/v1/projects/%d/reconciliation", "project")},
		"GET /api/v1/contracts/{id}/reconciliation": {home: append([]identity.Role{identity.RoleBuyer}, areaReaders...), pref: sup,
			req: withID("/api/v1/contracts/%d/reconciliation", "contract")},
		"POST /api/v1/contracts/{id}/area-decision": {home: []identity.Role{identity.RoleBuyer}, req: body("/api/v1/contracts/%d/area-decision", "contract", `{"choice":"keep"}`)},
		"POST /api/v1/projects/{id}/acceptance": {home: dev, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/projects/%d/acceptance", m.fixture["project"]), fmt.Sprintf(`{"buildings":[%d]}`, m.fixture["building"])
		}},
		"GET /api/v1/projects/{id}/acceptance":         {home: acceptanceReaders, pref: sup, req: withID("/api/v1/projects/%d/acceptance", "project")},
		"GET /api/v1/acceptance/{id}":                  {home: acceptanceReaders, pref: sup, req: withID("/api/v1/acceptance/%d", "case")},
		"POST /api/v1/acceptance/{id}/opinions":        {home: []identity.Role{identity.RoleInspector}, req: body("/api/v1/acceptance/%d/opinions", "case", `{"department":"fire","result":"pass"}`)},
		"POST /api/v1/acceptance/{id}/reinspection":    {home: dev, req: withID("/api/v1/acceptance/%d/reinspection", "case")},
		"GET /api/v1/acceptance-tasks":                 {home: []identity.Role{identity.RoleDeveloper, identity.RoleInspector, identity.RoleHousing, identity.RoleReviewer}, pref: sup, list: true, record: "task", req: fixed("/api/v1/acceptance-tasks")},
		"GET /api/v1/projects/{id}/accounting":         {home: accountingReaders, pref: sup, req: withID("/api/v1/projects/%d/accounting", "project")},
		"POST /api/v1/projects/{id}/accounting":        {home: housingOnly, req: withID("/api/v1/projects/%d/accounting", "project")},
		"PUT /api/v1/accounting-items/{id}":            {home: housingOnly, req: body("/api/v1/accounting-items/%d", "item", `{"due":"1","paid":"1","evidence":"x"}`)},
		"POST /api/v1/accounting-items/{id}/clearance": {home: housingOnly, req: withID("/api/v1/accounting-items/%d/clearance", "item")},
		"POST /api/v1/projects/{id}/completion-filing": {home: housingOnly, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/projects/%d/completion-filing", m.fixture["project"]), fmt.Sprintf(`{"number":"N%d","filed_on":"2026-03-02","buildings":[%d]}`, m.seq.Add(1), m.fixture["building"])
		}},
		"GET /api/v1/projects/{id}/commitments":    {home: accountingReaders, pref: sup, req: withID("/api/v1/projects/%d/commitments", "project")},
		"POST /api/v1/commitments/{id}/fulfilment": {home: []identity.Role{identity.RoleDeveloper, identity.RoleHousing}, req: body("/api/v1/commitments/%d/fulfilment", "commitment", `{"evidence":"结算备案表"}`)},
		"GET /api/v1/projects/{id}/readiness":      {home: readinessReaders, pref: sup, req: withID("/api/v1/projects/%d/readiness", "project")},
		"GET /api/v1/alerts":                       {home: []identity.Role{identity.RoleDeveloper, identity.RoleHousing}, pref: sup, list: true, record: "alert", req: fixed("/api/v1/alerts")},
		"GET /api/v1/alerts/{id}":                  {home: []identity.Role{identity.RoleDeveloper, identity.RoleHousing}, pref: sup, req: withID("/api/v1/alerts/%d", "alert")},
		// The alert is the developer's to act on; the housing bureau watches it.
		"POST /api/v1/alerts/{id}/acknowledge": {home: dev, pref: sup, req: withID("/api/v1/alerts/%d/acknowledge", "alert")},
		"POST /api/v1/alerts/{id}/assign": {home: dev, pref: sup, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/alerts/%d/assign", m.fixture["alert"]), fmt.Sprintf(`{"assignee":%d}`, m.fixture["devuser"])
		}},
		"POST /api/v1/alerts/{id}/resolve": {home: dev, pref: sup, req: body("/api/v1/alerts/%d/resolve", "alert", `{"note":"已处理"}`)},

		"POST /api/v1/applications": {home: []identity.Role{identity.RoleAcceptor}, req: func(m *matrix) (string, string) {
			return "/api/v1/applications", fmt.Sprintf(`{"applicants":["马建华"],"services":[{"kind":"objection","unit_id":%d,"details":{"reason":"共同出资"}}]}`, m.fixture["unit"])
		}},
		// Another county's clerks do not find the home county's flat.
		"POST /api/v1/inquiries": {home: clerks, hidden: true, req: func(m *matrix) (string, string) {
			return "/api/v1/inquiries", `{"requester":"prospective","name":"王五","id_number":"652301199001011235","purpose":"购房前了解房屋状况","by":"unit_no","key":"` + m.unitNo + `"}`
		}},
		"POST /api/v1/me/inquiries": {home: []identity.Role{identity.RoleBuyer}, req: func(m *matrix) (string, string) {
			return "/api/v1/me/inquiries", `{"unit_no":"` + m.unitNo + `","purpose":"申请住房公积金贷款"}`
		}},
		"GET /api/v1/inquiries/{id}":          {home: clerks, req: withID("/api/v1/inquiries/%d", "inquiry")},
		"GET /api/v1/inquiries/{id}/file":     {home: clerks, req: withID("/api/v1/inquiries/%d/file", "inquiry")},
		"GET /api/v1/inquiry-proofs/{number}": {anon: true, req: func(m *matrix) (string, string) { return "/api/v1/inquiry-proofs/" + m.inquiry, "" }},
		"GET /api/v1/applications/{id}": {home: []identity.Role{identity.RoleAcceptor, identity.RoleReviewer, identity.RoleRecorder, identity.RoleDeveloper,
			identity.RoleBuyer}, pref: sup, req: withID("/api/v1/applications/%d", "registration")},
		"POST /api/v1/applications/{id}/steps": {home: []identity.Role{identity.RoleReviewer}, req: body("/api/v1/applications/%d/steps", "pending", `{"step":"review"}`)},
		// Without a jurisdiction each county's staff get their own county's figures.
		"GET /api/v1/dashboard": {home: append([]identity.Role{identity.RoleHousing}, clerks...), other: append([]identity.Role{identity.RoleHousing}, clerks...),
			pref: sup, req: fixed("/api/v1/dashboard")},
		"GET /api/v1/registration-queue": {home: clerks, pref: sup, list: true, record: "queued", req: fixed("/api/v1/registration-queue")},
		"GET /api/v1/units/{id}/certificates": {home: append([]identity.Role{identity.RoleBank, identity.RoleDeveloper, identity.RoleBuyer}, clerks...), pref: sup,
			req: withID("/api/v1/units/%d/certificates", "unit")},
		"GET /api/v1/certificates/{id}": {home: append([]identity.Role{identity.RoleDeveloper, identity.RoleBuyer}, clerks...), pref: sup,
			req: withID("/api/v1/certificates/%d", "certificate")},
		"GET /api/v1/certificates/{id}/file": {home: append([]identity.Role{identity.RoleBuyer}, clerks...), pref: sup,
			req: withID("/api/v1/certificates/%d/file", "certificate")},
		"GET /api/v1/verify/{licence}":        {anon: true, req: func(m *matrix) (string, string) { return "/api/v1/verify/" + m.licence, "" }},
		"POST /api/v1/projects/{id}/deed-tax": {home: taxOnly, req: withID("/api/v1/projects/%d/deed-tax", "project")},
		"GET /api/v1/projects/{id}/deed-tax": {home: append([]identity.Role{identity.RoleTax, identity.RoleDeveloper, identity.RoleHousing}, clerks...), pref: sup,
			req: withID("/api/v1/projects/%d/deed-tax", "project")},
		"POST /api/v1/contracts/{id}/deed-tax/payment": {home: taxOnly, req: body("/api/v1/contracts/%d/deed-tax/payment", "contract", `{"voucher":"完税002"}`)},
		"POST /api/v1/parcel-restrictions": {home: []identity.Role{identity.RoleRecorder}, req: func(m *matrix) (string, string) {
			return "/api/v1/parcel-restrictions", `{"parcel":"652301004007GB00121","kind":"seal","authority":"昌吉市人民法院","doc_no":"执1号"}`
		}},
		"POST /api/v1/parcel-restrictions/{id}/lifting": {home: []identity.Role{identity.RoleRecorder}, req: body("/api/v1/parcel-restrictions/%d/lifting", "restriction", `{"note":"解除"}`)},
		"POST /api/v1/projects/{id}/handover-events": {home: dev, req: func(m *matrix) (string, string) {
			today := calendar.DateOf(m.env.Clock.Now())
			return fmt.Sprintf("/api/v1/projects/%d/handover-events", m.fixture["project"]), fmt.Sprintf(`{"buildings":[%d],"held_on":"%s","place":"售楼部","mode":"onsite","notice_on":"%s"}`,
				m.fixture["building"], today.AddDays(15), today)
		}},
		"GET /api/v1/projects/{id}/handover-events":    {home: handoverReaders, pref: sup, req: withID("/api/v1/projects/%d/handover-events", "project")},
		"GET /api/v1/handover-events/{id}":             {home: handoverReaders, pref: sup, req: withID("/api/v1/handover-events/%d", "handover")},
		"POST /api/v1/handover-events/{id}/run":        {home: dev, req: withID("/api/v1/handover-events/%d/run", "handover")},
		"POST /api/v1/handover-events/{id}/pause":      {home: dev, req: withID("/api/v1/handover-events/%d/pause", "handover")},
		"POST /api/v1/handover-events/{id}/rehearsals": {home: dev, req: withID("/api/v1/handover-events/%d/rehearsals", "handover")},
		"GET /api/v1/handover-events/{id}/rehearsal":   {home: handoverReaders, pref: sup, req: withID("/api/v1/handover-events/%d/rehearsal", "handover")},
		"PUT /api/v1/handover-events/{id}/units/{unit}/receiver": {home: dev, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/handover-events/%d/units/%d/receiver", m.fixture["handover"], m.fixture["unit"]), `{"receiver":"张伟"}`
		}},
		"GET /api/v1/utility-requests": {home: []identity.Role{identity.RoleUtility, identity.RoleBuyer, identity.RoleDeveloper, identity.RoleHousing, identity.RoleRecorder},
			pref: sup, list: true, record: "utility", req: withID("/api/v1/utility-requests?unit=%d", "unit")},
		"POST /api/v1/utility-requests/{id}/answer": {home: []identity.Role{identity.RoleUtility}, req: body("/api/v1/utility-requests/%d/answer", "utility", `{"done":true}`)},
		"GET /api/v1/mortgages":                     {home: []identity.Role{identity.RoleBank}, list: true, record: "mortgage", req: fixed("/api/v1/mortgages")},
		// The registration centre's paper: its clerks and the prefecture see
		// the stock; the 缮证发证 post receives and spoils.
		"GET /api/v1/paper-stock/{jurisdiction}":        {home: clerks, pref: sup, req: fixed("/api/v1/paper-stock/652301")},
		"GET /api/v1/paper-stock/{jurisdiction}/blanks": {home: clerks, pref: sup, req: fixed("/api/v1/paper-stock/652301/blanks")},
		"POST /api/v1/paper-stock/{jurisdiction}/ranges": {home: []identity.Role{identity.RoleRecorder}, req: func(m *matrix) (string, string) {
			n := m.seq.Add(1) * 100
			return "/api/v1/paper-stock/652301/ranges", fmt.Sprintf(`{"prefix":"ZZ","first":"%08d","last":"%08d","note":"测试"}`, n+1, n+100)
		}},
		"POST /api/v1/paper-stock/{jurisdiction}/spoiled": {home: []identity.Role{identity.RoleRecorder}, req: func(m *matrix) (string, string) {
			return "/api/v1/paper-stock/652301/spoiled", `{"serial":"XJ26000050","reason":"打印机卡纸"}`
		}},
	}
}

var (
	surveyReaders = []identity.Role{identity.RoleSurveyor, identity.RoleDeveloper, identity.RoleHousing, identity.RoleReviewer, identity.RoleAcceptor,
		identity.RoleRecorder, identity.RoleInspector}
	areaReaders       = []identity.Role{identity.RoleDeveloper, identity.RoleHousing, identity.RoleReviewer}
	acceptanceReaders = []identity.Role{identity.RoleDeveloper, identity.RoleInspector, identity.RoleHousing, identity.RoleReviewer}
	accountingReaders = []identity.Role{identity.RoleDeveloper, identity.RoleHousing, identity.RoleReviewer, identity.RoleRecorder}
	readinessReaders  = []identity.Role{identity.RoleDeveloper, identity.RoleHousing, identity.RoleAcceptor, identity.RoleReviewer, identity.RoleRecorder,
		identity.RoleInspector, identity.RoleTax}
	projectReaders = []identity.Role{identity.RoleDeveloper, identity.RoleHousing, identity.RoleAcceptor, identity.RoleReviewer,
		identity.RoleRecorder, identity.RoleInspector, identity.RoleTax}
	clerks          = []identity.Role{identity.RoleAcceptor, identity.RoleReviewer, identity.RoleRecorder}
	taxOnly         = []identity.Role{identity.RoleTax}
	handoverReaders = append([]identity.Role{identity.RoleDeveloper, identity.RoleHousing}, clerks...)
	sup             = []identity.Role{supervisor}
	dev             = []identity.Role{identity.RoleDeveloper}
	housingOnly     = []identity.Role{identity.RoleHousing}
	adminOnly       = []identity.Role{admin}
	// The fixture contract's readers: its developer, its buyer, its lending
	// bank, and staff of its county.
	contractReaders = []identity.Role{identity.RoleDeveloper, identity.RoleBuyer, identity.RoleBank, identity.RoleHousing,
		identity.RoleAcceptor, identity.RoleReviewer, identity.RoleRecorder, identity.RoleTax}
)

// body addresses a fixture record with a JSON body; for the credit listing
// it alternates listing and lifting dev2 so that each call is a change.
func body(format, key, json string) func(*matrix) (string, string) {
	return func(m *matrix) (string, string) {
		if key == "" {
			listed := m.seq.Add(1)%2 == 1
			return format, fmt.Sprintf(`{"developer":%d,"listed":%v,"reason":"测试"}`, m.fixture["dev2"], listed)
		}
		return fmt.Sprintf(format, m.fixture[key]), json
	}
}

const notice2027 = "范围 650000 新疆维吾尔自治区\n年度 2027\n标题 测试通知\n休 2027-03-10 肉孜节\n"

func TestAuthorizationMatrix(t *testing.T) {
	m := newMatrix(t)
	all := specs()
	for _, rt := range m.env.Server.API().Routes() {
		key := rt.Method + " " + rt.Pattern
		spec, ok := all[key]
		if !ok {
			t.Errorf("route %s has no authorization spec", key)
			continue
		}
		delete(all, key)
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			check := func(who string, c *http.Client, allowed bool) {
				t.Helper()
				path, body := spec.req(m)
				var rd io.Reader
				switch {
				case body != "":
					rd = strings.NewReader(body)
				case spec.bodyText:
					rd = strings.NewReader(notice2027)
				case spec.xlsx:
					rd = bytes.NewReader(m.workbook)
				}
				req, _ := http.NewRequest(rt.Method, m.env.HTTP.URL+path, rd)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
				// A mutation that passed authorisation may still meet a rule
				// (409, 422) because an earlier principal already changed the
				// record; what matters here is that it was not refused access.
				if rt.Method != "GET" && (resp.StatusCode == 409 || resp.StatusCode == 422) {
					ok2xx = true
				}
				hasRecord := spec.record == "" || strings.Contains(string(b), fmt.Sprintf(`"id":%d,`, m.fixture[spec.record]))
				switch {
				case allowed && (!ok2xx || !hasRecord):
					t.Errorf("%s: status %d (record shown %v), want allowed: %.200s", who, resp.StatusCode, hasRecord, b)
				case !allowed && spec.list && ok2xx && hasRecord:
					t.Errorf("%s: list shows the home county's record, want it hidden", who)
				case !allowed && !spec.list && ok2xx:
					t.Errorf("%s: status %d, want denied", who, resp.StatusCode)
				case !allowed && !ok2xx && resp.StatusCode != 403 && resp.StatusCode != 401 && !(spec.hidden && resp.StatusCode == 404):
					t.Errorf("%s: status %d, want 401 or 403: %.200s", who, resp.StatusCode, b)
				case !allowed && c == m.anon && resp.StatusCode != 401 && !ok2xx:
					t.Errorf("anonymous: status %d, want 401", resp.StatusCode)
				}
			}
			check("anonymous", m.anon, spec.anon)
			for r, c := range m.home {
				check("home "+string(r), c, spec.anon || spec.all || slices.Contains(spec.home, r))
			}
			for r, c := range m.other {
				check("other "+string(r), c, spec.anon || spec.all || slices.Contains(spec.other, r))
			}
			for r, c := range m.pref {
				check("prefecture "+string(r), c, spec.anon || spec.all || slices.Contains(spec.pref, r))
			}
		})
	}
	for key := range all {
		t.Errorf("spec for %s matches no route", key)
	}
	// Every denial was audited.
	denied, err := m.env.DB.ListAudit(context.Background(), accessAll(), store.AuditQuery{Action: "access.denied", Limit: 500})
	if err != nil || len(denied) == 0 {
		t.Errorf("access.denied events = %d, %v; want the denials audited", len(denied), err)
	}
}

func accessAll() access.Filter { return access.Filter{All: true} }
