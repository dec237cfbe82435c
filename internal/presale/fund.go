package presale

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/problem"
)

// Node is a release node of the supervised presale funds: withdrawals up to
// Cap percent of the supervised amount are allowed once Milestone is reached.
type Node struct {
	Code      string
	Name      string
	Cap       int    // cumulative cap, percent of the supervised amount
	Milestone string // the project milestone that opens it
}

// Project milestones the release nodes refer to.
const (
	MilestoneStructure = "structure_accepted" // 主体结构验收
	MilestoneCompleted = "completed"          // 竣工验收
	MilestoneFiled     = "filed"              // 竣工验收备案
	MilestoneFirstReg  = "first_registered"   // 不动产首次登记
)

// MilestoneLabel names a milestone.
func MilestoneLabel(m string) string {
	switch m {
	case MilestoneStructure:
		return "主体结构验收"
	case MilestoneCompleted:
		return "竣工验收"
	case MilestoneFiled:
		return "竣工验收备案"
	case MilestoneFirstReg:
		return "不动产首次登记"
	}
	return m
}

// SettingFundNodes is the jurisdiction setting that overrides DefaultNodes.
const SettingFundNodes = "fund.nodes"

// DefaultNodes is the common template (docs/domain.md §5.5): ≤50 % before
// structure acceptance, ≤95 % before completion acceptance, ≤99 % before
// completion filing, the last 1 % only after first registration.
func DefaultNodes() []Node {
	return []Node{
		{"structure", "主体结构验收", 50, MilestoneStructure},
		{"completion", "竣工验收", 95, MilestoneCompleted},
		{"filing", "竣工验收备案", 99, MilestoneFiled},
		{"first_registration", "不动产首次登记", 100, MilestoneFirstReg},
	}
}

// ParseNodes reads the node setting: "code:名称:cap:milestone;…", caps
// increasing and ending at 100.
func ParseNodes(s string) ([]Node, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultNodes(), nil
	}
	var out []Node
	prev := 0
	for _, part := range strings.Split(s, ";") {
		f := strings.Split(strings.TrimSpace(part), ":")
		if len(f) != 4 {
			return nil, problem.Newf(problem.Invalid, "fund.nodes", "节点配置“%s”应为 代码:名称:累计比例:里程碑", part)
		}
		cap, err := strconv.Atoi(f[2])
		if err != nil || cap <= prev || cap > 100 {
			return nil, problem.Newf(problem.Invalid, "fund.nodes", "节点“%s”的累计比例应大于前一节点且不超过100", f[1])
		}
		prev = cap
		out = append(out, Node{Code: f[0], Name: f[1], Cap: cap, Milestone: f[3]})
	}
	if prev != 100 {
		return nil, problem.New(problem.Invalid, "fund.nodes", "最后一个节点的累计比例应为100")
	}
	return out, nil
}

// FundRuleLabel names, in short, a rule that refuses a withdrawal (the
// refusal's own message gives the figures); an unknown rule is shown as
// it is.
func FundRuleLabel(rule string) string {
	switch rule {
	case "fund.amount":
		return "支取金额应大于0"
	case "fund.evidence":
		return "缺少节点证明材料"
	case "fund.balance":
		return "监管账户余额不足"
	case "fund.free":
		return "超出可自由支取的额度"
	case "fund.node":
		return "未知的支取节点"
	case "fund.milestone":
		return "项目尚未达到所依据的节点"
	case "fund.cap":
		return "超出该节点累计可支取的额度"
	case "fund.credit_restricted":
		return "开发企业在限制清单中"
	}
	return rule
}

// NodeName names a withdrawal node for Chinese text: the configured node's
// name, or what free money is for FreeNode. A node code is data (stored
// with the request, sent by the API) and never shown to people; a code the
// jurisdiction no longer configures is named as such, with the code, since
// there is no name left to give it.
func NodeName(nodes []Node, code string) string {
	if code == FreeNode {
		return "超出重点监管额度的资金"
	}
	for _, n := range nodes {
		if n.Code == code {
			return n.Name
		}
	}
	return "本辖区未配置的节点（代码" + code + "）"
}

