package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/store"
)

// ---- the completion page of a project

// CompletionPage is a project's completion stage: the surveyor and the
// survey results, the joint acceptance, the accounting, the filing and the
// commitments.
type CompletionPage struct {
	Base
	Project      ledger.Project
	Buildings    []CompletionBuilding
	Surveyors    []identity.Org
	SurveyorName string
	Cases        []completion.Case
	Items        []completion.Item
	Maintenance  [2]int // cleared, all
	Filings      []completion.Filing
	Commitments  []completion.Commitment
	FilingCheck  handover.Report // what still blocks the filing
	BuildingName map[int64]string
	CanManage    bool // the developer: commission, apply, reinspect
	CanAccount   bool // housing: accounting and filing
	CanFulfil    bool
	Errors       map[string]string
	Message      string
	Reasons      []problem.Reason
	Section      string
}

// CompletionBuilding is a building's line of the completion page.
type CompletionBuilding struct {
	Building ledger.Building
	Units    int
	Survey   *completion.Survey // the newest
	Accepted bool
	Filed    bool
	InCase   bool
}

// loadCompletion loads the path's project, decides act on it, and fills
// the completion page: each building's survey, acceptance and filing, the
// surveyor, the accounting and commitments to whoever may read them, and
// what still blocks the filing.
func (s *Server) loadCompletion(r *http.Request, act access.Action) (CompletionPage, *identity.Principal, error) {
	p, proj, err := s.projectFor(r, act)
	if err != nil {
		return CompletionPage{}, nil, err
	}
	id, t := proj.ID, access.ProjectTarget(proj)
	page := CompletionPage{Base: s.base(r, "竣工验收与核实核算："+proj.Name), Project: proj, BuildingName: map[int64]string{},
		CanManage: access.Allowed(p, access.AcceptanceApply, t), CanAccount: access.Allowed(p, access.AccountingManage, t),
		CanFulfil: access.Allowed(p, access.CommitmentFulfil, t)}
	ctx := r.Context()
	if err := s.completionBuildings(ctx, id, &page); err != nil {
		return page, p, err
	}
	if proj.Surveyor != 0 {
		if o, err := s.db.Org(ctx, proj.Surveyor); err == nil {
			page.SurveyorName = o.Name
		}
	}
	if page.CanManage {
		if page.Surveyors, err = s.db.ListOrgs(ctx, access.Filter{All: true}, store.OrgQuery{Kind: identity.Surveyor}); err != nil {
			return page, p, err
		}
	}
	if access.Allowed(p, access.AccountingRead, t) {
		if err := s.completionAccounting(ctx, id, &page); err != nil {
			return page, p, err
		}
	}
	if err := s.completionReadiness(ctx, id, &page); err != nil {
		return page, p, err
	}
	return page, p, nil
}

// completionBuildings adds the project's acceptance cases and filings and
// each building's line: its newest survey, whether a survey of it was
// accepted, and whether it is in a case or a filing.
func (s *Server) completionBuildings(ctx context.Context, id int64, page *CompletionPage) error {
	d, err := s.db.ProjectDetail(ctx, id)
	if err != nil {
		return err
	}
	surveys, err := s.db.Surveys(ctx, store.SurveyQuery{ProjectID: id})
	if err != nil {
		return err
	}
	if page.Cases, err = s.db.AcceptanceCases(ctx, id); err != nil {
		return err
	}
	if page.Filings, err = s.db.Filings(ctx, id); err != nil {
		return err
	}
	for _, b := range d.Buildings {
		cb := CompletionBuilding{Building: b.Building, Units: b.Units}
		page.BuildingName[b.Building.ID] = b.Building.Name
		for i := range surveys {
			if surveys[i].BuildingID == b.Building.ID {
				if cb.Survey == nil {
					cb.Survey = &surveys[i]
				}
				cb.Accepted = cb.Accepted || surveys[i].State == completion.Accepted
			}
		}
		cb.InCase = slices.ContainsFunc(page.Cases, func(c completion.Case) bool { return slices.Contains(c.Buildings, b.Building.ID) })
		cb.Filed = slices.ContainsFunc(page.Filings, func(f completion.Filing) bool { return slices.Contains(f.Buildings, b.Building.ID) })
		page.Buildings = append(page.Buildings, cb)
	}
	return nil
}

