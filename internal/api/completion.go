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
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
)

func (a *API) completionRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tSurvey, tAccept, tAcct, tFiling = "竣工测绘（多测合一）与面积核对", "联合验收", "核实核算", "竣工验收备案、承诺与交房即交证条件"
	return []Route{
		{Method: "POST", Pattern: "/api/v1/projects/{id}/surveyor", Action: access.ProjectManage, Tag: tSurvey, Summary: "委托测绘单位",
			Params: id, Request: surveyorInput{}, Status: 204, handle: a.commissionSurveyor},
		{Method: "POST", Pattern: "/api/v1/buildings/{id}/surveys", Action: access.SurveySubmit, Tag: tSurvey,
			Summary: "提交一幢的竣工测绘成果（多测合一平台推送；全部户一次提交，全部通过才保存）", Params: id, Request: completion.SurveyInput{}, Response: surveyJSON{},
			Status: 201, handle: a.submitSurvey},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/surveys", Action: access.SurveyRead, Tag: tSurvey, Summary: "项目的测绘成果（不含分户）",
			Params: id, Response: surveyList{}, handle: a.listSurveys},
		{Method: "GET", Pattern: "/api/v1/surveys/{id}", Action: access.SurveyRead, Tag: tSurvey, Summary: "测绘成果（含分户实测面积）",
			Params: id, Response: surveyJSON{}, handle: a.getSurvey},
		{Method: "POST", Pattern: "/api/v1/surveys/{id}/decision", Action: access.SurveyReview, Tag: tSurvey, Summary: "审核测绘成果：采用或退回（逐户理由）",
			Params: id, Request: surveyDecisionInput{}, Response: surveyJSON{}, handle: a.decideSurvey},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/reconciliation", Action: access.AreaRead, Tag: tSurvey,
			Summary: "项目面积差异核对：误差比、补退房款、跨140㎡", Params: id, Response: reconciliationJSON{}, handle: a.projectReconciliation},
		{Method: "GET", Pattern: "/api/v1/contracts/{id}/reconciliation", Action: access.AreaRead, Tag: tSurvey, Summary: "一份合同的面积差异核对",
			Params: id, Response: areaJSON{}, handle: a.contractReconciliation},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/area-decision", Action: access.AreaDecide, Tag: tSurvey,
			Summary: "买受人选择：继续履行或解除合同（误差比超出±3%时）", Params: id, Request: areaDecisionInput{}, Status: 204, handle: a.decideArea},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/acceptance", Action: access.AcceptanceApply, Tag: tAccept, Summary: "申请联合验收（选定的幢）",
			Params: id, Request: acceptanceInput{}, Response: caseJSON{}, Status: 201, handle: a.applyAcceptance},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/acceptance", Action: access.AcceptanceRead, Tag: tAccept, Summary: "项目的联合验收",
			Params: id, Response: caseList{}, handle: a.listCases},
		{Method: "GET", Pattern: "/api/v1/acceptance/{id}", Action: access.AcceptanceRead, Tag: tAccept, Summary: "联合验收（各轮各部门意见）",
			Params: id, Response: caseJSON{}, handle: a.getCase},
		{Method: "POST", Pattern: "/api/v1/acceptance/{id}/opinions", Action: access.AcceptanceOpinion, Tag: tAccept,
			Summary: "部门出具意见（通过/不通过、理由、附件Base64）", Params: id, Request: opinionInput{}, Response: caseJSON{}, handle: a.recordOpinion},
		{Method: "POST", Pattern: "/api/v1/acceptance/{id}/reinspection", Action: access.AcceptanceApply, Tag: tAccept,
			Summary: "整改后申请复验（仅不通过的部门复验）", Params: id, Response: caseJSON{}, handle: a.reinspect},
		{Method: "GET", Pattern: "/api/v1/acceptance-tasks", Action: access.AcceptanceRead, Tag: tAccept, Summary: "验收任务（部门：本部门待办；其他：本辖区）",
			Params: []Param{{Name: "open", In: "query", Type: "boolean", Desc: "只列待出具的意见"}}, Response: taskList{}, handle: a.listTasks},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/accounting", Action: access.AccountingRead, Tag: tAcct, Summary: "核实核算清单（含维修资金）",
			Params: id, Response: accountingJSON{}, handle: a.getAccounting},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/accounting", Action: access.AccountingManage, Tag: tAcct,
			Summary: "生成或更新核算清单（土地价款、配套费、维修资金按实测面积）", Params: id, Response: accountingJSON{}, handle: a.prepareAccounting},
		{Method: "PUT", Pattern: "/api/v1/accounting-items/{id}", Action: access.AccountingManage, Tag: tAcct, Summary: "登记应缴、已缴与凭证",
			Params: id, Request: itemInput{}, Response: itemJSON{}, handle: a.recordItem},
		{Method: "POST", Pattern: "/api/v1/accounting-items/{id}/clearance", Action: access.AccountingManage, Tag: tAcct, Summary: "核销（缴清且有凭证）",
			Params: id, Response: itemJSON{}, handle: a.clearItem},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/completion-filing", Action: access.CompletionFile, Tag: tFiling,
			Summary: "竣工验收备案（亦供工程建设项目审批管理系统推送）：条件不具备时列出全部缺项", Params: id, Request: completion.FilingInput{}, Response: filingJSON{},
			Status: 201, handle: a.recordFiling},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/commitments", Action: access.AccountingRead, Tag: tFiling, Summary: "告知承诺事项",
			Params: id, Response: commitmentList{}, handle: a.listCommitments},
		{Method: "POST", Pattern: "/api/v1/commitments/{id}/fulfilment", Action: access.CommitmentFulfil, Tag: tFiling, Summary: "登记承诺履行（证明）",
			Params: id, Request: evidenceInput{}, Response: commitmentJSON{}, handle: a.fulfilCommitment},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/readiness", Action: access.ReadinessRead, Tag: tFiling,
			Summary: "交房即交证条件：仍未具备的全部条件、责任单位、依据与剩余工作日", Params: append(id,
				Param{Name: "target", In: "query", Desc: "completion_filing | first_registration | handover（默认）"},
				Param{Name: "building", In: "query", Type: "integer"}, Param{Name: "unit", In: "query", Type: "integer"}),
			Response: readinessJSON{}, handle: a.getReadiness},
	}
}

