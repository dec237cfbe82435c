package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// ServiceInput is one service an application asks for.
type ServiceInput struct {
	Kind       ServiceKind
	UnitID     int64
	BuildingID int64 // a building's first registration
	// UnitNo is the unit by its 不动产单元号, as a counter enters it, when
	// UnitID is 0; with Whole, a first registration of the whole building
	// that unit is in.
	UnitNo     string
	Whole      bool
	ContractID int64 // the sale (transfer, mortgage); found from the unit when 0
	EntryID    int64 // the entry a cancellation, unseal or correction concerns
	Holders    []Holder
	Details    map[string]string
}

// ApplicationInput is an application as the counter (or a batch) takes it.
type ApplicationInput struct {
	Applicants []Applicant
	Agent      string
	Source     string // counter, batch, api
	Window     string // the jurisdiction of the window taking it ("" for a prefecture-wide one)
	Services   []ServiceInput
}

// Take turns an application as handed in into the one the office accepts
// (受理), before it is numbered: applicants and agent trimmed, each
// applicant's identity document checked (required at the counter), the
// source "counter" unless given, each service accepted by the clerk in the
// order asked, its holders kept in its details. It refuses an application
// with no service or no applicant, naming every field at fault at once
// (services by position: services[0].kind). The services' records are
// checked by Join.
func Take(in ApplicationInput, clerk int64, at time.Time) (Application, error) {
	a := Application{Agent: strings.TrimSpace(in.Agent), Source: in.Source, State: "open", CreatedBy: clerk, CreatedAt: at}
	if a.Source == "" {
		a.Source = "counter"
	}
	var f problem.Fields
	a.Applicants = checkApplicants(in.Applicants, a.Source == "counter", &f)
	if len(in.Services) == 0 {
		f.Add("services", "申请至少应有一项登记事项")
		return a, f.Err("application.services", "申请至少应有一项登记事项")
	}
	for i, si := range in.Services {
		s := Service{Seq: i + 1, Kind: si.Kind, UnitID: si.UnitID, BuildingID: si.BuildingID, ContractID: si.ContractID,
			EntryID: si.EntryID, Details: map[string]string{}, State: Accepted, AcceptedBy: clerk}
		for k, v := range si.Details {
			s.Details[k] = v
		}
		if len(si.Holders) > 0 {
			b, _ := json.Marshal(si.Holders)
			s.Details["holders"] = string(b)
		}
		if !slices.Contains(ServiceKinds, s.Kind) {
			f.Add(ServiceField(i, "kind"), fmt.Sprintf("未知的登记事项“%s”", s.Kind))
		}
		a.Services = append(a.Services, s)
	}
	// The code stays the one of the first kind of fault, as before every
	// fault was named at once; the fields name them all.
	errCode := "application.kind"
	if f.Has("applicants") {
		errCode = "application.applicants"
	}
	return a, f.Err(errCode, "申请有误，未受理")
}

// ServiceField names a field of the i-th service (from 0) in an error's
// fields: services[0].unit_no.
func ServiceField(i int, field string) string { return fmt.Sprintf("services[%d].%s", i, field) }

// Join places a service's records in the application: every service of
// one application belongs to one project, and a county's window takes only
// its own jurisdiction's units (window "" is the prefecture's).
func (a *Application) Join(project int64, jurisdiction, window string) error {
	if a.ProjectID != 0 && project != a.ProjectID {
		return problem.New(problem.Invalid, "application.project", "一件申请的各事项应属于同一项目")
	}
	if window != "" && jurisdiction != window {
		return problem.Newf(problem.Forbidden, "registration.jurisdiction", "不动产单元属于其他辖区（%s），本窗口不能受理", jurisdiction)
	}
	a.ProjectID, a.Jurisdiction = project, jurisdiction
	return nil
}

// CheckDetails refuses a service whose kind needs particulars the
// application did not give: the mortgagee and the secured amount of a
// mortgage not carried by a filed sale's loan (ownLoan false), the
// authority and order of a seal, the reason of an objection, a
// cancellation, an unseal or a correction. (Terms are CheckTerms'.)
func (s Service) CheckDetails(saleLoan bool) error {
	var need [][2]string
	switch s.Kind {
	case MortgageReg:
		if !saleLoan {
			need = [][2]string{{"bank", "请选择抵押权人（银行）"}, {"amount", "请填写被担保主债权数额"}}
		}
	case SealReg:
		need = [][2]string{{"authority", "请填写查封机关"}, {"doc_no", "请填写查封文书编号"}}
	case ObjectReg:
		need = [][2]string{{"reason", "请填写异议事项与理由"}}
	case Cancel, Unseal, Correct:
		need = [][2]string{{"reason", "请填写理由或依据"}}
	}
	var f problem.Fields
	first := ""
	for _, n := range need {
		if strings.TrimSpace(s.Details[n[0]]) == "" {
			f.Add(n[0], n[1])
			if first == "" {
				first = n[1]
			}
		}
	}
	// Every particular missing is named; the message is the first's.
	return f.Err("application.details", first)
}

