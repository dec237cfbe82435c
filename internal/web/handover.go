package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/tax"
)

// ---- handover events of a project

// HandoverListPage is a project's handovers: the events, the schedule
// form, and where the units stand.
type HandoverListPage struct {
	Base
	Project   ledger.Project
	Events    []handover.Event
	Buildings []ledger.Building // filed, so a handover may be scheduled
	Ready     handover.Report
	CanManage bool
	Form      handover.Input
	Errors    map[string]string
	Message   string
	Reasons   []problem.Reason
}

func (s *Server) loadHandoverList(r *http.Request, act access.Action) (HandoverListPage, error) {
	p, proj, err := s.projectFor(r, act)
	if err != nil {
		return HandoverListPage{}, err
	}
	ctx := r.Context()
	page := HandoverListPage{Base: s.base(r, "交房与批量办证："+proj.Name), Project: proj,
		CanManage: access.Allowed(p, access.HandoverManage, access.ProjectTarget(proj)), Form: handover.Input{Mode: string(handover.OnSite)}}
	if page.Events, err = s.db.HandoverEvents(ctx, proj.ID); err != nil {
		return page, err
	}
	filings, err := s.db.Filings(ctx, proj.ID)
	if err != nil {
		return page, err
	}
	d, err := s.db.ProjectDetail(ctx, proj.ID)
	if err != nil {
		return page, err
	}
	for _, b := range d.Buildings {
		if slices.ContainsFunc(filings, func(f completion.Filing) bool { return slices.Contains(f.Buildings, b.Building.ID) }) {
			page.Buildings = append(page.Buildings, b.Building)
		}
	}
	if page.Ready, _, err = s.db.Readiness(ctx, s.calendar(), proj.ID, handover.Delivery, handover.Scope{}); err != nil {
		return page, err
	}
	return page, nil
}

func (s *Server) handoverListPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadHandoverList(r, access.HandoverRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "handovers", page)
}

func (s *Server) scheduleHandover(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadHandoverList(r, access.HandoverManage)
	if err != nil {
		return err
	}
	in := handover.Input{HeldOn: r.PostFormValue("held_on"), Place: r.PostFormValue("place"), Mode: r.PostFormValue("mode"),
		NoticeOn: r.PostFormValue("notice_on")}
	for _, v := range r.PostForm["building"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Buildings = append(in.Buildings, n)
		}
	}
	page.Form = in
	e, err := in.Event(page.Project.ID)
	if err == nil {
		e, err = s.db.ScheduleHandover(r.Context(), identity.ActorFrom(r.Context()), e)
	}
	if err != nil {
		pe := problem.As(err)
		if pe.Kind == problem.Internal {
			return err
		}
		page.Errors, page.Message, page.Reasons = pe.Fields, pe.Message, pe.Reasons
		return s.render(w, http.StatusUnprocessableEntity, "handovers", page)
	}
	s.flash(r, fmt.Sprintf("已安排交房：%s，%d户", e.HeldOn.Chinese(), e.Total))
	http.Redirect(w, r, fmt.Sprintf("/handover/%d", e.ID), http.StatusSeeOther)
	return nil
}

// HandoverPage is one handover: the batch's progress and each unit's
// outcome (handed over on D, certificate on D′, or blocked and why).
type HandoverPage struct {
	Base
	Project   ledger.Project
	Event     handover.Event
	List      store.Listed[handover.UnitOutcome]
	Pager     Pager
	Tally     store.HandoverTally
	Show      handover.UnitState // only the units in this state ("": all)
	Q         string
	Keep      ListState
	CanManage bool
	// Rehearsal is the newest 交房预演 (HasRehearsal false: none yet);
	// Comparison sets the batch's blocked flats beside the last one
	// before it ran.
	Rehearsal    store.Rehearsal
	HasRehearsal bool
	Comparison   store.RehearsalComparison
	Message      string
	Reasons      []problem.Reason
	Errors       map[string]string
	Unit         int64  // the unit whose receiver was refused
	Receiver     string // the receiver as typed
}