func (a *API) calendar() *calendar.Calendar { return a.Calendar.Get() }

// Shapes that replaced maps list their fields in key order, the order the
// maps were encoded in, so that the answers stay byte for byte the same.

// ---- surveys

func (a *API) commissionSurveyor(w http.ResponseWriter, r *http.Request) error {
	var in surveyorInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.CommissionSurveyor(r.Context(), identity.ActorFrom(r.Context()), id, in.OrgID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) submitSurvey(w http.ResponseWriter, r *http.Request) error {
	var in completion.SurveyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	building, err := pathID(r, "id")
	if err != nil {
		return err
	}
	s, errs := in.Survey("api")
	res, err := a.DB.SubmitSurvey(r.Context(), identity.ActorFrom(r.Context()), building, s, nil, errs)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return completion.SurveyRefused(res.Errors)
	}
	return writeJSON(w, 201, toSurveyJSON(res.Survey, nil))
}

type surveyorInput struct {
	OrgID int64 `json:"org_id" doc:"测绘单位机构ID"`
}

type surveyJSON struct {
	ID            int64                  `json:"id"`
	ProjectID     int64                  `json:"project_id"`
	BuildingID    int64                  `json:"building_id"`
	Surveyor      string                 `json:"surveyor" doc:"测绘单位"`
	ReportNo      string                 `json:"report_no" doc:"测绘报告编号"`
	BuildingTotal string                 `json:"building_total" doc:"幢实测建筑面积（㎡）"`
	LandArea      string                 `json:"land_area" doc:"宗地实测面积（㎡）"`
	FloorArea     string                 `json:"floor_area" doc:"计容建筑面积（㎡）"`
	State         completion.SurveyState `json:"state"`
	StateLabel    string                 `json:"state_label"`
	Source        string                 `json:"source" enum:"page,import,api"`
	SubmittedAt   time.Time              `json:"submitted_at"`
	DecidedAt     *time.Time             `json:"decided_at,omitempty"`
	Note          string                 `json:"note,omitempty" doc:"审核意见"`
	Units         []surveyUnitJSON       `json:"units,omitempty" doc:"分户实测面积（列表中不含）"`
}

