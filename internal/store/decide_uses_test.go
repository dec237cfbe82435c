package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// Each write the pages ask is decided by the store on the row it reads: a
// request whose principal lacks the right is refused (access.denied) and
// nothing is written, even with a form that is wrong besides; one with the
// right gets past access to the rules, whatever they then say.
func TestStoreDecidesEachUseCase(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	c := x.applyAcceptance(t)
	task := c.Tasks[0]
	if _, err := x.db.PrepareAccounting(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	var item int64
	if err := x.db.SQLForTest().QueryRow(`SELECT MIN(id) FROM accounting_items WHERE project_id = $1`, x.project.ID).Scan(&item); err != nil {
		t.Fatal(err)
	}
	dev1 := x.f.Orgs["dev1"].ID
	finding, err := x.db.RecordCreditEvent(ctx, x.hous, dev1, "未按期交付", "检查记录 2026-01", 5)
	if err != nil {
		t.Fatal(err)
	}
	survey := x.submit(t, x.survey(nil))
	contract := x.contracts[0].ID
	unit := x.contracts[0].UnitID

	housingHere := principalOf(identity.RoleHousing, identity.Housing, "652301", x.f.Orgs["652301/housing"].ID)
	housingThere := principalOf(identity.RoleHousing, identity.Housing, "652302", x.f.Orgs["652302/housing"].ID)
	developer := principalOf(identity.RoleDeveloper, identity.Developer, "652301", dev1)
	otherDeveloper := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev2"].ID)
	buyer := principalOf(identity.RoleBuyer, identity.Individual, "652301", 0)
	buyer.User.IDNumber = buyerIDs[0]
	surveyor := principalOf(identity.RoleSurveyor, identity.Surveyor, "652301", x.f.Orgs["surveyor"].ID)
	inspector := principalOf(identity.RoleInspector, identity.Acceptance, "652301", task.OrgID)
	inspector.Org.Service = task.Department
	taxHere := principalOf(identity.RoleTax, identity.Tax, "652301", x.f.Orgs["652301/tax"].ID)
	recorder := principalOf(identity.RoleRecorder, identity.Registry, "652301", x.f.Orgs["652301/registry"].ID)
	water := principalOf(identity.RoleUtility, identity.Utility, "652301", x.f.Orgs["652301/water"].ID)

	draft := x.input(x.saleFixture.units[8])
	draft.Buyers = nil // wrong besides: refused by the rules once past access
	tests := []decidesCase{
		{"DraftContract", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.DraftContract(ctx, x.dev, dev1, draft)
			return err
		}},
		{"SendContract", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.SendContract(ctx, x.dev, contract)
			return err
		}},
		{"WithdrawContract", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.WithdrawContract(ctx, x.dev, contract, "")
			return err
		}},
		{"FileContract", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.FileContract(ctx, x.dev, contract)
			return err
		}},
		{"ConfirmContract", developer, buyer, func(ctx context.Context) error {
			_, err := x.db.ConfirmContract(ctx, x.dev, contract, buyerIDs[0])
			return err
		}},
		{"AgreeCancellationOf (no court document)", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.AgreeCancellationOf(ctx, x.hous, contract, "", "")
			return err
		}},
		{"DecideArea", developer, buyer, func(ctx context.Context) error {
			return x.db.DecideArea(ctx, x.dev, contract, "keep")
		}},
		{"CommissionSurveyor (not a surveyor)", otherDeveloper, developer, func(ctx context.Context) error {
			return x.db.CommissionSurveyor(ctx, x.dev, x.project.ID, dev1)
		}},
		{"SubmitSurvey", housingHere, surveyor, func(ctx context.Context) error {
			_, err := x.db.SubmitSurvey(ctx, x.surveyor, x.building, x.survey(nil), nil, nil)
			return err
		}},
		{"DecideSurvey (no reason to return)", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.DecideSurvey(ctx, x.hous, survey.ID, false, nil, "")
			return err
		}},
		{"ApplyAcceptance", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.ApplyAcceptance(ctx, x.dev, x.cal, x.project.ID, []int64{x.building})
			return err
		}},
		{"RecordOpinion (no result)", housingHere, inspector, func(ctx context.Context) error {
			_, err := x.db.RecordOpinion(ctx, x.hous, c.ID, task.Department, completion.Result(""), "", nil)
			return err
		}},
		{"Reinspect", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.Reinspect(ctx, x.dev, x.cal, c.ID)
			return err
		}},
		{"PrepareAccounting", developer, housingHere, func(ctx context.Context) error {
			_, err := x.db.PrepareAccounting(ctx, x.hous, x.project.ID)
			return err
		}},
		{"RecordItem (no evidence)", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.RecordItem(ctx, x.hous, item, dec("-1"), dec("0"), "", "")
			return err
		}},
		{"ClearItem", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.ClearItem(ctx, x.hous, item)
			return err
		}},
		{"PayMaintenance", developer, housingHere, func(ctx context.Context) error {
			_, err := x.db.PayMaintenance(ctx, x.hous, item, "")
			return err
		}},
		{"RecordCreditEvent (no finding)", developer, housingThere, func(ctx context.Context) error {
			_, err := x.db.RecordCreditEvent(ctx, x.hous, dev1, "", "", 0)
			return err
		}},
		{"AppealCreditEvent (no reason)", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.AppealCreditEvent(ctx, x.dev, finding.ID, "")
			return err
		}},
		{"DecideAppeal (none filed)", developer, housingHere, func(ctx context.Context) error {
			_, err := x.db.DecideAppeal(ctx, x.hous, finding.ID, credit.Decision("upheld"), "")
			return err
		}},
		{"ListDeveloper (no reason)", developer, housingHere, func(ctx context.Context) error {
			return x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev1, Listed: true})
		}},
		{"LockUnit (no reason)", housingThere, housingHere, func(ctx context.Context) error {
			return x.db.LockUnit(ctx, x.hous, unit, true, "")
		}},
		{"AssessDeedTax", housingHere, taxHere, func(ctx context.Context) error {
			_, err := x.db.AssessDeedTax(ctx, x.hous, x.project.ID)
			return err
		}},
		{"PayDeedTax (not assessed)", developer, taxHere, func(ctx context.Context) error {
			_, err := x.db.PayDeedTax(ctx, x.hous, contract, "", "staff")
			return err
		}},
		{"RestrictParcel (unknown kind)", housingHere, recorder, func(ctx context.Context) error {
			_, err := x.db.RestrictParcel(ctx, x.hous, testParcel, "bogus", "", "", "")
			return err
		}},
		{"AnswerUtility (no such request)", developer, water, func(ctx context.Context) error {
			_, err := x.db.AnswerUtility(ctx, x.dev, 0, true, "")
			return err
		}},
	}
	checkDecides(t, x.db, tests)
}