func (s *Server) loadHandoverPage(r *http.Request, act access.Action) (HandoverPage, error) {
	if _, err := principal(r); err != nil {
		return HandoverPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return HandoverPage{}, err
	}
	e, err := s.db.HandoverFor(r.Context(), viewer(r), id, act)
	if err != nil {
		return HandoverPage{}, err
	}
	ctx := r.Context()
	proj, err := s.db.Project(ctx, e.ProjectID)
	if err != nil {
		return HandoverPage{}, err
	}
	page := HandoverPage{Base: s.base(r, "交房："+proj.Name+" "+e.HeldOn.Chinese()), Project: proj, Event: e,
		CanManage: access.Allowed(viewer(r), access.HandoverManage, access.ProjectTarget(proj))}
	if page.Tally, err = s.db.HandoverTally(ctx, e.ID); err != nil {
		return page, err
	}
	switch show := handover.UnitState(r.URL.Query().Get("show")); show {
	case handover.Pending, handover.HandedOver, handover.UnitBlocked:
		page.Show = show
	}
	page.Q = listSearch(r)
	if page.List, err = s.db.HandoverUnitList(ctx, store.HandoverUnitQuery{Event: e.ID, State: page.Show, Search: page.Q, Page: listPage(r)}); err != nil {
		return page, err
	}
	page.Pager = pagerOf(r, page.List)
	page.Keep = ListState{Show: string(page.Show), Q: page.Q, Page: page.List.Page.Number}
	if page.Rehearsal, page.HasRehearsal, err = s.db.LatestRehearsal(ctx, e.ID, time.Time{}); err != nil {
		return page, err
	}
	if page.Comparison, err = s.db.RehearsalComparison(ctx, e.ID); err != nil {
		return page, err
	}
	return page, nil
}

func (s *Server) handoverPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadHandoverPage(r, access.HandoverRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "handover", page)
}

// handoverRefused shows the handover again with why the action was
// refused and, for a unit's receiver, the name as typed.
func (s *Server) handoverRefused(w http.ResponseWriter, r *http.Request, err error, unit int64, receiver string) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	if id, err := pathID(r, "id"); err == nil {
		asListed(r, fmt.Sprintf("/handover/%d", id))
	}
	page, err := s.loadHandoverPage(r, access.HandoverRead)
	if err != nil {
		return err
	}
	page.Message, page.Reasons, page.Errors, page.Unit, page.Receiver = e.Message, e.Reasons, e.Fields, unit, receiver
	return s.render(w, http.StatusUnprocessableEntity, "handover", page)
}

// runHandover starts or resumes the batch (after the confirmation).
// The store decides access on the event's project in its transaction.
func (s *Server) runHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.QueueHandover(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return s.handoverRefused(w, r, err, 0, "")
	}
	if s.cfg.Wake != nil {
		s.cfg.Wake()
	}
	return s.done(w, r, "批量办理已开始，本页显示进度", fmt.Sprintf("/handover/%d", id))
}

// rehearseHandover dry-runs the batch now (交房预演) and shows what it
// found; the store decides access on the event's project.
func (s *Server) rehearseHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rh, err := s.db.RehearseHandover(r.Context(), identity.ActorFrom(r.Context()), s.calendar(), id, s.cfg.Keys)
	if err != nil {
		return s.handoverRefused(w, r, err, 0, "")
	}
	return s.done(w, r, fmt.Sprintf("预演完成：共%d户，条件具备%d户，受阻%d户", rh.Total, rh.Ready, rh.Blocked), fmt.Sprintf("/handover/%d#rehearsal", id))
}

// pauseHandover asks the batch to stop after the current run.
func (s *Server) pauseHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.PauseHandover(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return s.handoverRefused(w, r, err, 0, "")
	}
	return s.done(w, r, "已请求暂停：当前批次办完后停下", fmt.Sprintf("/handover/%d", id))
}