type surveyUnitJSON struct {
	UnitID     int64  `json:"unit_id"`
	UnitNo     string `json:"unit_no" doc:"不动产单元号"`
	Room       string `json:"room"`
	Total      string `json:"total" doc:"实测建筑面积（㎡）"`
	Inner      string `json:"inner" doc:"实测套内面积"`
	Shared     string `json:"shared" doc:"实测分摊面积"`
	Ratio      string `json:"ratio" doc:"分摊系数"`
	GrossRatio string `json:"gross_ratio,omitempty" doc:"与预测建筑面积的误差比"` // against the forecast, when known
	Reason     string `json:"reason,omitempty" doc:"退回理由"`
	CommonPart string `json:"common_part,omitempty" doc:"业主共有部分名称"`
}

type surveyList struct {
	Surveys []surveyJSON `json:"surveys"`
}

type surveyDecisionInput struct {
	Accept  bool              `json:"accept" doc:"采用（true）或退回（false）"`
	Note    string            `json:"note,omitempty" doc:"审核意见"`
	Reasons map[string]string `json:"reasons,omitempty" doc:"逐户退回理由，键为不动产单元号"`
}

func toSurveyJSON(s completion.Survey, forecast map[int64]ledger.Areas) surveyJSON {
	out := surveyJSON{ID: s.ID, ProjectID: s.ProjectID, BuildingID: s.BuildingID, Surveyor: s.SurveyorName, ReportNo: s.ReportNo,
		BuildingTotal: s.BuildingTotal.StringFixed(2), LandArea: s.LandArea.StringFixed(2), FloorArea: s.FloorArea.StringFixed(2),
		State: s.State, StateLabel: s.State.Label(), Source: s.Source, SubmittedAt: s.SubmittedAt, DecidedAt: timePtr(s.DecidedAt), Note: s.Note}
	for _, m := range s.Units {
		u := surveyUnitJSON{UnitID: m.UnitID, UnitNo: m.UnitNo, Room: m.Room, Total: m.Areas.Total.StringFixed(2), Inner: m.Areas.Inner.StringFixed(2),
			Shared: m.Areas.Shared.StringFixed(2), Ratio: m.Areas.Ratio.String(), Reason: m.Reason, CommonPart: m.CommonPart}
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
	return writeJSON(w, 200, surveyList{Surveys: out})
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
	var in surveyDecisionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	s, err := a.DB.DecideSurvey(r.Context(), identity.ActorFrom(r.Context()), id, in.Accept, in.Reasons, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toSurveyJSON(s, nil))
}

// ---- area reconciliation

type areaJSON struct {
	ContractID     int64              `json:"contract_id"`
	Contract       string             `json:"contract" doc:"合同编号"`
	UnitID         int64              `json:"unit_id"`
	UnitNo         string             `json:"unit_no" doc:"不动产单元号"`
	Room           string             `json:"room"`
	Basis          presale.PriceBasis `json:"price_basis" doc:"计价方式"`
	ForecastTotal  string             `json:"forecast_total" doc:"预测建筑面积（㎡）"`
	MeasuredTotal  string             `json:"measured_total" doc:"实测建筑面积（㎡）"`
	ForecastInner  string             `json:"forecast_inner" doc:"预测套内面积（㎡）"`
	MeasuredInner  string             `json:"measured_inner" doc:"实测套内面积（㎡）"`
	GrossRatio     string             `json:"gross_ratio" doc:"建筑面积误差比（小数）"`
	InnerRatio     string             `json:"inner_ratio" doc:"套内面积误差比"`
	Within         bool               `json:"within_band" doc:"均在±3%以内"`
	MayRescind     bool               `json:"may_rescind" doc:"买受人有权解除合同"`
	BuyerPays      string             `json:"buyer_pays" doc:"买受人补缴（3%以内）"`
	DeveloperBears string             `json:"developer_bears" doc:"出卖人承担（超出3%的增加）"`
	Refund         string             `json:"refund" doc:"返还（3%以内）"`
	DoubleRefund   string             `json:"double_refund" doc:"双倍返还（超出3%的减少）"`
	Net            string             `json:"net" doc:"结算净额：正为买受人补缴"`
	NewTotal       string             `json:"new_total" doc:"结算后总价"`
	Crosses140     bool               `json:"crosses_140" doc:"预测≤140㎡而实测>140㎡"`
	Decision       string             `json:"decision,omitempty" enum:"keep,rescind" doc:"买受人的选择：keep 继续履行，rescind 解除合同"`
}

type reconciliationJSON struct {
	BeyondBand  int        `json:"beyond_band" doc:"超出±3%的合同数"`
	Contracts   []areaJSON `json:"contracts"`
	Crossing140 int        `json:"crossing_140" doc:"跨140㎡的合同数"`
}

type areaDecisionInput struct {
	Choice string `json:"choice" enum:"keep,rescind" doc:"keep（继续履行）| rescind（解除合同）"`
}

func toAreaJSON(x store.AreaRow) areaJSON {
	s := x.Settlement
	return areaJSON{ContractID: x.Contract.ID, Contract: x.Contract.Number, UnitID: x.Unit.ID, UnitNo: x.Unit.UnitNo, Room: x.Unit.Room,
		Basis: s.Basis, ForecastTotal: x.Unit.Forecast.Total.StringFixed(2), MeasuredTotal: x.Unit.Measured.Total.StringFixed(2),
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
	return writeJSON(w, 200, reconciliationJSON{Contracts: out, BeyondBand: beyond, Crossing140: crossing})
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
		return problem.New(problem.NotFound, "reconciliation.not_found", "该户尚无审核通过的实测面积，没有面积差异核对")
	}
	return writeJSON(w, 200, toAreaJSON(rows[0]))
}

func (a *API) decideArea(w http.ResponseWriter, r *http.Request) error {
	var in areaDecisionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.DecideArea(r.Context(), identity.ActorFrom(r.Context()), id, in.Choice); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// ---- joint acceptance

type taskJSON struct {
	ID          int64             `json:"id"`
	Round       int               `json:"round" doc:"轮次"`
	Department  string            `json:"department" enum:"planning,land,fire,civil_defence,meteorology,archives"`
	Label       string            `json:"department_label"`
	Org         string            `json:"organisation"`
	StartedOn   calendar.Date     `json:"started_on"`
	DueOn       calendar.Date     `json:"due_on" doc:"出具意见的时限"`
	Overdue     bool              `json:"overdue"`
	Result      completion.Result `json:"result" doc:"空为尚未出具意见"`
	Reasons     string            `json:"reasons,omitempty" doc:"不通过的理由"`
	DecidedAt   *time.Time        `json:"decided_at,omitempty"`
	Attachments []attachmentJSON  `json:"attachments,omitempty"`
}

type attachmentJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size" doc:"字节数"`
	SM3  string `json:"sm3" doc:"SM3摘要"`
	URL  string `json:"url" doc:"下载地址"`
}

type caseJSON struct {
	AppliedAt  time.Time            `json:"applied_at"`
	Buildings  []int64              `json:"buildings" doc:"幢ID"`
	ID         int64                `json:"id"`
	OpinionAt  *time.Time           `json:"opinion_at" doc:"出具联合验收意见的时间；未出具时为null"`
	OpinionNo  string               `json:"opinion_no" doc:"联合验收意见书编号（通过后）"`
	ProjectID  int64                `json:"project_id"`
	Round      int                  `json:"round" doc:"当前轮次"`
	State      completion.CaseState `json:"state"`
	StateLabel string               `json:"state_label"`
	Tasks      []taskJSON           `json:"tasks" doc:"各轮各部门的验收任务"`
}

type caseList struct {
	Cases []caseJSON `json:"cases"`
}

type acceptanceInput struct {
	Buildings []int64 `json:"buildings" doc:"申请验收的幢ID"`
}

type opinionInput struct {
	Department  string              `json:"department,omitempty" enum:"planning,land,fire,civil_defence,meteorology,archives" doc:"部门代码（默认为本机构）"`
	Result      string              `json:"result" enum:"pass,fail"`
	Reasons     string              `json:"reasons,omitempty" doc:"不通过时必填"`
	Attachments []opinionAttachment `json:"attachments,omitempty"`
}

type opinionAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	Data        []byte `json:"data" doc:"Base64"`
}

