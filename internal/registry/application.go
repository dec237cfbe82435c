package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// ServiceKind is a registration service an application asks for.
type ServiceKind string

const (
	First       ServiceKind = "first"     // 首次登记 (a building's units, to the developer)
	Transfer    ServiceKind = "transfer"  // 转移登记 (预告转本: the sale pre-notice converts)
	MortgageReg ServiceKind = "mortgage"  // 抵押权首次登记 (the pre-mortgage converts)
	Cancel      ServiceKind = "cancel"    // 注销登记 of an entry
	SealReg     ServiceKind = "seal"      // 查封登记, by court order
	Unseal      ServiceKind = "unseal"    // 解封登记
	Correct     ServiceKind = "correct"   // 更正登记
	ObjectReg   ServiceKind = "objection" // 异议登记
)

// OneOpenPerUnit reports whether a unit may have only one open service of
// this kind at a time (the matter is not taken twice): a first
// registration, a transfer, and a buyer's mortgage under a sale contract.
// Seals may queue (轮候查封), and cancellations, corrections and
// objections name the entry they concern. The unique index services_open
// in the store repeats this rule as the last line of defence.
func (k ServiceKind) OneOpenPerUnit(contractID int64) bool {
	return k == First || k == Transfer || (k == MortgageReg && contractID != 0)
}

// ServiceKinds lists the kinds in display order.
var ServiceKinds = []ServiceKind{First, Transfer, MortgageReg, Cancel, SealReg, Unseal, Correct, ObjectReg}

// Label is the kind in Chinese.
func (k ServiceKind) Label() string {
	switch k {
	case First:
		return "首次登记"
	case Transfer:
		return "转移登记（预告转本）"
	case MortgageReg:
		return "抵押权首次登记（预抵押转本）"
	case Cancel:
		return "注销登记"
	case SealReg:
		return "查封登记"
	case Unseal:
		return "解封登记"
	case Correct:
		return "更正登记"
	case ObjectReg:
		return "异议登记"
	}
	return string(k)
}

// RegType is the 登记类型 the kind records.
func (k ServiceKind) RegType() int {
	switch k {
	case First:
		return RegFirst
	case Transfer:
		return RegTransfer
	case MortgageReg:
		return RegFirst // 抵押权首次登记
	case Cancel, Unseal:
		return RegCancel
	case SealReg:
		return RegSeal
	case Correct:
		return RegCorrection
	case ObjectReg:
		return RegObjection
	}
	return RegOther
}

// Certifies reports whether recording the service issues a certificate:
// 不动产权证书 to the buyers of a transfer, 不动产登记证明 to the bank of a
// mortgage and to the applicant of an objection. A first registration of
// 商品房 records the developer's ownership without a certificate (it is
// transferred to the buyers, often in the same application); the other
// kinds end or restrict entries and are done when recorded; a correction
// issues a new certificate in place of the one it supersedes.
func (k ServiceKind) Certifies() bool {
	return k == Transfer || k == MortgageReg || k == ObjectReg || k == Correct
}

// Open reports whether the service is still to be recorded (or returned
// to be): its rules still matter.
func (s ServiceState) Open() bool {
	return s == Accepted || s == Reviewed || s == Approved || s == ReturnedSt
}

// ServiceState is where a service stands. The steps are 受理 → 审核
// (→ 复审) → 登簿 → 缮证 → 发证; a reviewer may return it to the acceptor,
// and it may be withdrawn before 登簿.
type ServiceState string

const (
	Accepted   ServiceState = "accepted"  // 已受理, awaiting review
	Reviewed   ServiceState = "reviewed"  // 已审核 (awaiting the second review when configured)
	Approved   ServiceState = "approved"  // 审核通过, awaiting 登簿
	Recorded   ServiceState = "recorded"  // 已登簿, awaiting 缮证
	Certified  ServiceState = "certified" // 已缮证, awaiting 发证
	Issued     ServiceState = "issued"    // 已发证: done
	ReturnedSt ServiceState = "returned"  // 退回补正
	Withdrawn  ServiceState = "withdrawn" // 已撤回
)

