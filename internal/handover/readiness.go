// Package handover is the day the buyer gets the keys and the certificate
// (交房即交证): the 20-working-day clock that starts at the completion
// filing, and the readiness of a project, building or unit — every
// condition that still blocks the completion filing, the first
// registration, or the handover with the certificate (docs/domain.md §5.6–5.12).
//
// Evaluate is the only place these conditions are written: the pages and
// the API show its report, and the store calls it to gate the filing (and,
// later, first registration and handover), so no rule exists twice.
package handover

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Target is the step whose blocking conditions are asked for.
type Target string

const (
	Filing            Target = "completion_filing"  // 竣工验收备案
	FirstRegistration Target = "first_registration" // 首次登记
	Delivery          Target = "handover"           // 交房即交证: handover with the certificate
)

// Label is the target in Chinese.
func (t Target) Label() string {
	switch t {
	case Filing:
		return "竣工验收备案"
	case FirstRegistration:
		return "首次登记"
	case Delivery:
		return "交房并发证"
	}
	return string(t)
}

// ParseTarget reads a target name.
func ParseTarget(s string) (Target, error) {
	switch t := Target(s); t {
	case Filing, FirstRegistration, Delivery:
		return t, nil
	case "":
		return Delivery, nil
	}
	return "", problem.Newf(problem.Invalid, "readiness.target", "未知的办理事项“%s”", s)
}

// Party is an organisation (or person) responsible for a condition.
type Party struct {
	Kind  identity.OrgKind
	OrgID int64
	Name  string
}

// Facts are what the conditions look at for one project, loaded at one
// moment. Everything is about the project; building and unit facts are
// nested. Loaders fill every field (a missing fact would read as "not
// done", which is the safe side).
type Facts struct {
	Project     ledger.Project
	Region      string // the calendar region (province) of the jurisdiction
	Developer   Party
	Housing     Party // the jurisdiction's housing bureau
	Registry    Party // the jurisdiction's registration centre
	Tax         Party
	Surveyor    Party            // the project's surveying company (zero until commissioned)
	Departments map[string]Party // acceptance departments by service code
	Items       []completion.Item
	Blocking    []completion.ItemKind // project items that block the filing
	Cases       []completion.Case     // joint acceptance applications, with their tasks
	Filings     []completion.Filing
	LandTopUp   string // why the land needs a supplementary agreement and top-up, or ""
	// ParcelRestriction names a live seal, mortgage or lock on the
	// project's land ("" for none): it blocks first registration.
	ParcelRestriction string
	Buildings         []BuildingFacts
}

// BuildingFacts are a building's facts.
type BuildingFacts struct {
	Building ledger.Building
	Survey   completion.SurveyState // the newest survey's state ("" when none)
	Accepted bool                   // an accepted survey exists (the newest may be a pending correction)
	Units    []UnitFacts
}

// UnitFacts are a unit's facts.
type UnitFacts struct {
	Unit         ledger.Unit
	Contract     presale.Contract // the live contract (ID 0 when unsold)
	Maintenance  completion.Item  // the unit's maintenance fund item (ID 0 when not assessed)
	Locked       bool
	Book         []registry.Entry // the register book (holders not needed by the rules)
	DeedTaxPaid  bool             // 契税 paid for the transfer to the buyers
	AreaDecision string           // keep or rescind, the buyer's choice when the area is beyond ±3 %
	HandedOver   bool             // the keys and the certificate are delivered
}

// UnitFacts returns the facts of one unit of the project (nil when the
// facts hold no such unit).
func (f *Facts) UnitFacts(id int64) *UnitFacts {
	for i := range f.Buildings {
		for j := range f.Buildings[i].Units {
			if f.Buildings[i].Units[j].Unit.ID == id {
				return &f.Buildings[i].Units[j]
			}
		}
	}
	return nil
}