type taskRowJSON struct {
	Buildings string               `json:"buildings" doc:"幢名称"`
	CaseID    int64                `json:"case_id"`
	CaseState completion.CaseState `json:"case_state"`
	Developer string               `json:"developer"`
	Project   string               `json:"project"`
	ProjectID int64                `json:"project_id"`
	Task      taskJSON             `json:"task"`
}

type taskList struct {
	Tasks []taskRowJSON `json:"tasks"`
}

func toTaskJSON(t completion.Task, today calendar.Date) taskJSON {
	out := taskJSON{ID: t.ID, Round: t.Round, Department: t.Department, Label: identity.ServiceLabel(t.Department), Org: t.OrgName,
		StartedOn: t.StartedOn, DueOn: t.DueOn, Overdue: t.Overdue(today), Result: t.Result, Reasons: t.Reasons, DecidedAt: timePtr(t.DecidedAt)}
	for _, at := range t.Attachments {
		out.Attachments = append(out.Attachments, attachmentJSON{ID: at.ID, Name: at.Name, Size: at.Size, SM3: at.SM3,
			URL: "/attachments/" + itoa(at.ID)})
	}
	return out
}

func toCaseJSON(c completion.Case, today calendar.Date) caseJSON {
	tasks := []taskJSON{}
	for _, t := range c.Tasks {
		tasks = append(tasks, toTaskJSON(t, today))
	}
	return caseJSON{ID: c.ID, ProjectID: c.ProjectID, Buildings: c.Buildings, State: c.State, StateLabel: c.State.Label(),
		Round: c.Round, AppliedAt: c.AppliedAt, OpinionNo: c.OpinionNo, OpinionAt: timePtr(c.OpinionAt), Tasks: tasks}
}