// Label is the state in Chinese.
func (s ServiceState) Label() string {
	switch s {
	case Accepted:
		return "待审核"
	case Reviewed:
		return "待复审"
	case Approved:
		return "待登簿"
	case Recorded:
		return "待缮证"
	case Certified:
		return "待发证"
	case Issued:
		return "已办结"
	case ReturnedSt:
		return "退回补正"
	case Withdrawn:
		return "已撤回"
	}
	return string(s)
}

// Step is an action on a service.
type Step string

const (
	StepAccept   Step = "accept"   // 受理 (also: resubmit after return)
	StepReview   Step = "review"   // 审核
	StepReview2  Step = "review2"  // 复审
	StepReturn   Step = "return"   // 退回补正
	StepRecord   Step = "record"   // 登簿
	StepCertify  Step = "certify"  // 缮证
	StepIssue    Step = "issue"    // 发证
	StepWithdraw Step = "withdraw" // 撤回
)

// Label is the step in Chinese.
func (s Step) Label() string {
	switch s {
	case StepAccept:
		return "受理"
	case StepReview:
		return "审核"
	case StepReview2:
		return "复审"
	case StepReturn:
		return "退回补正"
	case StepRecord:
		return "登簿"
	case StepCertify:
		return "缮证"
	case StepIssue:
		return "发证"
	case StepWithdraw:
		return "撤回"
	}
	return string(s)
}

// Service is one registration service of an application.
type Service struct {
	ID            int64
	ApplicationID int64
	Seq           int
	Kind          ServiceKind
	UnitID        int64 // the unit (0 for a building's first registration)
	BuildingID    int64 // the building of a first registration
	ContractID    int64 // the sale (transfer, mortgage)
	EntryID       int64 // the entry a cancellation, unseal or correction concerns
	State         ServiceState
	Fee           int64 // 登记费, fen
	DueOn         calendar.Date
	AutoReview    bool
	Details       map[string]string // the particulars entered at 受理 (seal: court, document, …)
	ReturnReason  string
	AcceptedBy    int64
	ReviewedBy    int64
	Reviewed2By   int64
	RecordedAt    time.Time
	IssuedAt      time.Time
}

// Application is a 登记申请 with its ordered services.
type Application struct {
	ID           int64
	Number       string // 受理号
	Jurisdiction string
	ProjectID    int64
	Applicants   []Applicant
	Agent        string
	Source       string // counter, batch, api
	State        string // open, done, withdrawn
	CreatedBy    int64
	CreatedAt    time.Time
	Services     []Service
}

// ApplicationNumber formats a 受理号: 652301-2026-000123.
func ApplicationNumber(jurisdiction string, year, seq int) string {
	return fmt.Sprintf("%s-%d-%06d", strings.ReplaceAll(jurisdiction, "-", ""), year, seq)
}

// Policy is a jurisdiction's registration policy.
type Policy struct {
	SecondReview bool // 复审 required
	// SeparateRecorder: the recorder (登簿人) is not a reviewer of the same
	// service (岗位分离). On by default; a jurisdiction may turn it off.
	SeparateRecorder bool
	AutoReview       []ServiceKind // kinds that may be reviewed automatically when every rule passes
	Days             int           // working days allowed (statutory 30)
	Fees             map[ServiceKind]int64
}

// DefaultPolicy: no second review, no automatic review, the recorder not a
// reviewer, 30 working days,
// 80 元 per residential transfer or mortgage case (docs/domain.md §5.12).
func DefaultPolicy() Policy {
	return Policy{Days: 30, SeparateRecorder: true, Fees: map[ServiceKind]int64{Transfer: 8000, MortgageReg: 8000}}
}

// Settings of the registration policy.
const (
	SettingSecondReview = "registration.second_review" // "1" to require 复审
	SettingAutoReview   = "registration.auto_review"   // kinds, comma-separated
	SettingDays         = "registration.days"
	// SettingSeparateRecorder is "0" to let a reviewer also record the
	// services they reviewed; anything else (or unset) keeps them apart.
	SettingSeparateRecorder = "registration.separate_recorder"
)