// setReceiver records who took the keys of a unit handed over.
func (s *Server) setReceiver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	unit, err := pathID(r, "unit")
	if err != nil {
		return err
	}
	receiver := r.PostFormValue("receiver")
	if err := s.db.SetReceiver(r.Context(), identity.ActorFrom(r.Context()), id, unit, receiver); err != nil {
		return s.handoverRefused(w, r, err, unit, receiver)
	}
	return s.done(w, r, "已登记领取钥匙的人", listBack(r, fmt.Sprintf("/handover/%d", id)))
}

// HandoverIndexPage lists the projects whose handovers the principal sees.
type HandoverIndexPage struct {
	Base
	Rows []HandoverIndexRow
}

// HandoverIndexRow is a project with its handovers.
type HandoverIndexRow struct {
	Project ledger.Project
	Events  []handover.Event
}

func (s *Server) handoverIndex(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.HandoverRead)
	if err != nil {
		return err
	}
	projects, err := s.db.ListProjects(r.Context(), f, store.ProjectQuery{})
	if err != nil {
		return err
	}
	page := HandoverIndexPage{Base: s.base(r, "交房与批量办证")}
	for _, proj := range projects {
		evs, err := s.db.HandoverEvents(r.Context(), proj.ID)
		if err != nil {
			return err
		}
		page.Rows = append(page.Rows, HandoverIndexRow{Project: proj, Events: evs})
	}
	return s.render(w, 200, "handover_index", page)
}

// ---- deed tax

// DeedTaxPage is a project's deed tax: assessed on the measured area and
// the price after the area settlement, and whether it is paid.
type DeedTaxPage struct {
	Base
	Project   ledger.Project
	List      store.Listed[store.ListedDeedTax]
	Pager     Pager
	Assessed  int    // assessments of the project, in all
	Paid      int    // of which paid
	Show      string // "unpaid" or "" (all)
	Q         string
	Keep      ListState
	Rule      string // the rule applied in the project's jurisdiction (tax.Rule)
	CanManage bool
	Message   string
	Reasons   []problem.Reason
	Errors    map[string]string
	Contract  int64  // the contract whose payment was refused
	Voucher   string // the voucher as typed
}

func (s *Server) loadDeedTax(r *http.Request, act access.Action) (DeedTaxPage, error) {
	p, proj, err := s.projectFor(r, act)
	if err != nil {
		return DeedTaxPage{}, err
	}
	page := DeedTaxPage{Base: s.base(r, "契税："+proj.Name), Project: proj, CanManage: access.Allowed(p, access.DeedTaxManage, access.ProjectTarget(proj))}
	if page.Rule, err = s.db.DeedTaxRule(r.Context(), proj.Jurisdiction); err != nil {
		return page, err
	}
	if page.Assessed, page.Paid, err = s.db.DeedTaxTally(r.Context(), proj.ID); err != nil {
		return page, err
	}
	if r.URL.Query().Get("show") == "unpaid" {
		page.Show = "unpaid"
	}
	page.Q = listSearch(r)
	if page.List, err = s.db.DeedTaxList(r.Context(), store.DeedTaxQuery{Project: proj.ID, Unpaid: page.Show == "unpaid", Search: page.Q, Page: listPage(r)}); err != nil {
		return page, err
	}
	page.Pager = pagerOf(r, page.List)
	page.Keep = ListState{Show: page.Show, Q: page.Q, Page: page.List.Page.Number}
	return page, nil
}

// DeedTaxesPage is the deed tax of every project within the viewer's
// reach, the unpaid by default: the tax officer's list of work.
type DeedTaxesPage struct {
	Base
	List      store.Listed[store.ListedDeedTax]
	Pager     Pager
	Show      string // "unpaid" (the default) or "all"
	Q         string
	Keep      ListState
	CanManage bool
	CanOpen   bool // the viewer may open a project's own deed-tax page
	Message   string
	Reasons   []problem.Reason
	Errors    map[string]string
	Contract  int64  // the contract whose payment was refused
	Voucher   string // the voucher as typed
}

func (s *Server) deedTaxesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderDeedTaxes(w, r, 200, nil, 0, "")
}