// buildingOf returns the building of one unit of the project (0 when the
// facts hold no such unit).
func (f *Facts) buildingOf(id int64) int64 {
	for i := range f.Buildings {
		if slices.ContainsFunc(f.Buildings[i].Units, func(u UnitFacts) bool { return u.Unit.ID == id }) {
			return f.Buildings[i].Building.ID
		}
	}
	return 0
}

// registration is what the registration rules see of the unit on today.
func (u *UnitFacts) registration(f *Facts, filed bool, today calendar.Date) registry.UnitFacts {
	return registry.UnitFacts{Filed: filed, ParcelRestriction: f.ParcelRestriction, Locked: u.Locked, Book: u.Book,
		ContractID: u.Contract.ID, DeedTaxPaid: u.DeedTaxPaid, Today: today}
}

// Scope narrows a report to a building or a unit (zero: the whole project).
type Scope struct {
	Building int64
	Unit     int64
}

// Condition is one thing that still blocks a target: the reason (its rule
// code, e.g. "filing.survey", the building's name or the unit's room and
// number as its subject, and the name of the party responsible as its
// fixer), with the record it concerns and the party as an organisation the
// pages and alerts can address.
type Condition struct {
	problem.Reason
	SubjectKind string // project, building, unit
	SubjectID   int64
	Responsible Party
	Clock       *Clock // the clock of the building, when it runs
}

// Clock is the 20-working-day clock of a building's completion filing;
// the filing's clock is completion's (completion/clock.go).
type Clock = completion.Clock

// Report is the answer: the conditions still blocking, the clocks, and
// how many of the units in scope are ready.
type Report struct {
	Target     Target
	At         time.Time
	Conditions []Condition
	Clocks     map[int64]*Clock // by building
	Units      int              // units the target concerns (sold units for handover)
	ReadyUnits int              // of which nothing blocks
	Warnings   []string         // calendar warnings (a region's holidays not loaded)
}

// Ready reports whether nothing blocks.
func (r Report) Ready() bool { return len(r.Conditions) == 0 }

// Err returns the report as a refusal naming every condition, or nil.
func (r Report) Err() error {
	var ref problem.Refusal
	for _, c := range r.Conditions {
		ref.Add(c.Reason)
	}
	return ref.Err("readiness.blocked", r.Target.Label()+"的条件尚未具备")
}

// Bases of the conditions.
const (
	basisReform     = "昌州自然资发〔2022〕196号（交房即交证）"
	basisSurvey     = "多测合一：竣工测绘成果经审核后作为联合验收与不动产登记的唯一依据；" + basisReform
	basisAcceptance = "《建设工程质量管理条例》第十六条、第四十九条；联合验收统一出具意见；" + basisReform
	basisFiling     = "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第四条；" + basisReform
	basisContract   = "《城市商品房预售管理办法》第十条；合同备案后方可办理转移登记"
	basisArea       = "GF-2014-0171 第十三条：面积误差比绝对值超出3%时，买受人有权选择解除合同或继续履行"
	basisMaint      = "《住宅专项维修资金管理办法》第十三条：未按规定交存首期维修资金的，开发企业不得将房屋交付买受人"
)

// Evaluate computes the conditions that still block target for the scope,
// at now, counting working days with cal in the jurisdiction's region.
func Evaluate(f *Facts, cal *calendar.Calendar, target Target, scope Scope, now time.Time) Report {
	r := Report{Target: target, At: now, Clocks: map[int64]*Clock{}}
	e := evaluator{f: f, r: &r, today: calendar.DateOf(now), cal: cal}
	e.clocks()
	for i := range f.Buildings {
		b := &f.Buildings[i]
		if scope.Building != 0 && b.Building.ID != scope.Building {
			continue
		}
		if scope.Unit != 0 && !slices.ContainsFunc(b.Units, func(u UnitFacts) bool { return u.Unit.ID == scope.Unit }) {
			continue
		}
		before := len(r.Conditions)
		switch target {
		case Filing:
			e.filing(b)
		case FirstRegistration:
			e.firstRegistration(b)
		case Delivery:
			e.delivery(b, scope.Unit)
			continue // counts its sold units itself
		}
		r.Units += len(b.Units)
		if len(r.Conditions) == before {
			r.ReadyUnits += len(b.Units)
		}
	}
	if e.projectBlocked && target != Delivery {
		r.ReadyUnits = 0
	}
	return r
}

