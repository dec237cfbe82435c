package presale

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/problem"
)

func TestOpenAccount(t *testing.T) {
	d := decimal.RequireFromString
	ok := FundAccount{ProjectID: 1, Bank: 5, Number: " 6523010001234567 ", Supervised: d("1000000")}
	tests := []struct {
		name   string
		edit   func(a *FundAccount)
		bank   identity.OrgKind
		want   string
		fields []string // the fields a refusal names
	}{
		{"a bank's account", nil, identity.Bank, "", nil},
		{"no bank chosen", func(a *FundAccount) { a.Bank = 0 }, "", "fund.invalid", []string{"bank"}},
		{"no number", func(a *FundAccount) { a.Number = "  " }, identity.Bank, "fund.invalid", []string{"number"}},
		{"a number too long", func(a *FundAccount) { a.Number = "12345678901234567890123456789012345678901" }, identity.Bank, "fund.invalid", []string{"number"}},
		{"no supervised amount", func(a *FundAccount) { a.Supervised = decimal.Zero }, identity.Bank, "fund.invalid", []string{"supervised"}},
		{"every field at once", func(a *FundAccount) { *a = FundAccount{} }, "", "fund.invalid", []string{"bank", "number", "supervised"}},
		{"not a bank", nil, identity.Developer, "fund.invalid", []string{"bank"}},
		{"no such organisation", nil, "", "fund.invalid", []string{"bank"}},
	}
	for _, tt := range tests {
		a := ok
		if tt.edit != nil {
			tt.edit(&a)
		}
		got, err := OpenAccount(a, tt.bank)
		if c := problem.CodeOf(err); c != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		for _, f := range tt.fields {
			if problem.As(err).Fields[f] == "" {
				t.Errorf("%s: got fields %v, want %q named", tt.name, problem.As(err).Fields, f)
			}
		}
		if err == nil && got.Number != "6523010001234567" {
			t.Errorf("%s: got number %q, want it trimmed", tt.name, got.Number)
		}
	}
}

func TestDepositCheck(t *testing.T) {
	d := decimal.RequireFromString
	on := calendar.MustDate("2026-03-01")
	tests := []struct {
		name            string
		deposit         Deposit
		contractProject int64
		want            string
		field           string
	}{
		{"without a contract", Deposit{ProjectID: 1, Amount: d("100"), PaidOn: on}, 0, "", ""},
		{"the project's contract", Deposit{ProjectID: 1, ContractID: 9, Amount: d("100"), PaidOn: on}, 1, "", ""},
		{"another project's contract", Deposit{ProjectID: 1, ContractID: 9, Amount: d("100"), PaidOn: on}, 2, "fund.payment", "contract"},
		{"no such contract", Deposit{ProjectID: 1, ContractID: 9, Amount: d("100"), PaidOn: on}, 0, "fund.payment", "contract"},
		{"nothing paid", Deposit{ProjectID: 1, Amount: decimal.Zero, PaidOn: on}, 0, "fund.payment", "amount"},
		{"a negative amount", Deposit{ProjectID: 1, Amount: d("-1"), PaidOn: on}, 0, "fund.payment", "amount"},
		{"no day", Deposit{ProjectID: 1, Amount: d("100")}, 0, "fund.payment", "amount"},
	}
	for _, tt := range tests {
		err := tt.deposit.Check(tt.contractProject)
		if got := problem.CodeOf(err); got != tt.want || tt.field != "" && problem.As(err).Fields[tt.field] == "" {
			t.Errorf("%s: got %v, want code %q naming %q", tt.name, err, tt.want, tt.field)
		}
	}
}

func TestCheckMilestone(t *testing.T) {
	on := calendar.MustDate("2026-03-01")
	tests := []struct {
		name      string
		milestone string
		on        calendar.Date
		evidence  string
		want      string
	}{
		{"structure accepted", MilestoneStructure, on, "主体结构验收记录", ""},
		{"first registration", MilestoneFirstReg, on, "首次登记证明", ""},
		{"an unknown milestone", "roof", on, "证明", "milestone.invalid"},
		{"no day", MilestoneCompleted, calendar.Date{}, "证明", "milestone.invalid"},
		{"no evidence", MilestoneFiled, on, "  ", "milestone.invalid"},
	}
	for _, tt := range tests {
		if got := problem.CodeOf(CheckMilestone(tt.milestone, tt.on, tt.evidence)); got != tt.want {
			t.Errorf("%s: got code %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWithdrawalDecide(t *testing.T) {
	d := decimal.RequireFromString
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	requested := Withdrawal{ID: 3, ProjectID: 1, Node: "structure", Amount: d("100000"), Evidence: "验收证明", State: "requested"}
	listed := func(effect credit.Effect) func(f *FundFacts) {
		return func(f *FundFacts) { f.Listed, f.Effect = true, effect }
	}
	tests := []struct {
		name      string
		state     string
		amount    string
		edit      func(f *FundFacts)
		approve   bool
		opinion   string
		want      string // the code, "" when decided
		wantRule  string // a refusal's rule
		wantState string
	}{
		{"approve", "", "", nil, true, "", "", "", "approved"},
		{"approve with an opinion", "", "", nil, true, " 同意 ", "", "", "approved"},
		{"refuse with a reason", "", "", nil, false, "材料不全", "", "", "refused"},
		{"refuse without a reason", "", "", nil, false, "  ", "fund.reason", "", ""},
		{"decided already", "approved", "", nil, true, "", "fund.decided", "", ""},
		{"refused already", "refused", "", nil, false, "理由", "fund.decided", "", ""},
		{"the rules again at approval", "", "500000.01", nil, true, "", "fund.refused", "fund.cap", ""},
		{"a refusal does not ask the fund", "", "500000.01", nil, false, "理由", "", "", "refused"},
		{"a review without an opinion", "", "", listed(credit.Review), true, "", "fund.review_required", "", ""},
		{"a review with the opinion", "", "", listed(credit.Review), true, "加强审查：同意", "", "", "approved"},
		{"a restricted developer refused", "", "", listed(credit.Refuse), true, "同意", "fund.refused", "fund.credit_restricted", ""},
	}
	for _, tt := range tests {
		w := requested
		if tt.state != "" {
			w.State = tt.state
		}
		if tt.amount != "" {
			w.Amount = d(tt.amount)
		}
		f := fundFacts()
		if tt.edit != nil {
			tt.edit(&f)
		}
		got, err := w.Decide(f, WithdrawalDecision{Approve: tt.approve, Opinion: tt.opinion, By: 7, At: at})
		if c := problem.CodeOf(err); c != tt.want || tt.wantRule != "" && !slices.Contains(rulesOf(err), tt.wantRule) {
			t.Errorf("%s: got %v, want code %q with rule %q", tt.name, err, tt.want, tt.wantRule)
			continue
		}
		if err != nil {
			if got.State != w.State {
				t.Errorf("%s: refused, but got state %q, want %q", tt.name, got.State, w.State)
			}
			continue
		}
		if got.State != tt.wantState || got.DecidedBy != 7 || !got.DecidedAt.Equal(at) || got.Decision != strings.TrimSpace(tt.opinion) {
			t.Errorf("%s: got %q by %d at %v with %q, want %q by 7 at %v", tt.name, got.State, got.DecidedBy, got.DecidedAt, got.Decision, tt.wantState, at)
		}
		if w.State != "requested" {
			t.Errorf("%s: the request itself changed to %q", tt.name, w.State)
		}
	}
}