// decidesCase is one use case of the store: a principal refused, one
// allowed, and the call.
type decidesCase = struct {
	name            string
	denied, allowed *identity.Principal
	call            func(ctx context.Context) error
}

// checkDecides runs each use case without the right (access.denied, and
// no audit event written), anonymously (auth.required) and with the right
// (past access).
func checkDecides(t *testing.T, db *store.DB, tests []decidesCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := writes(t, db)
			if err := tt.call(request(tt.denied)); problem.CodeOf(err) != "access.denied" {
				t.Errorf("without the right: got %q (%v), want access.denied", problem.CodeOf(err), err)
			}
			if after := writes(t, db); after != before {
				t.Errorf("without the right: %d audit events written, want none", after-before)
			}
			if err := tt.call(request(nil)); problem.CodeOf(err) != "auth.required" {
				t.Errorf("anonymous: got %q (%v), want auth.required", problem.CodeOf(err), err)
			}
			if err := tt.call(request(tt.allowed)); problem.KindOf(err) == problem.Forbidden || problem.KindOf(err) == problem.Unauthenticated {
				t.Errorf("with the right: got %q (%v), want past access", problem.CodeOf(err), err)
			}
		})
	}
}

// writes is how many audit events the store has written: every write
// audits, so a refused one leaves the count as it was.
func writes(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The administration, the presale fund, the partners' endpoints, the
// settings, the certificate paper, the calendar and a kept promise are
// decided by the store like the rest; a form problem found by the
// transport (store.AfterAccess) is told only to whoever has the right.
func TestStoreDecidesTheOtherUseCases(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.ready(t)
	x.file(t, "2026-03-10")
	cs, err := x.db.Commitments(ctx, x.project.ID)
	if err != nil || len(cs) == 0 {
		t.Fatalf("commitments: %v %v", cs, err)
	}
	var withdrawal int64
	if err := x.db.SQLForTest().QueryRow(`INSERT INTO fund_withdrawals (project_id, node, amount, evidence, state, extra_review, requested_by, requested_at)
		VALUES ($1, 'structure', 100, '主体结构验收', 'requested', false, 0, $2) RETURNING id`, x.project.ID, x.clock.Now()).Scan(&withdrawal); err != nil {
		t.Fatal(err)
	}
	bank := x.f.Orgs["652301/bank"].ID
	ep, err := x.db.PutEndpoint(ctx, x.hous, exchange.Endpoint{OrgID: bank, Name: "贷款系统", URL: "https://bank.example/hook",
		Secret: "0123456789abcdef0123", Events: []string{exchange.EventTypes()[0].Code}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	kaifa := x.f.Users["kaifa"].ID
	_, token, err := x.db.CreateToken(ctx, x.hous, kaifa, "测试")
	if err != nil {
		t.Fatal(err)
	}

	here, there := x.f.Orgs["652301/housing"].ID, x.f.Orgs["652302/housing"].ID
	adminHere := principalOf(identity.RoleAdmin, identity.Housing, "652301", here)
	adminThere := principalOf(identity.RoleAdmin, identity.Housing, "652302", there)
	adminPrefecture := principalOf(identity.RoleAdmin, identity.Housing, "652300", here)
	adminPrefecture.Jurisdiction.Kind = identity.Prefecture
	housingHere := principalOf(identity.RoleHousing, identity.Housing, "652301", here)
	housingThere := principalOf(identity.RoleHousing, identity.Housing, "652302", there)
	developer := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev1"].ID)
	otherDeveloper := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev2"].ID)
	recorder := principalOf(identity.RoleRecorder, identity.Registry, "652301", x.f.Orgs["652301/registry"].ID)
	bad := &problem.Error{Kind: problem.Invalid, Code: "request.field", Message: "扣分须为1至30的整数", Fields: map[string]string{"points": "扣分须为1至30的整数"}}
	blank := paperRange(t, "A", "0000001", "0000100")

	tests := []decidesCase{
		{"CreateOrg (no name)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.CreateOrg(ctx, x.hous, identity.Org{Kind: identity.Tax, Jurisdiction: "652301"})
			return err
		}},
		{"CreateUser (no password)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.CreateUser(ctx, x.hous, store.NewUser{User: identity.User{Username: "xin", Name: "新", OrgID: x.f.Orgs["dev1"].ID}})
			return err
		}},
		{"UpdateUser (a weak password)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.UpdateUser(ctx, x.hous, kaifa, identity.UserChange{Password: "short"})
			return err
		}},
		{"UpdateUser (a role the organisation may not hold)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.UpdateUser(ctx, x.hous, kaifa, identity.UserChange{Roles: []identity.Role{identity.RoleRecorder}})
			return err
		}},
		{"CreateToken", adminThere, adminHere, func(ctx context.Context) error {
			_, _, err := x.db.CreateToken(ctx, x.hous, kaifa, "测试")
			return err
		}},
		{"RevokeToken", adminThere, adminHere, func(ctx context.Context) error {
			return x.db.RevokeToken(ctx, x.hous, token.ID)
		}},
		{"OpenFundAccount (opened already)", housingThere, housingHere, func(ctx context.Context) error {
			return x.db.OpenFundAccount(ctx, x.hous, presale.FundAccount{ProjectID: x.project.ID, Bank: bank, Number: "1", Supervised: dec("1")})
		}},
		{"RecordPayment (no amount)", developer, housingHere, func(ctx context.Context) error {
			return x.db.RecordPayment(ctx, x.hous, x.project.ID, 0, dec("0"), calendar.Date{}, "")
		}},
		{"RecordMilestone (no evidence)", housingThere, housingHere, func(ctx context.Context) error {
			return x.db.RecordMilestone(ctx, x.hous, x.project.ID, "bogus", calendar.Date{}, "")
		}},
		{"RequestWithdrawal (no amount)", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: x.project.ID, Node: "structure"})
			return err
		}},
		{"DecideWithdrawal (refused without a reason)", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.DecideWithdrawal(ctx, x.hous, withdrawal, false, "")
			return err
		}},
		{"DecideProjectWithdrawal (another project's)", housingThere, housingHere, func(ctx context.Context) error {
			_, err := x.db.DecideProjectWithdrawal(ctx, x.hous, x.project.ID+1000, withdrawal, false, "")
			return err
		}},
		{"PutEndpoint (no URL)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.PutEndpoint(ctx, x.hous, exchange.Endpoint{OrgID: bank, Name: "贷款系统"})
			return err
		}},
		{"ReplayDeliveries (none dead)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.ReplayDeliveries(ctx, x.hous, ep.ID)
			return err
		}},
		{"RotateEndpointSecret (a window of 31 days)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.RotateEndpointSecret(ctx, x.hous, ep.ID, exchange.NewSecret(), 31)
			return err
		}},
		{"EndEndpointChangeover (none under way)", adminThere, adminHere, func(ctx context.Context) error {
			_, err := x.db.EndEndpointChangeover(ctx, x.hous, ep.ID)
			return err
		}},
		{"Inquire (no key unlocked)", housingHere, recorder, func(ctx context.Context) error {
			_, err := x.db.Inquire(ctx, x.hous, inquiry.Request{Requester: inquiry.Prospective, Name: "王五", IDNumber: "652301199001011235",
				Purpose: "购房前了解房屋状况", By: inquiry.ByUnitNo, Key: "x"}, x.saleFixture.units[8], nil)
			return err
		}},
		{"CancelScheduledSetting (nothing scheduled, no reason)", housingHere, adminHere, func(ctx context.Context) error {
			return x.db.CancelScheduledSetting(ctx, x.hous, "652301", "alert.delivery_days", calendar.DateOf(x.clock.Now()).AddDays(1), "")
		}},
		{"PutSettings", housingHere, adminHere, func(ctx context.Context) error {
			return x.db.PutSettings(ctx, x.hous, "652301", map[string]string{}, store.SettingChange{Reason: "测试"})
		}},
		{"CheckPaperRange", housingHere, recorder, func(ctx context.Context) error {
			return x.db.CheckPaperRange(ctx, "652301", blank)
		}},
		{"ReceivePaper (a form problem found before)", housingHere, recorder, func(ctx context.Context) error {
			_, err := x.db.ReceivePaper(store.AfterAccess(ctx, bad), x.hous, "652301", blank)
			return err
		}},
		{"CheckPaperBlank (not a serial)", housingHere, recorder, func(ctx context.Context) error {
			_, _, err := x.db.CheckPaperBlank(ctx, "652301", "x")
			return err
		}},
		{"SpoilBlank (no reason)", housingHere, recorder, func(ctx context.Context) error {
			_, err := x.db.SpoilBlank(ctx, x.hous, "652301", "A0000001", "")
			return err
		}},
		{"CheckNotice (empty)", adminHere, adminPrefecture, func(ctx context.Context) error {
			return store.CheckNotice(ctx, calendar.Notice{})
		}},
		{"LoadNotice (empty)", adminHere, adminPrefecture, func(ctx context.Context) error {
			_, err := x.db.LoadNotice(ctx, x.hous, calendar.Notice{})
			return err
		}},
		{"FulfilCommitment (no evidence)", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.FulfilCommitment(ctx, x.dev, cs[0].ID, "")
			return err
		}},
		{"RecordCreditEvent (points that are not a number)", developer, housingHere, func(ctx context.Context) error {
			_, err := x.db.RecordCreditEvent(store.AfterAccess(ctx, bad), x.hous, x.f.Orgs["dev1"].ID, "未按期交付", "检查记录", 0)
			if problem.KindOf(err) != problem.Forbidden && problem.KindOf(err) != problem.Unauthenticated && err != bad {
				t.Errorf("with the right: got %v, want the form's problem", err)
			}
			return err
		}},
	}
	checkDecides(t, x.db, tests)
}

