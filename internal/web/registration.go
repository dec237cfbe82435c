package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

// ---- the clerks' workbench

// QueueTab is one state of the workbench's queue.
type QueueTab struct {
	State registry.ServiceState
	Label string
	Count int
}

// QueueLine is a service waiting in the queue.
type QueueLine struct {
	store.QueueRow
	Left    int
	Overdue bool
}

// RegistrationPage is the window's workbench: the queue by step with due
// dates, the new application and the parcel restrictions.
type RegistrationPage struct {
	Base
	Tabs        []QueueTab
	State       registry.ServiceState
	Lines       []QueueLine
	Q           string // the search typed
	Pager       Pager
	CanApply    bool
	CanRestrict bool
	Errors      map[string]string
	Message     string
}

// queueTabs are the steps of the queue, in the order of the work.
var queueTabs = []QueueTab{
	{State: registry.Accepted, Label: "待审核"},
	{State: registry.Reviewed, Label: "待复审"},
	{State: registry.Approved, Label: "待登簿"},
	{State: registry.Recorded, Label: "待缮证"},
	{State: registry.Certified, Label: "待发证"},
	{State: registry.ReturnedSt, Label: "退回补正"},
}

func (s *Server) registrationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegistration(w, r, 200, nil, "")
}

func (s *Server) renderRegistration(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, msg string) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	mine := access.Target{Jurisdiction: p.Jurisdiction.Code}
	if err := access.Decide(p, access.RegistrationWork, mine); err != nil {
		return err
	}
	page := RegistrationPage{Base: s.base(r, "登记窗口工作台"), CanApply: access.Allowed(p, access.RegistrationApply, mine),
		CanRestrict: access.Allowed(p, access.ParcelRestrict, mine), Errors: errs, Message: msg}
	jurisdiction := p.Jurisdiction.Code
	if p.PrefectureWide() {
		jurisdiction = ""
	}
	page.State = registry.ServiceState(r.URL.Query().Get("state"))
	if page.State == "" {
		page.State = registry.Accepted
		switch {
		case p.Has(identity.RoleRecorder):
			page.State = registry.Approved
		case p.Has(identity.RoleAcceptor) && !p.Has(identity.RoleReviewer):
			page.State = registry.ReturnedSt
		}
	}
	q := store.QueueQuery{Jurisdiction: jurisdiction, State: page.State, Search: listSearch(r), Page: listPage(r)}
	page.Q = q.Search
	counts, err := s.db.QueueTally(r.Context(), q)
	if err != nil {
		return err
	}
	for _, t := range queueTabs {
		t.Count = counts[t.State]
		page.Tabs = append(page.Tabs, t)
	}
	listed, err := s.db.QueueList(r.Context(), q)
	if err != nil {
		return err
	}
	page.Pager = pagerOf(r, listed)
	cal, today := s.calendar(), s.today()
	for _, q := range listed.Rows {
		left, _, err := cal.WorkdaysBetween(today, q.Service.DueOn, p.Jurisdiction.Region)
		if err != nil {
			return err
		}
		page.Lines = append(page.Lines, QueueLine{QueueRow: q, Left: left, Overdue: q.Service.DueOn.Before(today)})
	}
	return s.render(w, status, "registration", page)
}

// restrictParcel records a court seal, a mortgage or a lock on a parcel.
func (s *Server) restrictParcel(w http.ResponseWriter, r *http.Request) error {
	parcel := strings.TrimSpace(r.PostFormValue("parcel"))
	_, err := s.db.RestrictParcel(r.Context(), identity.ActorFrom(r.Context()), parcel, r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("authority")),
		strings.TrimSpace(r.PostFormValue("doc_no")), strings.TrimSpace(r.PostFormValue("note")))
	if problem.KindOf(err) == problem.NotFound {
		asListed(r, "/registration")
		return s.renderRegistration(w, r, http.StatusUnprocessableEntity, map[string]string{"parcel": "宗地不存在"}, "宗地代码有误")
	}
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		asListed(r, "/registration")
		return s.renderRegistration(w, r, http.StatusUnprocessableEntity, errs, msg)
	}
	s.flash(r, "已登记宗地限制："+parcel)
	http.Redirect(w, r, "/registration", http.StatusSeeOther)
	return nil
}

