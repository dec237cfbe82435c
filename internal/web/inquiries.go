package web

import (
	"fmt"
	"net/http"
	"strconv"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/problem"
	"handover/internal/store"
)

// InquiriesPage is the registration window's 登记资料查询: the form a clerk
// fills for the person or body asking (standing, identity, purpose, proof,
// and the unit by unit number, certificate number or location), and the
// jurisdiction's latest answered queries.
type InquiriesPage struct {
	Base
	Form       inquiry.Request
	Requesters []inquiry.Requester
	Bys        []inquiry.By
	Recent     []store.Inquiry
	Errors     map[string]string
	Message    string
	Reasons    []problem.Reason
	scope      string // the jurisdiction whose units the clerk may query ("": all)
}

// inquiriesShown is how many recent queries the page lists.
const inquiriesShown = 50

func (s *Server) inquiriesPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadInquiries(r)
	if err != nil {
		return err
	}
	page.Form = inquiry.Request{Requester: inquiry.Prospective, By: inquiry.ByUnitNo, Key: r.URL.Query().Get("unit_no")}
	return s.render(w, 200, "inquiries", page)
}

func (s *Server) loadInquiries(r *http.Request) (InquiriesPage, error) {
	p, err := principal(r)
	if err != nil {
		return InquiriesPage{}, err
	}
	scope, err := access.JurisdictionScope(p, access.RegisterInquire)
	if err != nil {
		return InquiriesPage{}, err
	}
	page := InquiriesPage{Base: s.base(r, "登记资料查询"), Requesters: inquiry.Requesters, Bys: inquiry.Bys, scope: scope}
	page.Recent, err = s.db.Inquiries(r.Context(), scope, inquiriesShown)
	return page, err
}

// inquire answers the query the form describes and shows its 查询结果证明;
// a refused or invalid query shows the form again with what to correct.
func (s *Server) inquire(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadInquiries(r)
	if err != nil {
		return err
	}
	f := r.PostFormValue
	q := inquiry.Request{Requester: inquiry.Requester(f("requester")), Name: f("name"), IDNumber: f("id_number"), Org: f("org"),
		Purpose: f("purpose"), Basis: inquiry.Basis(f("basis")), BasisNo: f("basis_no"), By: inquiry.By(f("by")), Key: f("key"),
		Channel: inquiry.Counter}.Normalise()
	page.Form = q
	refused := func(err error) error {
		e := problem.As(err)
		if e.Kind == problem.Internal || e.Kind == problem.Forbidden || e.Kind == problem.Unauthenticated {
			return err
		}
		page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
		return s.render(w, http.StatusUnprocessableEntity, "inquiries", page)
	}
	if err := q.Check(); err != nil {
		return refused(err)
	}
	ref, err := s.db.InquiryUnit(r.Context(), page.scope, q.By, q.Key)
	if err != nil {
		return refused(err)
	}
	answered, err := s.db.Inquire(r.Context(), identity.ActorFrom(r.Context()), q, ref.Unit.ID, s.cfg.Keys)
	if err != nil {
		return refused(err)
	}
	http.Redirect(w, r, "/inquiries/"+strconv.FormatInt(answered.ID, 10), http.StatusSeeOther)
	return nil
}

// InquiryPage is one 查询结果证明, printable, with the QR code of its public
// verification.
type InquiryPage struct {
	Base
	Inquiry   store.Inquiry
	VerifyURL string
	Clerk     bool // the viewer answers queries here (else the holder who asked online)
}

// loadInquiry reads the path's query and decides access on it.
func (s *Server) loadInquiry(r *http.Request) (store.Inquiry, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.Inquiry{}, problem.New(problem.NotFound, "inquiry.not_found", "查询记录不存在")
	}
	q, err := s.db.InquiryByID(r.Context(), id)
	if err != nil {
		return q, err
	}
	p, err := principal(r)
	if err != nil {
		return q, err
	}
	return q, access.Decide(p, access.InquiryRead, access.Target{Jurisdiction: q.Jurisdiction, User: q.QueriedBy})
}

// viewedInquiry logs a view of the holders' data in a query's result.
// The clerk who answered the query sees what they issued: the query
// itself is the disclosure on record. Anyone else's view is logged.
func (s *Server) viewedInquiry(r *http.Request, q store.Inquiry, recordType string) error {
	if len(q.Result.Holders) > 0 && q.QueriedBy != identity.ActorFrom(r.Context()).UserID {
		return s.viewedPersonal(r, recordType, q.ID, nil)
	}
	return nil
}

func (s *Server) inquiryPage(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadInquiry(r)
	if err != nil {
		return err
	}
	if err := s.viewedInquiry(r, q, "inquiry"); err != nil {
		return err
	}
	page := InquiryPage{Base: s.base(r, "查询结果证明 "+q.Number), Inquiry: q,
		VerifyURL: q.VerifyURL(s.cfg.BaseURL), Clerk: access.Allowed(viewer(r), access.RegisterInquire, access.Target{Jurisdiction: q.Jurisdiction})}
	return s.render(w, 200, "inquiry", page)
}

// inquiryFile downloads the signed 查询结果证明, checked offline by
// `handover verify FILE`.
func (s *Server) inquiryFile(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadInquiry(r)
	if err != nil {
		return err
	}
	if err := s.viewedInquiry(r, q, "inquiry_file"); err != nil {
		return err
	}
	file, err := s.db.InquiryFile(r.Context(), q)
	if err != nil {
		return err
	}
	return writeSignedFile(w, fmt.Sprintf("inquiry-%s.json", q.Number), file)
}

// inquiryQR is the QR code of the proof's verification address; its token
// opens only what the proof itself shows.
func (s *Server) inquiryQR(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadInquiry(r)
	if err != nil {
		return err
	}
	return writeQR(w, q.VerifyURL(s.cfg.BaseURL))
}

// InquiryVerifyPage is the public verification of a 查询结果证明.
type InquiryVerifyPage struct {
	Base
	Number  string
	Check   *store.InquiryCheck
	Message string
}

func (s *Server) inquiryVerifyPage(w http.ResponseWriter, r *http.Request) error {
	page := InquiryVerifyPage{Base: s.base(r, "查询结果证明核验"), Number: r.PathValue("number")}
	c, err := s.db.VerifyInquiry(r.Context(), page.Number, r.URL.Query().Get("token"))
	if problem.KindOf(err) == problem.NotFound {
		page.Message = "查无此查询结果证明：请核对查询编号，或向出具证明的登记机构咨询。"
		return s.render(w, http.StatusNotFound, "inquiry_verify", page)
	}
	if err != nil {
		return err
	}
	page.Check = &c
	return s.render(w, 200, "inquiry_verify", page)
}
