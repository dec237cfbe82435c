package web

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// ---- projects

// ProjectListPage lists the projects within the viewer's reach, a page at
// a time, the planned delivery soonest first: searchable by name, address,
// developer and presale permit number, narrowed to a jurisdiction and to
// the work waiting on the housing bureau (permits to confirm, presale
// applications to decide) for those who do it.
type ProjectListPage struct {
	Base
	List          store.Listed[store.ListedProject]
	Pager         Pager
	JNames        map[string]string
	Jurisdictions []identity.Jurisdiction // to choose from (none: the viewer's reach is one county's)
	Jurisdiction  string
	Show          string // "", "permits" or "presale"
	Tabs          []ListTab
	Q             string
	ClearHref     string // the list in the same jurisdiction and tab, no search
	CanCreate     bool
}

// ListTab is one of a list's filters by the work waiting: its ?show=
// value ("" for the whole list), its name and its address.
type ListTab struct {
	Show, Label, Href string
}

func (s *Server) projectList(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.ProjectRead)
	if err != nil {
		return err
	}
	query := r.URL.Query()
	names, all, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	page := ProjectListPage{Base: s.base(r, "项目与楼盘表"), JNames: names, Q: listSearch(r), CanCreate: access.Could(p, access.ProjectManage)}
	if j := query.Get("jurisdiction"); names[j] != "" {
		page.Jurisdiction = j
	}
	if f.Jurisdiction == "" { // the prefecture's staff, a developer: more than one county to choose from
		page.Jurisdictions = all
	}
	// The filters by the work waiting, for whoever does that work.
	tabs := []struct {
		show, label string
		act         access.Action
	}{{"permits", "待确认许可证", access.PermitConfirm}, {"presale", "待审批预售申请", access.PresaleDecide}, {"land", "待确认宗地", access.LandConfirm}}
	href := func(show string) string {
		v := url.Values{}
		if page.Jurisdiction != "" {
			v.Set("jurisdiction", page.Jurisdiction)
		}
		if show != "" {
			v.Set("show", show)
		}
		return (&url.URL{Path: "/projects", RawQuery: v.Encode()}).String()
	}
	// Of all inspectors, access lets only the land department of its own
	// jurisdiction confirm land facts: the tab asks access with that target.
	land, err := s.db.LandOrg(r.Context(), p.Jurisdiction.Code)
	if err != nil {
		return err
	}
	for _, t := range tabs {
		if access.Could(p, t.act) && (t.act != access.LandConfirm || access.Allowed(p, t.act, access.Target{Org: land, Jurisdiction: p.Jurisdiction.Code})) {
			page.Tabs = append(page.Tabs, ListTab{Show: t.show, Label: t.label, Href: href(t.show)})
			if query.Get("show") == t.show {
				page.Show = t.show
			}
		}
	}
	if len(page.Tabs) > 0 {
		page.Tabs = append([]ListTab{{Label: "全部", Href: href("")}}, page.Tabs...)
	}
	page.ClearHref = href(page.Show)
	q := store.ProjectListQuery{Jurisdiction: page.Jurisdiction, PermitsToConfirm: page.Show == "permits", PresaleSubmitted: page.Show == "presale",
		LandToConfirm: page.Show == "land",
		Search:        page.Q, Page: listPage(r)}
	if page.List, err = s.db.ProjectList(r.Context(), f, q); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List)
	return s.render(w, 200, "projects", page)
}

// ProjectForm holds the project form's values.
type ProjectForm struct {
	Name, Jurisdiction, Address, PlannedDelivery, TotalInvestment, Invested string
	Reform                                                                  bool
}

func projectFormOf(p ledger.Project) ProjectForm {
	return ProjectForm{Name: p.Name, Jurisdiction: p.Jurisdiction, Address: p.Address, PlannedDelivery: p.PlannedDelivery.String(),
		TotalInvestment: p.TotalInvestment.StringFixed(2), Invested: p.Invested.StringFixed(2), Reform: p.Reform}
}

func projectFormFrom(r *http.Request) ProjectForm {
	return ProjectForm{Name: r.PostFormValue("name"), Jurisdiction: r.PostFormValue("jurisdiction"), Address: r.PostFormValue("address"),
		PlannedDelivery: r.PostFormValue("planned_delivery"), TotalInvestment: r.PostFormValue("total_investment"),
		Invested: r.PostFormValue("invested"), Reform: r.PostFormValue("reform") == "1"}
}

// apply copies the form into a project, collecting field errors.
func (f ProjectForm) apply(p *ledger.Project) error {
	var fe problem.Fields
	p.Name, p.Address, p.Reform = f.Name, f.Address, f.Reform
	d, err := ledger.ParseDateField(f.PlannedDelivery)
	if err != nil {
		fe.Add("planned_delivery", "日期格式应为YYYY-MM-DD")
	}
	p.PlannedDelivery = d
	if p.TotalInvestment, err = ledger.ParseMoneyField(f.TotalInvestment, "总投资"); err != nil {
		fe.Add("total_investment", problem.As(err).Message)
	}
	if p.Invested, err = ledger.ParseMoneyField(f.Invested, "已投入资金"); err != nil {
		fe.Add("invested", problem.As(err).Message)
	}
	if err := fe.Err("project.invalid", "项目信息有误"); err != nil {
		return err
	}
	return p.Validate()
}

