package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/web/snippets"
)

// ---- calendar

// CalendarPage lists the holiday notices in force and loads new ones.
type CalendarPage struct {
	Base
	Notices []calendar.Notice
	Text    string
	Preview *calendar.Notice
	Errors  map[string]string
	Message string
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.CalendarManage, access.Target{}); err != nil {
		return err
	}
	return s.render(w, 200, "calendar", CalendarPage{Base: s.base(r, "节假日日历"), Notices: s.cfg.Calendar.Get().Notices()})
}

// calendarLoad previews a pasted notice; with confirm=1 it loads it. The
// store decides access before the notice is checked.
func (s *Server) calendarLoad(w http.ResponseWriter, r *http.Request) error {
	text := r.PostFormValue("text")
	n, bad := calendar.ParseNotice(text)
	ctx := store.AfterAccess(r.Context(), bad)
	confirm := r.PostFormValue("confirm") == "1"
	var err error
	if confirm {
		_, err = s.db.LoadNotice(ctx, identity.ActorFrom(r.Context()), n)
	} else {
		err = store.CheckNotice(ctx, n)
	}
	page := CalendarPage{Base: s.base(r, "节假日日历"), Notices: s.cfg.Calendar.Get().Notices(), Text: text}
	if err != nil {
		e := problem.As(err)
		if e.Kind != problem.Invalid {
			return err
		}
		page.Errors, page.Message = e.Fields, e.Message
		return s.render(w, http.StatusUnprocessableEntity, "calendar", page)
	}
	if !confirm {
		page.Preview = &n
		return s.render(w, 200, "calendar", page)
	}
	if err := s.cfg.Calendar.Reload(r.Context()); err != nil {
		return err
	}
	s.flash(r, "已载入“"+n.Title+"”，涉及的期限已按新日历重新计算")
	http.Redirect(w, r, "/admin/calendar", http.StatusSeeOther)
	return nil
}

// ---- public tools

// ToolsPage checks codes and computes deadlines, without login.
type ToolsPage struct {
	Base
	Kind, Value string
	Kinds       []string
	Check       *code.Result
	Start       string
	Workdays    string
	Region      string
	Deadline    *calendar.Deadline
	Error       string
}

func (s *Server) toolsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page := ToolsPage{Base: s.base(r, "编码校验与工作日计算"), Kinds: code.Kinds, Kind: q.Get("type"), Value: q.Get("value"),
		Start: q.Get("start"), Workdays: q.Get("workdays"), Region: q.Get("region")}
	if page.Start == "" {
		page.Start = s.today().String()
	}
	if page.Workdays == "" {
		page.Workdays = "20"
	}
	if page.Region == "" {
		page.Region = "650000"
	}
	if page.Kind != "" && page.Value != "" {
		res, err := code.Check(page.Kind, page.Value, nil)
		if err != nil {
			page.Error = problem.As(err).Message
		} else {
			page.Check = &res
		}
	}
	if q.Get("start") != "" {
		start, err1 := calendar.ParseDate(page.Start)
		n, err2 := strconv.Atoi(page.Workdays)
		switch {
		case err1 != nil:
			page.Error = "起算日期格式应为YYYY-MM-DD"
		case err2 != nil:
			page.Error = "工作日数应为整数"
		default:
			dl, err := s.cfg.Calendar.Get().AddWorkdays(start, n, page.Region)
			if err != nil {
				page.Error = problem.As(err).Message
			} else {
				page.Deadline = &dl
			}
		}
	}
	return s.render(w, 200, "tools", page)
}

// ---- API documentation

// APIDocsPage lists the API's operations by section.
type APIDocsPage struct {
	Base
	Sections []APISection
}

// APISection is one tag of the API.
type APISection struct {
	Name   string
	Routes []APIRoute
}

func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request) error {
	by := map[string][]APIRoute{}
	for _, rt := range s.api.Routes {
		by[rt.Tag] = append(by[rt.Tag], rt)
	}
	var names []string
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	page := APIDocsPage{Base: s.base(r, "接口文档")}
	for _, n := range names {
		page.Sections = append(page.Sections, APISection{Name: n, Routes: by[n]})
	}
	return s.render(w, 200, "apidocs", page)
}

// EventDocsPage documents each event type for partners' developers: when it
// is sent, its payload fields and JSON Schema, and the delivery contract.
type EventDocsPage struct {
	Base
	Events []EventDoc
	// Snippets are the signature checks in Go, Java and Python, as the
	// snippets package's tests run them.
	Snippets Snippets
}

// Snippets are the source of a signature check in each language.
type Snippets struct{ Go, Java, Python string }

// EventDoc is one event type's documentation.
type EventDoc struct {
	Type   exchange.EventType
	Fields []exchange.Field
	Schema string // indented JSON
}

func (s *Server) eventDocs(w http.ResponseWriter, r *http.Request) error {
	page := EventDocsPage{Base: s.base(r, "事件目录"),
		Snippets: Snippets{Go: snippets.Go(), Java: snippets.Java(), Python: snippets.Python()}}
	for _, et := range exchange.EventTypes() {
		b, _ := json.MarshalIndent(exchange.Schema(et), "", "  ")
		page.Events = append(page.Events, EventDoc{Type: et, Fields: exchange.Payload(et.Code), Schema: string(b)})
	}
	return s.render(w, 200, "eventdocs", page)
}

// eventCatalogue serves the catalogue as JSON: each type with its schema.
func (s *Server) eventCatalogue(w http.ResponseWriter, r *http.Request) error {
	var out []map[string]any
	for _, et := range exchange.EventTypes() {
		out = append(out, map[string]any{"type": et.Code, "name": et.Name, "schema": exchange.Schema(et)})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(map[string]any{"events": out, "headers": []string{exchange.HeaderEvent, exchange.HeaderID, "X-Handover-Timestamp", "X-Handover-Signature"}})
}
