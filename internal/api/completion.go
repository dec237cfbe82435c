package api

import (
	"net/http"
	"strconv"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/store"
)

func (a *API) completionRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tSurvey, tAccept, tAcct, tFiling = "竣工测绘（多测合一）与面积核对", "联合验收", "核实核算", "竣工验收备案、承诺与交房即交证条件"
	return []Route{
		{Method: "POST", Pattern: "/api/v1/projects/{id}/surveyor", Action: access.ProjectManage, Tag: tSurvey, Summary: "委托测绘单位",
			Params: id, Body: "SurveyorInput", Status: 204, handle: a.commissionSurveyor},
		{Method: "POST", Pattern: "/api/v1/buildings/{id}/surveys", Action: access.SurveySubmit, Tag: tSurvey,
			Summary: "提交一幢的竣工测绘成果（多测合一平台推送；全部户一次提交，全部通过才保存）", Params: id, Body: "SurveyInput", Result: "Survey",
			Status: 201, handle: a.submitSurvey},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/surveys", Action: access.SurveyRead, Tag: tSurvey, Summary: "项目的测绘成果（不含分户）",
			Params: id, Result: "SurveyList", handle: a.listSurveys},
		{Method: "GET", Pattern: "/api/v1/surveys/{id}", Action: access.SurveyRead, Tag: tSurvey, Summary: "测绘成果（含分户实测面积）",
			Params: id, Result: "Survey", handle: a.getSurvey},
		{Method: "POST", Pattern: "/api/v1/surveys/{id}/decision", Action: access.SurveyReview, Tag: tSurvey, Summary: "审核测绘成果：采用或退回（逐户理由）",
			Params: id, Body: "SurveyDecision", Result: "Survey", handle: a.decideSurvey},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/reconciliation", Action: access.AreaRead, Tag: tSurvey,
			Summary: "项目面积差异核对：误差比、补退房款、跨140㎡", Params: id, Result: "Reconciliation", handle: a.projectReconciliation},
		{Method: "GET", Pattern: "/api/v1/contracts/{id}/reconciliation", Action: access.AreaRead, Tag: tSurvey, Summary: "一份合同的面积差异核对",
			Params: id, Result: "AreaRow", handle: a.contractReconciliation},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/area-decision", Action: access.AreaDecide, Tag: tSurvey,
			Summary: "买受人选择：继续履行或解除合同（误差比超出±3%时）", Params: id, Body: "AreaDecisionInput", Status: 204, handle: a.decideArea},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/acceptance", Action: access.AcceptanceApply, Tag: tAccept, Summary: "申请联合验收（选定的幢）",
			Params: id, Body: "AcceptanceInput", Result: "AcceptanceCase", Status: 201, handle: a.applyAcceptance},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/acceptance", Action: access.AcceptanceRead, Tag: tAccept, Summary: "项目的联合验收",
			Params: id, Result: "AcceptanceCaseList", handle: a.listCases},
		{Method: "GET", Pattern: "/api/v1/acceptance/{id}", Action: access.AcceptanceRead, Tag: tAccept, Summary: "联合验收（各轮各部门意见）",
			Params: id, Result: "AcceptanceCase", handle: a.getCase},
		{Method: "POST", Pattern: "/api/v1/acceptance/{id}/opinions", Action: access.AcceptanceOpinion, Tag: tAccept,
			Summary: "部门出具意见（通过/不通过、理由、附件Base64）", Params: id, Body: "OpinionInput", Result: "AcceptanceCase", handle: a.recordOpinion},
		{Method: "POST", Pattern: "/api/v1/acceptance/{id}/reinspection", Action: access.AcceptanceApply, Tag: tAccept,
			Summary: "整改后申请复验（仅不通过的部门复验）", Params: id, Result: "AcceptanceCase", handle: a.reinspect},
		{Method: "GET", Pattern: "/api/v1/acceptance-tasks", Action: access.AcceptanceRead, Tag: tAccept, Summary: "验收任务（部门：本部门待办；其他：本辖区）",
			Params: []Param{{Name: "open", In: "query", Type: "boolean", Desc: "只列待出具的意见"}}, Result: "TaskList", handle: a.listTasks},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/accounting", Action: access.AccountingRead, Tag: tAcct, Summary: "核实核算清单（含维修资金）",
			Params: id, Result: "Accounting", handle: a.getAccounting},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/accounting", Action: access.AccountingManage, Tag: tAcct,
			Summary: "生成或更新核算清单（土地价款、配套费、维修资金按实测面积）", Params: id, Result: "Accounting", handle: a.prepareAccounting},
		{Method: "PUT", Pattern: "/api/v1/accounting-items/{id}", Action: access.AccountingManage, Tag: tAcct, Summary: "登记应缴、已缴与凭证",
			Params: id, Body: "ItemInput", Result: "AccountingItem", handle: a.recordItem},
		{Method: "POST", Pattern: "/api/v1/accounting-items/{id}/clearance", Action: access.AccountingManage, Tag: tAcct, Summary: "核销（缴清且有凭证）",
			Params: id, Result: "AccountingItem", handle: a.clearItem},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/completion-filing", Action: access.CompletionFile, Tag: tFiling,
			Summary: "竣工验收备案（亦供工程建设项目审批管理系统推送）：条件不具备时列出全部缺项", Params: id, Body: "FilingInput", Result: "Filing",
			Status: 201, handle: a.recordFiling},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/commitments", Action: access.AccountingRead, Tag: tFiling, Summary: "告知承诺事项",
			Params: id, Result: "CommitmentList", handle: a.listCommitments},
		{Method: "POST", Pattern: "/api/v1/commitments/{id}/fulfilment", Action: access.CommitmentFulfil, Tag: tFiling, Summary: "登记承诺履行（证明）",
			Params: id, Body: "EvidenceInput", Result: "Commitment", handle: a.fulfilCommitment},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/readiness", Action: access.ReadinessRead, Tag: tFiling,
			Summary: "交房即交证条件：仍未具备的全部条件、责任单位、依据与剩余工作日", Params: append(id,
				Param{Name: "target", In: "query", Desc: "completion_filing | first_registration | handover（默认）"},
				Param{Name: "building", In: "query", Type: "integer"}, Param{Name: "unit", In: "query", Type: "integer"}),
			Result: "Readiness", handle: a.getReadiness},
	}
}