// FundAccount is a project's supervised presale account (预售资金监管账户).
type FundAccount struct {
	ProjectID  int64
	Bank       int64
	BankName   string
	Number     string
	Supervised decimal.Decimal // 重点监管额度
	CreatedAt  time.Time
}

// Withdrawal is a developer's request to release supervised money.
type Withdrawal struct {
	ID          int64
	ProjectID   int64
	Node        string // a node code, or "free" for money above the supervised amount
	Amount      decimal.Decimal
	Evidence    string
	State       string // requested, approved, refused
	RequestedBy int64
	RequestedAt time.Time
	DecidedBy   int64
	DecidedAt   time.Time
	Decision    string
	ExtraReview bool
}

// FreeNode names withdrawals of money above the supervised amount.
const FreeNode = "free"

// FundFacts are what the withdrawal rules look at.
type FundFacts struct {
	Account    FundAccount
	Deposits   decimal.Decimal          // all buyers' payments in
	Supervised decimal.Decimal          // approved withdrawals against nodes
	Free       decimal.Decimal          // approved withdrawals of free money
	Milestones map[string]calendar.Date // reached milestones
	Nodes      []Node
	Listed     bool
	Effect     credit.Effect
}

const basisFund = "《关于规范商品房预售资金监管的意见》（建房〔2022〕16号）；本辖区预售资金监管节点配置"

// CheckWithdrawal lists every reason a withdrawal is refused; review
// reports that a restricted developer's request needs an extra review.
func CheckWithdrawal(f FundFacts, w Withdrawal) (review bool, err error) {
	var r problem.Refusal
	add := func(rule, msg string) {
		r.Add(problem.Reason{Rule: rule, Message: msg, Basis: basisFund, Fixer: "开发企业"})
	}
	if !w.Amount.IsPositive() {
		add("fund.amount", "支取金额应大于0")
	}
	if strings.TrimSpace(w.Evidence) == "" {
		add("fund.evidence", "请提供节点证明材料")
	}
	withdrawn := f.Supervised.Add(f.Free)
	if balance := f.Deposits.Sub(withdrawn); w.Amount.GreaterThan(balance) {
		add("fund.balance", fmt.Sprintf("监管账户余额%s元，不足支取%s元", balance.StringFixed(2), w.Amount.StringFixed(2)))
	}
	if w.Node == FreeNode {
		free := f.Deposits.Sub(f.Account.Supervised).Sub(f.Free)
		if free.IsNegative() {
			free = decimal.Zero
		}
		if w.Amount.GreaterThan(free) {
			add("fund.free", fmt.Sprintf("超出重点监管额度的资金可自由支取%s元，申请%s元超出", free.StringFixed(2), w.Amount.StringFixed(2)))
		}
	} else {
		var node *Node
		for i := range f.Nodes {
			if f.Nodes[i].Code == w.Node {
				node = &f.Nodes[i]
			}
		}
		switch {
		case node == nil:
			add("fund.node", "未知的支取节点")
		default:
			if _, ok := f.Milestones[node.Milestone]; !ok {
				add("fund.milestone", "项目尚未达到“"+MilestoneLabel(node.Milestone)+"”节点，不能按该节点支取")
			}
			limit := f.Account.Supervised.Mul(decimal.NewFromInt(int64(node.Cap))).Div(decimal.NewFromInt(100)).Round(2)
			if after := f.Supervised.Add(w.Amount); after.GreaterThan(limit) {
				add("fund.cap", fmt.Sprintf("“%s”节点累计可支取重点监管资金的%d%%即%s元，已支取%s元，本次%s元将超出",
					node.Name, node.Cap, limit.StringFixed(2), f.Supervised.StringFixed(2), w.Amount.StringFixed(2)))
			}
		}
	}
	if f.Listed {
		switch f.Effect {
		case credit.Refuse:
			r.Add(problem.Reason{Rule: "fund.credit_restricted", Message: "开发企业在限制清单中，本辖区对其资金支取不予办理",
				Basis: "本辖区限制清单效力配置", Fixer: "住建部门（移出限制清单）"})
		case credit.Review:
			review = true
		}
	}
	return review, r.Err("fund.refused", "不符合预售资金支取条件")
}