// An alert's acknowledgement, assignment and resolution are decided by the
// store on the alert it locks.
func TestStoreDecidesAlerts(t *testing.T) {
	x := newCompletionFixture(t)
	x.clock.Set(time.Date(2027, 6, 22, 2, 0, 0, 0, time.UTC))
	evaluate(t, x.db, x)
	a := alertOf(t, x.db, supervision.DeliveryAtRisk, "project:"+itoa(x.project.ID)+":delivery")
	developer := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev1"].ID)
	otherDeveloper := principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev2"].ID)
	checkDecides(t, x.db, []decidesCase{
		{"AssignAlert (to a user of another organisation)", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.AssignAlert(ctx, x.dev, a.ID, x.f.Users["zhujian"].ID, "")
			return err
		}},
		{"ResolveAlert (no note)", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.ResolveAlert(ctx, x.dev, a.ID, "")
			return err
		}},
		{"AcknowledgeAlert", otherDeveloper, developer, func(ctx context.Context) error {
			_, err := x.db.AcknowledgeAlert(ctx, x.dev, a.ID)
			return err
		}},
	})
}

// The project page's actions — its facts, a parcel, a permit and its
// confirmation and a 楼盘表 import — are decided by the store on the
// project it reads, like the rest.
func TestStoreDecidesTheProjectPage(t *testing.T) {
	x := newSaleFixture(t)
	var permit int64
	if err := x.db.SQLForTest().QueryRow(`SELECT MIN(id) FROM project_permits WHERE project_id = $1`, x.project.ID).Scan(&permit); err != nil {
		t.Fatal(err)
	}
	_, otherPermit := anotherProject(t, x)
	p := projectPrincipals(x)
	noFile := problem.New(problem.Invalid, "ledger.no_file", "请选择要导入的 .xlsx 文件")
	unnamed := errors.New("unnamed") // the change refused, once past access
	dev1 := x.f.Orgs["dev1"].ID
	checkDecides(t, x.db, []decidesCase{
		{"CreateProject (no name)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.CreateProject(ctx, x.dev, ledger.Project{Developer: dev1, Jurisdiction: "652301"})
			return err
		}},
		{"UpdateProject (a change refused)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.UpdateProject(ctx, x.dev, x.project.ID, func(*ledger.Project) error { return unnamed })
			return err
		}},
		{"PutParcel (no code)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.PutParcel(ctx, x.dev, x.project.ID, ledger.Parcel{})
			return err
		}},
		{"AddPermit (no number)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.AddPermit(ctx, x.dev, ledger.Permit{ProjectID: x.project.ID, Kind: ledger.Planning})
			return err
		}},
		{"ConfirmPermit (confirmed already)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.ConfirmPermit(ctx, x.hous, permit)
			return err
		}},
		{"ConfirmProjectPermit (another project's)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.ConfirmProjectPermit(ctx, x.hous, x.project.ID, otherPermit)
			return wantPastAccess(t, err, "permit.not_found")
		}},
		{"ImportLedger (no file)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.ImportLedger(store.AfterAccess(ctx, noFile), x.dev, x.project.ID, "", ledger.Workbook{}, nil)
			return err
		}},
		{"ImportLedger (rows that do not read)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.ImportLedger(ctx, x.dev, x.project.ID, "x.xlsx", ledger.Workbook{}, []ledger.RowError{{Sheet: "户", Row: 2, Reason: "面积不是数字"}})
			return err
		}},
	})
}