// renderDeedTaxes shows the list, with a refused payment's reasons and
// voucher when refused is not nil.
func (s *Server) renderDeedTaxes(w http.ResponseWriter, r *http.Request, status int, refused *problem.Error, contract int64, voucher string) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.DeedTaxRead)
	if err != nil {
		return err
	}
	page := DeedTaxesPage{Base: s.base(r, "契税"), Show: "unpaid", Q: listSearch(r), CanManage: access.Could(p, access.DeedTaxManage),
		CanOpen: access.Could(p, access.ProjectRead), Contract: contract, Voucher: voucher}
	if refused != nil {
		page.Message, page.Reasons, page.Errors = refused.Message, refused.Reasons, refused.Fields
	}
	if r.URL.Query().Get("show") == "all" {
		page.Show = "all"
	}
	if page.List, err = s.db.DeedTaxList(r.Context(), store.DeedTaxQuery{Filter: f, Unpaid: page.Show == "unpaid", Search: page.Q, Page: listPage(r)}); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List)
	page.Keep = ListState{Show: page.Show, Q: page.Q, Page: page.List.Page.Number}
	return s.render(w, status, "deedtaxes", page)
}

// deedTaxTemplate is the workbook of the unpaid deed taxes the tax
// officer confirms at once: fill in the 完税凭证号 column, upload it back.
func (s *Server) deedTaxTemplate(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.DeedTaxManage)
	if err != nil {
		return err
	}
	rows, more, err := s.db.UnpaidDeedTaxes(r.Context(), f)
	if err != nil {
		return err
	}
	raw, err := tax.PaymentsTemplate(rows)
	if err != nil {
		return err
	}
	name := "待登记完税清单" + s.today().String()
	if more { // said in the file's name, the one place a download can say it
		name += fmt.Sprintf("（仅列出前%d户，登记后再次下载余下的）", len(rows))
	}
	return sendXLSX(w, name+".xlsx", raw)
}

// deedTaxImport records the payments of an uploaded workbook, all or none:
// a workbook with any bad row is refused with every bad row listed, and
// nothing is recorded.
func (s *Server) deedTaxImport(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if _, err := access.ListFilter(p, access.DeedTaxManage); err != nil {
		return err
	}
	refused := func(err error) error {
		e, err := shown(err)
		if err != nil {
			return err
		}
		asListed(r, "/deed-tax")
		return s.renderDeedTaxes(w, r, http.StatusUnprocessableEntity, e, 0, "")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 33<<20)
	file, _, err := r.FormFile("workbook")
	if err != nil {
		return refused(problem.New(problem.Invalid, "tax.no_file", "请选择填好完税凭证号的 .xlsx 工作簿"))
	}
	defer file.Close()
	payments, errs := tax.ReadPayments(r.Context(), file)
	if len(errs) > 0 {
		return refused(tax.PaymentsRefused(errs))
	}
	n, err := s.db.PayDeedTaxes(r.Context(), identity.ActorFrom(r.Context()), payments, "staff")
	if err != nil {
		return refused(err)
	}
	msg := fmt.Sprintf("已登记完税 %d 户", n)
	if again := len(payments) - n; again > 0 {
		msg += fmt.Sprintf("；另有 %d 户此前已按同一凭证登记，未重复登记", again)
	}
	s.flash(r, msg)
	http.Redirect(w, r, "/deed-tax", http.StatusSeeOther)
	return nil
}

func (s *Server) deedTaxPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadDeedTax(r, access.DeedTaxRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "deedtax", page)
}

// deedTaxRefused shows the project's deed tax again with why the action
// was refused and, for a payment, the voucher as typed.
func (s *Server) deedTaxRefused(w http.ResponseWriter, r *http.Request, err error, contract int64, voucher string) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	if r.PostFormValue("from") == "all" {
		// Refused on the list of every project's: shown there again.
		asListed(r, "/deed-tax")
		return s.renderDeedTaxes(w, r, http.StatusUnprocessableEntity, e, contract, voucher)
	}
	if id, err := pathID(r, "id"); err == nil {
		asListed(r, fmt.Sprintf("/projects/%d/deed-tax", id))
	}
	page, err := s.loadDeedTax(r, access.DeedTaxRead)
	if err != nil {
		return err
	}
	page.Message, page.Reasons, page.Errors, page.Contract, page.Voucher = e.Message, e.Reasons, e.Fields, contract, voucher
	return s.render(w, http.StatusUnprocessableEntity, "deedtax", page)
}