// completionAccounting adds the accounting's items, how many of the units'
// maintenance funds are cleared of all, and the commitments.
func (s *Server) completionAccounting(ctx context.Context, id int64, page *CompletionPage) error {
	var err error
	if page.Items, err = s.db.AccountingItems(ctx, id, false); err != nil {
		return err
	}
	units, err := s.db.AccountingItems(ctx, id, true)
	if err != nil {
		return err
	}
	for _, it := range units {
		if it.Cleared() {
			page.Maintenance[0]++
		}
	}
	page.Maintenance[1] = len(units)
	if page.Commitments, err = s.db.Commitments(ctx, id); err != nil {
		return err
	}
	return nil
}

// completionReadiness adds what still blocks the filing, and each filing's
// clock as the calendar stands (a notice loaded after the filing moves it),
// as the readiness view counts it.
func (s *Server) completionReadiness(ctx context.Context, id int64, page *CompletionPage) error {
	rep, _, err := s.db.Readiness(ctx, s.calendar(), id, handover.Filing, handover.Scope{})
	if err != nil {
		return err
	}
	for i, f := range page.Filings {
		if c := rep.Clocks[f.Buildings[0]]; c != nil {
			page.Filings[i].DueOn = c.DueOn
		}
	}
	page.FilingCheck = rep
	return nil
}

func (s *Server) calendar() *calendar.Calendar { return s.cfg.Calendar.Get() }

// projectFor loads the path's project and decides act on it.
func (s *Server) projectFor(r *http.Request, act access.Action) (*identity.Principal, ledger.Project, error) {
	p, err := principal(r)
	if err != nil {
		return nil, ledger.Project{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return p, ledger.Project{}, err
	}
	proj, err := s.db.Project(r.Context(), id)
	if err != nil {
		return p, proj, err
	}
	return p, proj, access.Decide(p, act, access.ProjectTarget(proj))
}

func (s *Server) completionPage(w http.ResponseWriter, r *http.Request) error {
	page, _, err := s.loadCompletion(r, access.ProjectRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "completion", page)
}

// completionRefused shows the completion page again with why the action
// was refused, beside the form of section.
func (s *Server) completionRefused(w http.ResponseWriter, r *http.Request, err error, section string) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, _, err := s.loadCompletion(r, access.ProjectRead)
	if err != nil {
		return err
	}
	page.Errors, page.Message, page.Reasons, page.Section = e.Fields, e.Message, e.Reasons, section
	return s.render(w, http.StatusUnprocessableEntity, "completion", page)
}

// completionDone shows the completion page at section with what was done.
func (s *Server) completionDone(w http.ResponseWriter, r *http.Request, project int64, section, msg string) error {
	return s.done(w, r, msg, fmt.Sprintf("/projects/%d/completion#%s", project, section))
}

// formBuildings is the buildings a form ticks.
func formBuildings(r *http.Request) []int64 {
	var buildings []int64
	for _, v := range r.PostForm["building"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			buildings = append(buildings, n)
		}
	}
	return buildings
}

// commissionSurveyor names the project's surveyor (多测合一).
func (s *Server) commissionSurveyor(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// a surveyor left unchosen is refused after access is decided
	surveyor, bad := formID(r, "surveyor", "请选择测绘单位")
	err = s.db.CommissionSurveyor(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), project, surveyor)
	if err != nil {
		return s.completionRefused(w, r, err, "surveyor")
	}
	return s.completionDone(w, r, project, "surveyor", "已委托测绘单位")
}

// applyAcceptance applies for the joint acceptance of the ticked buildings.
func (s *Server) applyAcceptance(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.ApplyAcceptance(r.Context(), identity.ActorFrom(r.Context()), s.calendar(), project, formBuildings(r))
	if err != nil {
		return s.completionRefused(w, r, err, "apply")
	}
	return s.completionDone(w, r, project, "apply", fmt.Sprintf("已申请联合验收：%d个部门于%s前出具意见", len(c.Tasks), c.Tasks[0].DueOn.Chinese()))
}

// prepareAccounting lists (again) what the project owes, on the newest
// measured areas.
func (s *Server) prepareAccounting(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.db.PrepareAccounting(r.Context(), identity.ActorFrom(r.Context()), project)
	if err != nil {
		return s.completionRefused(w, r, err, "item")
	}
	return s.completionDone(w, r, project, "item", fmt.Sprintf("核算清单已更新（新增%d项）", n))
}

