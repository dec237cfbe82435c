// Package supervision is what the prefecture sees of the reform (docs/domain.md
// §5.16): early warnings (alerts), credit records, assessment figures and
// reports.
//
// The alert rules are plain functions of facts the store reads: each takes
// one record's facts and the jurisdiction's thresholds and says whether it
// warrants an alert (a Finding). The store raises, reopens and resolves
// alerts from the findings; people acknowledge, assign and resolve them.
package supervision

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/exchange"
	"handover/internal/problem"
)

// AlertKind is what an alert warns of.
type AlertKind string

const (
	DeliveryAtRisk      AlertKind = "delivery_at_risk"     // 交付日期临近而条件未具备
	ClockRunningOut     AlertKind = "clock_running_out"    // 20个工作日即将届满
	CommitmentOverdue   AlertKind = "commitment_overdue"   // 承诺事项逾期
	AcceptanceOverdue   AlertKind = "acceptance_overdue"   // 验收意见逾期
	RegistrationOverdue AlertKind = "registration_overdue" // 登记办理超时
	RegistrationTooFast AlertKind = "registration_too_fast"
	WithdrawalNoNode    AlertKind = "withdrawal_without_node" // 资金支取无对应节点
	RepeatedRefusal     AlertKind = "repeated_refusal"        // 同一户反复被拒
	PartnerFailing      AlertKind = "partner_failing"         // 部门接口投递失败
	RehearsalBlocked    AlertKind = "rehearsal_blocked"       // 交房预演发现受阻户
)

// AlertKinds lists every kind, in the order pages show them.
var AlertKinds = []AlertKind{DeliveryAtRisk, RehearsalBlocked, ClockRunningOut, CommitmentOverdue, AcceptanceOverdue, RegistrationOverdue,
	RegistrationTooFast, WithdrawalNoNode, RepeatedRefusal, PartnerFailing}

// kindInfo is what a kind says about itself.
type kindInfo struct {
	label string
	basis string
	// condition: the alert stands while the condition holds; the rule sees
	// it again on every evaluation and the alert is resolved by the system
	// when it no longer does. Otherwise the alert is about an event that
	// happened once (a step too fast, a withdrawal) and only people resolve
	// it.
	condition bool
}

const (
	basisPlan     = "《昌吉州“交房即交证”改革实施方案》（昌州自然资发〔2022〕196号）二（四）1：全过程监管，问题早发现、早制止、早处理"
	basisClock    = "《昌吉州“交房即交证”改革实施方案》：竣工验收备案后20个工作日内具备交房即交证条件"
	basisCommit   = "《昌吉州“交房即交证”改革实施方案》：容缺受理的承诺事项应按期履行"
	basisAccept   = "《房屋建筑和市政基础设施工程竣工验收规定》；本辖区联合验收时限配置"
	basisRegDays  = "《不动产登记暂行条例》第二十条；本辖区登记办理时限配置"
	basisRegFast  = "《不动产登记暂行条例实施细则》第十五条：审核应查验申请材料与登记簿记载"
	basisFund     = "《商品房预售资金监管办法》：按工程节点拨付预售资金"
	basisRefusal  = "《城市商品房预售管理办法》；《不动产登记暂行条例》第二十二条"
	basisExchange = "《昌吉州“交房即交证”改革实施方案》二（二）：部门信息共享、实时推送"
)

var kinds = map[AlertKind]kindInfo{
	DeliveryAtRisk:      {"交付日期临近而交房条件未具备", basisPlan, true},
	ClockRunningOut:     {"交房即交证时限即将届满", basisClock, true},
	CommitmentOverdue:   {"承诺事项逾期", basisCommit, true},
	AcceptanceOverdue:   {"验收意见逾期", basisAccept, true},
	RegistrationOverdue: {"登记办理超时", basisRegDays, true},
	RegistrationTooFast: {"登记审核用时异常短", basisRegFast, false},
	WithdrawalNoNode:    {"预售资金支取无对应节点", basisFund, false},
	RepeatedRefusal:     {"同一户反复被拒绝办理", basisRefusal, false},
	PartnerFailing:      {"部门接口投递失败", basisExchange, true},
	RehearsalBlocked:    {"交房预演发现受阻户", basisPlan, true},
}

// Label is the kind in Chinese.
func (k AlertKind) Label() string {
	if i, ok := kinds[k]; ok {
		return i.label
	}
	return string(k)
}