// assessDeedTax assesses the deed tax of the project's contracts on the
// measured areas.
func (s *Server) assessDeedTax(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.db.AssessDeedTax(r.Context(), identity.ActorFrom(r.Context()), project)
	if err != nil {
		return s.deedTaxRefused(w, r, err, 0, "")
	}
	return s.done(w, r, fmt.Sprintf("已核定%d份合同的契税", n), fmt.Sprintf("/projects/%d/deed-tax", project))
}

// payDeedTax records the payment of a contract's deed tax (after the
// confirmation); the contract must be the path's project's.
func (s *Server) payDeedTax(w http.ResponseWriter, r *http.Request) error {
	project, err := pathID(r, "id")
	if err != nil {
		return err
	}
	id, err := pathID(r, "contract")
	if err != nil {
		return err
	}
	c, err := s.db.Contract(r.Context(), id)
	if err != nil {
		return err
	}
	if c.ProjectID != project {
		return problem.New(problem.NotFound, "contract.not_found", "合同不存在")
	}
	voucher := strings.TrimSpace(r.PostFormValue("voucher"))
	if _, err := s.db.PayDeedTax(r.Context(), identity.ActorFrom(r.Context()), c.ID, voucher, "staff"); err != nil {
		return s.deedTaxRefused(w, r, err, c.ID, voucher)
	}
	back := fmt.Sprintf("/projects/%d/deed-tax", project)
	if r.PostFormValue("from") == "all" { // the list of every project's
		back = "/deed-tax"
	}
	return s.done(w, r, "已登记完税", listBack(r, back))
}

// ---- the buyer's own

// MyUnit is one of the buyer's flats with all that concerns it.
type MyUnit struct {
	Ref          store.UnitRef
	Handover     *handover.UnitOutcome
	Tax          *tax.Assessment
	Certificates []store.Certificate
	Utilities    []store.UtilityRequest
	Book         []registry.Entry
	Statuses     map[int64]registry.Status
	Status       ledger.Status // the flat's one derived state, as the 楼盘表 shows it
	Holds        bool          // the person's ownership is current: they may query its results online
	Purpose      string        // the purpose typed for an online query, kept when refused
	Error        string        // why the query was refused
}

// MyPage is a buyer's applications, certificates, tax and utilities.
type MyPage struct {
	Base
	Units        []MyUnit
	Applications []registry.Application
	// Views are the views of the person's data by others (个人信息保护法:
	// the person may know who processed their data), newest first.
	Views []store.PersonalView
	// Inquiries are the register queries the person made online.
	Inquiries []store.Inquiry
}

// myViewsShown is how many of the views the page lists.
const myViewsShown = 100

func (s *Server) myPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.myPageOf(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "my", page)
}