// ---- a new application

// ServiceForm is one service line of the new-application form.
type ServiceForm struct {
	Kind, UnitNo, Whole, Entry, Bank, Amount, TermEnd, NoTransfer, Authority, DocNo, SealKind, Reason, Holders, Price, Voucher string
}

// NewApplicationPage is the window's form for an application.
type NewApplicationPage struct {
	Base
	Applicants string // one applicant a line: 姓名或名称 证件号码
	Agent      string
	Lines      []ServiceForm
	Kinds      []registry.ServiceKind
	Banks      []identity.Org
	Projects   []ledger.Project // the 楼盘表 a flat is picked from
	Errors     map[string]string
	Message    string
	Reasons    []problem.Reason
	// lines are the form's lines of the services taken, in order: a line
	// left without a kind takes no service, so the store's services[1] may
	// be the form's third line.
	lines []int
}

// DetailsOpen tells whether the i-th line's other particulars are shown
// unfolded: when one is filled in or in error, so that nothing entered or
// wrong is hidden.
func (p NewApplicationPage) DetailsOpen(i int) bool {
	l := p.Lines[i]
	if l.Entry+l.Bank+l.Amount+l.TermEnd+l.Authority+l.DocNo+l.Reason+l.Holders+l.Price+l.Voucher != "" {
		return true
	}
	for k := range p.Errors {
		field, n, ok := cutLast(k, "_")
		if ok && n == strconv.Itoa(i) && !slices.Contains([]string{"kind", "unit_no", "whole", "line"}, field) {
			return true
		}
	}
	return false
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// Faults is every fault of a refused form in the order of the form, each
// saying where it is (登记事项2：…), for the list above the form.
func (p NewApplicationPage) Faults() []string {
	type fault struct {
		line  int // -1: the applicants
		order int
		text  string
	}
	fieldOrder := []string{"line", "kind", "unit_no", "whole", "entry", "bank", "amount", "term_start", "term_end", "authority", "doc_no", "reason", "holders", "price", "deed_tax_voucher", "details"}
	var out []fault
	for k, v := range p.Errors {
		field, n, ok := cutLast(k, "_")
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			out = append(out, fault{line: -1, text: v})
			continue
		}
		o := slices.Index(fieldOrder, field)
		if o < 0 {
			o = len(fieldOrder)
		}
		out = append(out, fault{line: i, order: o, text: fmt.Sprintf("登记事项%d：%s", i+1, v)})
	}
	slices.SortFunc(out, func(a, b fault) int {
		if a.line != b.line {
			return a.line - b.line
		}
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.text, b.text)
	})
	texts := make([]string, len(out))
	for i, f := range out {
		texts[i] = f.text
	}
	return texts
}

// applicationLines is how many services the form offers.
const applicationLines = 3

func (s *Server) newApplicationPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.applicationForm(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if u := q.Get("unit_no"); u != "" {
		page.Lines[0] = ServiceForm{Kind: q.Get("kind"), UnitNo: u}
	}
	return s.render(w, 200, "application_form", page)
}

func (s *Server) applicationForm(r *http.Request) (NewApplicationPage, error) {
	p, err := principal(r)
	if err != nil {
		return NewApplicationPage{}, err
	}
	if err := access.Decide(p, access.RegistrationApply, access.Target{Jurisdiction: p.Jurisdiction.Code}); err != nil {
		return NewApplicationPage{}, err
	}
	page := NewApplicationPage{Base: s.base(r, "受理登记申请"), Lines: make([]ServiceForm, applicationLines), Kinds: registry.ServiceKinds}
	if page.Banks, err = s.db.ListOrgs(r.Context(), access.Filter{All: true}, store.OrgQuery{Kind: identity.Bank}); err != nil {
		return page, err
	}
	// The window's own projects to pick a flat from (a prefecture window's:
	// every project).
	f, err := access.ListFilter(p, access.ProjectRead)
	if err != nil {
		return page, nil
	}
	page.Projects, err = s.db.ListProjects(r.Context(), f, store.ProjectQuery{})
	return page, err
}