// Basis is the rule the kind applies.
func (k AlertKind) Basis() string { return kinds[k].basis }

// Condition reports whether alerts of the kind stand while a condition
// holds (and are resolved by the system when it no longer does).
func (k AlertKind) Condition() bool { return kinds[k].condition }

// Severity is how urgent an alert is.
type Severity string

const (
	Notice   Severity = "notice"   // 提示
	Warning  Severity = "warning"  // 预警
	Critical Severity = "critical" // 严重
)

// Label is the severity in Chinese.
func (s Severity) Label() string {
	switch s {
	case Notice:
		return "提示"
	case Critical:
		return "严重"
	}
	return "预警"
}

// AlertState is where an alert is in its inbox.
type AlertState string

const (
	Open         AlertState = "open"
	Acknowledged AlertState = "acknowledged"
	Resolved     AlertState = "resolved"
)

// Label is the state in Chinese.
func (s AlertState) Label() string {
	switch s {
	case Acknowledged:
		return "已签收"
	case Resolved:
		return "已解除"
	}
	return "待处理"
}

// Alert is an early warning (早发现、早制止、早处理) about one record (its
// Subject), one per kind and subject: it is never deleted, and when what
// it warns of happens again after it was resolved it reopens.
type Alert struct {
	ID           int64
	Kind         AlertKind
	Severity     Severity
	State        AlertState
	Jurisdiction string
	ProjectID    int64
	UnitID       int64 // the flat it is about (0: none)
	OrgID        int64 // the organisation that must act
	OrgName      string
	Subject      string // e.g. "commitment:12"
	Message      string
	Link         string // where to act
	Assignee     int64
	AssigneeName string
	Occurrences  int
	RaisedAt     time.Time
	LastSeenAt   time.Time
	ResolvedAt   time.Time
}

// Open reports whether the alert still stands.
func (a Alert) Open() bool { return a.State != Resolved }

// Action is one entry of an alert's history.
type Action struct {
	Action   string // raise, reopen, acknowledge, assign, resolve, auto_resolve
	By       int64
	ByName   string
	Note     string
	Assignee int64
	At       time.Time
}

// Label is the action in Chinese.
func (a Action) Label() string {
	switch a.Action {
	case "raise":
		return "发出"
	case "reopen":
		return "再次发生，重新打开"
	case "acknowledge":
		return "签收"
	case "assign":
		return "指派"
	case "resolve":
		return "解除"
	case "auto_resolve":
		return "原因消除，系统解除"
	case "update":
		return "情况变化"
	}
	return a.Action
}

// Acknowledge checks that an alert may be acknowledged.
func (a Alert) Acknowledge() error {
	if a.State != Open {
		return problem.Newf(problem.Conflict, "alert.state", "预警当前为“%s”，不能签收", a.State.Label())
	}
	return nil
}

// Assign checks that an alert may be assigned to user, a member of
// userOrg: only to someone of the organisation that must act.
func (a Alert) Assign(user, userOrg int64) error {
	if a.State == Resolved {
		return problem.New(problem.Conflict, "alert.state", "预警已解除，不能指派")
	}
	if user == 0 {
		return &problem.Error{Kind: problem.Invalid, Code: "alert.assignee", Message: "请选择处理人", Fields: map[string]string{"assignee": "请选择处理人"}}
	}
	if userOrg != a.OrgID {
		return &problem.Error{Kind: problem.Invalid, Code: "alert.assignee", Message: "处理人应为负责处理该预警的机构的人员",
			Fields: map[string]string{"assignee": "请选择本机构人员"}}
	}
	return nil
}

// Resolve checks that an alert may be resolved by a person with note.
func (a Alert) Resolve(note string) error {
	if a.State == Resolved {
		return problem.New(problem.Conflict, "alert.state", "预警已解除")
	}
	if n := len([]rune(strings.TrimSpace(note))); n == 0 || n > 500 {
		return &problem.Error{Kind: problem.Invalid, Code: "alert.note", Message: "请填写处理说明（不超过500字）", Fields: map[string]string{"note": "请填写处理说明"}}
	}
	return nil
}