type evaluator struct {
	f     *Facts
	r     *Report
	today calendar.Date
	cal   *calendar.Calendar
	// the project-level conditions are listed once, with the first
	// building that needs them; projectBlocked says whether there were any
	projectDone, projectBlocked bool
}

// add lists a condition; the responsible party's name is its fixer.
func (e *evaluator) add(c Condition) {
	c.Fixer = c.Responsible.Name
	e.r.Conditions = append(e.r.Conditions, c)
}

func (e *evaluator) building(b *BuildingFacts, code, title string, who Party, basis string) {
	e.add(Condition{Reason: problem.Reason{Rule: code, Subject: b.Building.Name, Message: title, Basis: basis},
		SubjectKind: "building", SubjectID: b.Building.ID, Responsible: who, Clock: e.r.Clocks[b.Building.ID]})
}

// clocks finds each building's filing, its due day in the calendar as it
// stands (a notice loaded after the filing moves it), and counts the
// working days left.
func (e *evaluator) clocks() {
	for _, fl := range e.f.Filings {
		c, warnings := fl.ClockOn(e.cal, e.f.Region, e.today)
		for _, w := range warnings {
			if !slices.Contains(e.r.Warnings, w) {
				e.r.Warnings = append(e.r.Warnings, w)
			}
		}
		for _, b := range fl.Buildings {
			e.r.Clocks[b] = &c
		}
	}
}

func (e *evaluator) filed(b *BuildingFacts) bool { return e.r.Clocks[b.Building.ID] != nil }

// filing: the survey accepted, the joint acceptance passed, the blocking
// accounting items cleared, the land matched or topped up.
func (e *evaluator) filing(b *BuildingFacts) {
	if e.filed(b) {
		return
	}
	switch {
	case b.Accepted:
	case b.Survey == completion.Submitted:
		e.building(b, "filing.survey", "竣工测绘成果待审核", e.f.Housing, basisSurvey)
	case b.Survey == completion.Returned:
		e.building(b, "filing.survey", "竣工测绘成果已退回，待测绘单位更正后重新提交", e.surveyor(), basisSurvey)
	default:
		e.building(b, "filing.survey", "尚未提交竣工测绘成果（多测合一）", e.surveyor(), basisSurvey)
	}
	e.acceptance(b)
	if !e.projectDone {
		e.projectDone = true
		before := len(e.r.Conditions)
		e.projectItems()
		e.projectBlocked = len(e.r.Conditions) > before
	}
}

func (e *evaluator) surveyor() Party {
	if e.f.Surveyor.OrgID == 0 {
		return Party{Kind: identity.Developer, OrgID: e.f.Developer.OrgID, Name: e.f.Developer.Name + "（委托测绘单位）"}
	}
	return e.f.Surveyor
}

// acceptance finds the building's joint acceptance and says what it waits for.
func (e *evaluator) acceptance(b *BuildingFacts) {
	var c *completion.Case
	for i := range e.f.Cases {
		if slices.Contains(e.f.Cases[i].Buildings, b.Building.ID) && (c == nil || e.f.Cases[i].ID > c.ID) {
			c = &e.f.Cases[i]
		}
	}
	if c == nil {
		e.building(b, "filing.acceptance", "尚未申请联合验收", e.f.Developer, basisAcceptance)
		return
	}
	switch c.State {
	case completion.Passed:
		return
	case completion.Rejected:
		var depts []string
		for _, t := range sortedLatest(c) {
			if t.Result == completion.Fail {
				depts = append(depts, t.OrgName)
			}
		}
		e.building(b, "filing.acceptance", "联合验收未通过（"+strings.Join(depts, "、")+"），待整改后申请复验", e.f.Developer, basisAcceptance)
	default:
		for _, t := range sortedLatest(c) {
			if t.Round == c.Round && t.Result == completion.Pending {
				title := fmt.Sprintf("联合验收：%s尚未出具意见（时限%s）", identity.ServiceLabel(t.Department), t.DueOn)
				if t.Overdue(e.today) {
					title = fmt.Sprintf("联合验收：%s出具意见已逾期（时限%s）", identity.ServiceLabel(t.Department), t.DueOn)
				}
				who := Party{Kind: identity.Acceptance, OrgID: t.OrgID, Name: t.OrgName}
				e.building(b, "filing.acceptance", title, who, basisAcceptance)
			}
		}
	}
}