// parseApplicants reads the form's applicants: each a name (a body's may
// hold spaces), optionally the kind of its document (护照, …), then the
// document's number; a line may hold several (张伟 6523…、李娜 1101…), as
// a number ends an applicant. A name with no number after it is an
// applicant without a document, which the rules refuse at the counter.
func parseApplicants(text string) []registry.Applicant {
	var out []registry.Applicant
	for _, line := range strings.Split(text, "\n") {
		var name []string
		kind := ""
		for _, w := range strings.FieldsFunc(line, isSeparator) {
			switch {
			case len(name) > 0 && kind == "" && registry.IsIDKind(w):
				kind = w
			case isDocNumber(w):
				// A number before any name is an applicant without one,
				// which the rules refuse: never a part of a name.
				out = append(out, registry.Applicant{Name: strings.Join(name, " "), IDKind: kind, IDNumber: w})
				name, kind = nil, ""
			default:
				if kind != "" { // a kind's word not followed by a number is part of the name
					name, kind = append(name, kind), ""
				}
				name = append(name, w)
			}
		}
		if len(name) > 0 {
			out = append(out, registry.Applicant{Name: strings.Join(name, " "), IDKind: kind})
		}
	}
	return out
}

// isSeparator parts a name from a number, or one applicant from another.
func isSeparator(r rune) bool { return unicode.IsSpace(r) || r == '，' || r == ',' || r == '、' }

// isDocNumber tells a typed document number (Latin letters and digits,
// long enough to be one, even if mistyped) from a part of a name.
func isDocNumber(s string) bool {
	if len(s) < 8 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// parseHolders reads "姓名 身份证号 [份额]" lines into holders.
func parseHolders(text string) ([]registry.Holder, error) {
	var in []registry.HolderInput
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		h := registry.HolderInput{Name: f[0]}
		if len(f) > 1 {
			h.IDNumber = f[1]
		}
		if len(f) > 2 {
			h.Share = f[2]
		}
		in = append(in, h)
	}
	return registry.ParseHolders(in)
}

// createApplication accepts an application at the counter: the form's
// applicants and services, refused with the form shown again — every
// value kept, every fault named at its field — when anything is wrong or
// the store refuses it, else redirected to the new application.
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) error {
	page, err := s.applicationForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	in, errs := s.applicationInput(r, &page)
	if len(errs) > 0 {
		// The form's own faults, with the ones the store finds in the rest.
		if err := s.db.CheckApplication(ctx, identity.ActorFrom(ctx), in); problem.KindOf(err) == problem.Invalid {
			for k, v := range problem.As(err).Fields {
				if f := page.formField(k); errs[f] == "" {
					errs[f] = v
				}
			}
		} else if err != nil && problem.KindOf(err) == problem.Internal {
			return err
		}
		page.Errors, page.Message = errs, fmt.Sprintf("申请有%d处错误，未受理", len(errs))
		return s.render(w, http.StatusUnprocessableEntity, "application_form", page)
	}
	a, err := s.db.CreateApplication(ctx, identity.ActorFrom(ctx), s.calendar(), in)
	if err != nil {
		e := problem.As(err)
		if e.Kind == problem.Internal {
			return err
		}
		page.Errors, page.Message, page.Reasons = map[string]string{}, e.Message, e.Reasons
		for k, v := range e.Fields {
			page.Errors[page.formField(k)] = v
		}
		return s.render(w, http.StatusUnprocessableEntity, "application_form", page)
	}
	s.flash(r, "已受理，受理号 "+a.Number+autoReviewNote(a))
	http.Redirect(w, r, fmt.Sprintf("/applications/%d", a.ID), http.StatusSeeOther)
	return nil
}

// formField is the form's field of an error's field: a service's
// services[1].bank is bank_N for the form's line N that took the second
// service (its holders[0].share is holders_N, a fault of the whole service
// line_N); the applicants' is applicants.
func (p *NewApplicationPage) formField(k string) string {
	rest, ok := strings.CutPrefix(k, "services[")
	if !ok {
		return k
	}
	n, field, _ := strings.Cut(rest, "]")
	if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(p.lines) {
		n = strconv.Itoa(p.lines[i])
	}
	field = strings.TrimPrefix(field, ".")
	if i := strings.IndexAny(field, "[."); i >= 0 {
		field = field[:i]
	}
	if field == "" {
		field = "line"
	}
	return field + "_" + n
}

