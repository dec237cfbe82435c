package credit

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"handover/internal/problem"
)

// EventKind is what a developer did that enters its credit record.
type EventKind string

const (
	CommitmentBreach  EventKind = "commitment_breach"  // 承诺事项逾期未履行
	AcceptanceFailed  EventKind = "acceptance_failed"  // 联合验收不通过
	LateDelivery      EventKind = "late_delivery"      // 逾期交付
	LateCertificate   EventKind = "late_certificate"   // 逾期办证
	FundMisuse        EventKind = "fund_misuse"        // 预售资金违规: records of refused withdrawals before the rule changed; a refused request moves no money, so it is now an alert only (WithdrawalNoNode), and a misuse found by staff is a staff finding
	ContractCancelled EventKind = "contract_cancelled" // 网签合同注销备案
	StaffFinding      EventKind = "staff_finding"      // 监管检查发现（人工记录）
)

// kindRule is the scoring rule of a kind: the points it deducts and why.
type kindRule struct {
	label  string
	points int // deducted; a staff finding carries its own (1…MaxStaffPoints)
	basis  string
}

const basisCredit = "《昌吉州“交房即交证”改革实施方案》二（四）2：企业诚信守信情况纳入信用信息归集，建立限制清单"

var kindRules = map[EventKind]kindRule{
	LateDelivery:      {"逾期交付（计划交付日已过仍有已售房屋未交付）", 10, basisCredit},
	LateCertificate:   {"逾期办证（竣工验收备案后20个工作日仍有已售房屋未发证）", 8, basisCredit},
	FundMisuse:        {"预售资金违规（无对应节点申请支取）", 15, "《商品房预售资金监管办法》；" + basisCredit},
	CommitmentBreach:  {"承诺事项逾期未履行", 5, basisCredit},
	AcceptanceFailed:  {"联合验收不通过", 3, "《房屋建筑和市政基础设施工程竣工验收规定》；" + basisCredit},
	ContractCancelled: {"网签合同注销备案", 1, "《城市商品房预售管理办法》；" + basisCredit},
	StaffFinding:      {"监管检查发现", 0, basisCredit},
}

// EventKinds lists the kinds in the order the scoring rule shows them.
var EventKinds = []EventKind{LateDelivery, LateCertificate, FundMisuse, CommitmentBreach, AcceptanceFailed, ContractCancelled, StaffFinding}

// Label is the kind in Chinese.
func (k EventKind) Label() string {
	if r, ok := kindRules[k]; ok {
		return r.label
	}
	return string(k)
}

// Points is what an event of the kind deducts (a staff finding: its own).
func (k EventKind) Points() int { return kindRules[k].points }

// Basis is the rule behind the kind.
func (k EventKind) Basis() string { return kindRules[k].basis }

// The scoring rule (公开的评分规则): every developer starts from Full; each
// event of the last Window months deducts its points, unless an appeal
// against it was granted; the score does not go below zero. The levels:
// A ≥ 90 守信, B ≥ 75 基本守信, C ≥ 60 失信警示, D below 60 严重失信 — a
// developer at D is put on the restriction list by the rule.
const (
	Full           = 100
	WindowMonths   = 24
	MaxStaffPoints = 30
)

// Level is a developer's credit level.
type Level string

const (
	LevelA Level = "A"
	LevelB Level = "B"
	LevelC Level = "C"
	LevelD Level = "D"
)

// LevelOf is the level of a score.
func LevelOf(score int) Level {
	switch {
	case score >= 90:
		return LevelA
	case score >= 75:
		return LevelB
	case score >= 60:
		return LevelC
	}
	return LevelD
}

// Label names the level.
func (l Level) Label() string {
	switch l {
	case LevelA:
		return "A级（守信）"
	case LevelB:
		return "B级（基本守信）"
	case LevelC:
		return "C级（失信警示）"
	}
	return "D级（严重失信，列入限制清单）"
}

// Levels lists the levels with their lower bounds, for the rule's page.
var Levels = []struct {
	Level Level
	From  int
}{{LevelA, 90}, {LevelB, 75}, {LevelC, 60}, {LevelD, 0}}

// Event is one entry of a developer's credit record (诚信记录): written by
// the platform when something happens, or by staff with evidence; never
// changed or deleted. The developer may appeal it once; a granted appeal
// takes it out of the score, and the entry stays.
type Event struct {
	ID           int64
	Developer    int64
	Jurisdiction string
	Kind         EventKind
	Subject      string // what it is about, e.g. "commitment:12"
	Description  string
	Points       int
	Source       string // platform, staff
	Evidence     string
	RecordedBy   string
	OccurredAt   time.Time
	Appeal       *Appeal
}

