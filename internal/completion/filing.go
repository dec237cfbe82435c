package completion

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// Filing is a completion filing (竣工验收备案) of named buildings: its date
// is day 0 of the 20-working-day clock.
type Filing struct {
	ID           int64
	ProjectID    int64
	Jurisdiction string
	Buildings    []int64
	Number       string        // 竣工验收备案编号
	FiledOn      calendar.Date // day 0
	DueOn        calendar.Date // the 20th working day after FiledOn as the calendar stood at the filing; a later notice moves it (Due)
	Source       string        // page, or api (工程建设项目审批管理系统)
	RecordedBy   int64
	RecordedAt   time.Time
}

// Validate checks what the filing's recorder enters.
func (f *Filing) Validate(today calendar.Date) error {
	var e problem.Fields
	f.Number = strings.TrimSpace(f.Number)
	if f.Number == "" || utf8.RuneCountInString(f.Number) > 60 {
		e.Add("number", "请填写竣工验收备案编号（不超过60字）")
	}
	if f.FiledOn.IsZero() {
		e.Add("filed_on", "请填写备案日期")
	} else if f.FiledOn.After(today) {
		e.Add("filed_on", "备案日期不能晚于今天")
	}
	if len(f.Buildings) == 0 {
		e.Add("buildings", "请选择备案的幢")
	}
	return e.Err("filing.invalid", "竣工验收备案信息有误")
}

// PassedAcceptance is the passed joint acceptance of a building being
// filed: the unified opinion's number and the day it was issued (China
// time).
type PassedAcceptance struct {
	BuildingID int64
	Building   string // the building's name
	OpinionNo  string
	On         calendar.Date
}

// FilingFacts are what the filing's rules look at besides what the
// recorder enters, read in the filing transaction with the project locked.
type FilingFacts struct {
	Today     calendar.Date // China time: the filing date is no later
	Region    string        // the calendar region of the jurisdiction, for the clock
	Buildings []int64       // the project's buildings
	Filed     []int64       // the project's buildings already in a completion filing
	// Readiness is the readiness view's refusal of the filing of the
	// buildings being filed (every condition still blocking any of them),
	// nil when nothing blocks.
	Readiness error
	// Accepted are the passed joint acceptances of the project's
	// buildings, with the day each unified opinion was issued.
	Accepted []PassedAcceptance
}

// File decides a completion filing of f.Buildings: what the recorder
// entered is valid, each building is the project's and not yet filed,
// the readiness view lets it through and the date is not before any of
// the buildings' passed acceptance (both named together when both fail).
// It returns the filing with the clock's due day in cal as it stands
// (ClockDays working days after the filing date) and the commitments
// the filing makes (Standard), or why it may not be recorded.
func File(facts FilingFacts, f Filing, promised []Commitment, cal *calendar.Calendar) (Filing, []Commitment, error) {
	if err := f.Validate(facts.Today); err != nil {
		return f, nil, err
	}
	promised = slices.Clone(promised)
	var e problem.Fields
	for i := range promised {
		if err := promised[i].ValidatePromise(f.FiledOn); err != nil {
			e.Add(fmt.Sprintf("promise_%d", i), problem.As(err).Message)
		}
	}
	if err := e.Err("commitment.invalid", "承诺事项填写有误"); err != nil {
		return f, nil, err
	}
	f.Buildings = slices.Compact(slices.Sorted(slices.Values(f.Buildings)))
	for _, b := range f.Buildings {
		if !slices.Contains(facts.Buildings, b) {
			return f, nil, problem.New(problem.Invalid, "filing.buildings", "所选的幢不属于本项目")
		}
		if slices.Contains(facts.Filed, b) {
			return f, nil, problem.New(problem.Conflict, "filing.exists", "所选的幢已办理竣工验收备案")
		}
	}
	var accepted []PassedAcceptance
	for _, a := range facts.Accepted {
		if slices.Contains(f.Buildings, a.BuildingID) {
			accepted = append(accepted, a)
		}
	}
	// The date is checked against the acceptance the filing records; a
	// refusal names it beside any condition still missing.
	dateErr := f.CheckAccepted(accepted)
	if facts.Readiness != nil {
		if dateErr == nil {
			return f, nil, facts.Readiness
		}
		both := *problem.As(facts.Readiness)
		both.Reasons = append(slices.Clone(both.Reasons), problem.As(dateErr).Reasons...)
		return f, nil, &both
	}
	if dateErr != nil {
		return f, nil, dateErr
	}
	due, err := f.Due(cal, facts.Region)
	if err != nil {
		return f, nil, err
	}
	f.DueOn = due.Due
	if f.Source == "" {
		f.Source = "page"
	}
	return f, Standard(f.FiledOn, promised), nil
}

// NumberTaken is the refusal of a filing whose number another filing
// already has (found by the database's unique index).
func NumberTaken() error {
	return &problem.Error{Kind: problem.Conflict, Code: "filing.number", Message: "该备案编号已使用", Fields: map[string]string{"number": "备案编号重复"}}
}

// RuleBeforeAcceptance is the rule code of a filing dated before its
// buildings' joint acceptance passed.
const RuleBeforeAcceptance = "filing.before_acceptance"