// applicationInput reads the form into the application to create, keeping
// what was entered on page to show again; errs names each field the form
// itself finds in error (the holders' lines), the store the others.
func (s *Server) applicationInput(r *http.Request, page *NewApplicationPage) (store.ApplicationInput, map[string]string) {
	page.Applicants, page.Agent = r.PostFormValue("applicants"), r.PostFormValue("agent")
	in := store.ApplicationInput{Applicants: parseApplicants(page.Applicants), Agent: page.Agent, Source: "counter"}
	if !page.P.PrefectureWide() {
		in.Window = page.P.Jurisdiction.Code
	}
	errs := map[string]string{}
	for i := range page.Lines {
		f := serviceFormAt(r, i)
		page.Lines[i] = f
		if f.Kind == "" {
			if f.UnitNo != "" {
				errs[fmt.Sprintf("kind_%d", i)] = "请选择登记事项"
			}
			continue
		}
		si, msg := serviceInput(f)
		if msg != "" {
			errs[fmt.Sprintf("holders_%d", i)] = msg
		}
		in.Services = append(in.Services, si)
		page.lines = append(page.lines, i)
	}
	return in, errs
}

// serviceFormAt is the form's i-th service line as entered.
func serviceFormAt(r *http.Request, i int) ServiceForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(fmt.Sprintf("%s_%d", k, i))) }
	return ServiceForm{Kind: v("kind"), UnitNo: strings.ToUpper(v("unit_no")), Whole: v("whole"), Entry: v("entry"), Bank: v("bank"), Amount: v("amount"),
		TermEnd: v("term_end"), NoTransfer: v("no_transfer"), Authority: v("authority"), DocNo: v("doc_no"), SealKind: v("seal_kind"),
		Reason: v("reason"), Holders: r.PostFormValue(fmt.Sprintf("holders_%d", i)), Price: v("price"), Voucher: v("voucher")}
}

// serviceInput turns a service line into the service to create: its unit
// by number (the store finds it; "whole" asks for its building's first
// registration), the particulars its kind takes and the holders. A line
// whose holders cannot be read says why; the service is still returned,
// without them, for the store to name its other faults.
func serviceInput(f ServiceForm) (si store.ServiceInput, holdersFault string) {
	si = store.ServiceInput{Kind: registry.ServiceKind(f.Kind), UnitNo: f.UnitNo, Whole: f.Whole == "1", Details: map[string]string{}}
	si.EntryID, _ = strconv.ParseInt(f.Entry, 10, 64)
	// Only the particulars the kind takes: the form shows them all.
	entered := map[string]string{"bank": f.Bank, "amount": f.Amount, "term_end": f.TermEnd, "authority": f.Authority, "doc_no": f.DocNo,
		"seal_kind": f.SealKind, "reason": f.Reason, "price": f.Price, "deed_tax_voucher": f.Voucher, "no_transfer": f.NoTransfer}
	for _, k := range si.Kind.DetailKeys() {
		if v := entered[k]; v != "" {
			si.Details[k] = v
		}
	}
	if strings.TrimSpace(f.Holders) != "" {
		hs, err := parseHolders(f.Holders)
		if err != nil {
			var msgs []string
			for _, m := range problem.As(err).Fields {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			return si, "每行一位：姓名 证件号码 [份额如1/2]。" + strings.Join(msgs, "；")
		}
		si.Holders = hs
	}
	return si, ""
}

// autoReviewNote tells the counter when a service of the new application
// was reviewed automatically, so nobody waits for a reviewer.
func autoReviewNote(a registry.Application) string {
	for _, sv := range a.Services {
		if sv.AutoReview {
			return "；符合自动审核条件，已自动审核"
		}
	}
	return ""
}

// ---- an application

// ServiceLine is a service with its unit named.
type ServiceLine struct {
	registry.Service
	Place string
	Left  int
}

// HistoryLine is one step done on one or more services of an application
// at once, by one person.
type HistoryLine struct {
	store.StepRecord
	Services []string
}

// groupHistory folds the same step by the same person with the same note on
// several services into one line.
func groupHistory(a registry.Application, steps []store.StepRecord) []HistoryLine {
	kind := map[int64]string{}
	for _, s := range a.Services {
		kind[s.ID] = s.Kind.Label()
	}
	var out []HistoryLine
	for _, r := range steps {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.Step == r.Step && last.ByName == r.ByName && last.Note == r.Note && r.At.Sub(last.At) < time.Minute {
				last.Services = append(last.Services, kind[r.ServiceID])
				continue
			}
		}
		out = append(out, HistoryLine{StepRecord: r, Services: []string{kind[r.ServiceID]}})
	}
	return out
}

