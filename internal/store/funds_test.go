package store_test

import (
	"context"
	"testing"

	"handover/internal/access"
	"handover/internal/credit"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// A withdrawal refused because its node is not reached is quoted by the
// node's name in the jurisdiction's configuration, in the alert and in the
// credit record, never by the node's code.
func TestWithdrawalMessagesNameTheNode(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	nodes := "structure:主体结构封顶:50:structure_accepted;completion:竣工验收合格:95:completed;filing:竣工验收备案:99:filed;first_registration:首次登记:100:first_registered"
	if err := x.db.PutSetting(ctx, actor(x.f, "cj-admin"), x.project.Jurisdiction, presale.SettingFundNodes, nodes); err != nil {
		t.Fatal(err)
	}
	_, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: x.project.ID, Node: "completion", Amount: dec("100000"), Evidence: "无"})
	if problem.As(err).Kind != problem.Refused {
		t.Fatalf("withdrawal by an unreached node: got %v, want a refusal", err)
	}
	evaluate(t, x.db, x)
	alerts, err := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.WithdrawalNoNode})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts: %v %+v", err, alerts)
	}
	if got, want := alerts[0].Message, x.project.Name+"申请支取预售资金100000.00元，已被系统拒绝：所依据的节点“竣工验收合格”尚无记录，请核查"; got != want {
		t.Errorf("alert: got %q, want %q", got, want)
	}
	if _, err := x.db.EvaluateCredit(ctx, x.cal); err != nil {
		t.Fatal(err)
	}
	rec, err := x.db.CreditRecordOf(ctx, x.project.Developer)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rec.Events {
		if e.Kind == credit.FundMisuse {
			got = append(got, e.Description)
		}
	}
	// Refused before any money moved: an alert for the supervisor, not a
	// deduction from the developer's credit (a misuse is a staff finding).
	if len(got) != 0 {
		t.Errorf("credit record after a refused withdrawal: got fund-misuse events %q, want none", got)
	}
}