// myPageOf gathers the signed-in person's flats, applications and the
// views of their data.
func (s *Server) myPageOf(r *http.Request) (MyPage, error) {
	page := MyPage{Base: s.base(r, "我的不动产")}
	p, err := principal(r)
	if err != nil {
		return page, err
	}
	if err := access.Decide(p, access.MineRead, access.Target{}); err != nil {
		return page, err
	}
	id := p.User.IDNumber
	if id == "" {
		return page, nil
	}
	ctx := r.Context()
	units, err := s.db.BuyerUnits(ctx, id)
	if err != nil {
		return page, err
	}
	taxes, err := s.db.DeedTaxesOfBuyer(ctx, id)
	if err != nil {
		return page, err
	}
	for _, u := range units {
		mu := MyUnit{}
		if mu.Ref, err = s.db.Unit(ctx, u); err != nil {
			return page, err
		}
		if o, ok, err := s.db.HandoverOfUnit(ctx, u); err != nil {
			return page, err
		} else if ok {
			mu.Handover = &o
		}
		for i := range taxes {
			if taxes[i].UnitID == u {
				mu.Tax = &taxes[i]
			}
		}
		if mu.Book, err = s.db.UnitBook(ctx, u); err != nil {
			return page, err
		}
		if mu.Status, err = s.db.UnitStatus(ctx, u); err != nil {
			return page, err
		}
		certs, err := s.db.CertificatesOfUnit(ctx, u)
		if err != nil {
			return page, err
		}
		// The buyer's own titles, and the proofs of their mortgages.
		for _, c := range certs {
			t, err := s.db.CertificateTarget(ctx, c)
			if err != nil {
				return page, err
			}
			if slices.Contains(t.Buyers, id) || ownMortgage(mu.Book, c, id) {
				mu.Certificates = append(mu.Certificates, c)
			}
		}
		// What holds now first, the title before the proofs, the newest
		// first: the 预告登记证明 a transfer converted is history.
		slices.SortStableFunc(mu.Certificates, func(a, b store.Certificate) int {
			return cmp.Or(cmp.Compare(a.State, b.State)*-1, cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(b.ID, a.ID))
		})
		if mu.Utilities, err = s.db.UtilityRequests(ctx, u, 0, 0); err != nil {
			return page, err
		}
		mu.Statuses = registry.Statuses(mu.Book)
		mu.Holds = slices.ContainsFunc(registry.Holders(mu.Book, mu.Status.Register), func(h registry.Holder) bool { return strings.EqualFold(h.IDNumber, id) })
		page.Units = append(page.Units, mu)
	}
	if page.Applications, err = s.db.Applications(ctx, 0, id); err != nil {
		return page, err
	}
	if page.Views, err = s.db.PersonalViewsOf(ctx, id, myViewsShown); err != nil {
		return page, err
	}
	if page.Inquiries, err = s.db.InquiriesBy(ctx, p.User.ID, myViewsShown); err != nil {
		return page, err
	}
	return page, nil
}

// myInquire is a holder's online query of their own flat: the signed
// 查询结果证明, or the page again with why it was refused.
func (s *Server) myInquire(w http.ResponseWriter, r *http.Request) error {
	unit, _ := strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
	purpose := strings.TrimSpace(r.PostFormValue("purpose"))
	q, err := s.db.InquireOwn(r.Context(), identity.ActorFrom(r.Context()), unit, purpose, s.cfg.Keys)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/inquiries/%d", q.ID), http.StatusSeeOther)
		return nil
	}
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, err := s.myPageOf(r)
	if err != nil {
		return err
	}
	for i := range page.Units {
		if page.Units[i].Ref.Unit.ID == unit {
			page.Units[i].Purpose, page.Units[i].Error = purpose, e.Message
			if m := e.Fields["purpose"]; m != "" {
				page.Units[i].Error = m
			}
		}
	}
	return s.render(w, http.StatusUnprocessableEntity, "my", page)
}

// ownMortgage reports whether a 证明 is of a mortgage whose mortgagor is
// the person (their loan's mortgage, shown to them but held by the bank).
func ownMortgage(book []registry.Entry, c store.Certificate, id string) bool {
	for _, e := range book {
		if e.ID == c.EntryID {
			return e.Obligor.IDNumber == id
		}
	}
	return false
}

// ---- the bank's mortgages

// MortgagesPage lists the mortgages registered for the principal's bank.
type MortgagesPage struct {
	Base
	List    store.Listed[store.MortgageRow]
	Pager   Pager
	Show    string // "" (the current ones) or "all"
	Q       string
	Current int // the current ones, in all
	All     int
}

