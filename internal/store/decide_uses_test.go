package store_test

import (
	"context"
	"testing"

	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
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
	tests := []struct {
		name            string
		denied, allowed *identity.Principal
		call            func(ctx context.Context) error
	}{
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := writes(t, x.db)
			if err := tt.call(request(tt.denied)); problem.CodeOf(err) != "access.denied" {
				t.Errorf("without the right: got %q (%v), want access.denied", problem.CodeOf(err), err)
			}
			if after := writes(t, x.db); after != before {
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