// itemFor reads the path's project and accounting item, and checks that
// the item is the project's; the store decides access on it.
func (s *Server) itemFor(r *http.Request) (int64, int64, error) {
	project, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	item, err := pathID(r, "item")
	if err != nil {
		return 0, 0, err
	}
	return project, item, s.itemOfProject(r, project, item)
}

// recordItem records what is due and paid on an accounting item.
func (s *Server) recordItem(w http.ResponseWriter, r *http.Request) error {
	project, item, err := s.itemFor(r)
	if err != nil {
		return err
	}
	// bad figures are refused after access is decided
	due, paid, bad := completion.ParseItem(r.PostFormValue("due"), r.PostFormValue("paid"))
	_, err = s.db.RecordItem(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), item, due, paid, r.PostFormValue("evidence"), r.PostFormValue("note"))
	if err != nil {
		return s.completionRefused(w, r, err, "item")
	}
	return s.completionDone(w, r, project, "item", "已登记核算项目")
}

// clearItem clears an accounting item (after the confirmation).
func (s *Server) clearItem(w http.ResponseWriter, r *http.Request) error {
	project, item, err := s.itemFor(r)
	if err != nil {
		return err
	}
	it, err := s.db.ClearItem(r.Context(), identity.ActorFrom(r.Context()), item)
	if err != nil {
		return s.completionRefused(w, r, err, "item")
	}
	return s.completionDone(w, r, project, "item", it.Kind.Label()+"已核销")
}

// fileCompletion records the completion filing (竣工验收备案): it reads
// the same completion.FilingInput as the API's filing and asks the same
// store.RecordFiling, which decides access on the project it locks.
func (s *Server) fileCompletion(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var promises []completion.PromiseInput
	for _, line := range strings.Split(r.PostFormValue("promises"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			title, due, _ := strings.Cut(line, "|")
			promises = append(promises, completion.PromiseInput{Title: strings.TrimSpace(title), DueOn: strings.TrimSpace(due)})
		}
	}
	in := completion.FilingInput{Number: r.PostFormValue("number"), FiledOn: r.PostFormValue("filed_on"), Buildings: formBuildings(r), Promises: promises}
	f, promised, err := in.Filing(project, "page")
	if err == nil {
		f, err = s.db.RecordFiling(r.Context(), identity.ActorFrom(r.Context()), s.calendar(), f, promised)
	}
	if err != nil {
		return s.completionRefused(w, r, err, "file")
	}
	return s.completionDone(w, r, project, "file",
		fmt.Sprintf("已办理竣工验收备案 %s：交房即交证时限至%s（第%d个工作日）", f.Number, f.DueOn.Chinese(), completion.ClockDays))
}

// fulfilCommitment records the evidence that a promise of the filing is kept.
func (s *Server) fulfilCommitment(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	id, err := pathID(r, "commitment")
	if err != nil {
		return err
	}
	c, err := s.db.Commitment(r.Context(), id)
	if err != nil {
		return err
	}
	if c.ProjectID != project {
		return problem.New(problem.NotFound, "commitment.not_found", "承诺事项不存在")
	}
	if _, err := s.db.FulfilCommitment(r.Context(), identity.ActorFrom(r.Context()), c.ID, r.PostFormValue("evidence")); err != nil {
		return s.completionRefused(w, r, err, "fulfil")
	}
	return s.completionDone(w, r, project, "fulfil", "已登记承诺履行")
}

func (s *Server) itemOfProject(r *http.Request, project, item int64) error {
	it, err := s.db.AccountingItem(r.Context(), item)
	if err != nil {
		return err
	}
	if it.ProjectID != project {
		return problem.New(problem.NotFound, "accounting.not_found", "核算项目不存在")
	}
	return nil
}

// ---- maintenance fund per unit

// MaintenancePage lists the units' maintenance fund of a project.
type MaintenancePage struct {
	Base
	Project ledger.Project
	Rows    []MaintenanceRow
	CanPay  bool
	Cleared int
	Message string
}

// MaintenanceRow is a unit's maintenance fund.
type MaintenanceRow struct {
	Item completion.Item
	Room string
	No   string
	Area string
}

func (s *Server) maintenancePage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadMaintenance(r, access.AccountingRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "maintenance", page)
}

