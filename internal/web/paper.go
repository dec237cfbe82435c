package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// ---- the registration centre's paper blanks (证书纸库存)

// PaperForm is what the stock page's forms hold.
type PaperForm struct {
	Prefix, First, Last, Note string // a range received
	Serial, Reason            string // a blank spoiled
}

// PaperPreview is a receipt or a spoilage checked and awaiting the clerk's
// confirmation: neither can be undone.
type PaperPreview struct {
	Action string // receive, spoil
	Range  certificate.Range
	Serial string
}

// PaperPage is an authority's stock: the ranges received with what became
// of their blanks, the blanks the printer takes next, the blanks used and
// spoiled, and (for the 缮证发证 post) receiving a range and spoiling a
// blank, each confirmed before it is recorded.
type PaperPage struct {
	Base
	Jurisdictions []identity.Jurisdiction // those the principal may see that have a registration authority
	Current       string
	Stock         certificate.Stock
	Next          []string
	Used          []certificate.Blank
	Spoiled       []certificate.Blank
	CanManage     bool
	Action        string // the form posted: receive, spoil
	Form          PaperForm
	Preview       *PaperPreview
	Errors        map[string]string
	Message       string
	Reasons       []problem.Reason
}

// Q is the page's query string.
func (p PaperPage) Q() string { return url.Values{"jurisdiction": {p.Current}}.Encode() }

// loadPaperPage reads the stock of the requested jurisdiction (the
// principal's own by default) after deciding the principal may see it.
func (s *Server) loadPaperPage(r *http.Request, jurisdiction string) (PaperPage, error) {
	p, err := principal(r)
	if err != nil {
		return PaperPage{}, err
	}
	ctx := r.Context()
	authorities, err := s.db.PaperAuthorities(ctx)
	if err != nil {
		return PaperPage{}, err
	}
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return PaperPage{}, err
	}
	var js []identity.Jurisdiction
	for _, j := range manageableJurisdictions(p, access.PaperRead, all) {
		if authorities[j.Code] != "" {
			js = append(js, j)
		}
	}
	if jurisdiction == "" {
		jurisdiction = p.Jurisdiction.Code
		if authorities[jurisdiction] == "" && len(js) > 0 {
			jurisdiction = js[0].Code
		}
	}
	if err := access.Decide(p, access.PaperRead, access.Target{Jurisdiction: jurisdiction}); err != nil {
		return PaperPage{}, err
	}
	page := PaperPage{Base: s.base(r, "证书纸库存"), Jurisdictions: js, Current: jurisdiction,
		CanManage: access.Allowed(p, access.PaperManage, access.Target{Jurisdiction: jurisdiction})}
	if page.Stock, err = s.db.PaperStock(ctx, jurisdiction); err != nil {
		return page, err
	}
	if page.Next, err = s.db.NextFreeSerials(ctx, jurisdiction, 5); err != nil {
		return page, err
	}
	if page.Spoiled, err = s.db.PaperBlanks(ctx, jurisdiction, certificate.Spoiled, 200); err != nil {
		return page, err
	}
	if page.Used, err = s.db.PaperBlanks(ctx, jurisdiction, certificate.Used, 50); err != nil {
		return page, err
	}
	return page, nil
}

func (s *Server) paperPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadPaperPage(r, r.URL.Query().Get("jurisdiction"))
	if err != nil {
		return err
	}
	return s.render(w, 200, "paper", page)
}