// PolicySettings are the setting keys of the registration policy.
var PolicySettings = []string{SettingSecondReview, SettingSeparateRecorder, SettingAutoReview, SettingDays}

// ParsePolicy reads a jurisdiction's registration policy from its settings
// (a missing key keeps the default), refusing every bad value at once.
func ParsePolicy(values map[string]string) (Policy, error) {
	p := DefaultPolicy()
	var f problem.Fields
	flag := func(key string, def bool) bool {
		switch strings.TrimSpace(values[key]) {
		case "":
			return def
		case "1", "true":
			return true
		case "0", "false":
			return false
		}
		f.Add(key, "应为“是”或“否”")
		return def
	}
	p.SecondReview = flag(SettingSecondReview, false)
	p.SeparateRecorder = flag(SettingSeparateRecorder, true)
	auto, err := ParseAutoReview(values[SettingAutoReview])
	if err != nil {
		f.Add(SettingAutoReview, problem.As(err).Message)
	}
	p.AutoReview = auto
	if v := strings.TrimSpace(values[SettingDays]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			f.Add(SettingDays, "办理时限应为1到30个工作日（《不动产登记暂行条例》第二十条：法定时限30个工作日）")
		} else {
			p.Days = n
		}
	}
	return p, f.Err("registration.policy", "登记办理配置有误")
}

// Settings renders the policy as the settings ParsePolicy reads.
func (p Policy) Settings() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	kinds := make([]string, len(p.AutoReview))
	for i, k := range p.AutoReview {
		kinds[i] = string(k)
	}
	auto := strings.Join(kinds, ",")
	if auto == "" {
		auto = NoAutoReview
	}
	return map[string]string{SettingSecondReview: b(p.SecondReview), SettingSeparateRecorder: b(p.SeparateRecorder),
		SettingAutoReview: auto, SettingDays: strconv.Itoa(p.Days)}
}

// AutoReviewKinds are the kinds a jurisdiction may let the system review:
// not seals, which are a court's order and are reviewed by a person.
var AutoReviewKinds = []ServiceKind{First, Transfer, MortgageReg, Cancel, Correct, ObjectReg}

// NoAutoReview is the automatic-review setting of a jurisdiction whose
// system reviews nothing. It is not "": an empty stored value is unset,
// and a county without a value follows the prefecture's.
const NoAutoReview = "none"

// ParseAutoReview reads the automatic-review setting.
func ParseAutoReview(s string) ([]ServiceKind, error) {
	var out []ServiceKind
	if strings.TrimSpace(s) == NoAutoReview {
		return nil, nil
	}
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !slices.Contains(ServiceKinds, ServiceKind(k)) || ServiceKind(k) == SealReg || ServiceKind(k) == Unseal {
			return nil, problem.Newf(problem.Invalid, "registration.auto_review", "“%s”不能自动审核", k)
		}
		out = append(out, ServiceKind(k))
	}
	return out, nil
}

// basisSeparate is the ground of the recorder's segregation: a control of
// the registration office (and a setting of the jurisdiction), not an
// article of the regulations, which leave the division of posts to it.
// The segregation of review from acceptance: its basis, and who reviews
// instead.
const (
	basisReviewSeparate = "登记机构内部控制：受理、初审与复审为不相容岗位，由不同人员办理"
	fixerReview         = "本辖区另一名审核人员（初审、复审）"
)

const basisSeparate = "登记机构内部控制：审核与登簿为不相容岗位，分设办理；本辖区设置“登簿人不得为本件审核人”"

// RecorderConflict refuses user as the recorder (登簿人) of the service
// when the policy keeps recording apart from review and user reviewed it.
// The page asks it before offering the step; Apply asks it again.
func (s Service) RecorderConflict(user int64, policy Policy) error {
	if !policy.SeparateRecorder || user == 0 || (user != s.ReviewedBy && user != s.Reviewed2By) {
		return nil
	}
	return segregation("registration.segregation", "您是本件"+s.Kind.Label()+"的审核人，不能再登簿（岗位分离）", "登簿人不能是本件的审核人（岗位分离）", basisSeparate,
		"另一名登簿人员登簿；或本辖区系统管理员在本辖区配置中取消该项")
}