// ApplicationPage shows an application with its services, the rules that
// block it, the materials it relies on, its history, and one action for
// the step it is at.
type ApplicationPage struct {
	Base
	App          registry.Application
	Lines        []ServiceLine
	Blocks       []problem.Reason
	Materials    [][3]string
	History      []HistoryLine
	Certificates []store.Certificate
	Next         registry.Step
	CanStep      bool // the principal may do the next step
	// Segregation says why the principal may not record this application
	// although their role allows it (they reviewed it), "" otherwise.
	Segregation string
	CanWithdraw bool
	Paper       []PaperSlot // 发证: a blank per certificate, the next free offered
	PaperLeft   int64       // blanks left in the authority's stock
	PaperOn     bool        // print on paper (the form's choice)
	Errors      map[string]string
	Message     string
	Reasons     []problem.Reason
}

// loadApplicationPage loads the path's application, decides access to it,
// and fills the page: its services, the paper to print on, what blocks it,
// who may not record it, its materials and history; a view by anyone but
// a buyer is audited as a view of personal data.
func (s *Server) loadApplicationPage(r *http.Request) (ApplicationPage, error) {
	p, a, t, err := s.applicationFor(r)
	if err != nil {
		return ApplicationPage{}, err
	}
	ctx := r.Context()
	page := ApplicationPage{Base: s.base(r, "登记申请 "+a.Number), App: a, Next: a.Next()}
	page.CanStep = page.Next != "" && a.State == "open" && access.Allowed(p, access.StepAction(page.Next), t)
	page.CanWithdraw = a.State == "open" && access.Allowed(p, access.RegistrationApply, t)
	if err := s.serviceLines(ctx, p, a, &page); err != nil {
		return page, err
	}
	if page.CanStep && page.Next == registry.StepIssue {
		if page.Paper, page.PaperLeft, err = s.paperSlots(ctx, a.Jurisdiction, page.Certificates); err != nil {
			return page, err
		}
		page.PaperOn = len(page.Paper) > 0 && page.Paper[len(page.Paper)-1].Serial != ""
	}
	if a.State == "open" {
		if page.Blocks, err = s.db.ApplicationBlocks(ctx, a.ID); err != nil {
			return page, err
		}
	}
	if page.CanStep && page.Next == registry.StepRecord {
		if page.Segregation, err = s.recorderSegregation(ctx, p, a); err != nil {
			return page, err
		}
	}
	if page.Materials, err = s.db.ApplicationMaterials(ctx, a.ID); err != nil {
		return page, err
	}
	steps, err := s.db.ApplicationHistory(ctx, a.ID)
	if err != nil {
		return page, err
	}
	page.History = groupHistory(a, steps)
	if err := s.viewedPersonal(r, "application", a.ID, t.Buyers); err != nil {
		return page, err
	}
	return page, nil
}

