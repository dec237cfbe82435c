package web

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"handover/internal/identity"
	"handover/internal/problem"
)

// handlerFunc is a page handler: it writes a page or returns an error that
// the adapter turns into the right status and page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorPage shows a failed request.
type ErrorPage struct {
	Base
	Status  int
	Code    string
	Message string
	Reasons []problem.Reason
	Fields  []FieldMessage // what was wrong with each input named, by name
	Ref     string
}

// FieldMessage is what was wrong with one input.
type FieldMessage struct{ Name, Message string }

func (s *Server) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.pageError(w, r, err)
		}
	})
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := problem.As(err)
	page := ErrorPage{Base: s.base(r, "出错了"), Status: e.Kind.Status(), Code: e.Code, Message: e.Message, Reasons: e.Reasons}
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		page.Fields = append(page.Fields, FieldMessage{Name: name, Message: e.Fields[name]})
	}
	switch e.Kind {
	case problem.Unauthenticated:
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		page.Title = "请先登录"
	case problem.Forbidden:
		page.Title = "无权访问"
		if err := s.db.RecordDenial(r.Context(), identity.ActorFrom(r.Context()), r.Method, r.URL.Path, e.Message); err != nil {
			s.log.ErrorContext(r.Context(), "audit denial", "err", err)
		}
	case problem.NotFound:
		page.Title = "未找到"
	case problem.Internal:
		b := make([]byte, 4)
		rand.Read(b)
		page.Ref = hex.EncodeToString(b)
		page.Title = "系统内部错误"
		page.Message = "系统内部错误，请稍后重试；如持续出现，请将参考号告知系统管理员。"
		s.log.ErrorContext(r.Context(), "page error", "ref", page.Ref, "route", r.Pattern, "err", err)
	}
	if rerr := s.render(w, page.Status, "error", page); rerr != nil {
		s.log.ErrorContext(r.Context(), "render error page", "err", rerr)
		http.Error(w, page.Message, page.Status)
	}
}

// principal returns the logged-in principal or an Unauthenticated error.
func principal(r *http.Request) (*identity.Principal, error) {
	p := identity.PrincipalFrom(r.Context())
	if p == nil {
		return nil, problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	return p, nil
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.New(problem.NotFound, "page.not_found", "页面不存在")
	}
	return id, nil
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// formErrors returns the field messages of an Invalid error (nil otherwise)
// and the error itself when it is not a form problem the page can show.
func formErrors(err error) (map[string]string, string, error) {
	if err == nil {
		return nil, "", nil
	}
	e := problem.As(err)
	switch e.Kind {
	case problem.Invalid, problem.Conflict, problem.Refused:
		msg := e.Message
		for _, r := range e.Reasons {
			msg += "；" + r.Message
		}
		return e.Fields, msg, nil
	}
	return nil, "", err
}

// shown returns the refusal a page shows beside its form (a bad value, a
// conflict, a rule that refuses), or nil and err itself when the error is
// the error page's to show (not found, forbidden, internal).
func shown(err error) (*problem.Error, error) {
	switch e := problem.As(err); e.Kind {
	case problem.Invalid, problem.Conflict, problem.Refused:
		return e, nil
	}
	return nil, err
}

// done flashes what an action did and sends the browser to the page that
// shows it.
func (s *Server) done(w http.ResponseWriter, r *http.Request, msg, to string) error {
	s.flash(r, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// formID parses a form's record number; a missing or bad one is the
// field's error.
func formID(r *http.Request, field, msg string) (int64, error) {
	id, err := strconv.ParseInt(r.PostFormValue(field), 10, 64)
	if err != nil || id <= 0 {
		return 0, &problem.Error{Kind: problem.Invalid, Code: "request.field", Message: msg, Fields: map[string]string{field: msg}}
	}
	return id, nil
}