func sortedLatest(c *completion.Case) []*completion.Task {
	var out []*completion.Task
	for _, t := range c.Latest() {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *completion.Task) int { return strings.Compare(a.Department, b.Department) })
	return out
}

// projectItems: the accounting items that block the filing, and the land.
func (e *evaluator) projectItems() {
	p := e.f.Project
	project := func(code, title string, who Party, basis string) {
		e.add(Condition{Reason: problem.Reason{Rule: code, Subject: p.Name, Message: title, Basis: basis},
			SubjectKind: "project", SubjectID: p.ID, Responsible: who})
	}
	for _, kind := range e.f.Blocking {
		if kind == completion.LandTopUp && e.f.LandTopUp == "" {
			continue
		}
		i := slices.IndexFunc(e.f.Items, func(it completion.Item) bool { return it.Kind == kind && it.UnitID == 0 })
		switch {
		case i < 0 && kind == completion.LandTopUp:
			project("filing.land_topup", "土地核验："+e.f.LandTopUp+"，须签订出让合同补充协议并补缴价款", e.department("land"), kind.Basis())
		case i < 0:
			project("filing.accounting", kind.Label()+"尚未核算", e.f.Housing, kind.Basis())
		case !e.f.Items[i].Cleared():
			it := e.f.Items[i]
			if it.Paid.LessThan(it.Due) {
				project("filing.accounting", fmt.Sprintf("%s尚欠%s元（应缴%s元）", kind.Label(), it.Outstanding().StringFixed(2), it.Due.StringFixed(2)),
					e.f.Developer, kind.Basis())
			} else {
				project("filing.accounting", kind.Label()+"已缴清，待核销", e.f.Housing, kind.Basis())
			}
		}
	}
}

func (e *evaluator) department(code string) Party {
	if p, ok := e.f.Departments[code]; ok {
		return p
	}
	return e.f.Housing
}

// firstRegistration: the filing (and all it needs), then the rules of the
// register (registry.FirstBlocks): the parcel free, no unit locked or
// sealed. A unit already registered is done.
func (e *evaluator) firstRegistration(b *BuildingFacts) {
	filed := e.filed(b)
	if !filed {
		e.filing(b)
		e.building(b, "firstreg.filing", "尚未办理竣工验收备案", e.f.Housing, basisFiling)
	}
	parcelListed := false
	for i := range b.Units {
		u := &b.Units[i]
		for _, bl := range registry.FirstBlocks(u.registration(e.f, true, e.today)) {
			switch bl.Rule {
			case registry.RuleFirstDone:
			case registry.RuleFirstParcel:
				if !parcelListed {
					parcelListed = true
					e.building(b, bl.Rule, bl.Message, Party{Name: bl.Fixer}, bl.Basis)
				}
			default:
				e.unit(b, u, bl.Rule, bl.Message, e.fixer(bl), bl.Basis)
			}
		}
	}
}

// fixer turns a rule's fixer into a party.
func (e *evaluator) fixer(bl problem.Reason) Party {
	switch bl.Rule {
	case registry.RuleOwnership:
		return e.f.Registry
	case registry.RuleTransferLocked, registry.RuleFirstLocked:
		return e.f.Housing
	case registry.RuleDeedTax:
		return Party{Kind: identity.Tax, OrgID: e.f.Tax.OrgID, Name: e.f.Tax.Name + "、买受人"}
	}
	return Party{Name: bl.Fixer}
}