func (s *Server) mortgagesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.MortgageRead, access.Target{Org: p.Org.ID}); err != nil {
		return err
	}
	rows, err := s.db.MortgagesOf(r.Context(), p.Org.USCC)
	if err != nil {
		return err
	}
	page := MortgagesPage{Base: s.base(r, "本行抵押登记"), Q: listSearch(r), All: len(rows)}
	if r.URL.Query().Get("show") == "all" {
		page.Show = "all"
	}
	// The current ones by default: a bank's daily question is what it holds
	// now; the converted 预抵押 and released mortgages are one click away.
	var shown []store.MortgageRow
	for _, m := range rows {
		current := m.Status == registry.Current
		if current {
			page.Current++
		}
		if (page.Show == "all" || current) && (page.Q == "" || strings.Contains(m.Project+" "+m.Room+" "+m.Entry.CertNo, page.Q)) {
			shown = append(shown, m)
		}
	}
	at := listPage(r)
	page.List = store.Listed[store.MortgageRow]{Total: len(shown), Page: at}
	if from := (at.Number - 1) * at.Size; from < len(shown) {
		page.List.Rows = shown[from:min(from+at.Size, len(shown))]
	}
	page.Pager = pagerOf(r, page.List)
	return s.render(w, 200, "mortgages", page)
}

// ---- a utility's transfer requests

// UtilitiesPage is a provider's account transfer requests, a page at a
// time: those waiting for its answer (the default) or all, searchable by
// flat, project or new holder, with the waiting ones answered one by one
// or ticked and answered together.
type UtilitiesPage struct {
	Base
	List    store.Listed[store.UtilityRequest]
	Pager   Pager
	Waiting int    // requests waiting for an answer, in all
	Show    string // "waiting" or "all"
	Q       string
	Keep    ListState
	Message string
	Chosen  map[int64]bool // ticked before a refusal, ticked again
	Reason  string         // the bulk refusal's reason as typed
}

func (s *Server) utilitiesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUtilities(w, r, 200, "", nil, "")
}

func (s *Server) renderUtilities(w http.ResponseWriter, r *http.Request, status int, msg string, chosen map[int64]bool, reason string) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.UtilityAnswer, access.Target{Org: p.Org.ID}); err != nil {
		return err
	}
	page := UtilitiesPage{Base: s.base(r, "水电气联动过户"), Show: "waiting", Q: listSearch(r), Message: msg, Chosen: chosen, Reason: reason}
	if r.URL.Query().Get("show") == "all" {
		page.Show = "all"
	}
	if page.List, err = s.db.UtilityList(r.Context(), store.UtilityQuery{Org: p.Org.ID, Waiting: page.Show == "waiting", Search: page.Q, Page: listPage(r)}); err != nil {
		return err
	}
	if page.Waiting, err = s.db.UtilitiesWaiting(r.Context(), p.Org.ID); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List)
	page.Keep = ListState{Show: page.Show, Q: page.Q, Page: page.List.Page.Number}
	return s.render(w, status, "utilities", page)
}

func (s *Server) answerUtility(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.db.AnswerUtility(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("done") == "1", r.PostFormValue("reason"))
	_, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		asListed(r, "/utilities")
		return s.renderUtilities(w, r, http.StatusUnprocessableEntity, msg, nil, "")
	}
	s.flash(r, "已答复")
	http.Redirect(w, r, listBack(r, "/utilities"), http.StatusSeeOther)
	return nil
}

// answerUtilities answers the ticked requests together, all or none.
func (s *Server) answerUtilities(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var ids []int64
	chosen := map[int64]bool{}
	for _, v := range r.PostForm["id"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 && !chosen[n] {
			ids = append(ids, n)
			chosen[n] = true
		}
	}
	done := r.PostFormValue("done") == "1"
	answered, err := s.db.AnswerUtilities(r.Context(), identity.ActorFrom(r.Context()), ids, done, r.PostFormValue("reason"))
	_, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		// Shown on the list it was sent from, the ticks and the reason kept.
		asListed(r, "/utilities")
		return s.renderUtilities(w, r, http.StatusUnprocessableEntity, "未答复任何一件："+msg, chosen, r.PostFormValue("reason"))
	}
	what := "已办结"
	if !done {
		what = "不予办理"
	}
	s.flash(r, fmt.Sprintf("已将%d件过户申请答复为%s", len(answered), what))
	http.Redirect(w, r, listBack(r, "/utilities"), http.StatusSeeOther)
	return nil
}

// kindOrder puts a title before a proof.
func kindOrder(k certificate.Kind) int {
	if k == certificate.Title {
		return 0
	}
	return 1
}