func (s *Server) loadMaintenance(r *http.Request, act access.Action) (MaintenancePage, error) {
	p, proj, err := s.projectFor(r, act)
	if err != nil {
		return MaintenancePage{}, err
	}
	id := proj.ID
	page := MaintenancePage{Base: s.base(r, "住宅专项维修资金："+proj.Name), Project: proj, CanPay: access.Allowed(p, access.AccountingManage, access.ProjectTarget(proj))}
	items, err := s.db.AccountingItems(r.Context(), id, true)
	if err != nil {
		return page, err
	}
	f, err := s.db.ReadinessFacts(r.Context(), id)
	if err != nil {
		return page, err
	}
	units := map[int64]ledger.Unit{}
	names := map[int64]string{}
	for _, b := range f.Buildings {
		for _, u := range b.Units {
			units[u.Unit.ID], names[u.Unit.ID] = u.Unit, b.Building.Name
		}
	}
	for _, it := range items {
		u := units[it.UnitID]
		page.Rows = append(page.Rows, MaintenanceRow{Item: it, Room: names[it.UnitID] + " " + u.Room, No: u.UnitNo, Area: u.Measured.Total.StringFixed(2)})
		if it.Cleared() {
			page.Cleared++
		}
	}
	return page, nil
}

// maintenancePay records a unit's maintenance fund paid; the store decides
// access on the item's project.
func (s *Server) maintenancePay(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, _ := strconv.ParseInt(r.PostFormValue("item"), 10, 64)
	if err := s.itemOfProject(r, project, item); err != nil {
		return err
	}
	if _, err := s.db.PayMaintenance(r.Context(), identity.ActorFrom(r.Context()), item, r.PostFormValue("voucher")); err != nil {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		page, err := s.loadMaintenance(r, access.AccountingRead)
		if err != nil {
			return err
		}
		page.Message = msg
		return s.render(w, http.StatusUnprocessableEntity, "maintenance", page)
	}
	s.flash(r, "已登记维修资金交存")
	http.Redirect(w, r, fmt.Sprintf("/projects/%d/maintenance", project), http.StatusSeeOther)
	return nil
}

// ---- surveys

// SurveysPage lists survey results within the viewer's reach.
type SurveysPage struct {
	Base
	Surveys  []SurveyRow
	Pending  bool
	Projects map[int64]string
}

// SurveyRow is a survey with its building's name.
type SurveyRow struct {
	S        completion.Survey
	Building string
	Project  string
}

func (s *Server) surveysPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if !access.Could(p, access.SurveyRead) {
		return access.Decide(p, access.SurveyRead, access.Target{})
	}
	q := store.SurveyQuery{}
	switch {
	case p.Org.Kind == identity.Surveyor:
		q.Surveyor = p.Org.ID
	case p.Org.Kind == identity.Developer:
		q.Developer = p.Org.ID
	case !p.PrefectureWide():
		q.Jurisdiction = p.Jurisdiction.Code
	}
	pending := r.URL.Query().Get("pending") == "1"
	if pending {
		q.State = completion.Submitted
	}
	list, err := s.db.Surveys(r.Context(), q)
	if err != nil {
		return err
	}
	page := SurveysPage{Base: s.base(r, "竣工测绘成果"), Pending: pending}
	for _, sv := range list {
		b, err := s.db.Building(r.Context(), sv.BuildingID)
		if err != nil {
			return err
		}
		proj, err := s.db.Project(r.Context(), sv.ProjectID)
		if err != nil {
			return err
		}
		page.Surveys = append(page.Surveys, SurveyRow{S: sv, Building: b.Name, Project: proj.Name})
	}
	return s.render(w, 200, "surveys", page)
}

// SurveyUploadPage uploads a building's survey workbook.
type SurveyUploadPage struct {
	Base
	Project   ledger.Project
	Building  ledger.Building
	History   []completion.Survey
	Errors    []ledger.RowError
	ImportID  int64
	Message   string
	CanSubmit bool
}

func (s *Server) loadSurveyUpload(r *http.Request, act access.Action) (SurveyUploadPage, error) {
	p, err := principal(r)
	if err != nil {
		return SurveyUploadPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return SurveyUploadPage{}, err
	}
	b, err := s.db.Building(r.Context(), id)
	if err != nil {
		return SurveyUploadPage{}, err
	}
	proj, err := s.db.Project(r.Context(), b.ProjectID)
	if err != nil {
		return SurveyUploadPage{}, err
	}
	if err := access.Decide(p, act, access.SurveyTarget(proj)); err != nil {
		return SurveyUploadPage{}, err
	}
	page := SurveyUploadPage{Base: s.base(r, "竣工测绘成果："+proj.Name+" "+b.Name), Project: proj, Building: b,
		CanSubmit: access.Allowed(p, access.SurveySubmit, access.SurveyTarget(proj))}
	page.History, err = s.db.Surveys(r.Context(), store.SurveyQuery{BuildingID: id})
	return page, err
}