// ProjectFormPage is the new-project form.
type ProjectFormPage struct {
	Base
	Form          ProjectForm
	Errors        map[string]string
	Message       string
	Jurisdictions []identity.Jurisdiction
}

func (s *Server) projectForm(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if !access.Could(p, access.ProjectManage) {
		return access.Decide(p, access.ProjectManage, access.Target{})
	}
	_, js, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "project_form", ProjectFormPage{Base: s.base(r, "新建项目"), Form: ProjectForm{Reform: true, Jurisdiction: p.Org.Jurisdiction},
		Jurisdictions: counties(js)})
}

func counties(js []identity.Jurisdiction) []identity.Jurisdiction {
	var out []identity.Jurisdiction
	for _, j := range js {
		if j.Kind != identity.Prefecture {
			out = append(out, j)
		}
	}
	return out
}

func (s *Server) projectCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	form := projectFormFrom(r)
	proj := ledger.Project{Developer: p.Org.ID, Jurisdiction: form.Jurisdiction}
	// a form problem is told only to whoever may create the project
	bad := form.apply(&proj)
	proj, err = s.db.CreateProject(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), proj)
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		_, js, err := s.jurisdictionNames(r)
		if err != nil {
			return err
		}
		return s.render(w, http.StatusUnprocessableEntity, "project_form", ProjectFormPage{Base: s.base(r, "新建项目"), Form: form,
			Errors: errs, Message: msg, Jurisdictions: counties(js)})
	}
	s.flash(r, "已创建项目“"+proj.Name+"”，请登记宗地与许可证，并导入楼盘表")
	http.Redirect(w, r, "/projects/"+strconv.FormatInt(proj.ID, 10), http.StatusSeeOther)
	return nil
}

// ProjectPage is a project's page: facts, parcels, permits, buildings,
// imports, and presale.
type ProjectPage struct {
	Base
	D             store.ProjectDetail
	JName         string
	Form          ProjectForm
	Imports       []store.LedgerImport
	LastImport    *store.LedgerImport
	CanManage     bool
	CanConfirm    bool
	CanLand       bool // the viewer confirms the parcels' land facts (the land department)
	CanApply      bool
	CanDecide     bool
	Open          *store.PresaleApplication // the submitted application, if any
	Check         []problem.Reason          // unmet presale conditions for the open application (or all buildings)
	NeedsReview   bool
	NothingToSell string // why there is no building to apply for (all permitted, no 楼盘表), or ""
	Errors        map[string]string
	Message       string
	Section       string // which form the errors belong to
	PermitKinds   []ledger.PermitKind
	BuildingNames map[int64]string
	Jurisdictions []identity.Jurisdiction // none: a project's jurisdiction does not change
}

func (s *Server) loadProjectPage(r *http.Request, act access.Action) (ProjectPage, error) {
	p, err := principal(r)
	if err != nil {
		return ProjectPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return ProjectPage{}, err
	}
	proj, err := s.db.Project(r.Context(), id)
	if err != nil {
		return ProjectPage{}, err
	}
	t := access.ProjectTarget(proj)
	if err := access.Decide(p, act, t); err != nil {
		return ProjectPage{}, err
	}
	d, err := s.db.ProjectDetail(r.Context(), id)
	if err != nil {
		return ProjectPage{}, err
	}
	names, _, err := s.jurisdictionNames(r)
	if err != nil {
		return ProjectPage{}, err
	}
	page := ProjectPage{Base: s.base(r, d.Project.Name), D: d, JName: names[proj.Jurisdiction], Form: projectFormOf(d.Project),
		CanManage: access.Allowed(p, access.ProjectManage, t), CanConfirm: access.Allowed(p, access.PermitConfirm, t),
		CanApply: access.Allowed(p, access.PresaleApply, t), CanDecide: access.Allowed(p, access.PresaleDecide, t),
		PermitKinds: []ledger.PermitKind{ledger.Planning, ledger.Construction}, BuildingNames: map[int64]string{}}
	for _, b := range d.Buildings {
		page.BuildingNames[b.Building.ID] = b.Building.Name
	}
	land, err := s.db.LandTarget(r.Context(), proj)
	if err != nil {
		return page, err
	}
	page.CanLand = access.Allowed(p, access.LandConfirm, land)
	if page.Imports, err = s.db.LedgerImports(r.Context(), id); err != nil {
		return page, err
	}
	if len(page.Imports) > 0 {
		page.LastImport = &page.Imports[0]
	}
	return page, s.checkPresale(r, &page)
}

// checkPresale fills the page's presale check: the open application's
// conditions, or else those of the buildings not yet permitted (or why
// there is none to apply for).
func (s *Server) checkPresale(r *http.Request, page *ProjectPage) error {
	d := page.D
	for i := range d.Applications {
		if d.Applications[i].State == "submitted" {
			page.Open = &d.Applications[i]
		}
	}
	var check []int64
	if page.Open != nil {
		check = page.Open.Buildings
	} else {
		for _, b := range d.Buildings {
			if b.Permit == "" {
				check = append(check, b.Building.ID)
			}
		}
		switch {
		case len(d.Buildings) == 0:
			page.NothingToSell = "尚未导入楼盘表：导入后可申请预售许可。"
		case len(check) == 0:
			page.NothingToSell = "本项目各幢均已在预售许可范围内。"
		}
		if page.NothingToSell != "" {
			return nil
		}
	}
	review, err := s.db.CheckPresale(r.Context(), d.Project.ID, check)
	page.NeedsReview = review
	if e := problem.As(err); err != nil {
		if e.Kind != problem.Refused {
			return err
		}
		page.Check = e.Reasons
	}
	return nil
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadProjectPage(r, access.ProjectRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "project", page)
}

