package presale

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/problem"
)

// OpenAccount checks a supervised account housing staff set up for a
// project (docs/domain.md §5.5): the bank, the account number, the
// supervised amount (重点监管额度). bank is the kind of the organisation
// a.Bank as stored, "" when there is none: only a bank supervises. It
// returns the account as it is recorded (the number trimmed).
func OpenAccount(a FundAccount, bank identity.OrgKind) (FundAccount, error) {
	var f problem.Fields
	a.Number = strings.TrimSpace(a.Number)
	if a.Bank == 0 {
		f.Add("bank", "请选择监管银行")
	}
	if a.Number == "" || len(a.Number) > 40 {
		f.Add("number", "请填写监管账号")
	}
	if !a.Supervised.IsPositive() {
		f.Add("supervised", "请填写重点监管额度")
	}
	if err := f.Err("fund.invalid", "监管账户信息有误"); err != nil {
		return a, err
	}
	if bank != identity.Bank {
		return a, &problem.Error{Kind: problem.Invalid, Code: "fund.invalid", Message: "监管账户信息有误", Fields: map[string]string{"bank": "监管银行不存在"}}
	}
	return a, nil
}

// Deposit is a buyer's payment into a project's supervised account.
type Deposit struct {
	ProjectID  int64
	ContractID int64 // 0: not tied to a contract
	Amount     decimal.Decimal
	PaidOn     calendar.Date
}

// Check checks a deposit as the bank records it: a positive amount with
// its day, and a contract (if named) of the payment's project.
// contractProject is the project of p.ContractID as stored (0 when there is
// no such contract; not looked at without a contract).
func (p Deposit) Check(contractProject int64) error {
	if !p.Amount.IsPositive() || p.PaidOn.IsZero() {
		return &problem.Error{Kind: problem.Invalid, Code: "fund.payment", Message: "入账信息有误", Fields: map[string]string{"amount": "金额应大于0，并填写入账日期"}}
	}
	if p.ContractID != 0 && contractProject != p.ProjectID {
		return &problem.Error{Kind: problem.Invalid, Code: "fund.payment", Message: "入账信息有误", Fields: map[string]string{"contract": "合同不属于该项目"}}
	}
	return nil
}

// CheckMilestone checks a project milestone as recorded: one the release
// nodes know (MilestoneLabel), its day, and the evidence of it.
func CheckMilestone(milestone string, on calendar.Date, evidence string) error {
	if MilestoneLabel(milestone) == milestone || on.IsZero() || strings.TrimSpace(evidence) == "" {
		return &problem.Error{Kind: problem.Invalid, Code: "milestone.invalid", Message: "节点信息有误",
			Fields: map[string]string{"milestone": "请选择节点，填写日期与证明材料"}}
	}
	return nil
}

// WithdrawalDecision is housing staff's decision on a withdrawal request.
type WithdrawalDecision struct {
	Approve bool
	// Opinion is required to refuse, and to approve the request of a
	// restricted developer the jurisdiction reviews more closely.
	Opinion string
	By      int64
	At      time.Time
}

// Decide decides a withdrawal request: only a request still awaiting a
// decision is decided; an approval passes CheckWithdrawal again on the
// fund as it stands now (f: other releases may have happened since the
// request; f is not looked at for a refusal), and a review CheckWithdrawal
// asks for needs the officer's opinion; a refusal needs its reason. It
// returns the withdrawal as decided; w is not changed.
func (w Withdrawal) Decide(f FundFacts, d WithdrawalDecision) (Withdrawal, error) {
	if w.State != "requested" {
		return w, problem.New(problem.Conflict, "fund.decided", "该申请已处理")
	}
	d.Opinion = strings.TrimSpace(d.Opinion)
	if d.Approve {
		review, err := CheckWithdrawal(f, w)
		if err != nil {
			return w, err
		}
		if review && d.Opinion == "" {
			return w, &problem.Error{Kind: problem.Refused, Code: "fund.review_required", Message: "开发企业在限制清单中，本辖区要求加强审查",
				Fields: map[string]string{"decision": "请填写加强审查意见"}}
		}
		w.State = "approved"
	} else {
		if d.Opinion == "" {
			return w, &problem.Error{Kind: problem.Invalid, Code: "fund.reason", Message: "请填写不予支取的理由", Fields: map[string]string{"decision": "请填写理由"}}
		}
		w.State = "refused"
	}
	w.DecidedBy, w.DecidedAt, w.Decision = d.By, d.At, d.Opinion
	return w, nil
}
