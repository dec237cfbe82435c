package web

import (
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
	Fields    map[string]string
	Note      string
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

func (s *Server) alertAction(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadAlertPage(r)
	if err != nil {
		return err
	}
	p, _ := principal(r)
	if err := access.Decide(p, access.AlertHandle, store.AlertTarget(page.Alert)); err != nil {
		return err
	}
	ctx, actor, id := r.Context(), identity.ActorFrom(r.Context()), page.Alert.ID
	var msg string
	switch r.PostFormValue("step") {
	case "acknowledge":
		_, err = s.db.AcknowledgeAlert(ctx, actor, id)
		msg = "已签收"
	case "assign":
		user, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
		_, err = s.db.AssignAlert(ctx, actor, id, user, r.PostFormValue("note"))
		msg = "已指派"
	case "resolve":
		page.Note = r.PostFormValue("note")
		_, err = s.db.ResolveAlert(ctx, actor, id, page.Note)
		msg = "预警已解除；原因再次出现时将重新打开"
	default:
		return problem.New(problem.Invalid, "request.step", "未知的操作")
	}
	if err != nil {
		e := problem.As(err)
		if e.Kind == problem.Internal || e.Kind == problem.Forbidden {
			return err
		}
		page.Message, page.Fields = e.Message, e.Fields
		return s.render(w, http.StatusUnprocessableEntity, "alert", page)
	}
	s.flash(r, msg)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}