// projectAction runs a form post on a project page: do parses the form
// and calls the store, which decides access on the project; on a refusal
// the page is shown again with the messages in the named section.
func (s *Server) projectAction(section string, do func(r *http.Request, project int64) (string, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		done, err := do(r, id)
		if err != nil {
			return s.projectRefused(w, r, section, err)
		}
		s.flash(r, done)
		http.Redirect(w, r, "/projects/"+strconv.FormatInt(id, 10)+"#"+section, http.StatusSeeOther)
		return nil
	}
}

// projectRefused shows the project page again with why the store refused
// the action, its field errors and the presale conditions unmet, in the
// named section; what is not a form's refusal is the error page's.
func (s *Server) projectRefused(w http.ResponseWriter, r *http.Request, section string, err error) error {
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	page, err2 := s.loadProjectPage(r, access.ProjectRead)
	if err2 != nil {
		return err2
	}
	page.Errors, page.Message, page.Section = errs, msg, section
	if reasons := problem.As(err).Reasons; len(reasons) > 0 {
		page.Check = reasons
	}
	return s.render(w, http.StatusUnprocessableEntity, "project", page)
}

func (s *Server) projectUpdate(r *http.Request, project int64) (string, error) {
	form := projectFormFrom(r)
	_, err := s.db.UpdateProject(r.Context(), identity.ActorFrom(r.Context()), project, func(p *ledger.Project) error {
		return form.apply(p)
	})
	return "已保存项目信息", err
}

func (s *Server) parcelPut(r *http.Request, project int64) (string, error) {
	v := map[string]string{}
	for _, k := range []string{"code", "area", "use", "right_nature", "term_start", "term_end", "grant_contract", "premium_due", "premium_paid", "grant_floor_area", "land_cert_no", "land_cert_on"} {
		v[k] = r.PostFormValue(k)
	}
	// a parcel that does not read is refused after access is decided
	parcel, bad := ledger.ParseParcel(v)
	parcel, err := s.db.PutParcel(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), project, parcel)
	return "已保存宗地" + parcel.Code, err
}

func (s *Server) permitAdd(r *http.Request, project int64) (string, error) {
	var bad error
	on, err := ledger.ParseDateField(r.PostFormValue("issued_on"))
	if err != nil {
		bad = &problem.Error{Kind: problem.Invalid, Code: "permit.invalid", Message: "许可证信息有误", Fields: map[string]string{"issued_on": "日期格式应为YYYY-MM-DD"}}
	}
	pm, err := s.db.AddPermit(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), ledger.Permit{ProjectID: project,
		Kind: ledger.PermitKind(r.PostFormValue("kind")), Number: r.PostFormValue("number"), IssuedOn: on,
		Issuer: r.PostFormValue("issuer"), Scope: r.PostFormValue("scope")})
	return "已登记" + pm.Kind.Label() + "，待住建部门确认", err
}

// permitConfirm confirms a permit of the project; the store refuses one of
// another project as not found.
func (s *Server) permitConfirm(r *http.Request, project int64) (string, error) {
	var bad error
	id, err := strconv.ParseInt(r.PostFormValue("permit"), 10, 64)
	if err != nil {
		bad = problem.New(problem.Invalid, "request.form", "请选择许可证")
	}
	pm, err := s.db.ConfirmProjectPermit(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), project, id)
	return "已确认" + pm.Kind.Label() + " " + pm.Number, err
}

// landConfirm records the land department's confirmation of a parcel's
// land facts.
func (s *Server) landConfirm(r *http.Request, project int64) (string, error) {
	code := r.PostFormValue("parcel")
	// The form carries the facts the clerk saw beside the button.
	paid, perr := decimal.NewFromString(r.PostFormValue("premium_paid"))
	var bad error
	if perr != nil {
		bad = problem.New(problem.Invalid, "request.form", "请刷新页面后重新确认")
	}
	p, err := s.db.ConfirmLand(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), project, code,
		ledger.LandSeen{LandCertNo: r.PostFormValue("land_cert_no"), PremiumPaid: paid})
	return "已确认宗地 " + p.Code + " 的国有建设用地使用权与出让价款缴清", err
}

