package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"handover/internal/credit"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
)

// Staff findings bring a developer to D: the rule lists it, and its next
// presale permit is refused by rule; a granted appeal brings the score
// back and the rule lifts the listing it made. A listing decided by staff
// stays until staff lift it.
func TestCreditRuleListsAndLifts(t *testing.T) {
	x := newLedgerFixture(t)
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	bid := d.Buildings[0].Building.ID
	dev := x.f.Orgs["dev1"].ID
	first, err := x.db.RecordCreditEvent(ctx, x.hous, dev, "未按规划许可擅自增加层数", "昌市住建执法〔2026〕12号", 25)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.RecordCreditEvent(ctx, x.hous, dev, "", "", 40); problem.CodeOf(err) != "credit.event_invalid" {
		t.Errorf("a finding without facts: %v", err)
	}
	if _, err := x.db.RecordCreditEvent(ctx, x.hous, dev, "预售款未存入监管账户", "昌市住建执法〔2026〕15号", 20); err != nil {
		t.Fatal(err)
	}
	rec, err := x.db.CreditRecordOf(ctx, dev)
	if err != nil || rec.Assessment.Score != 55 || rec.Assessment.Level != credit.LevelD || !rec.Listed {
		t.Fatalf("after 45 points: %+v %v, want 55, D, listed", rec.Assessment, err)
	}
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); !strings.Contains(fmt.Sprint(problem.As(err).Reasons), "presale.credit_restricted") {
		t.Errorf("presale for a developer at D: %v, want refused by the restriction", err)
	}
	if _, err := x.db.AppealCreditEvent(ctx, x.dev, first.ID, "层数系规划变更后合法增加，有变更许可为证"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.AppealCreditEvent(ctx, x.dev, first.ID, "再次申诉，理由同上"); problem.CodeOf(err) != "credit.appealed" {
		t.Errorf("appealed twice: %v", err)
	}
	if _, err := x.db.DecideAppeal(ctx, x.hous, first.ID, "maybe", "x"); problem.CodeOf(err) != "credit.decision" {
		t.Errorf("a decision that is neither: %v", err)
	}
	e, err := x.db.DecideAppeal(ctx, x.hous, first.ID, credit.Granted, "规划变更许可属实")
	if err != nil || e.Appeal == nil || e.Appeal.Decision != credit.Granted {
		t.Fatalf("decide: %+v %v", e, err)
	}
	if _, err := x.db.DecideAppeal(ctx, x.hous, first.ID, credit.Upheld, "再议"); problem.CodeOf(err) != "credit.decided" {
		t.Errorf("decided twice: %v", err)
	}
	if rec, _ = x.db.CreditRecordOf(ctx, dev); rec.Assessment.Score != 80 || rec.Listed || len(rec.Events) != 2 {
		t.Fatalf("after the granted appeal: %+v listed %v, %d events; want 80, lifted, both records kept", rec.Assessment, rec.Listed, len(rec.Events))
	}
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{bid}, "", 0); err != nil {
		t.Errorf("presale after the listing was lifted: %v", err)
	}
	// A staff decision is not undone by the rule.
	dev2 := x.f.Orgs["dev2"].ID
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev2, Listed: true, Reason: "拒不履行生效判决"}); err != nil {
		t.Fatal(err)
	}
	cal, _ := x.db.Calendar(ctx)
	if _, err := x.db.EvaluateCredit(ctx, cal); err != nil {
		t.Fatal(err)
	}
	if rec, _ := x.db.CreditRecordOf(ctx, dev2); !rec.Listed || rec.Assessment.Score != 100 {
		t.Errorf("staff listing at 100 points: %+v listed %v, want it kept", rec.Assessment, rec.Listed)
	}
	// Nor is a person's taking a developer at D off the list, until a
	// record is made after the decision.
	for i, pts := range []int{25, 20} {
		if _, err := x.db.RecordCreditEvent(ctx, x.hous, dev2, "擅自变更规划", fmt.Sprintf("昌市住建执法〔2026〕2%d号", i), pts); err != nil {
			t.Fatal(err)
		}
	}
	x.clock.Advance(time.Minute)
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev2, Listed: false, Reason: "已整改，经州局复核暂缓限制"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := x.db.EvaluateCredit(ctx, cal); err != nil {
			t.Fatal(err)
		}
	}
	if rec, _ := x.db.CreditRecordOf(ctx, dev2); rec.Listed || rec.Assessment.Level != credit.LevelD {
		t.Errorf("taken off the list by a person at D: %+v listed %v, want the decision kept", rec.Assessment, rec.Listed)
	}
	x.clock.Advance(time.Minute)
	if _, err := x.db.RecordCreditEvent(ctx, x.hous, dev2, "再次违规预售", "昌市住建执法〔2026〕22号", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.EvaluateCredit(ctx, cal); err != nil {
		t.Fatal(err)
	}
	if rec, _ := x.db.CreditRecordOf(ctx, dev2); !rec.Listed {
		t.Errorf("a record made after the person's decision: %+v listed %v, want listed again by the rule", rec.Assessment, rec.Listed)
	}
}

// The platform writes its events once: a delivery late with flats not
// handed over, a cancelled contract, a withdrawal attempted without its
// node.
func TestCreditPlatformEvents(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	dev := x.project.Developer
	if _, err := x.db.AgreeCancellation(ctx, x.hous, x.contracts[5].ID, store.CancelParty{CourtDoc: "（2026）新2301民初8号"}, "法院判决解除"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: x.project.ID, Node: "completion", Amount: dec("100000"), Evidence: "无"}); err == nil {
		t.Fatal("withdrawal by an unreached node allowed")
	}
	if _, err := x.db.EvaluateCredit(ctx, x.cal); err != nil {
		t.Fatal(err)
	}
	x.clock.Set(time.Date(2027, 7, 5, 2, 0, 0, 0, time.UTC)) // after the planned delivery of 2027-06-30
	for range 2 {
		if _, err := x.db.EvaluateCredit(ctx, x.cal); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := x.db.CreditRecordOf(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[credit.EventKind]int{}
	for _, e := range rec.Events {
		kinds[e.Kind]++
	}
	// The refused withdrawal is an alert, not a credit event: no money moved.
	want := map[credit.EventKind]int{credit.LateDelivery: 1, credit.ContractCancelled: 1, credit.FundMisuse: 0}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", k, kinds[k], n, kinds)
		}
	}
	if rec.Assessment.Score != 100-10-1 {
		t.Errorf("score %d, want %d", rec.Assessment.Score, 100-10-1)
	}
}