func (a *API) applyAcceptance(w http.ResponseWriter, r *http.Request) error {
	var in acceptanceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.DB.ApplyAcceptance(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), id, in.Buildings)
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
	out := []caseJSON{}
	for _, c := range cs {
		out = append(out, toCaseJSON(c, a.today()))
	}
	return writeJSON(w, 200, caseList{Cases: out})
}

// loadCase reads the path's joint acceptance and its project; the caller
// decides access on them.
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
	if err := decide(r, access.AcceptanceRead, access.ProjectTarget(p)); err != nil {
		return err
	}
	return writeJSON(w, 200, toCaseJSON(c, a.today()))
}

func (a *API) recordOpinion(w http.ResponseWriter, r *http.Request) error {
	var in opinionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	dept := in.Department
	if dept == "" && principal(r) != nil {
		dept = principal(r).Org.Service
	}
	var files []store.File
	for _, f := range in.Attachments {
		files = append(files, store.File{Name: f.Name, ContentType: f.ContentType, Data: f.Data})
	}
	c, err := a.DB.RecordOpinion(r.Context(), identity.ActorFrom(r.Context()), id, dept, completion.Result(in.Result), in.Reasons, files)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toCaseJSON(c, a.today()))
}

func (a *API) reinspect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.DB.Reinspect(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), id)
	if err != nil {
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
	out := []taskRowJSON{}
	for _, t := range rows {
		out = append(out, taskRowJSON{CaseID: t.Task.CaseID, ProjectID: t.ProjectID, Project: t.ProjectName, Developer: t.Developer,
			Buildings: t.Buildings, CaseState: t.CaseState, Task: toTaskJSON(t.Task, a.today())})
	}
	return writeJSON(w, 200, taskList{Tasks: out})
}

// ---- accounting

type itemJSON struct {
	Basis       string              `json:"basis" doc:"依据"`
	Cleared     bool                `json:"cleared" doc:"已核销"`
	ClearedAt   *time.Time          `json:"cleared_at" doc:"核销时间；未核销时为null"`
	Due         string              `json:"due" doc:"应缴（元）"`
	Evidence    string              `json:"evidence" doc:"缴款凭证"`
	ID          int64               `json:"id"`
	Kind        completion.ItemKind `json:"kind"`
	KindLabel   string              `json:"kind_label"`
	Note        string              `json:"note"`
	Outstanding string              `json:"outstanding" doc:"尚欠（元）"`
	Paid        string              `json:"paid" doc:"已缴（元）"`
	UnitID      int64               `json:"unit_id" doc:"0为项目级"`
}