// ledgerImport imports a 楼盘表 workbook; the store decides access, and
// tells a missing file only to whoever may import.
func (s *Server) ledgerImport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, actor := r.Context(), identity.ActorFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 33<<20)
	file, header, err := r.FormFile("workbook")
	if err != nil {
		noFile := problem.New(problem.Invalid, "ledger.no_file", "请选择要导入的 .xlsx 文件")
		if _, err = s.db.ImportLedger(store.AfterAccess(ctx, noFile), actor, id, "", ledger.Workbook{}, nil); err == nil {
			err = noFile
		}
		return s.projectRefused(w, r, "import", err)
	}
	defer file.Close()
	wb, readErrs := ledger.ReadWorkbook(r.Context(), file)
	res, err := s.db.ImportLedger(ctx, actor, id, header.Filename, wb, readErrs)
	if err != nil {
		return err
	}
	if res.OK {
		s.flash(r, "楼盘表已导入：新增"+strconv.Itoa(res.NewBuildings)+"幢、"+strconv.Itoa(res.NewUnits)+"户，更新"+
			strconv.Itoa(res.ChangedBuildings)+"幢、"+strconv.Itoa(res.ChangedUnits)+"户，"+strconv.Itoa(res.Unchanged)+"行与库中一致未改动")
	} else {
		s.flash(r, "楼盘表未导入：发现"+strconv.Itoa(len(res.Errors))+"处错误，数据库未作任何改动。请按下方错误清单修改后重新导入。")
	}
	http.Redirect(w, r, "/projects/"+strconv.FormatInt(id, 10)+"#import", http.StatusSeeOther)
	return nil
}

func (s *Server) ledgerTemplate(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadProjectPage(r, access.ProjectRead)
	if err != nil {
		return err
	}
	parcel := ""
	if len(page.D.Parcels) > 0 {
		parcel = page.D.Parcels[0].Code
	}
	b, err := ledger.Template(parcel)
	if err != nil {
		return err
	}
	return sendXLSX(w, "楼盘表模板.xlsx", b)
}

func sendXLSX(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	_, err := bytes.NewReader(b).WriteTo(w)
	return err
}

func (s *Server) annotatedWorkbook(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	projectID, name, data, err := s.db.AnnotatedWorkbook(r.Context(), id)
	if err != nil {
		return err
	}
	proj, err := s.db.Project(r.Context(), projectID)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.ProjectRead, access.ProjectTarget(proj)); err != nil {
		return err
	}
	return sendXLSX(w, "错误标注-"+strings.TrimSuffix(name, ".xlsx")+".xlsx", data)
}

// ---- presale

func formIDs(r *http.Request, key string) []int64 {
	r.ParseForm()
	var out []int64
	for _, v := range r.PostForm[key] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) presaleApply(r *http.Request, project int64) (string, error) {
	_, err := s.db.ApplyPresale(r.Context(), identity.ActorFrom(r.Context()), project, formIDs(r, "buildings"), r.PostFormValue("note"))
	return "已提交预售许可申请，等待住建部门审批", err
}

// presaleIssue issues the permit the project's open application asks for;
// the store finds the application.
func (s *Server) presaleIssue(r *http.Request, project int64) (string, error) {
	pm, err := s.db.IssueOpenPresale(r.Context(), identity.ActorFrom(r.Context()), project, r.PostFormValue("extra_review"))
	return "已核发预售许可 " + pm.Number, err
}

// presaleRefuse refuses the project's open application.
func (s *Server) presaleRefuse(r *http.Request, project int64) (string, error) {
	return "已作出不予许可决定", s.db.RefuseOpenPresale(r.Context(), identity.ActorFrom(r.Context()), project, r.PostFormValue("reason"))
}

// presaleChange suspends, reinstates or revokes a presale permit of the
// project; the store refuses one of another project as not found.
func (s *Server) presaleChange(r *http.Request, project int64) (string, error) {
	id, _ := strconv.ParseInt(r.PostFormValue("permit"), 10, 64)
	pm, err := s.db.ChangeProjectPresale(r.Context(), identity.ActorFrom(r.Context()), project, id, r.PostFormValue("kind"), r.PostFormValue("reason"))
	return "预售许可 " + pm.Number + " 现为“" + pm.State.Label() + "”", err
}

// PresaleQueuePage is housing staff's list of applications and permits.
type PresaleQueuePage struct {
	Base
	Queue   []store.PresaleApplication
	Permits []PermitRow
}

// PermitRow is a presale permit with its project's name.
type PermitRow struct {
	Number, Project, State string
	ProjectID              int64
	IssuedOn               calendar.Date
	Units                  int
	Area                   string
}

func (s *Server) presaleQueue(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.ProjectRead)
	if err != nil {
		return err
	}
	page := PresaleQueuePage{Base: s.base(r, "预售许可")}
	if access.Could(p, access.PresaleDecide) {
		df, err := access.ListFilter(p, access.PresaleDecide)
		if err != nil {
			return err
		}
		if page.Queue, err = s.db.PresaleQueue(r.Context(), df); err != nil {
			return err
		}
	}
	ps, err := s.db.PresalePermits(r.Context(), f)
	if err != nil {
		return err
	}
	for _, pm := range ps {
		proj, err := s.db.Project(r.Context(), pm.ProjectID)
		if err != nil {
			return err
		}
		page.Permits = append(page.Permits, PermitRow{Number: pm.Number, Project: proj.Name, ProjectID: proj.ID, State: pm.State.Label(),
			IssuedOn: pm.IssuedOn, Units: pm.Units, Area: pm.Area.StringFixed(2)})
	}
	return s.render(w, 200, "presale", page)
}

// ---- 楼盘表 and units