// applicationFor loads the path's application and decides reading it, so
// that nothing of it is read further for a principal refused it.
func (s *Server) applicationFor(r *http.Request) (*identity.Principal, registry.Application, access.Target, error) {
	p, err := principal(r)
	if err != nil {
		return nil, registry.Application{}, access.Target{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, registry.Application{}, access.Target{}, err
	}
	a, err := s.db.Application(r.Context(), id)
	if err != nil {
		return nil, registry.Application{}, access.Target{}, err
	}
	t, err := s.db.ApplicationTarget(r.Context(), a)
	if err != nil {
		return nil, registry.Application{}, access.Target{}, err
	}
	if err := access.Decide(p, access.RegistrationRead, t); err != nil {
		return nil, registry.Application{}, access.Target{}, err
	}
	return p, a, t, nil
}

// serviceLines adds each service of a with the place it concerns, the
// working days left in the principal's region, and its certificates.
func (s *Server) serviceLines(ctx context.Context, p *identity.Principal, a registry.Application, page *ApplicationPage) error {
	cal, today := s.calendar(), s.today()
	for _, sv := range a.Services {
		l := ServiceLine{Service: sv}
		if sv.UnitID != 0 {
			if ref, err := s.db.Unit(ctx, sv.UnitID); err == nil {
				l.Place = ref.Building.Name + " " + ref.Unit.Room
			}
		} else if sv.BuildingID != 0 {
			if b, err := s.db.Building(ctx, sv.BuildingID); err == nil {
				l.Place = b.Name + "（整幢）"
			}
		}
		var err error
		if l.Left, _, err = cal.WorkdaysBetween(today, sv.DueOn, p.Jurisdiction.Region); err != nil {
			return err
		}
		page.Lines = append(page.Lines, l)
		cs, err := s.db.CertificatesOfService(ctx, sv.ID)
		if err != nil {
			return err
		}
		page.Certificates = append(page.Certificates, cs...)
	}
	return nil
}

// recorderSegregation says why the principal may not record a although
// their role allows it (the registration policy keeps a service's reviewer
// from recording it), "" when they may.
func (s *Server) recorderSegregation(ctx context.Context, p *identity.Principal, a registry.Application) (string, error) {
	policy, err := s.db.RegistrationPolicy(ctx, a.Jurisdiction)
	if err != nil {
		return "", err
	}
	for _, sv := range a.Services {
		if sv.State != registry.Approved {
			continue
		}
		if err := sv.RecorderConflict(p.User.ID, policy); err != nil {
			return problem.As(err).Reasons[0].Message, nil
		}
	}
	return "", nil
}

// viewedPersonal logs a view of personal data by anyone but the person.
func (s *Server) viewedPersonal(r *http.Request, kind string, id int64, persons []string) error {
	p := identity.PrincipalFrom(r.Context())
	if p != nil && p.User.IDNumber != "" {
		for _, b := range persons {
			if b == p.User.IDNumber {
				return nil
			}
		}
	}
	return s.db.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "personal.view", kind, id, map[string]string{"via": "page"})
}

func (s *Server) applicationPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadApplicationPage(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "application", page)
}

// applicationStep runs one step of the application: 受理, 审核, 复审,
// 退回补正 and 撤回 (with the form's reason), 登簿, 缮证.
func (s *Server) applicationStep(step registry.Step) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		return s.stepApplication(w, r, id, step, store.StepOptions{Reason: strings.TrimSpace(r.PostFormValue("reason"))})
	}
}

// issueApplication issues the certificates: how they are delivered and the
// paper blanks they are printed on.
func (s *Server) issueApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.stepApplication(w, r, id, registry.StepIssue, store.StepOptions{Delivery: r.PostFormValue("delivery"),
		TrackingNo: strings.TrimSpace(r.PostFormValue("tracking_no")), PaperSerial: postedSerials(r)})
}

// stepApplication asks the store for the step — which decides access on
// the application it locks — and shows the application with what was
// done, or again with why it was refused and the paper serials as typed.
func (s *Server) stepApplication(w http.ResponseWriter, r *http.Request, id int64, step registry.Step, opts store.StepOptions) error {
	a, err := s.db.Step(r.Context(), identity.ActorFrom(r.Context()), id, step, opts, s.cfg.Keys)
	if err == nil {
		return s.done(w, r, fmt.Sprintf("已%s（受理号 %s）", step.Label(), a.Number), fmt.Sprintf("/applications/%d", a.ID))
	}
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, err := s.loadApplicationPage(r)
	if err != nil {
		return err
	}
	page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
	if step == registry.StepIssue {
		page.PaperOn = keepPosted(r, page.Paper)
	}
	return s.render(w, http.StatusUnprocessableEntity, "application", page)
}

// ---- certificates