func (s *Server) surveyUploadPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadSurveyUpload(r, access.SurveyRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "survey_upload", page)
}

func (s *Server) surveyTemplate(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadSurveyUpload(r, access.SurveyRead)
	if err != nil {
		return err
	}
	tab, err := s.db.BuildingTable(r.Context(), page.Building.ID)
	if err != nil {
		return err
	}
	raw, err := completion.SurveyTemplate(page.Building, tab.Units())
	if err != nil {
		return err
	}
	return sendXLSX(w, page.Building.Name+"竣工测绘成果模板.xlsx", raw)
}

// surveyUpload submits a surveyor's workbook for the path's building; the
// store decides access on the building's project (the page is read to show
// the outcome).
func (s *Server) surveyUpload(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadSurveyUpload(r, access.SurveyRead)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 33<<20)
	file, header, err := r.FormFile("workbook")
	if err != nil {
		page.Message = "请选择测绘单位出具的 .xlsx 成果文件"
		return s.render(w, http.StatusUnprocessableEntity, "survey_upload", page)
	}
	defer file.Close()
	sv, raw, readErrs := completion.ReadSurvey(r.Context(), file)
	sv.Source = "import"
	res, err := s.db.SubmitSurvey(r.Context(), identity.ActorFrom(r.Context()), page.Building.ID, sv, &store.SurveyUpload{Name: header.Filename, Raw: raw}, readErrs)
	if err != nil {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		page.Message = msg
		return s.render(w, http.StatusUnprocessableEntity, "survey_upload", page)
	}
	if len(res.Errors) > 0 {
		page.Errors, page.ImportID = res.Errors, res.ImportID
		page.Message = fmt.Sprintf("测绘成果未提交：发现%d处错误，未保存任何数据。请按错误清单修改后重新上传。", len(res.Errors))
		return s.render(w, http.StatusUnprocessableEntity, "survey_upload", page)
	}
	s.flash(r, fmt.Sprintf("已提交%s竣工测绘成果（%d户），待住建部门审核", page.Building.Name, len(res.Survey.Units)))
	http.Redirect(w, r, "/surveys/"+strconv.FormatInt(res.Survey.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) surveyImportFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	building, name, data, err := s.db.SurveyImport(r.Context(), id)
	if err != nil {
		return err
	}
	r.SetPathValue("id", strconv.FormatInt(building, 10))
	if _, err := s.loadSurveyUpload(r, access.SurveySubmit); err != nil {
		return err
	}
	return sendXLSX(w, "错误标注-"+name, data)
}

// SurveyPage shows a survey result and its review.
type SurveyPage struct {
	Base
	S         completion.Survey
	Project   ledger.Project
	Building  ledger.Building
	Lines     []SurveyLine
	CanReview bool
	Beyond    int
	Crossing  int
	Message   string
	Errors    map[string]string
}

// SurveyLine is a unit of a survey against its forecast.
type SurveyLine struct {
	M          completion.UnitMeasure
	Forecast   ledger.Areas
	GrossRatio string
	Beyond     bool
	Breach     string // the ratio beyond ±3 % (completion.Settlement.Breach), which may be the 套内 one
	Crosses140 bool
}