func (a *API) calendar() *calendar.Calendar { return a.Calendar.Get() }

// ---- surveys

func (a *API) commissionSurveyor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OrgID int64 `json:"org_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.loadProject(r, access.ProjectManage)
	if err != nil {
		return err
	}
	if err := a.DB.CommissionSurveyor(r.Context(), identity.ActorFrom(r.Context()), p.ID, in.OrgID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// SurveyRefused is the refusal of a survey with every bad row.
func SurveyRefused(errs []ledger.RowError) error {
	e := &problem.Error{Kind: problem.Invalid, Code: "survey.invalid", Message: "测绘成果未通过校验，未保存", Fields: map[string]string{}}
	for _, x := range errs {
		e.Reasons = append(e.Reasons, problem.Reason{Rule: "survey.row", Subject: x.Value, Message: x.String()})
	}
	return e
}

func (a *API) buildingProject(r *http.Request) (ledger.Building, ledger.Project, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return ledger.Building{}, ledger.Project{}, err
	}
	b, err := a.DB.Building(r.Context(), id)
	if err != nil {
		return b, ledger.Project{}, err
	}
	p, err := a.DB.Project(r.Context(), b.ProjectID)
	return b, p, err
}

func (a *API) submitSurvey(w http.ResponseWriter, r *http.Request) error {
	var in completion.SurveyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	b, p, err := a.buildingProject(r)
	if err != nil {
		return err
	}
	if err := decide(r, access.SurveySubmit, access.SurveyTarget(p)); err != nil {
		return err
	}
	s, errs := in.Survey("api")
	res, err := a.DB.SubmitSurvey(r.Context(), identity.ActorFrom(r.Context()), b.ID, s, nil, errs)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return SurveyRefused(res.Errors)
	}
	return writeJSON(w, 201, toSurveyJSON(res.Survey, nil))
}

type surveyJSON struct {
	ID            int64            `json:"id"`
	ProjectID     int64            `json:"project_id"`
	BuildingID    int64            `json:"building_id"`
	Surveyor      string           `json:"surveyor"`
	ReportNo      string           `json:"report_no"`
	BuildingTotal string           `json:"building_total"`
	LandArea      string           `json:"land_area"`
	FloorArea     string           `json:"floor_area"`
	State         string           `json:"state"`
	StateLabel    string           `json:"state_label"`
	Source        string           `json:"source"`
	SubmittedAt   time.Time        `json:"submitted_at"`
	DecidedAt     *time.Time       `json:"decided_at,omitempty"`
	Note          string           `json:"note,omitempty"`
	Units         []surveyUnitJSON `json:"units,omitempty"`
}

type surveyUnitJSON struct {
	UnitID     int64  `json:"unit_id"`
	UnitNo     string `json:"unit_no"`
	Room       string `json:"room"`
	Total      string `json:"total"`
	Inner      string `json:"inner"`
	Shared     string `json:"shared"`
	Ratio      string `json:"ratio"`
	GrossRatio string `json:"gross_ratio,omitempty"` // against the forecast, when known
	Reason     string `json:"reason,omitempty"`
}

func toSurveyJSON(s completion.Survey, forecast map[int64]ledger.Areas) surveyJSON {
	out := surveyJSON{ID: s.ID, ProjectID: s.ProjectID, BuildingID: s.BuildingID, Surveyor: s.SurveyorName, ReportNo: s.ReportNo,
		BuildingTotal: s.BuildingTotal.StringFixed(2), LandArea: s.LandArea.StringFixed(2), FloorArea: s.FloorArea.StringFixed(2),
		State: string(s.State), StateLabel: s.State.Label(), Source: s.Source, SubmittedAt: s.SubmittedAt, DecidedAt: timePtr(s.DecidedAt), Note: s.Note}
	for _, m := range s.Units {
		u := surveyUnitJSON{UnitID: m.UnitID, UnitNo: m.UnitNo, Room: m.Room, Total: m.Areas.Total.StringFixed(2), Inner: m.Areas.Inner.StringFixed(2),
			Shared: m.Areas.Shared.StringFixed(2), Ratio: m.Areas.Ratio.String(), Reason: m.Reason}
		if f, ok := forecast[m.UnitID]; ok {
			u.GrossRatio = completion.Ratio(f.Total, m.Areas.Total).String()
		}
		out.Units = append(out.Units, u)
	}
	return out
}

func (a *API) listSurveys(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProjectAs(r, access.SurveyRead, access.SurveyTarget)
	if err != nil {
		return err
	}
	ss, err := a.DB.Surveys(r.Context(), store.SurveyQuery{ProjectID: p.ID})
	if err != nil {
		return err
	}
	out := []surveyJSON{}
	for _, s := range ss {
		out = append(out, toSurveyJSON(s, nil))
	}
	return writeJSON(w, 200, map[string]any{"surveys": out})
}

// loadProjectAs loads the path's project and decides act on the target
// the records of that kind have.
func (a *API) loadProjectAs(r *http.Request, act access.Action, target func(ledger.Project) access.Target) (ledger.Project, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return ledger.Project{}, err
	}
	p, err := a.DB.Project(r.Context(), id)
	if err != nil {
		return p, err
	}
	return p, decide(r, act, target(p))
}

func (a *API) loadSurvey(r *http.Request, act access.Action) (completion.Survey, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return completion.Survey{}, err
	}
	s, err := a.DB.Survey(r.Context(), id)
	if err != nil {
		return s, err
	}
	p, err := a.DB.Project(r.Context(), s.ProjectID)
	if err != nil {
		return s, err
	}
	t := access.SurveyTarget(p)
	t.Org = s.Surveyor
	return s, decide(r, act, t)
}

func (a *API) getSurvey(w http.ResponseWriter, r *http.Request) error {
	s, err := a.loadSurvey(r, access.SurveyRead)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toSurveyJSON(s, a.forecasts(r, s.BuildingID)))
}

func (a *API) forecasts(r *http.Request, building int64) map[int64]ledger.Areas {
	out := map[int64]ledger.Areas{}
	if tab, err := a.DB.BuildingTable(r.Context(), building); err == nil {
		for _, u := range tab.Units() {
			out[u.ID] = u.Forecast
		}
	}
	return out
}

func (a *API) decideSurvey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Accept  bool              `json:"accept"`
		Note    string            `json:"note"`
		Reasons map[string]string `json:"reasons"` // by 不动产单元号
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	s, err := a.loadSurvey(r, access.SurveyReview)
	if err != nil {
		return err
	}
	if s, err = a.DB.DecideSurvey(r.Context(), identity.ActorFrom(r.Context()), s.ID, in.Accept, in.Reasons, in.Note); err != nil {
		return err
	}
	return writeJSON(w, 200, toSurveyJSON(s, nil))
}

// ---- area reconciliation

type areaJSON struct {
	ContractID     int64  `json:"contract_id"`
	Contract       string `json:"contract"`
	UnitID         int64  `json:"unit_id"`
	UnitNo         string `json:"unit_no"`
	Room           string `json:"room"`
	Basis          string `json:"price_basis"`
	ForecastTotal  string `json:"forecast_total"`
	MeasuredTotal  string `json:"measured_total"`
	ForecastInner  string `json:"forecast_inner"`
	MeasuredInner  string `json:"measured_inner"`
	GrossRatio     string `json:"gross_ratio"`
	InnerRatio     string `json:"inner_ratio"`
	Within         bool   `json:"within_band"`
	MayRescind     bool   `json:"may_rescind"`
	BuyerPays      string `json:"buyer_pays"`
	DeveloperBears string `json:"developer_bears"`
	Refund         string `json:"refund"`
	DoubleRefund   string `json:"double_refund"`
	Net            string `json:"net"`
	NewTotal       string `json:"new_total"`
	Crosses140     bool   `json:"crosses_140"`
	Decision       string `json:"decision,omitempty"`
}

func toAreaJSON(x store.AreaRow) areaJSON {
	s := x.Settlement
	return areaJSON{ContractID: x.Contract.ID, Contract: x.Contract.Number, UnitID: x.Unit.ID, UnitNo: x.Unit.UnitNo, Room: x.Unit.Room,
		Basis: string(s.Basis), ForecastTotal: x.Unit.Forecast.Total.StringFixed(2), MeasuredTotal: x.Unit.Measured.Total.StringFixed(2),
		ForecastInner: x.Unit.Forecast.Inner.StringFixed(2), MeasuredInner: x.Unit.Measured.Inner.StringFixed(2), GrossRatio: s.GrossRatio.String(),
		InnerRatio: s.InnerRatio.String(), Within: s.Within, MayRescind: s.MayRescind, BuyerPays: s.BuyerPays.StringFixed(2),
		DeveloperBears: s.DeveloperBears.StringFixed(2), Refund: s.Refund.StringFixed(2), DoubleRefund: s.DoubleRefund.StringFixed(2),
		Net: s.Net.StringFixed(2), NewTotal: s.NewTotal.StringFixed(2), Crosses140: s.Crosses140, Decision: x.Decision}
}

func (a *API) projectReconciliation(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AreaRead)
	if err != nil {
		return err
	}
	rows, err := a.DB.Reconciliation(r.Context(), p.ID, 0)
	if err != nil {
		return err
	}
	out := []areaJSON{}
	var beyond, crossing int
	for _, x := range rows {
		out = append(out, toAreaJSON(x))
		if x.Settlement.MayRescind {
			beyond++
		}
		if x.Settlement.Crosses140 {
			crossing++
		}
	}
	return writeJSON(w, 200, map[string]any{"contracts": out, "beyond_band": beyond, "crossing_140": crossing})
}

func (a *API) contractReconciliation(w http.ResponseWriter, r *http.Request) error {
	c, err := a.loadContract(r, access.AreaRead)
	if err != nil {
		return err
	}
	rows, err := a.DB.Reconciliation(r.Context(), c.ProjectID, c.ID)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return problem.New(problem.NotFound, "area.not_measured", "该户尚无审核通过的实测面积")
	}
	return writeJSON(w, 200, toAreaJSON(rows[0]))
}

func (a *API) decideArea(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Choice string `json:"choice"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := a.loadContract(r, access.AreaDecide)
	if err != nil {
		return err
	}
	if err := a.DB.DecideArea(r.Context(), identity.ActorFrom(r.Context()), c.ID, in.Choice); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// ---- joint acceptance