// Schedule sets each service's due day and fee: the policy's working days
// from acceptance (due), or today for a matter recorded at once (a seal).
func (p Policy) Schedule(a *Application, due, today calendar.Date) {
	for i := range a.Services {
		s := &a.Services[i]
		s.DueOn, s.Fee = due, p.Fees[s.Kind]
		if s.Kind.Immediate() {
			s.DueOn = today
		}
	}
}

// AutoReviews reports whether the policy reviews every service of the
// application automatically (when every rule passes).
func (p Policy) AutoReviews(a Application) bool {
	if len(a.Services) == 0 {
		return false
	}
	for _, s := range a.Services {
		if !slices.Contains(p.AutoReview, s.Kind) {
			return false
		}
	}
	return true
}

// RuleDuplicate refuses a matter already open for the same unit.
const RuleDuplicate = "application.duplicate"

// SameMatter reports whether an open service of another application is
// the matter s asks for again: same kind and records, for a kind a unit
// has one open service of (OneOpenPerUnit), and for a mortgage the same
// sale's loan.
func (s Service) SameMatter(open Service) bool {
	return s.Kind == open.Kind && s.UnitID == open.UnitID && s.BuildingID == open.BuildingID && open.Kind.OneOpenPerUnit(open.ContractID) &&
		(s.Kind != MortgageReg || s.ContractID == open.ContractID)
}

// Duplicate refuses s as the same matter as the open application number
// ("" when unknown).
func Duplicate(s Service, number string) error {
	var r problem.Refusal
	msg := fmt.Sprintf("该户已有办理中的%s申请", s.Kind.Label())
	if number != "" {
		msg += "（受理号" + number + "）"
	}
	r.Add(problem.Reason{Rule: RuleDuplicate, Message: msg,
		Basis: "同一不动产的同一登记事项已受理、尚未办结的，不重复受理（登记机构受理规则；《不动产登记暂行条例》第十七条）",
		Fixer: "受理人员（继续办理原申请，或先撤回原申请）"})
	return r.Err(RuleDuplicate, "该登记事项已在办理中，不重复受理")
}

// ResolveSale sets the sale a transfer carries out and a mortgage secures,
// given the unit's filed contract (0: none). A contract the application
// names must be it; unnamed, it is taken — unless the application names
// the transferees (a resale) or a mortgage names its own mortgagee, which
// need none. Only transfers and mortgages have a sale.
func (s *Service) ResolveSale(filed int64) error {
	if s.Kind != Transfer && s.Kind != MortgageReg {
		return nil
	}
	if s.ContractID != 0 {
		if s.ContractID != filed {
			return problem.New(problem.Refused, "application.contract", "所填合同不是该户已备案的商品房买卖合同")
		}
		return nil
	}
	if s.Details["holders"] != "" {
		return nil
	}
	if filed != 0 {
		s.ContractID = filed
		return nil
	}
	if s.Kind == MortgageReg && s.Details["bank"] != "" {
		return nil
	}
	return problem.New(problem.Refused, "application.contract", "该户没有已备案的商品房买卖合同；存量房转移请填写受让人")
}

// CheckEntry refuses a cancellation, unseal or correction of an entry that
// is not on the service's unit's book (entryUnit is the unit the entry is
// on, 0 when there is no such entry).
func (s Service) CheckEntry(entryUnit int64) error {
	if entryUnit == 0 || entryUnit != s.UnitID {
		return problem.New(problem.Invalid, "application.entry", "请选择本户登记簿中的登记")
	}
	return nil
}

// Mortgagee is the holder of a mortgage the application names: it must be
// a bank (isBank), recorded under its 统一社会信用代码.
func Mortgagee(name, uscc string, isBank bool) (Holder, error) {
	if !isBank {
		return Holder{}, problem.New(problem.Invalid, "application.bank", "抵押权人应为银行")
	}
	return Holder{Name: name, IDKind: "统一社会信用代码", IDNumber: uscc}, nil
}