// A presale application, its issue or refusal (by the application, or the
// project's open one) and a permit's change are decided by the store on
// the project it reads.
func TestStoreDecidesPresale(t *testing.T) {
	x := newSaleFixture(t)
	var presalePermit, application int64
	q := x.db.SQLForTest()
	if err := q.QueryRow(`SELECT MIN(id) FROM presale_permits WHERE project_id = $1`, x.project.ID).Scan(&presalePermit); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRow(`INSERT INTO presale_applications (project_id, buildings, note, state, submitted_by, submitted_at)
		VALUES ($1, '[]', '', 'submitted', 0, $2) RETURNING id`, x.project.ID, x.clock.Now()).Scan(&application); err != nil {
		t.Fatal(err)
	}
	other, _ := anotherProject(t, x)
	p := projectPrincipals(x)
	checkDecides(t, x.db, []decidesCase{
		{"ApplyPresale (an application open)", p.otherDeveloper, p.developer, func(ctx context.Context) error {
			_, err := x.db.ApplyPresale(ctx, x.dev, x.project.ID, []int64{x.building}, "")
			return err
		}},
		{"IssuePresale (permitted already)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{x.building}, "", 0)
			return err
		}},
		{"IssueOpenPresale (no building asked)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.IssueOpenPresale(ctx, x.hous, x.project.ID, "")
			return err
		}},
		{"IssueOpenPresale (no application open)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.IssueOpenPresale(ctx, x.hous, other.ID, "")
			return wantPastAccess(t, err, "presale.no_application")
		}},
		{"RefusePresale (no reason)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			return x.db.RefusePresale(ctx, x.hous, application, "")
		}},
		{"RefuseOpenPresale (no reason)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			return x.db.RefuseOpenPresale(ctx, x.hous, x.project.ID, "")
		}},
		{"ChangePresale (no reason)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.ChangePresale(ctx, x.hous, presalePermit, "suspended", "")
			return err
		}},
		{"ChangeProjectPresale (another project's)", p.housingThere, p.housingHere, func(ctx context.Context) error {
			_, err := x.db.ChangeProjectPresale(ctx, x.hous, other.ID, presalePermit, "suspended", "有违规")
			return wantPastAccess(t, err, "presale.not_found")
		}},
	})
}