type accountingJSON struct {
	Items              []itemJSON `json:"items" doc:"项目级的核算项目"`
	Maintenance        []itemJSON `json:"maintenance" doc:"分户的维修资金"`
	MaintenanceCleared int        `json:"maintenance_cleared" doc:"维修资金已核销的户数"`
}

type itemInput struct {
	Due      string `json:"due,omitempty" doc:"应缴（元）"`
	Paid     string `json:"paid,omitempty" doc:"已缴（元）"`
	Evidence string `json:"evidence,omitempty" doc:"缴款凭证"`
	Note     string `json:"note,omitempty" doc:"如补充协议编号"`
}

func toItemJSON(it completion.Item) itemJSON {
	return itemJSON{ID: it.ID, UnitID: it.UnitID, Kind: it.Kind, KindLabel: it.Kind.Label(), Due: it.Due.StringFixed(2),
		Paid: it.Paid.StringFixed(2), Outstanding: it.Outstanding().StringFixed(2), Evidence: it.Evidence, Note: it.Note,
		Cleared: it.Cleared(), ClearedAt: timePtr(it.ClearedAt), Basis: it.Kind.Basis()}
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
	out, maint := []itemJSON{}, []itemJSON{}
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
	return writeJSON(w, status, accountingJSON{Items: out, Maintenance: maint, MaintenanceCleared: cleared})
}

func (a *API) getAccounting(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.AccountingRead)
	if err != nil {
		return err
	}
	return a.accountingJSON(w, r, p.ID, 200)
}

func (a *API) prepareAccounting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.DB.PrepareAccounting(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	return a.accountingJSON(w, r, id, 200)
}

func (a *API) recordItem(w http.ResponseWriter, r *http.Request) error {
	var in itemInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// bad figures are refused once the store has decided access
	due, paid, bad := completion.ParseItem(in.Due, in.Paid)
	it, err := a.DB.RecordItem(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, due, paid, in.Evidence, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toItemJSON(it))
}

func (a *API) clearItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	it, err := a.DB.ClearItem(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
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
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fl, promised, err := in.Filing(id, "api")
	if err != nil {
		return err
	}
	if fl, err = a.DB.RecordFiling(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), fl, promised); err != nil {
		return err
	}
	return writeJSON(w, 201, filingJSON{ID: fl.ID, Number: fl.Number, FiledOn: fl.FiledOn, DueOn: fl.DueOn, Buildings: fl.Buildings,
		Source: fl.Source})
}

type filingJSON struct {
	Buildings []int64       `json:"buildings" doc:"幢ID"`
	DueOn     calendar.Date `json:"due_on" doc:"第20个工作日"`
	FiledOn   calendar.Date `json:"filed_on" doc:"备案日期（20个工作日起算日）"`
	ID        int64         `json:"id"`
	Number    string        `json:"number" doc:"竣工验收备案编号"`
	Source    string        `json:"source" enum:"page,api"`
}

type commitmentJSON struct {
	BreachedAt  *time.Time                `json:"breached_at" doc:"逾期被记录的时间；未逾期时为null"`
	DueOn       calendar.Date             `json:"due_on" doc:"承诺期限"`
	Evidence    string                    `json:"evidence" doc:"证明文件编号或说明"`
	Fulfilled   bool                      `json:"fulfilled"`
	FulfilledAt *time.Time                `json:"fulfilled_at" doc:"履行时间；未履行时为null"`
	ID          int64                     `json:"id"`
	Kind        completion.CommitmentKind `json:"kind"`
	KindLabel   string                    `json:"kind_label"`
	Overdue     bool                      `json:"overdue"`
	Title       string                    `json:"title"`
}

type commitmentList struct {
	Commitments []commitmentJSON `json:"commitments"`
}

type evidenceInput struct {
	Evidence string `json:"evidence" doc:"证明文件编号或说明"`
}