func (e *evaluator) unit(b *BuildingFacts, u *UnitFacts, code, title string, who Party, basis string) {
	e.add(Condition{Reason: problem.Reason{Rule: code, Subject: u.Unit.Room + "（" + u.Unit.UnitNo + "）", Message: title, Basis: basis},
		SubjectKind: "unit", SubjectID: u.Unit.ID, Responsible: who, Clock: e.r.Clocks[b.Building.ID]})
}

// delivery: per sold unit, everything that blocks handing over the keys
// with the certificate: its building's first registration (and all before
// it), the contract filed, the area decision, the maintenance fund, the
// deed tax, and no seal or lock.
func (e *evaluator) delivery(b *BuildingFacts, only int64) {
	buildingDone := len(e.r.Conditions)
	if !e.filed(b) {
		e.filing(b)
		e.building(b, "firstreg.filing", "尚未办理竣工验收备案", e.f.Housing, basisFiling)
	}
	buildingBlocked := e.projectBlocked || len(e.r.Conditions) > buildingDone
	for i := range b.Units {
		u := &b.Units[i]
		if (only != 0 && u.Unit.ID != only) || u.Contract.ID == 0 {
			continue
		}
		e.r.Units++
		before := len(e.r.Conditions)
		e.deliveryUnit(b, u)
		if !buildingBlocked && len(e.r.Conditions) == before {
			e.r.ReadyUnits++
		}
	}
}

func (e *evaluator) deliveryUnit(b *BuildingFacts, u *UnitFacts) {
	if u.HandedOver {
		return
	}
	buyers := Party{Kind: identity.Individual, Name: "买受人" + u.Contract.BuyerNames()}
	if u.Contract.State != presale.Filed {
		e.unit(b, u, "handover.contract", "网签合同尚未备案", e.f.Developer, basisContract)
	}
	// The registration rules of the transfer (registry.TransferBlocks):
	// the developer's ownership (first registration, which may be combined
	// with the transfer), no seal or lock, the deed tax paid, no mortgage
	// forbidding transfer, no one else's pre-notice.
	for _, bl := range registry.TransferBlocks(u.registration(e.f, e.filed(b), e.today)) {
		title := bl.Message
		if bl.Rule == registry.RuleOwnership {
			title = "开发企业首次登记尚未办理（可与转移登记合并申请）"
		}
		e.unit(b, u, bl.Rule, title, e.fixer(bl), bl.Basis)
	}
	if u.Unit.HasMeasured() && u.Contract.ID != 0 {
		s := completion.Reconcile(u.Contract.PriceBasis, u.Contract.UnitPrice, u.Contract.TotalPrice, u.Unit.Forecast, u.Unit.Measured)
		switch {
		case s.MayRescind && u.AreaDecision == "":
			e.unit(b, u, "handover.area_decision", s.Breach+"，待买受人选择解除合同或继续履行", buyers, basisArea)
		case u.AreaDecision == "rescind":
			e.unit(b, u, "handover.rescinded", "买受人选择解除合同，待办理合同注销备案", e.f.Developer, basisArea)
		}
	}
	switch {
	case u.Maintenance.ID == 0:
		e.unit(b, u, "handover.maintenance", "住宅专项维修资金尚未核定", e.f.Housing, basisMaint)
	case !u.Maintenance.Cleared():
		e.unit(b, u, "handover.maintenance", fmt.Sprintf("住宅专项维修资金%s元尚未交存", u.Maintenance.Outstanding().StringFixed(2)),
			Party{Kind: identity.Developer, OrgID: e.f.Developer.OrgID, Name: e.f.Developer.Name + "（代收）、" + buyers.Name}, basisMaint)
	}
}