// BuildingPage shows a building's 楼盘表.
type BuildingPage struct {
	Base
	Project ledger.Project
	Table   ledger.Table
	States  []ledger.State
	Marks   []ledger.Mark
	Others  []store.BuildingSummary
	Public  bool
	Prefix  string // "/public" on the public pages
}

func (s *Server) buildingPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.db.Building(r.Context(), id)
	if err != nil {
		return err
	}
	proj, err := s.db.Project(r.Context(), b.ProjectID)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.ProjectRead, access.ProjectTarget(proj)); err != nil {
		return err
	}
	return s.renderBuilding(w, r, proj, b, false)
}

func (s *Server) renderBuilding(w http.ResponseWriter, r *http.Request, proj ledger.Project, b ledger.Building, public bool) error {
	t, err := s.db.BuildingTable(r.Context(), b.ID)
	if err != nil {
		return err
	}
	d, err := s.db.ProjectDetail(r.Context(), proj.ID)
	if err != nil {
		return err
	}
	return s.render(w, 200, "building", BuildingPage{Base: s.base(r, "楼盘表："+proj.Name+" "+b.Name), Project: proj, Table: t,
		States: ledger.States, Marks: ledger.Marks, Others: d.Buildings, Public: public, Prefix: map[bool]string{true: "/public"}[public]})
}

// UnitPage shows one unit.
type UnitPage struct {
	Base
	Ref       store.UnitRef
	Status    ledger.Status
	State     ledger.State
	CanLock   bool
	CanDraft  bool               // the viewer may draft a contract for it
	Contracts []presale.Contract // the unit's contracts the viewer may see
	Book      []registry.Entry   // the register book, when the viewer may see it
	Statuses  map[int64]registry.Status
	Refusals  []store.Refusal // refused attempts on the unit, for those who supervise it
	Errors    map[string]string
	Message   string
}

func (s *Server) loadUnitPage(r *http.Request, act access.Action) (UnitPage, error) {
	p, err := principal(r)
	if err != nil {
		return UnitPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return UnitPage{}, err
	}
	ref, err := s.db.Unit(r.Context(), id)
	if err != nil {
		return UnitPage{}, err
	}
	t := access.ProjectTarget(ref.Project)
	if err := access.Decide(p, act, t); err != nil {
		return UnitPage{}, err
	}
	st, err := s.db.UnitStatus(r.Context(), id)
	if err != nil {
		return UnitPage{}, err
	}
	page := UnitPage{Base: s.base(r, "户 "+ref.Unit.Room), Ref: ref, Status: st, State: st.State(),
		CanLock: access.Allowed(p, access.UnitLock, t), CanDraft: access.Allowed(p, access.ContractDraft, t) && st.State() == ledger.Available}
	if access.Could(p, access.ContractRead) {
		f, err := access.ListFilter(p, access.ContractRead)
		if err != nil {
			return page, err
		}
		if page.Contracts, err = s.db.ListContracts(r.Context(), f, store.ContractQuery{UnitID: id}); err != nil {
			return page, err
		}
	}
	if page.Book, page.Statuses, err = s.unitBookFor(r, ref); err != nil {
		return page, err
	}
	// The repeated-refusal alert links here: its readers see the attempts.
	if access.Allowed(p, access.AlertRead, access.Target{Jurisdiction: ref.Project.Jurisdiction}) {
		if page.Refusals, err = s.db.RefusalsOf(r.Context(), id); err != nil {
			return page, err
		}
	}
	return page, nil
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadUnitPage(r, access.ProjectRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "unit", page)
}

// unitLock locks or unlocks the unit; the store decides access on the
// unit's project.
func (s *Server) unitLock(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.db.LockUnit(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("locked") == "1", r.PostFormValue("reason"))
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		page, err := s.loadUnitPage(r, access.ProjectRead)
		if err != nil {
			return err
		}
		page.Errors, page.Message = errs, msg
		return s.render(w, http.StatusUnprocessableEntity, "unit", page)
	}
	s.flash(r, "已更新锁定状态")
	http.Redirect(w, r, r.URL.Path[:strings.LastIndex(r.URL.Path, "/")], http.StatusSeeOther)
	return nil
}

// ---- the restriction list

// CreditPage shows the restriction list (public) and, to the credit
// manager, the developers with their standing and the list's decisions,
// each a page at a time and searched alike by a developer's name or
// 统一社会信用代码; the developers narrow to those listed or with an
// appeal waiting (the manager's work). Staff list or lift a developer of
// the page.
type CreditPage struct {
	Base
	Current      store.Listed[credit.Listing]
	CurrentPager Pager // ?lpage
	Developers   store.Listed[store.CreditDeveloper]
	Pager        Pager // ?page
	History      store.Listed[credit.Listing]
	HistoryPager Pager  // ?hpage
	Show         string // "", "listed" or "appeals": the developers shown
	Tabs         []ListTab
	Q            string
	Keep         ListState
	ClearHref    string
	CanManage    bool
	Errors       map[string]string
	Message      string
	Form         credit.Listing // the decision as typed, after a refusal
}

func (s *Server) creditPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCredit(w, r, 200, nil, "", credit.Listing{Listed: true})
}