// paperAction receives a range or spoils a blank: the first post checks it
// and asks for confirmation, the second (confirm=1) records it. The store
// decides access on the stock, before it checks the form.
func (s *Server) paperAction(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadPaperPage(r, r.PostFormValue("jurisdiction"))
	if err != nil {
		return err
	}
	ctx, actor := r.Context(), identity.ActorFrom(r.Context())
	f := PaperForm{Prefix: r.PostFormValue("prefix"), First: r.PostFormValue("first"), Last: r.PostFormValue("last"),
		Note: strings.TrimSpace(r.PostFormValue("note")), Serial: strings.TrimSpace(r.PostFormValue("serial")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	page.Form, page.Action = f, r.PostFormValue("action")
	confirm := r.PostFormValue("confirm") == "1"
	var done string
	switch action := r.PostFormValue("action"); action {
	case "receive":
		rng, bad := certificate.NewRange(f.Prefix, f.First, f.Last)
		rng.Note = f.Note
		if !confirm {
			if err = s.db.CheckPaperRange(store.AfterAccess(ctx, bad), page.Current, rng); err == nil {
				page.Preview = &PaperPreview{Action: action, Range: rng}
				return s.render(w, 200, "paper", page)
			}
		} else if rng, err = s.db.ReceivePaper(store.AfterAccess(ctx, bad), actor, page.Current, rng); err == nil {
			done = "已领入证书纸 " + rng.String() + "，共" + strconv.FormatInt(rng.Size(), 10) + "张"
		}
		if err != nil {
			return s.paperRefused(w, page, err)
		}
	case "spoil":
		if !confirm {
			_, _, bad := certificate.CheckSpoil(f.Serial, f.Reason)
			serial, rng, err := s.db.CheckPaperBlank(store.AfterAccess(ctx, bad), page.Current, f.Serial)
			if err != nil {
				return s.paperRefused(w, page, err)
			}
			page.Form.Serial = serial.String()
			page.Preview = &PaperPreview{Action: action, Range: rng, Serial: serial.String()}
			return s.render(w, 200, "paper", page)
		}
		b, err := s.db.SpoilBlank(ctx, actor, page.Current, f.Serial, f.Reason)
		if err != nil {
			return s.paperRefused(w, page, err)
		}
		done = "已登记作废：证书纸 " + b.Serial + "（" + b.Reason + "）"
	default:
		return problem.New(problem.Invalid, "request.form", "未知的操作")
	}
	s.flash(r, done)
	http.Redirect(w, r, "/paper-stock?"+page.Q(), http.StatusSeeOther)
	return nil
}

// paperRefused shows the page again with the refusal beside the form.
func (s *Server) paperRefused(w http.ResponseWriter, page PaperPage, err error) error {
	e := problem.As(err)
	if e.Kind == problem.Internal || e.Kind == problem.Forbidden {
		return err
	}
	page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
	return s.render(w, http.StatusUnprocessableEntity, "paper", page)
}

// ---- paper at 发证

// PaperSlot is one certificate of an issue and the blank offered or typed
// for it.
type PaperSlot struct {
	Cert   store.Certificate
	Serial string
}

// paperSlots lists the application's certificates in the order the store
// takes their serials, each with the next free blank of the authority's
// stock, and the blanks the stock has left.
func (s *Server) paperSlots(ctx context.Context, jurisdiction string, certs []store.Certificate) ([]PaperSlot, int64, error) {
	st, err := s.db.PaperStock(ctx, jurisdiction)
	if problem.KindOf(err) == problem.NotFound {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	free, err := s.db.NextFreeSerials(ctx, jurisdiction, len(certs))
	if err != nil {
		return nil, 0, err
	}
	out := make([]PaperSlot, len(certs))
	for i, c := range certs {
		out[i].Cert = c
		if i < len(free) {
			out[i].Serial = free[i]
		}
	}
	return out, st.Remaining(), nil
}

// postedSerials reads the issue form: one serial per certificate when the
// clerk prints on paper, nothing otherwise.
func postedSerials(r *http.Request) string {
	if r.PostFormValue("paper") != "1" {
		return ""
	}
	list := r.PostForm["paper_serial"]
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
	return certificate.JoinSerials(list)
}

// keepPosted puts what the clerk typed back into the slots after a refusal.
func keepPosted(r *http.Request, slots []PaperSlot) bool {
	list := r.PostForm["paper_serial"]
	for i := range slots {
		slots[i].Serial = ""
		if i < len(list) {
			slots[i].Serial = strings.TrimSpace(list[i])
		}
	}
	return r.PostFormValue("paper") == "1"
}