type taskJSON struct {
	ID          int64            `json:"id"`
	Round       int              `json:"round"`
	Department  string           `json:"department"`
	Label       string           `json:"department_label"`
	Org         string           `json:"organisation"`
	StartedOn   calendar.Date    `json:"started_on"`
	DueOn       calendar.Date    `json:"due_on"`
	Overdue     bool             `json:"overdue"`
	Result      string           `json:"result"`
	Reasons     string           `json:"reasons,omitempty"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
	Attachments []map[string]any `json:"attachments,omitempty"`
}

func toTaskJSON(t completion.Task, today calendar.Date) taskJSON {
	out := taskJSON{ID: t.ID, Round: t.Round, Department: t.Department, Label: identity.ServiceLabel(t.Department), Org: t.OrgName,
		StartedOn: t.StartedOn, DueOn: t.DueOn, Overdue: t.Overdue(today), Result: string(t.Result), Reasons: t.Reasons, DecidedAt: timePtr(t.DecidedAt)}
	for _, at := range t.Attachments {
		out.Attachments = append(out.Attachments, map[string]any{"id": at.ID, "name": at.Name, "size": at.Size, "sm3": at.SM3,
			"url": "/attachments/" + itoa(at.ID)})
	}
	return out
}

func toCaseJSON(c completion.Case, today calendar.Date) map[string]any {
	tasks := []taskJSON{}
	for _, t := range c.Tasks {
		tasks = append(tasks, toTaskJSON(t, today))
	}
	return map[string]any{"id": c.ID, "project_id": c.ProjectID, "buildings": c.Buildings, "state": c.State, "state_label": c.State.Label(),
		"round": c.Round, "applied_at": c.AppliedAt, "opinion_no": c.OpinionNo, "opinion_at": timePtr(c.OpinionAt), "tasks": tasks}
}

func (a *API) applyAcceptance(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Buildings []int64 `json:"buildings"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.loadProject(r, access.AcceptanceApply)
	if err != nil {
		return err
	}
	c, err := a.DB.ApplyAcceptance(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), p.ID, in.Buildings)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toCaseJSON(c, a.today()))
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AcceptanceRead)
	if err != nil {
		return err
	}
	cs, err := a.DB.AcceptanceCases(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, c := range cs {
		out = append(out, toCaseJSON(c, a.today()))
	}
	return writeJSON(w, 200, map[string]any{"cases": out})
}