func (s *Server) renderCredit(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, msg string, form credit.Listing) error {
	p := identity.PrincipalFrom(r.Context())
	page := CreditPage{Base: s.base(r, "限制清单"), Q: listSearch(r), CanManage: access.Could(p, access.CreditManage), Errors: errs, Message: msg, Form: form}
	var err error
	if page.Current, err = s.db.Restrictions(r.Context(), store.CreditListQuery{Search: page.Q, Page: listPageAt(r, "lpage")}); err != nil {
		return err
	}
	page.CurrentPager = pagerAt(r, page.Current, "lpage")
	href := func(show string) string {
		v := url.Values{}
		if show != "" {
			v.Set("show", show)
		}
		if page.Q != "" {
			v.Set("q", page.Q)
		}
		return (&url.URL{Path: "/credit", RawQuery: v.Encode()}).String()
	}
	page.ClearHref = "/credit"
	if page.CanManage {
		if show := r.URL.Query().Get("show"); show == "listed" || show == "appeals" {
			page.Show = show
		}
		page.Tabs = []ListTab{{Label: "全部", Href: href("")}, {Show: "listed", Label: "被限制的", Href: href("listed")},
			{Show: "appeals", Label: "有待复核申诉的", Href: href("appeals")}}
		if page.Show != "" {
			page.ClearHref = "/credit?show=" + page.Show
		}
		q := store.CreditDeveloperQuery{Listed: page.Show == "listed", Appeals: page.Show == "appeals", Search: page.Q, Page: listPage(r)}
		if page.Developers, err = s.db.CreditDevelopers(r.Context(), q); err != nil {
			return err
		}
		page.Pager = pagerOf(r, page.Developers)
		page.Keep = ListState{Show: page.Show, Q: page.Q, Page: page.Developers.Page.Number}
		if page.History, err = s.db.ListingHistory(r.Context(), store.CreditListQuery{Search: page.Q, Page: listPageAt(r, "hpage")}); err != nil {
			return err
		}
		page.HistoryPager = pagerAt(r, page.History, "hpage")
	}
	return s.render(w, status, "credit", page)
}

// creditChange lists or lifts a developer; the store decides access. A
// refusal shows the list again where the form was sent from, the decision
// as typed; a decision returns there too.
func (s *Server) creditChange(w http.ResponseWriter, r *http.Request) error {
	dev, _ := strconv.ParseInt(r.PostFormValue("developer"), 10, 64)
	l := credit.Listing{Developer: dev, Listed: r.PostFormValue("listed") == "1", Reason: r.PostFormValue("reason"), Basis: r.PostFormValue("basis")}
	err := s.db.ListDeveloper(r.Context(), identity.ActorFrom(r.Context()), l)
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		asListed(r, "/credit")
		return s.renderCredit(w, r, http.StatusUnprocessableEntity, errs, msg, l)
	}
	s.flash(r, "已更新限制清单")
	http.Redirect(w, r, listBack(r, "/credit"), http.StatusSeeOther)
	return nil
}

// ---- settings

// SettingsPage edits a jurisdiction's configuration.
type SettingsPage struct {
	Base
	Jurisdictions []identity.Jurisdiction
	Current       string
	Values        map[string]string
	Keys          []SettingKey
	Thresholds    []supervision.ThresholdSetting
	Policy        registry.Policy        // the registration policy (登记办理)
	AutoKinds     []registry.ServiceKind // the kinds the system may review
	Errors        map[string]string
	Message       string
	Change        SettingChangeForm        // the effective date and reason as typed
	Scheduled     []store.ScheduledSetting // changes not yet in force
	Rules         []RuleField              // the rules' values (store.RuleSettings)
	Prefecture    bool                     // the page sets the prefecture's defaults
}

// RuleField is one rule's value on the settings page: the value in force,
// where it comes from, and whether this page may change it.
type RuleField struct {
	store.RuleInForce
	Locked bool // set by the prefecture alone; a county's page shows it
}

// Checked reports whether option code is part of the field's value.
func (p SettingsPage) Checked(key, code string) bool {
	return slices.Contains(strings.Split(p.Values[key], ","), code)
}

// prefectureName names the prefecture's entry of the jurisdiction choice.
const prefectureName = "全州默认（县市未单独设置的项目适用）"

// KeyLabel names a setting of the page in Chinese (its code when the page
// has no name for it).
func (p SettingsPage) KeyLabel(key string) string {
	for _, k := range p.Keys {
		if k.Key == key {
			return "限制清单效力：" + k.Label
		}
	}
	for _, t := range p.Thresholds {
		if t.Key == key {
			return "预警阈值：" + t.Label
		}
	}
	for _, rs := range store.RuleSettings() {
		if rs.Key == key {
			return rs.Group + "：" + rs.Label
		}
	}
	switch key {
	case registry.SettingSecondReview:
		return "登记办理：审核后须复审"
	case registry.SettingSeparateRecorder:
		return "登记办理：登簿人不得为本件的审核人"
	case registry.SettingAutoReview:
		return "登记办理：允许系统自动审核的事项"
	case registry.SettingDays:
		return "登记办理：办理时限（工作日）"
	}
	return key
}

// SettingChangeForm is the settings form's effective date and reason.
type SettingChangeForm struct{ EffectiveOn, Reason string }