// Finding is what a rule found: an alert to raise, keep or reopen.
type Finding struct {
	Kind         AlertKind
	Severity     Severity
	Jurisdiction string
	ProjectID    int64
	UnitID       int64 // the flat the finding is about, if it is about one
	OrgID        int64
	Subject      string
	Message      string
	Link         string
	// At is when what the finding is about happened (the newest evidence):
	// a resolved alert reopens only for evidence newer than its resolution.
	// A condition's evidence is the evaluation itself.
	At time.Time
}

// Reopens reports whether f warrants reopening a resolved alert.
func (f Finding) Reopens(resolvedAt time.Time) bool { return f.At.After(resolvedAt) }

// ---- thresholds

// Setting keys of the thresholds, per jurisdiction.
const (
	SettingDeliveryDays    = "alert.delivery_days"    // working days before the planned delivery
	SettingClockDays       = "alert.clock_days"       // working days left on the 20-day clock
	SettingFastSeconds     = "alert.fast_seconds"     // a review faster than this is suspicious
	SettingRefusals        = "alert.refusals"         // refused attempts on one unit …
	SettingRefusalHours    = "alert.refusal_hours"    // … within this many hours
	SettingPartnerFailures = "alert.partner_failures" // failed attempts of one endpoint's oldest delivery
)

// Thresholds are a jurisdiction's alert thresholds.
type Thresholds struct {
	DeliveryDays    int
	ClockDays       int
	FastSeconds     int
	Refusals        int
	RefusalHours    int
	PartnerFailures int
}

// ThresholdSetting describes one threshold for the settings page.
type ThresholdSetting struct {
	Key, Label, Unit string
	Default, Min     int
	Max              int
}

// ThresholdSettings lists the thresholds with their defaults and bounds.
var ThresholdSettings = []ThresholdSetting{
	{SettingDeliveryDays, "计划交付日前多少个工作日起预警", "个工作日", 10, 1, 60},
	{SettingClockDays, "20个工作日时限剩余多少个工作日起预警", "个工作日", 5, 1, 20},
	{SettingFastSeconds, "审核用时短于多少秒视为异常（自动审核除外）", "秒", 120, 1, 3600},
	{SettingRefusals, "同一户被拒绝办理达到多少次预警", "次", 3, 2, 100},
	{SettingRefusalHours, "上述次数的统计时段", "小时", 24, 1, 720},
	{SettingPartnerFailures, "部门接口同一投递失败多少次预警", "次", 5, 1, 100},
}

// DefaultThresholds are the thresholds of a jurisdiction that set none.
func DefaultThresholds() Thresholds {
	t, _ := ParseThresholds(nil)
	return t
}

// ParseThresholds reads the thresholds from settings (key → value); a
// missing value takes its default, a bad one is an error naming it.
func ParseThresholds(values map[string]string) (Thresholds, error) {
	var t Thresholds
	var f problem.Fields
	fields := map[string]*int{SettingDeliveryDays: &t.DeliveryDays, SettingClockDays: &t.ClockDays, SettingFastSeconds: &t.FastSeconds,
		SettingRefusals: &t.Refusals, SettingRefusalHours: &t.RefusalHours, SettingPartnerFailures: &t.PartnerFailures}
	for _, s := range ThresholdSettings {
		v := strings.TrimSpace(values[s.Key])
		n := s.Default
		if v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < s.Min || n > s.Max {
				f.Add(s.Key, fmt.Sprintf("应为%d至%d之间的整数", s.Min, s.Max))
				n = s.Default
			}
		}
		*fields[s.Key] = n
	}
	return t, f.Err("alert.thresholds", "预警阈值有误")
}

// ---- the rules

// DeliveryFacts is a project approaching its planned delivery date.
type DeliveryFacts struct {
	ProjectID    int64
	Name         string
	Jurisdiction string
	Developer    int64
	PlannedOn    calendar.Date
	DaysLeft     int // working days from today to the planned date (negative: past)
	Blockers     int // conditions the readiness view still lists for sold units
	First        string
}

