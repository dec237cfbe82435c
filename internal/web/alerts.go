package web

import (
	"fmt"
	"net/http"
	"strconv"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// AlertsPage is an organisation's alert inbox (the prefecture's: all).
type AlertsPage struct {
	Base
	Alerts []supervision.Alert
	State  string
	Kind   supervision.AlertKind
	Kinds  []supervision.AlertKind
	Counts map[supervision.Severity]int
	Mine   bool
}

// Count is how many listed alerts have severity s.
func (p AlertsPage) Count(s string) int { return p.Counts[supervision.Severity(s)] }

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	q, err := store.AlertQueryFor(p, state)
	if err != nil {
		return err
	}
	if state == "" {
		state = "open"
	}
	page := AlertsPage{Base: s.base(r, "预警"), State: state, Kind: supervision.AlertKind(r.URL.Query().Get("kind")), Kinds: supervision.AlertKinds,
		Counts: map[supervision.Severity]int{}, Mine: r.URL.Query().Get("mine") == "1"}
	q.Kind = page.Kind
	if page.Mine {
		q.Assignee = p.User.ID
	}
	if page.Alerts, err = s.db.Alerts(r.Context(), q); err != nil {
		return err
	}
	for _, a := range page.Alerts {
		page.Counts[a.Severity]++
	}
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