func (s *Server) loadSurvey(r *http.Request, act access.Action) (SurveyPage, error) {
	p, err := principal(r)
	if err != nil {
		return SurveyPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return SurveyPage{}, err
	}
	sv, err := s.db.Survey(r.Context(), id)
	if err != nil {
		return SurveyPage{}, err
	}
	proj, err := s.db.Project(r.Context(), sv.ProjectID)
	if err != nil {
		return SurveyPage{}, err
	}
	t := access.SurveyTarget(proj)
	t.Org = sv.Surveyor
	if err := access.Decide(p, act, t); err != nil {
		return SurveyPage{}, err
	}
	b, err := s.db.Building(r.Context(), sv.BuildingID)
	if err != nil {
		return SurveyPage{}, err
	}
	page := SurveyPage{Base: s.base(r, "竣工测绘成果 "+sv.ReportNo), S: sv, Project: proj, Building: b,
		CanReview: sv.State == completion.Submitted && access.Allowed(p, access.SurveyReview, t)}
	tab, err := s.db.BuildingTable(r.Context(), b.ID)
	if err != nil {
		return page, err
	}
	forecast := map[int64]ledger.Areas{}
	for _, u := range tab.Units() {
		forecast[u.ID] = u.Forecast
	}
	for _, m := range sv.Units {
		f := forecast[m.UnitID]
		st := completion.Reconcile("gross", m.Areas.Total, m.Areas.Total, f, m.Areas)
		l := SurveyLine{M: m, Forecast: f, GrossRatio: completion.Ratio(f.Total, m.Areas.Total).Shift(2).StringFixed(2), Beyond: st.MayRescind, Breach: st.Breach, Crosses140: st.Crosses140}
		if l.Beyond {
			page.Beyond++
		}
		if l.Crosses140 {
			page.Crossing++
		}
		page.Lines = append(page.Lines, l)
	}
	return page, nil
}

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadSurvey(r, access.SurveyRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "survey", page)
}

// surveyDecide accepts or returns a survey, with the reasons per unit
// (reason_<户号>); the store decides access on the survey it locks.
func (s *Server) surveyDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	reasons := map[string]string{}
	for k := range r.PostForm {
		if unitNo, ok := strings.CutPrefix(k, "reason_"); ok {
			if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
				reasons[unitNo] = v
			}
		}
	}
	accept := r.PostFormValue("decision") == "accept"
	if _, err := s.db.DecideSurvey(r.Context(), identity.ActorFrom(r.Context()), id, accept, reasons, r.PostFormValue("note")); err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		page, err := s.loadSurvey(r, access.SurveyRead)
		if err != nil {
			return err
		}
		page.Errors, page.Message = errs, msg
		return s.render(w, http.StatusUnprocessableEntity, "survey", page)
	}
	if accept {
		s.flash(r, "已采用测绘成果：各户实测面积已记入楼盘表")
	} else {
		s.flash(r, "已退回测绘成果，测绘单位将看到退回理由")
	}
	http.Redirect(w, r, "/surveys/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// ---- area reconciliation

// ReconciliationPage is a project's area reconciliation table.
type ReconciliationPage struct {
	Base
	Project ledger.Project
	Rows    []store.AreaRow
	Filter  string            // "", beyond, 140
	Totals  completion.Totals // of every contract, whatever the filter
	MaskIDs bool
}

func (s *Server) loadReconciliation(r *http.Request) (ReconciliationPage, []completion.AreaLine, error) {
	_, proj, err := s.projectFor(r, access.AreaRead)
	if err != nil {
		return ReconciliationPage{}, nil, err
	}
	id := proj.ID
	rows, err := s.db.Reconciliation(r.Context(), id, 0)
	if err != nil {
		return ReconciliationPage{}, nil, err
	}
	page := ReconciliationPage{Base: s.base(r, "面积差异核对："+proj.Name), Project: proj, Filter: r.URL.Query().Get("filter")}
	var lines []completion.AreaLine
	for _, x := range rows {
		st := x.Settlement
		page.Totals.Add(st)
		lines = append(lines, completion.AreaLine{Contract: x.Contract.Number, UnitNo: x.Unit.UnitNo, Room: x.Unit.Room, Buyers: x.Contract.BuyerNames(),
			Forecast: x.Unit.Forecast, Measured: x.Unit.Measured, Total: x.Contract.TotalPrice, Settlement: st, Decision: x.Decision})
		if (page.Filter == "beyond" && !st.MayRescind) || (page.Filter == "140" && !st.Crosses140) {
			continue
		}
		page.Rows = append(page.Rows, x)
	}
	return page, lines, nil
}

func (s *Server) reconciliationPage(w http.ResponseWriter, r *http.Request) error {
	page, _, err := s.loadReconciliation(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "reconciliation", page)
}

func (s *Server) reconciliationExport(w http.ResponseWriter, r *http.Request) error {
	page, lines, err := s.loadReconciliation(r)
	if err != nil {
		return err
	}
	raw, err := completion.ReconciliationWorkbook(page.Project.Name, lines)
	if err != nil {
		return err
	}
	if err := s.db.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "area.export", "project", page.Project.ID,
		map[string]any{"contracts": len(lines)}); err != nil {
		return err
	}
	return sendXLSX(w, page.Project.Name+"面积差异核对表.xlsx", raw)
}