// DeliveryRisk warns when the planned delivery is within the threshold (or
// past) while the readiness view still lists blockers.
func DeliveryRisk(f DeliveryFacts, t Thresholds, now time.Time) (Finding, bool) {
	if f.Blockers == 0 || f.DaysLeft > t.DeliveryDays {
		return Finding{}, false
	}
	sev, when := Warning, fmt.Sprintf("距计划交付日%s还有%d个工作日", f.PlannedOn, f.DaysLeft)
	switch {
	case f.DaysLeft < 0:
		sev, when = Critical, fmt.Sprintf("计划交付日%s已过", f.PlannedOn)
	case f.DaysLeft*2 <= t.DeliveryDays:
		sev = Critical
	}
	return Finding{Kind: DeliveryAtRisk, Severity: sev, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Developer,
		Subject: fmt.Sprintf("project:%d:delivery", f.ProjectID), Link: fmt.Sprintf("/projects/%d/readiness?target=handover", f.ProjectID),
		Message: fmt.Sprintf("%s%s，仍有%d项交房条件未具备（如：%s）", f.Name, when, f.Blockers, f.First), At: now}, true
}

// RehearsalFacts is what the last rehearsal of a handover not yet run
// found waiting on one party.
type RehearsalFacts struct {
	EventID      int64
	ProjectID    int64
	Project      string
	Jurisdiction string
	HeldOn       calendar.Date
	DaysLeft     int    // working days to the handover
	Owner        string // who must act
	OwnerKind    string // its kind of organisation ("" when none)
	OwnerOrg     int64  // the organisation told
	Units        int    // the flats waiting on it
	First        string // one of its reasons, with the flat
}

// RehearsalBlock warns whoever must act of the flats the rehearsal found
// blocked on them, one alert per handover and party: before the day, so
// that the flats get their certificates with the keys. Under half the
// rehearsal's lead left, it is critical.
func RehearsalBlock(f RehearsalFacts, leadDays int, now time.Time) Finding {
	sev, when := Warning, fmt.Sprintf("还有%d个工作日", f.DaysLeft)
	switch {
	case f.DaysLeft < 0:
		sev, when = Critical, "交房日已过，批量尚未办理"
	case f.DaysLeft*2 <= leadDays:
		sev = Critical
	}
	return Finding{Kind: RehearsalBlocked, Severity: sev, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.OwnerOrg,
		Subject: RehearsalSubject(f.EventID, f.OwnerKind, f.OwnerOrg, f.Owner), Link: fmt.Sprintf("/handover/%d#rehearsal", f.EventID),
		Message: fmt.Sprintf("%s %s交房（%s）：预演中%d户因待%s处理的事项不能当日发证，如%s", f.Project, f.HeldOn.Chinese(), when,
			f.Units, f.Owner, f.First), At: now}
}

// RehearsalSubject is the subject of the rehearsal alert of one party of
// one handover: the event, the party's kind, the organisation told and
// the party's name.
func RehearsalSubject(event int64, ownerKind string, org int64, owner string) string {
	return fmt.Sprintf("handover:%d:rehearsal:%s:%d:%s", event, ownerKind, org, owner)
}

// RehearsalOf reads a rehearsal alert's subject back: the event, and the
// party's kind and name (ok false for any other subject).
func RehearsalOf(subject string) (event int64, ownerKind, owner string, ok bool) {
	parts := strings.SplitN(subject, ":", 6)
	if len(parts) != 6 || parts[0] != "handover" || parts[2] != "rehearsal" {
		return 0, "", "", false
	}
	event, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, "", "", false
	}
	return event, parts[3], parts[5], true
}

// ClockFacts is a completion filing whose 20-working-day clock runs.
type ClockFacts struct {
	FilingID     int64
	ProjectID    int64
	Name         string
	Jurisdiction string
	Developer    int64         // the project's developer, for its credit record
	Registry     int64         // the jurisdiction's registration centre
	FiledOn      calendar.Date // day 0
	Due          calendar.Date // the 20th working day after it in the calendar as it stands
	DaysLeft     int           // working days left (negative: overdue)
	Uncertified  int           // sold units of the filed buildings without a certificate
	// Scheduled: of them, those in a handover held on or before Due, its
	// day to come and due its rehearsal: the rehearsal warns each party of
	// what still blocks them, and the batch certifies them on the day
	// (ClockRisk counts the others). Zero once the clock is over.
	Scheduled int
}

