package web

import (
	"fmt"
	"net/http"
	"strconv"

	"handover/internal/access"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// CreditRecordPage is a developer's credit record (诚信记录) with the
// scoring rule, the appeal form for the developer and the staff's forms.
type CreditRecordPage struct {
	Base
	Record    store.CreditRecord         // the assessment on the whole record
	Events    store.Listed[credit.Event] // the records shown, a page at a time
	Pager     Pager
	Keep      ListState // the page, carried by the appeal and decision forms
	Kinds     []credit.EventKind
	Levels    []credit.Level
	CanAppeal bool
	CanManage bool
	Message   string
	Reasons   []problem.Reason
	Errors    map[string]string
	Form      map[string]string
}

// Bound is the lowest score of a level, for the rule's table.
func (CreditRecordPage) Bound(l credit.Level) int {
	for _, x := range credit.Levels {
		if x.Level == l {
			return x.From
		}
	}
	return 0
}

func (s *Server) myCredit(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.CreditAppeal, access.CreditTarget(p.Org.ID)); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/credit/developers/%d", p.Org.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) loadCreditRecord(r *http.Request) (CreditRecordPage, error) {
	p, err := principal(r)
	if err != nil {
		return CreditRecordPage{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return CreditRecordPage{}, problem.New(problem.NotFound, "developer.not_found", "开发企业不存在")
	}
	if err := access.Decide(p, access.CreditRecordRead, access.CreditTarget(id)); err != nil {
		return CreditRecordPage{}, err
	}
	rec, err := s.db.CreditRecordOf(r.Context(), id)
	if err != nil {
		return CreditRecordPage{}, err
	}
	events, err := s.db.CreditEventList(r.Context(), id, listPage(r))
	if err != nil {
		return CreditRecordPage{}, err
	}
	page := CreditRecordPage{Base: s.base(r, "信用记录："+rec.Name), Record: rec, Events: events, Pager: pagerOf(r, events),
		Keep: ListState{Page: events.Page.Number}, Kinds: credit.EventKinds,
		CanAppeal: access.Allowed(p, access.CreditAppeal, access.CreditTarget(id)), CanManage: access.Allowed(p, access.CreditManage, access.CreditTarget(id)),
		Form: map[string]string{}}
	for _, l := range credit.Levels {
		page.Levels = append(page.Levels, l.Level)
	}
	return page, nil
}

func (s *Server) creditRecordPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadCreditRecord(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "creditrecord", page)
}

// creditRefused shows the developer's record again with why the action
// was refused and the finding as typed, at the page of records the form
// was sent from.
func (s *Server) creditRefused(w http.ResponseWriter, r *http.Request, err error, form map[string]string) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	if dev, err := pathID(r, "id"); err == nil {
		asListed(r, fmt.Sprintf("/credit/developers/%d", dev))
	}
	page, err := s.loadCreditRecord(r)
	if err != nil {
		return err
	}
	page.Message, page.Reasons, page.Errors = e.Message, e.Reasons, e.Fields
	if form != nil {
		page.Form = form
	}
	return s.render(w, http.StatusUnprocessableEntity, "creditrecord", page)
}

// creditRecordEvent records a finding of the supervision staff against the
// path's developer.
func (s *Server) creditRecordEvent(w http.ResponseWriter, r *http.Request) error {
	dev, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form := map[string]string{"description": r.PostFormValue("description"), "evidence": r.PostFormValue("evidence"), "points": r.PostFormValue("points")}
	// points that are not a number are refused after access is decided
	var bad error
	points, err := strconv.Atoi(form["points"])
	if err != nil {
		bad = &problem.Error{Kind: problem.Invalid, Code: "credit.event_invalid", Message: "信用记录填写有误", Fields: map[string]string{"points": "扣分须为1至30的整数"}}
	}
	_, err = s.db.RecordCreditEvent(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), dev, form["description"], form["evidence"], points)
	if err != nil {
		return s.creditRefused(w, r, err, form)
	}
	return s.done(w, r, "已记入信用记录", fmt.Sprintf("/credit/developers/%d", dev))
}

// creditEventFor loads the path's credit event, which must be the path's
// developer's; the store decides access on it.
func (s *Server) creditEventFor(r *http.Request) (credit.Event, error) {
	dev, err := pathID(r, "id")
	if err != nil {
		return credit.Event{}, err
	}
	id, err := pathID(r, "event")
	if err != nil {
		return credit.Event{}, err
	}
	e, err := s.db.CreditEvent(r.Context(), id)
	if err != nil {
		return e, err
	}
	if e.Developer != dev {
		return e, problem.New(problem.NotFound, "credit.event_not_found", "信用记录不存在")
	}
	return e, nil
}

// creditAppeal files the developer's appeal against one of its records.
func (s *Server) creditAppeal(w http.ResponseWriter, r *http.Request) error {
	e, err := s.creditEventFor(r)
	if err != nil {
		return err
	}
	if _, err := s.db.AppealCreditEvent(r.Context(), identity.ActorFrom(r.Context()), e.ID, r.PostFormValue("reason")); err != nil {
		return s.creditRefused(w, r, err, nil)
	}
	return s.done(w, r, "申诉已提交，待监管部门处理", listBack(r, fmt.Sprintf("/credit/developers/%d", e.Developer)))
}

// creditDecideAppeal decides the appeal against a record.
func (s *Server) creditDecideAppeal(w http.ResponseWriter, r *http.Request) error {
	e, err := s.creditEventFor(r)
	if err != nil {
		return err
	}
	d := credit.Decision(r.PostFormValue("decision"))
	if _, err := s.db.DecideAppeal(r.Context(), identity.ActorFrom(r.Context()), e.ID, d, r.PostFormValue("note")); err != nil {
		return s.creditRefused(w, r, err, nil)
	}
	return s.done(w, r, "申诉已处理", listBack(r, fmt.Sprintf("/credit/developers/%d", e.Developer)))
}

// creditCards are the credit manager's work on the home page: the
// developers' appeals waiting for a decision, counted as the credit page's
// tab of them lists them.
func (s *Server) creditCards(r *http.Request, p *identity.Principal) ([]HomeCard, error) {
	if !access.Could(p, access.CreditManage) {
		return nil, nil
	}
	n, err := s.db.PendingAppeals(r.Context())
	if err != nil {
		return nil, err
	}
	return []HomeCard{{Title: "待复核的信用申诉", Count: n, Unit: "件", Href: "/credit?show=appeals", Warn: n > 0,
		Note: "开发企业对信用记录的申诉，由监管部门维持或撤销扣分"}}, nil
}