// Reviews reports whether the policy lets the system review kind k.
func (p SettingsPage) Reviews(k registry.ServiceKind) bool {
	return slices.Contains(p.Policy.AutoReview, k)
}

// SettingKey is one configurable effect of the restriction list, with the
// effects the matter offers.
type SettingKey struct {
	Key, Label string
	Effects    []credit.Effect
}

func settingKeys() []SettingKey {
	keys := []SettingKey{{Key: credit.PresalePermit, Label: "预售许可申请"}, {Key: credit.ContractFiling, Label: "合同备案"}, {Key: credit.FundWithdrawal, Label: "预售资金支取"}}
	for i := range keys {
		keys[i].Effects = credit.Effects(keys[i].Key)
	}
	return keys
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	js := manageableJurisdictions(p, access.SettingsManage, settingsJurisdictions(all))
	if len(js) == 0 {
		return access.Decide(p, access.SettingsManage, access.Target{Jurisdiction: p.Jurisdiction.Code})
	}
	cur := r.URL.Query().Get("jurisdiction")
	if cur == "" {
		cur = js[0].Code
	}
	if err := access.Decide(p, access.SettingsManage, access.Target{Jurisdiction: cur}); err != nil {
		return err
	}
	page, err := s.settingsForm(r, js, cur)
	if err != nil {
		return err
	}
	return s.render(w, 200, "settings", page)
}

// settingsJurisdictions are the pages of settings: each county's, then
// the prefecture's defaults.
func settingsJurisdictions(all []identity.Jurisdiction) []identity.Jurisdiction {
	js := counties(all)
	for _, j := range all {
		if j.Code == identity.PrefectureCode {
			j.Name = prefectureName
			js = append(js, j)
		}
	}
	return js
}

// settingsForm is the settings page of jurisdiction cur with its stored values.
func (s *Server) settingsForm(r *http.Request, js []identity.Jurisdiction, cur string) (SettingsPage, error) {
	page := SettingsPage{Base: s.base(r, "本辖区配置"), Jurisdictions: js, Current: cur, Values: map[string]string{},
		Keys: settingKeys(), Thresholds: supervision.ThresholdSettings, AutoKinds: registry.AutoReviewKinds}
	var err error
	if page.Policy, err = s.db.RegistrationPolicy(r.Context(), cur); err != nil {
		return page, err
	}
	if page.Scheduled, err = s.db.ScheduledSettings(r.Context(), cur); err != nil {
		return page, err
	}
	for _, k := range page.Keys {
		v, err := s.db.Setting(r.Context(), cur, k.Key, string(credit.Refuse))
		if err != nil {
			return page, err
		}
		page.Values[k.Key] = string(credit.EffectFor(k.Key, v))
	}
	for _, t := range page.Thresholds {
		v, err := s.db.Setting(r.Context(), cur, t.Key, strconv.Itoa(t.Default))
		if err != nil {
			return page, err
		}
		page.Values[t.Key] = v
	}
	page.Prefecture = cur == identity.PrefectureCode
	rules, err := s.db.RulesInForce(r.Context(), cur)
	if err != nil {
		return page, err
	}
	for _, rf := range rules {
		page.Rules = append(page.Rules, RuleField{RuleInForce: rf, Locked: rf.Prefecture && !page.Prefecture})
		page.Values[rf.Key] = rf.Normal(rf.Value)
	}
	return page, nil
}

// rulesFromForm reads the rules' values the form shows (none when the
// form has no such section): a list from its checked boxes, in the
// options' order; an empty value follows the prefecture, or the default.
func rulesFromForm(r *http.Request, jurisdiction string, values map[string]string) {
	if r.PostFormValue("rules_form") != "1" {
		return
	}
	for _, rs := range store.RuleSettings() {
		// A list posts one field per checked box; other values one field.
		if !rs.Prefecture || jurisdiction == identity.PrefectureCode {
			values[rs.Key] = rs.Normal(strings.Join(r.PostForm[rs.Key], ","))
		}
	}
}

// settingsFromForm reads the settings form: the values to store, and the
// registration policy it shows (shown false when the form has no policy
// section, which then leaves the policy alone). The store checks every
// value (store.PutSettings); a policy that does not parse goes to it as
// typed, to be refused field by field.
func settingsFromForm(r *http.Request) (values map[string]string, policy registry.Policy, shown bool) {
	values = map[string]string{}
	for _, k := range settingKeys() {
		values[k.Key] = string(credit.EffectFor(k.Key, r.PostFormValue(k.Key)))
	}
	for _, t := range supervision.ThresholdSettings {
		values[t.Key] = strings.TrimSpace(r.PostFormValue(t.Key))
	}
	// Only a form that shows the policy changes it: an unchecked box is
	// absent from the post, and a form without the section must not read
	// as every box unchecked.
	if r.PostFormValue("registration.policy_form") != "1" {
		return values, policy, false
	}
	// The registration policy: unchecked boxes are "no".
	reg := map[string]string{registry.SettingSecondReview: "0", registry.SettingSeparateRecorder: "0",
		registry.SettingAutoReview: strings.Join(r.PostForm["auto_review"], ","), registry.SettingDays: strings.TrimSpace(r.PostFormValue(registry.SettingDays))}
	if r.PostFormValue(registry.SettingSecondReview) == "1" {
		reg[registry.SettingSecondReview] = "1"
	}
	if r.PostFormValue(registry.SettingSeparateRecorder) == "1" {
		reg[registry.SettingSeparateRecorder] = "1"
	}
	policy, err := registry.ParsePolicy(reg)
	if err == nil {
		reg = policy.Settings() // as stored: no automatic review is "none"
	}
	for k, v := range reg {
		values[k] = v
	}
	return values, policy, true
}