func (s *Server) areaDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DecideArea(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("choice")); err != nil {
		_, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		s.flash(r, msg)
	} else {
		s.flash(r, "已记录您的选择："+completion.DecisionLabel(r.PostFormValue("choice")))
	}
	http.Redirect(w, r, "/contracts/"+strconv.FormatInt(id, 10)+"#area", http.StatusSeeOther)
	return nil
}

// ---- joint acceptance

// TasksPage is a department's queue, or a county's acceptance overview.
type TasksPage struct {
	Base
	Tasks   []store.TaskRow
	Open    bool
	Overdue int
}

func (s *Server) tasksPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	open := r.URL.Query().Get("all") != "1"
	q, err := store.TaskQueryFor(p, open)
	if err != nil {
		return err
	}
	rows, err := s.db.AcceptanceTasks(r.Context(), q)
	if err != nil {
		return err
	}
	page := TasksPage{Base: s.base(r, "联合验收"), Tasks: rows, Open: open}
	for _, t := range rows {
		if t.Task.Overdue(s.today()) {
			page.Overdue++
		}
	}
	return s.render(w, 200, "tasks", page)
}

// CasePage is one joint acceptance.
type CasePage struct {
	Base
	C            completion.Case
	Project      ledger.Project
	Buildings    []string
	Rounds       [][]completion.Task
	MyTask       *completion.Task // the viewer's department's open task
	CanReinspect bool
	Message      string
	Reasons      []problem.Reason
	Errors       map[string]string
}

func (s *Server) loadCase(r *http.Request) (CasePage, error) {
	p, err := principal(r)
	if err != nil {
		return CasePage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return CasePage{}, err
	}
	c, err := s.db.AcceptanceCase(r.Context(), id)
	if err != nil {
		return CasePage{}, err
	}
	proj, err := s.db.Project(r.Context(), c.ProjectID)
	if err != nil {
		return CasePage{}, err
	}
	t := access.ProjectTarget(proj)
	if err := access.Decide(p, access.AcceptanceRead, t); err != nil {
		return CasePage{}, err
	}
	page := CasePage{Base: s.base(r, "联合验收："+proj.Name), C: c, Project: proj,
		CanReinspect: c.State == completion.Rejected && access.Allowed(p, access.AcceptanceApply, t)}
	for _, b := range c.Buildings {
		if bl, err := s.db.Building(r.Context(), b); err == nil {
			page.Buildings = append(page.Buildings, bl.Name)
		}
	}
	for round := 1; round <= c.Round; round++ {
		var ts []completion.Task
		for _, task := range c.Tasks {
			if task.Round == round {
				ts = append(ts, task)
			}
		}
		page.Rounds = append(page.Rounds, ts)
	}
	if task := c.Latest()[p.Org.Service]; task != nil && task.Round == c.Round && task.Result == completion.Pending && c.State != completion.Passed &&
		access.Allowed(p, access.AcceptanceOpinion, access.OpinionTarget(c, proj, p.Org.Service)) {
		page.MyTask = task
	}
	return page, nil
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadCase(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "case", page)
}

// caseRefused shows the joint acceptance again with why the action was
// refused.
func (s *Server) caseRefused(w http.ResponseWriter, r *http.Request, err error) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, err := s.loadCase(r)
	if err != nil {
		return err
	}
	page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
	return s.render(w, http.StatusUnprocessableEntity, "case", page)
}

// caseOpinion records the viewer's department's opinion, with its files.
func (s *Server) caseOpinion(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// a file too large is refused after access is decided
	files, bad := uploadedFiles(r)
	if bad != nil && problem.KindOf(bad) == problem.Internal {
		return bad
	}
	c, err := s.db.RecordOpinion(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, p.Org.Service,
		completion.Result(r.FormValue("result")), r.FormValue("reasons"), files)
	if err != nil {
		return s.caseRefused(w, r, err)
	}
	msg := "已出具" + identity.ServiceLabel(p.Org.Service) + "验收意见"
	if c.State == completion.Passed {
		msg = "已出具意见。各部门均已通过，联合验收意见书 " + c.OpinionNo + " 已出具"
	}
	return s.done(w, r, msg, fmt.Sprintf("/acceptance/%d", c.ID))
}