// ClockRisk warns when the clock has at most the threshold left and sold
// units still lack their certificate.
func ClockRisk(f ClockFacts, t Thresholds, now time.Time) (Finding, bool) {
	waiting := f.Uncertified - f.Scheduled
	if waiting <= 0 || f.DaysLeft > t.ClockDays {
		return Finding{}, false
	}
	sev, when := Warning, fmt.Sprintf("剩余%d个工作日（%s届满）", f.DaysLeft, f.Due)
	if f.DaysLeft < 0 {
		sev, when = Critical, fmt.Sprintf("已于%s届满", f.Due)
	} else if f.DaysLeft <= 1 {
		sev = Critical
	}
	return Finding{Kind: ClockRunningOut, Severity: sev, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Registry,
		Subject: fmt.Sprintf("filing:%d:clock", f.FilingID), Link: fmt.Sprintf("/projects/%d/readiness?target=handover", f.ProjectID),
		Message: fmt.Sprintf("%s竣工验收备案后20个工作日时限%s，尚有%d户未发证且未安排在时限内交房", f.Name, when, waiting), At: now}, true
}

// CommitmentFacts is a commitment found overdue and not yet kept.
type CommitmentFacts struct {
	ID           int64
	ProjectID    int64
	Name         string
	Jurisdiction string
	Developer    int64
	Title        string
	DueOn        calendar.Date
}

// CommitmentLate warns of an overdue commitment until it is kept.
func CommitmentLate(f CommitmentFacts, now time.Time) Finding {
	return Finding{Kind: CommitmentOverdue, Severity: Warning, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Developer,
		Subject: fmt.Sprintf("commitment:%d", f.ID), Link: fmt.Sprintf("/projects/%d/completion#fulfil", f.ProjectID),
		Message: fmt.Sprintf("%s承诺的“%s”应于%s前履行，已逾期", f.Name, f.Title, f.DueOn), At: now}
}

// TaskFacts is an acceptance department's opinion still awaited.
type TaskFacts struct {
	TaskID       int64
	CaseID       int64
	ProjectID    int64
	Name         string
	Jurisdiction string
	Department   string // its label
	OrgID        int64
	DueOn        calendar.Date
	DaysLate     int // working days past DueOn
}

// lateness is the severity of a time limit missed by days working days:
// critical from the third.
func lateness(days int) Severity {
	if days >= 3 {
		return Critical
	}
	return Warning
}

// AcceptanceLate warns of an opinion past its time limit.
func AcceptanceLate(f TaskFacts, now time.Time) (Finding, bool) {
	if f.DaysLate <= 0 {
		return Finding{}, false
	}
	return Finding{Kind: AcceptanceOverdue, Severity: lateness(f.DaysLate), Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.OrgID,
		Subject: fmt.Sprintf("acceptance_task:%d", f.TaskID), Link: fmt.Sprintf("/acceptance/%d", f.CaseID),
		Message: fmt.Sprintf("%s联合验收的%s意见应于%s前出具，已逾期%d个工作日", f.Name, f.Department, f.DueOn, f.DaysLate), At: now}, true
}

// ServiceFacts is a registration service still in progress.
type ServiceFacts struct {
	ServiceID     int64
	ApplicationID int64
	Number        string // 受理号
	Kind          string // its label
	State         string // its label
	Jurisdiction  string
	ProjectID     int64
	Registry      int64
	DueOn         calendar.Date
	DaysLate      int
}

// RegistrationLate warns of a service past its due date.
func RegistrationLate(f ServiceFacts, now time.Time) (Finding, bool) {
	if f.DaysLate <= 0 {
		return Finding{}, false
	}
	return Finding{Kind: RegistrationOverdue, Severity: lateness(f.DaysLate), Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Registry,
		Subject: fmt.Sprintf("service:%d:due", f.ServiceID), Link: fmt.Sprintf("/applications/%d", f.ApplicationID),
		Message: fmt.Sprintf("受理号%s的%s应于%s前办结，现为“%s”，已超时%d个工作日", f.Number, f.Kind, f.DueOn, f.State, f.DaysLate), At: now}, true
}

// StepFacts is a review step done by a person.
type StepFacts struct {
	ServiceID     int64
	ApplicationID int64
	Number        string
	Kind          string
	Jurisdiction  string
	ProjectID     int64
	Registry      int64
	Reviewer      string
	Seconds       float64 // from acceptance (or the previous step) to the review
	At            time.Time
}