// settingsSave stores a jurisdiction's settings; the store decides access
// on the jurisdiction, and then refuses a bad form.
func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	j := r.PostFormValue("jurisdiction")
	values, policy, policyShown := settingsFromForm(r)
	var bad error
	rulesFromForm(r, j, values)
	typed := SettingChangeForm{EffectiveOn: strings.TrimSpace(r.PostFormValue("effective_on")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	change := store.SettingChange{Reason: typed.Reason}
	if typed.EffectiveOn != "" {
		day, err := calendar.ParseDate(typed.EffectiveOn)
		if err != nil && bad == nil {
			bad = &problem.Error{Kind: problem.Invalid, Code: "setting.invalid", Message: "配置修改有误", Fields: map[string]string{"effective_on": "生效日期应为 YYYY-MM-DD"}}
		}
		change.EffectiveOn = day
	}
	// Only what the form changes is stored: a value the page showed as in
	// force (a default never set, too) is not a change, and must not be
	// recorded, or listed as scheduled, as one.
	shownPage, err := s.settingsForm(r, nil, j)
	if err != nil {
		return err
	}
	inForce := shownPage.Values
	for k, v := range shownPage.Policy.Settings() {
		inForce[k] = v
	}
	for k, v := range values {
		if inForce[k] == v {
			delete(values, k)
		}
	}
	if err := s.db.PutSettings(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), j, values, change); err != nil {
		e, err := shown(err)
		if err != nil {
			return err
		}
		_, all, err := s.jurisdictionNames(r)
		if err != nil {
			return err
		}
		page, err := s.settingsForm(r, manageableJurisdictions(p, access.SettingsManage, settingsJurisdictions(all)), j)
		if err != nil {
			return err
		}
		for k, v := range values {
			page.Values[k] = v
		}
		if policyShown {
			page.Policy = policy
		}
		page.Message, page.Errors, page.Change = e.Message, e.Fields, typed
		return s.render(w, http.StatusUnprocessableEntity, "settings", page)
	}
	switch {
	case len(values) == 0:
		s.flash(r, "配置未改动")
	case change.EffectiveOn.IsZero() || change.EffectiveOn == s.today():
		s.flash(r, "已保存配置，即日生效")
	default:
		s.flash(r, "已保存配置，自"+change.EffectiveOn.String()+"起生效")
	}
	http.Redirect(w, r, "/admin/settings?jurisdiction="+url.QueryEscape(j), http.StatusSeeOther)
	return nil
}

// settingsWithdraw withdraws a scheduled change before its day, with the
// reason the administrator typed beside it; a refusal (no reason, already
// in force) is said on the page.
func (s *Server) settingsWithdraw(w http.ResponseWriter, r *http.Request) error {
	j, key := r.PostFormValue("jurisdiction"), r.PostFormValue("key")
	back := "/admin/settings?jurisdiction=" + url.QueryEscape(j)
	day, err := calendar.ParseDate(r.PostFormValue("effective_on"))
	if err == nil {
		err = s.db.CancelScheduledSetting(r.Context(), identity.ActorFrom(r.Context()), j, key, day, r.PostFormValue("reason"))
	}
	if err != nil {
		e, err := shown(err)
		if err != nil {
			return err
		}
		msg := e.Message
		for _, m := range e.Fields {
			msg += "：" + m
		}
		s.flash(r, "未能撤销："+msg)
	} else {
		s.flash(r, "已撤销"+day.String()+"起生效的修改")
	}
	http.Redirect(w, r, back+"#scheduled", http.StatusSeeOther)
	return nil
}

// ---- public disclosure

// PublicPage lists a jurisdiction's projects with a presale permit.
type PublicPage struct {
	Base
	Jurisdictions []identity.Jurisdiction
	Current       string
	Projects      []store.ProjectDetail
}

func (s *Server) publicIndex(w http.ResponseWriter, r *http.Request) error {
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	cur := r.URL.Query().Get("jurisdiction")
	page := PublicPage{Base: s.base(r, "商品房预售信息公开"), Jurisdictions: counties(all), Current: cur}
	ps, err := s.db.ListProjects(r.Context(), access.Filter{All: true}, store.ProjectQuery{Jurisdiction: cur, Permitted: true})
	if err != nil {
		return err
	}
	for _, p := range ps {
		d, err := s.db.ProjectDetail(r.Context(), p.ID)
		if err != nil {
			return err
		}
		page.Projects = append(page.Projects, d)
	}
	return s.render(w, 200, "public", page)
}

func (s *Server) publicBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.PublicTable(r.Context(), id); err != nil {
		return err
	}
	b, err := s.db.Building(r.Context(), id)
	if err != nil {
		return err
	}
	proj, err := s.db.Project(r.Context(), b.ProjectID)
	if err != nil {
		return err
	}
	return s.renderBuilding(w, r, proj, b, true)
}