// segregation refuses a step the segregation of duties (岗位分离) keeps
// from the user, as a refusal naming the rule, its basis and who can do
// the step instead.
func segregation(rule, reason, message, basis, fixer string) error {
	var r problem.Refusal
	r.Add(problem.Reason{Rule: rule, Message: reason, Basis: basis, Fixer: fixer})
	return r.Err("registration.segregation", message)
}

// Apply moves the service by step, done by user, enforcing the order of
// the steps and the segregation of duties: the reviewer is not the acceptor,
// the second reviewer is neither. It returns what to record in the history.
func (s *Service) Apply(step Step, user int64, policy Policy, reason string) error {
	bad := func() error {
		return problem.Newf(problem.Conflict, "registration.step", "%s当前为“%s”，不能%s", s.Kind.Label(), s.State.Label(), step.Label())
	}
	switch step {
	case StepAccept:
		if s.State != ReturnedSt {
			return bad()
		}
		s.State, s.ReturnReason, s.AcceptedBy = Accepted, "", user
	case StepReview:
		if s.State != Accepted {
			return bad()
		}
		if user == s.AcceptedBy && user != 0 {
			return segregation("registration.segregation.review", "您是本件"+s.Kind.Label()+"的受理人，不能再审核（岗位分离）", "受理人不能审核本人受理的申请（岗位分离）",
				basisReviewSeparate, fixerReview)
		}
		s.ReviewedBy = user
		s.State = Approved
		if policy.SecondReview {
			s.State = Reviewed
		}
	case StepReview2:
		if s.State != Reviewed {
			return bad()
		}
		if user == s.AcceptedBy || user == s.ReviewedBy {
			return segregation("registration.segregation.review", "您是本件"+s.Kind.Label()+"的受理人或初审人，不能再复审（岗位分离）", "复审人不能是受理人或初审人（岗位分离）",
				basisReviewSeparate, fixerReview)
		}
		s.Reviewed2By, s.State = user, Approved
	case StepReturn:
		if s.State != Accepted && s.State != Reviewed && s.State != Approved {
			return bad()
		}
		if strings.TrimSpace(reason) == "" {
			return &problem.Error{Kind: problem.Invalid, Code: "registration.reason", Message: "退回补正须写明理由", Fields: map[string]string{"reason": "请填写理由"}}
		}
		s.State, s.ReturnReason = ReturnedSt, strings.TrimSpace(reason)
	case StepRecord:
		if s.State != Approved {
			return bad()
		}
		if err := s.RecorderConflict(user, policy); err != nil {
			return err
		}
		s.State = Recorded
		if !s.Kind.Certifies() {
			s.State = Issued // nothing to certify: done when recorded
		}
	case StepCertify:
		if s.State != Recorded {
			return bad()
		}
		s.State = Certified
	case StepIssue:
		if s.State != Certified {
			return bad()
		}
		s.State = Issued
	case StepWithdraw:
		if s.State == Recorded || s.State == Certified || s.State == Issued || s.State == Withdrawn {
			return problem.New(problem.Conflict, "registration.withdraw", "已登簿的申请不能撤回")
		}
		s.State = Withdrawn
	default:
		return problem.Newf(problem.Invalid, "registration.step_unknown", "未知的步骤“%s”", step)
	}
	return nil
}

// AutoApprove records an automatic review (自动审核): allowed by the
// jurisdiction's policy for standard cases whose every rule passes; the
// caller has checked both.
func (s *Service) AutoApprove() error {
	if s.State != Accepted {
		return problem.Newf(problem.Conflict, "registration.step", "%s当前为“%s”，不能自动审核", s.Kind.Label(), s.State.Label())
	}
	s.State, s.AutoReview = Approved, true
	return nil
}