// anotherProject is a second project of the fixture's developer, in the
// same county, with a planning permit.
func anotherProject(t *testing.T, x *saleFixture) (ledger.Project, int64) {
	t.Helper()
	ctx := context.Background()
	other, err := x.db.CreateProject(ctx, x.dev, ledger.Project{Name: "另一项目", Developer: x.f.Orgs["dev1"].ID, Jurisdiction: "652301",
		Address: "昌吉市测试路2号", PlannedDelivery: calendar.MustDate("2027-06-30"), TotalInvestment: dec("1000000"), Invested: dec("400000")})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := x.db.AddPermit(ctx, x.dev, ledger.Permit{ProjectID: other.ID, Kind: ledger.Planning, Number: "NO-other",
		IssuedOn: calendar.MustDate("2025-06-01"), Issuer: "昌吉市", Scope: "全部"})
	if err != nil {
		t.Fatal(err)
	}
	return other, pm.ID
}

// projectActors are who may and may not act on the fixture's project:
// its developer and another, its county's housing bureau and another's.
type projectActors struct {
	developer, otherDeveloper, housingHere, housingThere *identity.Principal
}

func projectPrincipals(x *saleFixture) projectActors {
	return projectActors{
		developer:      principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev1"].ID),
		otherDeveloper: principalOf(identity.RoleDeveloper, identity.Developer, "652301", x.f.Orgs["dev2"].ID),
		housingHere:    principalOf(identity.RoleHousing, identity.Housing, "652301", x.f.Orgs["652301/housing"].ID),
		housingThere:   principalOf(identity.RoleHousing, identity.Housing, "652302", x.f.Orgs["652302/housing"].ID),
	}
}

// wantPastAccess reports err, once past access, when its code is not
// code; it returns err for checkDecides.
func wantPastAccess(t *testing.T, err error, code string) error {
	t.Helper()
	if k := problem.KindOf(err); k != problem.Forbidden && k != problem.Unauthenticated && problem.CodeOf(err) != code {
		t.Errorf("with the right: got %v, want %s", err, code)
	}
	return err
}