// CertificatePage is the printable certificate with its QR code.
type CertificatePage struct {
	Base
	Cert        store.Certificate
	Content     certificate.Payload
	VerifyURL   string
	CanDownload bool
	Current     certificate.VerificationJSON
	Seal        template.HTML // the authority's seal; empty until the certificate is signed, or when its signature does not hold
}

func (s *Server) loadCertificate(r *http.Request) (store.Certificate, access.Target, error) {
	if _, err := principal(r); err != nil {
		return store.Certificate{}, access.Target{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return store.Certificate{}, access.Target{}, err
	}
	return s.db.CertificateFor(r.Context(), viewer(r), id, access.CertificateRead)
}

func (s *Server) certificatePage(w http.ResponseWriter, r *http.Request) error {
	c, t, err := s.loadCertificate(r)
	if err != nil {
		return err
	}
	page := CertificatePage{Base: s.base(r, c.Kind.Label()+" "+c.Number), Cert: c, VerifyURL: s.verifyURL(c),
		CanDownload: access.MayDownload(viewer(r), t)}
	if err := json.Unmarshal(c.Payload, &page.Content); err != nil {
		return err
	}
	if !page.CanDownload {
		for i := range page.Content.Holders {
			if page.Content.Holders[i].IDKind == "身份证" {
				page.Content.Holders[i].IDNumber = code.MaskIDCard(page.Content.Holders[i].IDNumber)
			}
		}
	}
	v, err := s.db.Verify(r.Context(), c.LicenceID)
	if err != nil {
		return err
	}
	page.Current = v.Public()
	if page.Current.SignatureValid {
		name, err := s.db.SignerName(r.Context(), c.KeyID)
		if err != nil {
			return err
		}
		page.Seal = template.HTML(certificate.Seal(name, certificate.SealPurpose)) // certificate.Seal escapes every text
	}
	if err := s.viewedPersonal(r, "certificate", c.ID, t.Buyers); err != nil {
		return err
	}
	return s.render(w, 200, "certificate", page)
}

// viewer is the request's principal, nil when nobody is logged in.
func viewer(r *http.Request) *identity.Principal { return identity.PrincipalFrom(r.Context()) }

// verifyURL is the address c's QR code carries: its licence identifier
// and its token (certificate.VerifyURL).
func (s *Server) verifyURL(c store.Certificate) string {
	return certificate.VerifyURL(s.cfg.BaseURL, c.LicenceID, c.Signature)
}

// certificateQR is the QR code of the verification address. It names no
// person, and its token opens only what the certificate itself shows
// (names masked), so anyone who may see the certificate may have it.
func (s *Server) certificateQR(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.loadCertificate(r)
	if err != nil {
		return err
	}
	return writeQR(w, s.verifyURL(c))
}

// writeQR answers the QR code of a verification address as a PNG, which
// the viewer's browser may keep for a day (the address never changes).
func writeQR(w http.ResponseWriter, url string) error {
	png, err := certificate.QR(url)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, err = w.Write(png)
	return err
}

func (s *Server) certificateDownload(w http.ResponseWriter, r *http.Request) error {
	c, t, err := s.loadCertificate(r)
	if err != nil {
		return err
	}
	if !access.MayDownload(viewer(r), t) {
		return problem.New(problem.Forbidden, "certificate.download", "电子证照文件含权利人身份证号，仅权利人、抵押权人和登记机构可下载")
	}
	file, err := s.db.CertificateFile(r.Context(), c)
	if err != nil {
		return err
	}
	if err := s.viewedPersonal(r, "certificate_file", c.ID, t.Buyers); err != nil {
		return err
	}
	return writeSignedFile(w, fmt.Sprintf("certificate-%d.json", c.ID), file)
}

// ---- public verification

// VerifyPage is the public verification of an electronic certificate, by
// its licence identifier (电子证照标识) or by its number (不动产权证书号).
type VerifyPage struct {
	Base
	Query   string // the identifier or number as typed
	Result  *certificate.VerificationJSON
	Message string
	// NamesLocked: too many wrong names were given for this certificate
	// today, so the name was not compared (certificate.NamesLocked).
	NamesLocked bool
	// NumbersLocked: too many wrong numbers were given for this
	// certificate's licence identifier today, so the number was not
	// compared (certificate.NumbersLocked).
	NumbersLocked bool
}

// verifyForm is the verification form, and its answer. A licence
// identifier alone is sent to its own address (the QR code's, without the
// token); with a certificate number, its second factor, it is answered
// here. A certificate number is answered here, with a holder's name as
// its second factor. Second factors are read only from a posted form, so
// that they stay out of addresses and browser history, and are never
// shown back: a page with a wrong one is the page without one.
func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) error {
	page := VerifyPage{Base: s.base(r, "电子证照核验"), Query: strings.TrimSpace(r.FormValue("id"))}
	if page.Query == "" {
		return s.render(w, 200, "verify", page)
	}
	if _, err := code.ParseLicenceID(page.Query); err == nil {
		number := strings.TrimSpace(r.PostFormValue("number"))
		if number == "" {
			http.Redirect(w, r, "/verify/"+url.PathEscape(page.Query), http.StatusSeeOther)
			return nil
		}
		return s.verifyLicence(w, r, page, store.LicenceLookup{Licence: page.Query, Number: number, Via: "page"})
	}
	return s.verifyNumber(w, r, page, r.PostFormValue("name"))
}

