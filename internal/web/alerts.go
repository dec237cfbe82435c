package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// AlertsPage is an organisation's alert inbox (the prefecture's: all), a
// page at a time: by state, kind, only the viewer's, only the overdue
// items of a jurisdiction or organisation (the dashboard's figures), and
// searchable by project, flat or text.
type AlertsPage struct {
	Base
	List    store.AlertListed
	Pager   Pager
	State   string
	Kind    supervision.AlertKind
	Kinds   []supervision.AlertKind
	Mine    bool
	Overdue bool   // only the overdue items (supervision.OverdueKinds)
	Juris   string // narrowed to this jurisdiction ("": not)
	JName   string // its name
	Org     int64  // narrowed to the alerts this organisation must act on (0: not)
	OrgName string
	Q       string
	Tabs    []AlertTab
}

// AlertTab is one of the state tabs, keeping the other conditions.
type AlertTab struct {
	State, Label, Href string
}

// Count is how many alerts of the whole list have severity s.
func (p AlertsPage) Count(s string) int { return p.List.Severities[supervision.Severity(s)] }

// alertListQuery reads an alert list's conditions from r's address for
// viewer p: the state tabs (open by default), kind, mine, overdue,
// jurisdiction, organisation, search and page. state is the tab shown.
func alertListQuery(r *http.Request, p *identity.Principal) (q store.AlertListQuery, state string) {
	v := r.URL.Query()
	state = v.Get("state")
	switch state {
	case "all":
	case "resolved":
		q.State = "resolved"
	default:
		state, q.State = "open", "open"
	}
	q.Kind = supervision.AlertKind(v.Get("kind"))
	if !slices.Contains(supervision.AlertKinds, q.Kind) {
		q.Kind = ""
	}
	if v.Get("mine") == "1" {
		q.Assignee = p.User.ID
	}
	q.Overdue = v.Get("overdue") == "1"
	q.Jurisdiction = v.Get("jurisdiction")
	q.OrgID, _ = strconv.ParseInt(v.Get("org"), 10, 64)
	q.Search, q.Page = listSearch(r), listPage(r)
	return q, state
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.AlertRead)
	if err != nil {
		return err
	}
	q, state := alertListQuery(r, p)
	page := AlertsPage{Base: s.base(r, "预警"), State: state, Kind: q.Kind, Kinds: supervision.AlertKinds, Mine: q.Assignee != 0,
		Overdue: q.Overdue, Juris: q.Jurisdiction, Org: q.OrgID, Q: q.Search}
	if page.Juris != "" {
		names, _, err := s.jurisdictionNames(r)
		if err != nil {
			return err
		}
		page.JName = JNames(names).Name(page.Juris)
	}
	if page.Org != 0 {
		if o, err := s.db.Org(r.Context(), page.Org); err == nil {
			page.OrgName = o.Name
		}
	}
	// The tabs keep every condition: what narrows the list to a place
	// (jurisdiction, organisation, the overdue items), the kind, mine and
	// the search.
	place := url.Values{}
	if q.Overdue {
		place.Set("overdue", "1")
	}
	if q.Jurisdiction != "" {
		place.Set("jurisdiction", q.Jurisdiction)
	}
	if q.OrgID != 0 {
		place.Set("org", strconv.FormatInt(q.OrgID, 10))
	}
	for _, t := range []AlertTab{{"open", "待处理", ""}, {"resolved", "已解除", ""}, {"all", "全部", ""}} {
		v := maps.Clone(place)
		v.Set("state", t.State)
		if q.Kind != "" {
			v.Set("kind", string(q.Kind))
		}
		if page.Mine {
			v.Set("mine", "1")
		}
		if q.Search != "" {
			v.Set("q", q.Search)
		}
		t.Href = "/alerts?" + v.Encode()
		page.Tabs = append(page.Tabs, t)
	}
	if page.List, err = s.db.AlertList(r.Context(), f, q); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List.Listed)
	return s.render(w, 200, "alerts", page)
}

// AlertPage is one alert with its history and what the viewer may do.
type AlertPage struct {
	Base
	Alert     supervision.Alert
	History   []supervision.Action
	CanHandle bool
	Users     []identity.User
	Message   string
	Reasons   []problem.Reason
	Fields    map[string]string
	Note      string
	JName     string // the alert's jurisdiction, by name
}

func (s *Server) loadAlertPage(r *http.Request) (AlertPage, error) {
	p, err := principal(r)
	if err != nil {
		return AlertPage{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return AlertPage{}, problem.New(problem.NotFound, "alert.not_found", "预警不存在")
	}
	a, history, err := s.db.Alert(r.Context(), id)
	if err != nil {
		return AlertPage{}, err
	}
	if err := access.Decide(p, access.AlertRead, store.AlertTarget(a)); err != nil {
		return AlertPage{}, err
	}
	page := AlertPage{Base: s.base(r, "预警："+a.Kind.Label()), Alert: a, History: history,
		CanHandle: access.Allowed(p, access.AlertHandle, store.AlertTarget(a))}
	names, _, err := s.jurisdictionNames(r)
	if err != nil {
		return page, err
	}
	page.JName = JNames(names).Name(a.Jurisdiction)
	if page.CanHandle && a.Open() {
		if page.Users, err = s.db.AssignableUsers(r.Context(), a.OrgID); err != nil {
			return page, err
		}
	}
	return page, nil
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadAlertPage(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "alert", page)
}

// alertRefused shows the alert again with why the action was refused and
// the note as typed.
func (s *Server) alertRefused(w http.ResponseWriter, r *http.Request, err error, note string) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, err := s.loadAlertPage(r)
	if err != nil {
		return err
	}
	page.Message, page.Reasons, page.Fields, page.Note = e.Message, e.Reasons, e.Fields, note
	return s.render(w, http.StatusUnprocessableEntity, "alert", page)
}

func (s *Server) alertAcknowledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.AcknowledgeAlert(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return s.alertRefused(w, r, err, "")
	}
	return s.done(w, r, "已签收", fmt.Sprintf("/alerts/%d", id))
}

func (s *Server) alertAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// an assignee left unchosen is refused after access is decided
	user, bad := formID(r, "assignee", "请选择处理人")
	_, err = s.db.AssignAlert(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, user, r.PostFormValue("note"))
	if err != nil {
		return s.alertRefused(w, r, err, "")
	}
	return s.done(w, r, "已指派", fmt.Sprintf("/alerts/%d", id))
}

func (s *Server) alertResolve(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	note := r.PostFormValue("note")
	if _, err := s.db.ResolveAlert(r.Context(), identity.ActorFrom(r.Context()), id, note); err != nil {
		return s.alertRefused(w, r, err, note)
	}
	return s.done(w, r, "预警已解除；原因再次出现时将重新打开", fmt.Sprintf("/alerts/%d", id))
}