// TooFast warns of a review done by a person faster than the threshold.
func TooFast(f StepFacts, t Thresholds) (Finding, bool) {
	if f.Seconds >= float64(t.FastSeconds) {
		return Finding{}, false
	}
	return Finding{Kind: RegistrationTooFast, Severity: Notice, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Registry,
		Subject: fmt.Sprintf("service:%d:review", f.ServiceID), Link: fmt.Sprintf("/applications/%d", f.ApplicationID),
		Message: fmt.Sprintf("受理号%s的%s由%s审核，距受理仅%.0f秒（阈值%d秒），请核查审核是否到位", f.Number, f.Kind, f.Reviewer, f.Seconds, t.FastSeconds),
		At:      f.At}, true
}

// WithdrawalFacts is a presale fund withdrawal.
type WithdrawalFacts struct {
	ID           int64
	ProjectID    int64
	Name         string
	Jurisdiction string
	Developer    int64
	Node         string // the node claimed, by its name (presale.NodeName), as the message quotes it
	Amount       string
	Reached      bool // the node's milestone is recorded
	At           time.Time
}

// WithdrawalWithoutNode warns of a withdrawal whose node is not reached.
func WithdrawalWithoutNode(f WithdrawalFacts) (Finding, bool) {
	if f.Reached {
		return Finding{}, false
	}
	return Finding{Kind: WithdrawalNoNode, Severity: Critical, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, OrgID: f.Developer,
		Subject: fmt.Sprintf("withdrawal:%d", f.ID), Link: fmt.Sprintf("/projects/%d/fund", f.ProjectID),
		Message: fmt.Sprintf("%s申请支取预售资金%s元，已被系统拒绝：所依据的节点“%s”尚无记录，请核查", f.Name, f.Amount, f.Node), At: f.At}, true
}

// RefusalFacts counts the refused attempts on one unit in the window.
type RefusalFacts struct {
	UnitID       int64
	ProjectID    int64
	Room         string // 幢 + 户, for the message
	Jurisdiction string
	OrgID        int64 // the organisation that supervises (housing bureau)
	Count        int
	Actions      string // what was attempted, joined
	Last         time.Time
}

// Refusals warns when one unit was refused at least the threshold times.
func Refusals(f RefusalFacts, t Thresholds) (Finding, bool) {
	if f.Count < t.Refusals {
		return Finding{}, false
	}
	sev := Warning
	if f.Count >= 2*t.Refusals {
		sev = Critical
	}
	return Finding{Kind: RepeatedRefusal, Severity: sev, Jurisdiction: f.Jurisdiction, ProjectID: f.ProjectID, UnitID: f.UnitID, OrgID: f.OrgID,
		Subject: fmt.Sprintf("unit:%d:refusals", f.UnitID), Link: fmt.Sprintf("/units/%d", f.UnitID),
		Message: fmt.Sprintf("%s在%d小时内被拒绝办理%d次（%s），请核查是否存在一房多卖或违规办理", f.Room, t.RefusalHours, f.Count, f.Actions),
		At:      f.Last}, true
}

// EndpointFacts is a partner endpoint's delivery health.
type EndpointFacts struct {
	EndpointID   int64
	Name         string
	Jurisdiction string // the endpoint's, else its organisation's
	OrgID        int64  // the partner's organisation
	Attempts     int    // failed attempts of its oldest undelivered delivery
	Dead         int    // deliveries given up
	LastError    string
}

// EndpointFailing warns when an endpoint's oldest delivery failed at least
// the threshold times, or deliveries were given up.
func EndpointFailing(f EndpointFacts, t Thresholds, now time.Time) (Finding, bool) {
	if f.Dead == 0 && f.Attempts < t.PartnerFailures {
		return Finding{}, false
	}
	sev, what := Warning, fmt.Sprintf("最早一条投递已失败%d次", f.Attempts)
	if f.Dead > 0 {
		sev, what = Critical, fmt.Sprintf("%d条投递已放弃（死信），需重新投递", f.Dead)
	}
	msg := fmt.Sprintf("部门接口“%s”%s", f.Name, what)
	if f.LastError != "" {
		msg += "；最近错误：" + exchange.FailureSummary(0, f.LastError)
	}
	return Finding{Kind: PartnerFailing, Severity: sev, Jurisdiction: f.Jurisdiction, OrgID: f.OrgID,
		Subject: fmt.Sprintf("endpoint:%d", f.EndpointID), Link: fmt.Sprintf("/admin/partners?endpoint=%d", f.EndpointID), Message: msg, At: now}, true
}