func toCommitmentJSON(c completion.Commitment, today calendar.Date) commitmentJSON {
	return commitmentJSON{ID: c.ID, Kind: c.Kind, KindLabel: c.Kind.Label(), Title: c.Title, DueOn: c.DueOn,
		Fulfilled: c.Fulfilled(), FulfilledAt: timePtr(c.FulfilledAt), Evidence: c.Evidence, Overdue: c.Overdue(today),
		BreachedAt: timePtr(c.BreachedAt)}
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
	out := []commitmentJSON{}
	for _, c := range cs {
		out = append(out, toCommitmentJSON(c, a.today()))
	}
	return writeJSON(w, 200, commitmentList{Commitments: out})
}

func (a *API) fulfilCommitment(w http.ResponseWriter, r *http.Request) error {
	var in evidenceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.DB.FulfilCommitment(r.Context(), identity.ActorFrom(r.Context()), id, in.Evidence)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toCommitmentJSON(c, a.today()))
}

// ---- readiness

type conditionJSON struct {
	Code         string         `json:"code" doc:"规则代码"`
	Title        string         `json:"title"`
	SubjectKind  string         `json:"subject_kind" enum:"project,building,unit"`
	SubjectID    int64          `json:"subject_id"`
	Subject      string         `json:"subject"`
	Responsible  partyJSON      `json:"responsible" doc:"责任单位"`
	Basis        string         `json:"basis" doc:"依据"`
	WorkdaysLeft *int           `json:"workdays_left,omitempty" doc:"距第20个工作日剩余的工作日"`
	DueOn        *calendar.Date `json:"due_on,omitempty"`
}

type partyJSON struct {
	Kind  identity.OrgKind `json:"kind" enum:",registry,housing,acceptance,tax,bank,utility,developer,surveyor,centre,individual" doc:"机构类型代码；空为规则所指的纠正者，见 name"`
	Name  string           `json:"name"`
	OrgID int64            `json:"org_id"`
}

type clockJSON struct {
	Building     int64         `json:"building"`
	DueOn        calendar.Date `json:"due_on" doc:"第20个工作日"`
	FiledOn      calendar.Date `json:"filed_on"`
	FilingID     int64         `json:"filing_id"`
	Overdue      bool          `json:"overdue"`
	WorkdaysLeft int           `json:"workdays_left"`
}

type readinessJSON struct {
	At          time.Time       `json:"at"`
	Clocks      []clockJSON     `json:"clocks" doc:"竣工验收备案后20个工作日的计时"`
	Conditions  []conditionJSON `json:"conditions" doc:"仍未具备的条件"`
	Ready       bool            `json:"ready" doc:"没有未具备的条件"`
	ReadyUnits  int             `json:"ready_units" doc:"条件均已具备的户数"`
	Target      handover.Target `json:"target"`
	TargetLabel string          `json:"target_label"`
	Units       int             `json:"units" doc:"涉及的户数（交房：已售户）"`
	Warnings    []string        `json:"warnings" doc:"如地方节假日尚未载入"`
}

// ToReadinessJSON renders a report.
func ToReadinessJSON(rep handover.Report) readinessJSON {
	conds := []conditionJSON{}
	for _, c := range rep.Conditions {
		cj := conditionJSON{Code: c.Rule, Title: c.Message, SubjectKind: c.SubjectKind, SubjectID: c.SubjectID, Subject: c.Subject, Basis: c.Basis,
			Responsible: partyJSON{Kind: c.Responsible.Kind, OrgID: c.Responsible.OrgID, Name: c.Responsible.Name}}
		if c.Clock != nil {
			left, due := c.Clock.WorkdaysLeft, c.Clock.DueOn
			cj.WorkdaysLeft, cj.DueOn = &left, &due
		}
		conds = append(conds, cj)
	}
	clocks := []clockJSON{}
	seen := map[int64]bool{}
	for b, c := range rep.Clocks {
		if !seen[c.FilingID] {
			seen[c.FilingID] = true
			clocks = append(clocks, clockJSON{FilingID: c.FilingID, FiledOn: c.FiledOn, DueOn: c.DueOn, WorkdaysLeft: c.WorkdaysLeft,
				Overdue: c.Overdue, Building: b})
		}
	}
	return readinessJSON{Target: rep.Target, TargetLabel: rep.Target.Label(), At: rep.At, Ready: rep.Ready(), Units: rep.Units,
		ReadyUnits: rep.ReadyUnits, Conditions: conds, Clocks: clocks, Warnings: rep.Warnings}
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