// Counts reports whether the event counts in the score at now.
func (e Event) Counts(now time.Time) bool {
	if e.Appeal != nil && e.Appeal.Decision == Granted {
		return false
	}
	return !e.OccurredAt.Before(now.AddDate(0, -WindowMonths, 0))
}

// Appealable checks that the developer may appeal the event now.
func (e Event) Appealable(now time.Time) error {
	if e.Appeal != nil {
		return problem.New(problem.Conflict, "credit.appealed", "该信用记录已申诉过，不能重复申诉")
	}
	if !e.Counts(now) {
		return problem.New(problem.Conflict, "credit.expired", "该信用记录已不计分，无需申诉")
	}
	return nil
}

// Decision is the outcome of an appeal.
type Decision string

const (
	Pending Decision = ""
	Upheld  Decision = "upheld"  // the record stands
	Granted Decision = "granted" // the record no longer counts
)

// Label names the decision.
func (d Decision) Label() string {
	switch d {
	case Upheld:
		return "维持"
	case Granted:
		return "撤销扣分"
	}
	return "待处理"
}

// Appeal is a developer's appeal (申诉) against one event.
type Appeal struct {
	ID        int64
	EventID   int64
	Reason    string
	FiledBy   string
	FiledAt   time.Time
	Decision  Decision
	Note      string
	DecidedBy string
	DecidedAt time.Time
}

// ValidateAppeal checks an appeal's reason.
func ValidateAppeal(reason string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n < 5 || n > 1000 {
		return &problem.Error{Kind: problem.Invalid, Code: "credit.appeal_reason", Message: "请说明申诉理由（5至1000字）",
			Fields: map[string]string{"reason": "请说明申诉理由（5至1000字）"}}
	}
	return nil
}

// Decide checks a decision on an appeal.
func (a Appeal) Decide(d Decision, note string) error {
	if a.Decision != Pending {
		return problem.New(problem.Conflict, "credit.decided", "该申诉已处理")
	}
	if d != Upheld && d != Granted {
		return &problem.Error{Kind: problem.Invalid, Code: "credit.decision", Message: "请选择维持或撤销扣分", Fields: map[string]string{"decision": "请选择"}}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(note)); n == 0 || n > 1000 {
		return &problem.Error{Kind: problem.Invalid, Code: "credit.decision_note", Message: "请填写处理意见", Fields: map[string]string{"note": "请填写处理意见"}}
	}
	return nil
}

// StaffEvent checks an event recorded by staff: a finding with a
// description, evidence and the points it deducts.
func StaffEvent(description, evidence string, points int) error {
	var f problem.Fields
	if n := utf8.RuneCountInString(strings.TrimSpace(description)); n == 0 || n > 1000 {
		f.Add("description", "请填写事实（不超过1000字）")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(evidence)); n == 0 || n > 500 {
		f.Add("evidence", "请填写证据（文书编号、检查记录等）")
	}
	if points < 1 || points > MaxStaffPoints {
		f.Add("points", fmt.Sprintf("扣分应为1至%d分", MaxStaffPoints))
	}
	return f.Err("credit.event_invalid", "信用记录填写有误")
}

// Assessment is a developer's score at a time, with the events that count.
type Assessment struct {
	Score   int
	Level   Level
	Counted []Event
	At      time.Time
}

// CountedSince reports whether a record counted in the score was made
// after t.
func (a Assessment) CountedSince(t time.Time) bool {
	for _, e := range a.Counted {
		if e.OccurredAt.After(t) {
			return true
		}
	}
	return false
}

// Assess applies the scoring rule to a developer's events at now.
func Assess(events []Event, now time.Time) Assessment {
	a := Assessment{Score: Full, At: now}
	for _, e := range events {
		if e.Counts(now) {
			a.Score -= e.Points
			a.Counted = append(a.Counted, e)
		}
	}
	a.Score = max(a.Score, 0)
	a.Level = LevelOf(a.Score)
	slices.SortFunc(a.Counted, func(x, y Event) int { return y.OccurredAt.Compare(x.OccurredAt) })
	return a
}

// AutomaticBasis marks a listing made or lifted by the scoring rule.
const AutomaticBasis = "信用评分规则：D级自动列入限制清单"