// CaseTarget is the access target of a joint acceptance (Org: set to a
// task's department when deciding on that department's opinion).
func (a *API) loadCase(r *http.Request) (completion.Case, ledger.Project, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return completion.Case{}, ledger.Project{}, err
	}
	c, err := a.DB.AcceptanceCase(r.Context(), id)
	if err != nil {
		return c, ledger.Project{}, err
	}
	p, err := a.DB.Project(r.Context(), c.ProjectID)
	return c, p, err
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) error {
	c, p, err := a.loadCase(r)
	if err != nil {
		return err
	}
	if err := decide(r, access.AcceptanceRead, store.ProjectTarget(p)); err != nil {
		return err
	}
	return writeJSON(w, 200, toCaseJSON(c, a.today()))
}

func (a *API) recordOpinion(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Department  string `json:"department"`
		Result      string `json:"result"`
		Reasons     string `json:"reasons"`
		Attachments []struct {
			Name        string `json:"name"`
			ContentType string `json:"content_type"`
			Data        []byte `json:"data"`
		} `json:"attachments"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, p, err := a.loadCase(r)
	if err != nil {
		return err
	}
	dept := in.Department
	if dept == "" && principal(r) != nil {
		dept = principal(r).Org.Service
	}
	if err := decide(r, access.AcceptanceOpinion, access.OpinionTarget(c, p, dept)); err != nil {
		return err
	}
	var files []store.File
	for _, f := range in.Attachments {
		files = append(files, store.File{Name: f.Name, ContentType: f.ContentType, Data: f.Data})
	}
	c, err = a.DB.RecordOpinion(r.Context(), identity.ActorFrom(r.Context()), c.ID, dept, completion.Result(in.Result), in.Reasons, files)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toCaseJSON(c, a.today()))
}

func (a *API) reinspect(w http.ResponseWriter, r *http.Request) error {
	c, p, err := a.loadCase(r)
	if err != nil {
		return err
	}
	if err := decide(r, access.AcceptanceApply, store.ProjectTarget(p)); err != nil {
		return err
	}
	if c, err = a.DB.Reinspect(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), c.ID); err != nil {
		return err
	}
	return writeJSON(w, 200, toCaseJSON(c, a.today()))
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	q, err := store.TaskQueryFor(p, r.URL.Query().Get("open") == "true" || r.URL.Query().Get("open") == "1")
	if err != nil {
		return err
	}
	rows, err := a.DB.AcceptanceTasks(r.Context(), q)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, t := range rows {
		out = append(out, map[string]any{"case_id": t.Task.CaseID, "project_id": t.ProjectID, "project": t.ProjectName, "developer": t.Developer,
			"buildings": t.Buildings, "case_state": t.CaseState, "task": toTaskJSON(t.Task, a.today())})
	}
	return writeJSON(w, 200, map[string]any{"tasks": out})
}

// ---- accounting

func toItemJSON(it completion.Item) map[string]any {
	return map[string]any{"id": it.ID, "unit_id": it.UnitID, "kind": it.Kind, "kind_label": it.Kind.Label(), "due": it.Due.StringFixed(2),
		"paid": it.Paid.StringFixed(2), "outstanding": it.Outstanding().StringFixed(2), "evidence": it.Evidence, "note": it.Note,
		"cleared": it.Cleared(), "cleared_at": timePtr(it.ClearedAt), "basis": it.Kind.Basis()}
}

func (a *API) accountingJSON(w http.ResponseWriter, r *http.Request, projectID int64, status int) error {
	items, err := a.DB.AccountingItems(r.Context(), projectID, false)
	if err != nil {
		return err
	}
	units, err := a.DB.AccountingItems(r.Context(), projectID, true)
	if err != nil {
		return err
	}
	out, maint := []map[string]any{}, []map[string]any{}
	for _, it := range items {
		out = append(out, toItemJSON(it))
	}
	cleared := 0
	for _, it := range units {
		maint = append(maint, toItemJSON(it))
		if it.Cleared() {
			cleared++
		}
	}
	return writeJSON(w, status, map[string]any{"items": out, "maintenance": maint, "maintenance_cleared": cleared})
}

func (a *API) getAccounting(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AccountingRead)
	if err != nil {
		return err
	}
	return a.accountingJSON(w, r, p.ID, 200)
}

func (a *API) prepareAccounting(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AccountingManage)
	if err != nil {
		return err
	}
	if _, err := a.DB.PrepareAccounting(r.Context(), identity.ActorFrom(r.Context()), p.ID); err != nil {
		return err
	}
	return a.accountingJSON(w, r, p.ID, 200)
}

func (a *API) loadItem(r *http.Request, act access.Action) (completion.Item, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return completion.Item{}, err
	}
	it, err := a.DB.AccountingItem(r.Context(), id)
	if err != nil {
		return it, err
	}
	p, err := a.DB.Project(r.Context(), it.ProjectID)
	if err != nil {
		return it, err
	}
	return it, decide(r, act, store.ProjectTarget(p))
}

func (a *API) recordItem(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Due      string `json:"due"`
		Paid     string `json:"paid"`
		Evidence string `json:"evidence"`
		Note     string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	it, err := a.loadItem(r, access.AccountingManage)
	if err != nil {
		return err
	}
	due, paid, err := completion.ParseItem(in.Due, in.Paid)
	if err != nil {
		return err
	}
	if it, err = a.DB.RecordItem(r.Context(), identity.ActorFrom(r.Context()), it.ID, due, paid, in.Evidence, in.Note); err != nil {
		return err
	}
	return writeJSON(w, 200, toItemJSON(it))
}

func (a *API) clearItem(w http.ResponseWriter, r *http.Request) error {
	it, err := a.loadItem(r, access.AccountingManage)
	if err != nil {
		return err
	}
	if it, err = a.DB.ClearItem(r.Context(), identity.ActorFrom(r.Context()), it.ID); err != nil {
		return err
	}
	return writeJSON(w, 200, toItemJSON(it))
}

// ---- filing and commitments

func (a *API) recordFiling(w http.ResponseWriter, r *http.Request) error {
	var in completion.FilingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.loadProject(r, access.CompletionFile)
	if err != nil {
		return err
	}
	fl, promised, err := in.Filing(p.ID, "api")
	if err != nil {
		return err
	}
	if fl, err = a.DB.RecordFiling(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), fl, promised); err != nil {
		return err
	}
	return writeJSON(w, 201, map[string]any{"id": fl.ID, "number": fl.Number, "filed_on": fl.FiledOn, "due_on": fl.DueOn, "buildings": fl.Buildings,
		"source": fl.Source})
}

func toCommitmentJSON(c completion.Commitment, today calendar.Date) map[string]any {
	return map[string]any{"id": c.ID, "kind": c.Kind, "kind_label": c.Kind.Label(), "title": c.Title, "due_on": c.DueOn,
		"fulfilled": c.Fulfilled(), "fulfilled_at": timePtr(c.FulfilledAt), "evidence": c.Evidence, "overdue": c.Overdue(today),
		"breached_at": timePtr(c.BreachedAt)}
}

func (a *API) listCommitments(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AccountingRead)
	if err != nil {
		return err
	}
	cs, err := a.DB.Commitments(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, c := range cs {
		out = append(out, toCommitmentJSON(c, a.today()))
	}
	return writeJSON(w, 200, map[string]any{"commitments": out})
}

func (a *API) fulfilCommitment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Evidence string `json:"evidence"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.DB.Commitment(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := a.DB.Project(r.Context(), c.ProjectID)
	if err != nil {
		return err
	}
	if err := decide(r, access.CommitmentFulfil, store.ProjectTarget(p)); err != nil {
		return err
	}
	if c, err = a.DB.FulfilCommitment(r.Context(), identity.ActorFrom(r.Context()), id, in.Evidence); err != nil {
		return err
	}
	return writeJSON(w, 200, toCommitmentJSON(c, a.today()))
}

// ---- readiness

type conditionJSON struct {
	Code         string         `json:"code"`
	Title        string         `json:"title"`
	SubjectKind  string         `json:"subject_kind"`
	SubjectID    int64          `json:"subject_id"`
	Subject      string         `json:"subject"`
	Responsible  map[string]any `json:"responsible"`
	Basis        string         `json:"basis"`
	WorkdaysLeft *int           `json:"workdays_left,omitempty"`
	DueOn        *calendar.Date `json:"due_on,omitempty"`
}

// ToReadinessJSON renders a report.
func ToReadinessJSON(rep handover.Report) map[string]any {
	conds := []conditionJSON{}
	for _, c := range rep.Conditions {
		cj := conditionJSON{Code: c.Rule, Title: c.Message, SubjectKind: c.SubjectKind, SubjectID: c.SubjectID, Subject: c.Subject, Basis: c.Basis,
			Responsible: map[string]any{"kind": c.Responsible.Kind, "org_id": c.Responsible.OrgID, "name": c.Responsible.Name}}
		if c.Clock != nil {
			left, due := c.Clock.WorkdaysLeft, c.Clock.DueOn
			cj.WorkdaysLeft, cj.DueOn = &left, &due
		}
		conds = append(conds, cj)
	}
	clocks := []map[string]any{}
	seen := map[int64]bool{}
	for b, c := range rep.Clocks {
		if !seen[c.FilingID] {
			seen[c.FilingID] = true
			clocks = append(clocks, map[string]any{"filing_id": c.FilingID, "filed_on": c.FiledOn, "due_on": c.DueOn, "workdays_left": c.WorkdaysLeft,
				"overdue": c.Overdue, "building": b})
		}
	}
	return map[string]any{"target": rep.Target, "target_label": rep.Target.Label(), "at": rep.At, "ready": rep.Ready(), "units": rep.Units,
		"ready_units": rep.ReadyUnits, "conditions": conds, "clocks": clocks, "warnings": rep.Warnings}
}

func (a *API) getReadiness(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	target, err := handover.ParseTarget(r.URL.Query().Get("target"))
	if err != nil {
		return err
	}
	var scope handover.Scope
	if scope.Building, err = queryInt(r, "building", 0); err != nil {
		return err
	}
	if scope.Unit, err = queryInt(r, "unit", 0); err != nil {
		return err
	}
	p, err := a.DB.Project(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := a.DB.ReadinessFacts(r.Context(), p.ID)
	if err != nil {
		return err
	}
	if err := decide(r, access.ReadinessRead, access.ReadinessTarget(p, f, scope.Unit)); err != nil {
		return err
	}
	rep := handover.Evaluate(f, a.calendar(), target, scope, a.Now())
	return writeJSON(w, 200, ToReadinessJSON(rep))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