// caseReinspect is the developer's request for re-inspection after the
// rectification (after the confirmation).
func (s *Server) caseReinspect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.Reinspect(r.Context(), identity.ActorFrom(r.Context()), s.calendar(), id); err != nil {
		return s.caseRefused(w, r, err)
	}
	return s.done(w, r, "已申请复验：仅不通过的部门复验", fmt.Sprintf("/acceptance/%d", id))
}

// uploadedFiles reads the files of a multipart form's "files" field.
func uploadedFiles(r *http.Request) ([]store.File, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []store.File
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > store.MaxAttachment {
			return nil, &problem.Error{Kind: problem.Invalid, Code: "attachment.invalid", Message: "附件不能超过10 MB",
				Fields: map[string]string{"files": fh.Filename + "超过10 MB"}}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, store.MaxAttachment+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, store.File{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

// attachment serves a stored file to whoever may read its record.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	owner, ownerID, a, data, err := s.db.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	if owner != "acceptance_task" {
		return problem.New(problem.NotFound, "attachment.not_found", "附件不存在")
	}
	rows, err := s.db.AcceptanceTasks(r.Context(), store.TaskQuery{All: true})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rows, func(t store.TaskRow) bool { return t.Task.ID == ownerID })
	if i < 0 {
		return problem.New(problem.NotFound, "attachment.not_found", "附件不存在")
	}
	proj, err := s.db.Project(r.Context(), rows[i].ProjectID)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.AcceptanceRead, access.ProjectTarget(proj)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("X-Content-SM3", a.SM3)
	_, err = w.Write(data)
	return err
}

// ---- readiness

// ReadinessPage is the checklist and the countdown of a project.
type ReadinessPage struct {
	Base
	Project   ledger.Project
	Target    handover.Target
	Targets   []handover.Target
	Report    handover.Report
	Clocks    []ClockLine
	Groups    []ConditionGroup
	Building  int64
	Buildings []ledger.Building
	NowMS     int64 // the server's time, the countdown's reference
}

// ClockLine is one filing's clock, for the countdown.
type ClockLine struct {
	Clock      handover.Clock
	Buildings  string
	DeadlineMS int64 // the end of the due day, in Unix milliseconds (China time)
}

// ConditionGroup is the conditions of one subject.
type ConditionGroup struct {
	Subject    string
	Kind       string
	Conditions []handover.Condition
}

func (s *Server) readinessPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	target, err := handover.ParseTarget(r.URL.Query().Get("target"))
	if err != nil {
		return err
	}
	building, _ := strconv.ParseInt(r.URL.Query().Get("building"), 10, 64)
	proj, err := s.db.Project(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := s.db.ReadinessFacts(r.Context(), id)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.ReadinessRead, access.ReadinessTarget(proj, f, 0)); err != nil {
		return err
	}
	rep := handover.Evaluate(f, s.calendar(), target, handover.Scope{Building: building}, s.cfg.Now())
	page := ReadinessPage{Base: s.base(r, "交房即交证条件："+proj.Name), Project: proj, Target: target, Report: rep, Building: building,
		Targets: []handover.Target{handover.Filing, handover.FirstRegistration, handover.Delivery}, NowMS: s.cfg.Now().UnixMilli()}
	names := map[int64]string{}
	for _, b := range f.Buildings {
		page.Buildings = append(page.Buildings, b.Building)
		names[b.Building.ID] = b.Building.Name
	}
	seen := map[int64]int{}
	for b, c := range rep.Clocks {
		if i, ok := seen[c.FilingID]; ok {
			page.Clocks[i].Buildings += "、" + names[b]
			continue
		}
		seen[c.FilingID] = len(page.Clocks)
		end := c.DueOn.AddDays(1).Start()
		page.Clocks = append(page.Clocks, ClockLine{Clock: *c, Buildings: names[b], DeadlineMS: end.UnixMilli()})
	}
	slices.SortFunc(page.Clocks, func(a, b ClockLine) int { return a.Clock.DueOn.Compare(b.Clock.DueOn) })
	for _, c := range rep.Conditions {
		n := len(page.Groups)
		if n > 0 && page.Groups[n-1].Subject == c.Subject {
			page.Groups[n-1].Conditions = append(page.Groups[n-1].Conditions, c)
			continue
		}
		page.Groups = append(page.Groups, ConditionGroup{Subject: c.Subject, Kind: c.SubjectKind, Conditions: []handover.Condition{c}})
	}
	return s.render(w, 200, "readiness", page)
}
