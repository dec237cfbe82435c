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
	Record    store.CreditRecord
	Kinds     []credit.EventKind
	Levels    []credit.Level
	CanAppeal bool
	CanManage bool
	Message   string
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
	page := CreditRecordPage{Base: s.base(r, "信用记录："+rec.Name), Record: rec, Kinds: credit.EventKinds,
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

func (s *Server) creditRecordAction(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadCreditRecord(r)
	if err != nil {
		return err
	}
	p, _ := principal(r)
	ctx, actor, dev := r.Context(), identity.ActorFrom(r.Context()), page.Record.Developer
	event, _ := strconv.ParseInt(r.PostFormValue("event"), 10, 64)
	// The record the form names must be this developer's.
	owned := func() error {
		for _, e := range page.Record.Events {
			if e.ID == event {
				return nil
			}
		}
		return problem.New(problem.NotFound, "credit.event_not_found", "信用记录不存在")
	}
	var msg string
	switch step := r.PostFormValue("step"); step {
	case "record":
		if err := access.Decide(p, access.CreditManage, access.CreditTarget(dev)); err != nil {
			return err
		}
		page.Form["description"], page.Form["evidence"], page.Form["points"] = r.PostFormValue("description"), r.PostFormValue("evidence"), r.PostFormValue("points")
		points, _ := strconv.Atoi(r.PostFormValue("points"))
		_, err = s.db.RecordCreditEvent(ctx, actor, dev, page.Form["description"], page.Form["evidence"], points)
		msg = "已记入信用记录"
	case "appeal":
		if err := access.Decide(p, access.CreditAppeal, access.CreditTarget(dev)); err != nil {
			return err
		}
		if err := owned(); err != nil {
			return err
		}
		_, err = s.db.AppealCreditEvent(ctx, actor, event, r.PostFormValue("reason"))
		msg = "申诉已提交，待监管部门处理"
	case "decide":
		if err := access.Decide(p, access.CreditManage, access.CreditTarget(dev)); err != nil {
			return err
		}
		if err := owned(); err != nil {
			return err
		}
		_, err = s.db.DecideAppeal(ctx, actor, event, credit.Decision(r.PostFormValue("decision")), r.PostFormValue("note"))
		msg = "申诉已处理"
	default:
		return problem.New(problem.Invalid, "request.step", "未知的操作")
	}
	errs, m, err := formErrors(err)
	if err != nil {
		return err
	}
	if m != "" {
		page.Message, page.Errors = m, errs
		return s.render(w, http.StatusUnprocessableEntity, "creditrecord", page)
	}
	s.flash(r, msg)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}