// Next is the step that moves the application on, given its services'
// states ("" when done).
func (a Application) Next() Step {
	for _, s := range a.Services {
		switch s.State {
		case Accepted:
			return StepReview
		case Reviewed:
			return StepReview2
		case Approved:
			return StepRecord
		case Recorded:
			return StepCertify
		case Certified:
			return StepIssue
		case ReturnedSt:
			return StepAccept
		}
	}
	return ""
}

// MaterialLabel names a material an application refers to.
func MaterialLabel(kind string) string {
	switch kind {
	case "contract":
		return "商品房买卖合同（已备案）"
	case "filing_identity":
		return "申请人身份证明（网签备案时采集）"
	case "filing_household":
		return "家庭住房情况（网签备案时采集）"
	case "filing_loan_contract":
		return "借款合同（网签备案时采集）"
	case "deed_tax":
		return "契税完税信息（税务部门推送）"
	case "survey":
		return "竣工测绘成果（多测合一）"
	case "completion_filing":
		return "竣工验收备案"
	}
	return kind
}

// DetailLabel names a particular entered at 受理.
func DetailLabel(key string) string {
	switch key {
	case "bank":
		return "抵押权人"
	case "amount":
		return "被担保主债权数额（元）"
	case "term_start":
		return "期限起"
	case "term_end":
		return "期限止"
	case "no_transfer":
		return "约定不得转让"
	case "authority":
		return "机关"
	case "doc_no":
		return "文书编号"
	case "seal_kind":
		return "查封类型"
	case "reason":
		return "理由"
	case "price":
		return "成交价（元）"
	case "deed_tax_voucher":
		return "完税凭证号"
	case "holders":
		return "权利人"
	}
	return key
}

// CheckTerms checks the dates and amount a service's particulars carry, on
// the day it is taken: a mortgage's term of the debt and a seal's term are
// real dates, the start not after the end, and the end not already past (a
// term that has run out secures or restrains nothing); a mortgage's amount
// is a positive sum. Every bad field is named at once.
func CheckTerms(k ServiceKind, details map[string]string, today calendar.Date) error {
	var f problem.Fields
	what := "期限"
	switch k {
	case MortgageReg:
		what = "债务履行期限"
		if v := strings.TrimSpace(details["amount"]); v != "" {
			if a, err := decimal.NewFromString(v); err != nil || !a.IsPositive() || a.Exponent() < -2 {
				f.Add("amount", "被担保主债权数额应为大于0的金额（元，至多两位小数）")
			}
		}
	case SealReg:
		what = "查封期限"
	default:
		return nil
	}
	var start, end calendar.Date
	var err error
	if v := strings.TrimSpace(details["term_start"]); v != "" {
		if start, err = calendar.ParseDate(v); err != nil {
			f.Add("term_start", what+"起始日期格式应为YYYY-MM-DD")
		}
	}
	if v := strings.TrimSpace(details["term_end"]); v != "" {
		switch end, err = calendar.ParseDate(v); {
		case err != nil:
			f.Add("term_end", what+"截止日期格式应为YYYY-MM-DD")
		case end.Before(today):
			f.Add("term_end", fmt.Sprintf("%s已于%s届满，不能据以登记", what, end))
		case !start.IsZero() && end.Before(start):
			f.Add("term_end", what+"截止日期早于起始日期")
		}
	}
	return f.Err("application.details", what+"或金额有误")
}

// Immediate reports whether a service is done on the day it is taken: a
// seal or its lifting assists a court's execution, which the registration
// office carries out at once rather than within the time limit of the
// other matters.
func (k ServiceKind) Immediate() bool { return k == SealReg || k == Unseal }

// DetailKeys are the particulars each kind of service takes at 受理.
func (k ServiceKind) DetailKeys() []string {
	switch k {
	case MortgageReg:
		return []string{"bank", "amount", "term_start", "term_end", "no_transfer"}
	case SealReg:
		return []string{"authority", "doc_no", "seal_kind", "term_start", "term_end"}
	case Transfer:
		return []string{"price", "deed_tax_voucher"}
	case Cancel, Unseal, Correct, ObjectReg:
		return []string{"reason"}
	}
	return nil
}