// verifyPage answers the address a certificate's QR code carries: its
// licence identifier and token (an old QR code has no token, and gets the
// status only); a certificate number there is answered as the form
// answers it without a name.
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	page := VerifyPage{Base: s.base(r, "电子证照核验"), Query: r.PathValue("licence")}
	if inquiry.IsNumber(page.Query) {
		// A 查询结果证明's number typed into the one verification form.
		http.Redirect(w, r, "/verify/inquiry/"+url.PathEscape(strings.ToUpper(strings.TrimSpace(page.Query))), http.StatusSeeOther)
		return nil
	}
	if _, err := code.ParseLicenceID(page.Query); err != nil {
		return s.verifyNumber(w, r, page, "")
	}
	return s.verifyLicence(w, r, page, store.LicenceLookup{Licence: page.Query, Token: r.URL.Query().Get("token"), Via: "page"})
}

// verifyLicence answers a lookup by licence identifier
// (store.VerifyLicence), which the store audits when a factor is given.
func (s *Server) verifyLicence(w http.ResponseWriter, r *http.Request, page VerifyPage, l store.LicenceLookup) error {
	v, err := s.db.VerifyLicence(r.Context(), identity.ActorFrom(r.Context()), l)
	return s.renderVerification(w, page, v, err, "查无此证照：请核对电子证照标识，或向登记机构咨询。")
}

// renderVerification shows a verification, or notFound when there is no
// such certificate; other errors are the error page's.
func (s *Server) renderVerification(w http.ResponseWriter, page VerifyPage, v store.Verification, err error, notFound string) error {
	if problem.KindOf(err) == problem.NotFound {
		page.Message = notFound
		return s.render(w, http.StatusNotFound, "verify", page)
	}
	if err != nil {
		return err
	}
	res := v.Public()
	page.Result, page.NamesLocked, page.NumbersLocked = &res, v.NamesLocked, v.NumbersLocked
	return s.render(w, 200, "verify", page)
}

// verifyNumber answers a lookup by certificate number (store.VerifyNumber),
// which the store audits.
func (s *Server) verifyNumber(w http.ResponseWriter, r *http.Request, page VerifyPage, name string) error {
	v, err := s.db.VerifyNumber(r.Context(), identity.ActorFrom(r.Context()), store.NumberLookup{Number: page.Query, Name: name, Via: "page"})
	switch problem.KindOf(err) {
	case problem.Invalid:
		page.Message = "“" + page.Query + "”既不是电子证照标识，也不是不动产权证书号或不动产登记证明号：证书号形如“新(2026)昌吉市不动产权第0000123号”。"
		return s.render(w, http.StatusNotFound, "verify", page)
	}
	return s.renderVerification(w, page, v, err, "查无此证：请核对不动产权证书号，或向登记机构咨询。")
}

// writeSignedFile sends a signed file (an electronic certificate or a
// 查询结果证明) as a download that no cache keeps: it names a person.
func writeSignedFile(w http.ResponseWriter, name string, file []byte) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(file)
	return err
}