// FilingDateCondition is the filing date's condition as the service guide
// states it, with the basis and remedy CheckAccepted refuses with.
func FilingDateCondition() problem.Reason {
	return problem.Reason{Rule: RuleBeforeAcceptance, Message: "备案日期不早于联合验收统一意见出具之日（备案在验收合格之后，备案之日起算20个工作日）",
		Basis: basisFilingDate, Fixer: fixerFilingDate}
}

const (
	basisFilingDate = "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第四条：建设单位应当自工程竣工验收合格之日起15日内备案，备案在验收合格之后"
	fixerFilingDate = "住建局（备案经办）或开发企业：更正备案日期"
)

// CheckAccepted refuses a filing dated before the day the joint acceptance
// of any of its buildings passed: the filing records a passed acceptance
// (within 15 days of it), and its date is day 0 of the 20-working-day
// clock, which an earlier date would start before the building could be
// filed. Every such building is named.
func (f Filing) CheckAccepted(accepted []PassedAcceptance) error {
	var r problem.Refusal
	for _, a := range accepted {
		if a.On.IsZero() || !f.FiledOn.Before(a.On) {
			continue
		}
		r.Add(problem.Reason{Rule: RuleBeforeAcceptance, Subject: a.Building, Basis: basisFilingDate, Fixer: fixerFilingDate,
			Message: fmt.Sprintf("备案日期%s早于联合验收统一意见%s的出具日期%s：竣工验收备案应在验收合格之日或之后办理",
				f.FiledOn.Chinese(), a.OpinionNo, a.On.Chinese())})
	}
	return r.Err(RuleBeforeAcceptance, "备案日期早于联合验收通过之日")
}

// CommitmentKind is a step moved after the filing under 告知承诺制.
type CommitmentKind string

const (
	FinalAccount CommitmentKind = "settlement" // 竣工结算备案
	Archives     CommitmentKind = "archives"   // 建设工程档案归档
	Material     CommitmentKind = "material"   // other material the developer promised
)

// Label is the kind in Chinese.
func (k CommitmentKind) Label() string {
	switch k {
	case FinalAccount:
		return "竣工结算备案"
	case Archives:
		return "建设工程档案归档"
	}
	return "承诺补交材料"
}

// Basis is the kind's basis.
func (k CommitmentKind) Basis() string {
	switch k {
	case FinalAccount:
		return "《建筑工程施工发包与承包计价管理办法》第十九条；告知承诺书"
	case Archives:
		return "《城市建设档案管理规定》第六条（竣工验收后三个月内报送）；告知承诺书"
	}
	return "告知承诺书"
}

// CommitmentMonths is the default time for the standard commitments.
const CommitmentMonths = 3

// Commitment is a promise made at the filing, with its due date.
type Commitment struct {
	ID          int64
	ProjectID   int64
	FilingID    int64
	Developer   int64
	Kind        CommitmentKind
	Title       string
	DueOn       calendar.Date
	FulfilledAt time.Time
	FulfilledBy int64
	Evidence    string
	BreachedAt  time.Time // when it was found overdue (alert and credit event written)
}

// Fulfilled reports whether the commitment was kept.
func (c Commitment) Fulfilled() bool { return !c.FulfilledAt.IsZero() }

// Overdue reports whether it is unfulfilled after its due date.
func (c Commitment) Overdue(today calendar.Date) bool { return !c.Fulfilled() && today.After(c.DueOn) }

// Standard returns the commitments every filing makes, due three months
// after it, plus the promised materials.
func Standard(filedOn calendar.Date, promised []Commitment) []Commitment {
	due := calendar.DateOf(filedOn.Start().AddDate(0, CommitmentMonths, 0))
	out := []Commitment{
		{Kind: FinalAccount, Title: FinalAccount.Label(), DueOn: due},
		{Kind: Archives, Title: Archives.Label(), DueOn: due},
	}
	for _, p := range promised {
		p.Kind = Material
		out = append(out, p)
	}
	return out
}

// ValidatePromise checks a promised material entered at the filing.
func (c *Commitment) ValidatePromise(filedOn calendar.Date) error {
	var e problem.Fields
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" || utf8.RuneCountInString(c.Title) > 100 {
		e.Add("title", "请填写承诺补交的材料（不超过100字）")
	}
	if c.DueOn.IsZero() || !c.DueOn.After(filedOn) {
		e.Add("due_on", "承诺期限应晚于备案日期")
	}
	return e.Err("commitment.invalid", "承诺事项填写有误")
}

// Fulfil records the commitment kept, with its evidence.
func (c *Commitment) Fulfil(evidence string, by int64, now time.Time) error {
	if c.Fulfilled() {
		return problem.New(problem.Conflict, "commitment.fulfilled", "该承诺已履行")
	}
	evidence = strings.TrimSpace(evidence)
	if evidence == "" {
		return &problem.Error{Kind: problem.Invalid, Code: "commitment.evidence", Message: "请填写履行的证明（文件编号或说明）",
			Fields: map[string]string{"evidence": "请填写证明"}}
	}
	c.Evidence, c.FulfilledBy, c.FulfilledAt = evidence, by, now
	return nil
}
