package api

import (
	"net/http"
	"strconv"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

func (a *API) supervisionRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tAlert = "预警"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/alerts", Action: access.AlertRead, Tag: tAlert,
			Summary: "预警收件箱（本机构须处理的、本辖区的；州级可见全部），严重程度高、较新者在前",
			Params: []Param{{Name: "state", In: "query", Desc: "open（待处理与已签收，默认）| resolved | all"},
				{Name: "kind", In: "query", Desc: "预警类型"}, {Name: "project", In: "query", Type: "integer"}},
			Result: "AlertList", handle: a.listAlerts},
		{Method: "GET", Pattern: "/api/v1/alerts/{id}", Action: access.AlertRead, Tag: tAlert, Summary: "一条预警及其处理经过",
			Params: id, Result: "Alert", handle: a.getAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/acknowledge", Action: access.AlertHandle, Tag: tAlert, Summary: "签收预警",
			Params: id, Result: "Alert", handle: a.acknowledgeAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/assign", Action: access.AlertHandle, Tag: tAlert, Summary: "指派给本机构的处理人",
			Params: id, Body: "AlertAssignInput", Result: "Alert", handle: a.assignAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/resolve", Action: access.AlertHandle, Tag: tAlert,
			Summary: "解除预警（须填写处理说明）；原因再次出现时预警重新打开", Params: id, Body: "AlertResolveInput", Result: "Alert", handle: a.resolveAlert},
	}
}

// AlertJSON is an alert as the API shows it.
func AlertJSON(al supervision.Alert) map[string]any {
	return map[string]any{"id": al.ID, "kind": al.Kind, "kind_label": al.Kind.Label(), "severity": al.Severity, "severity_label": al.Severity.Label(),
		"state": al.State, "state_label": al.State.Label(), "jurisdiction": al.Jurisdiction, "project_id": al.ProjectID, "org_id": al.OrgID,
		"org_name": al.OrgName, "subject": al.Subject, "message": al.Message, "basis": al.Kind.Basis(), "link": al.Link,
		"assignee": al.Assignee, "assignee_name": al.AssigneeName, "occurrences": al.Occurrences, "raised_at": al.RaisedAt,
		"last_seen_at": al.LastSeenAt, "resolved_at": timePtr(al.ResolvedAt)}
}

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) error {
	q, err := store.AlertQueryFor(principal(r), r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	q.Kind = supervision.AlertKind(r.URL.Query().Get("kind"))
	if v := r.URL.Query().Get("project"); v != "" {
		if q.ProjectID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return &problem.Error{Kind: problem.Invalid, Code: "query.project", Message: "项目编号应为整数"}
		}
	}
	alerts, err := a.DB.Alerts(r.Context(), q)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, al := range alerts {
		out = append(out, AlertJSON(al))
	}
	return writeJSON(w, 200, map[string]any{"alerts": out})
}

// loadAlert reads the alert of the path and checks action on it.
func (a *API) loadAlert(r *http.Request, action access.Action) (supervision.Alert, []supervision.Action, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return supervision.Alert{}, nil, err
	}
	al, history, err := a.DB.Alert(r.Context(), id)
	if err != nil {
		return al, nil, err
	}
	return al, history, decide(r, action, store.AlertTarget(al))
}

func (a *API) alertWithHistory(w http.ResponseWriter, al supervision.Alert, history []supervision.Action) error {
	out := AlertJSON(al)
	var hs []map[string]any
	for _, h := range history {
		hs = append(hs, map[string]any{"action": h.Action, "label": h.Label(), "by": h.ByName, "note": h.Note, "assignee": h.Assignee, "at": h.At})
	}
	out["history"] = hs
	return writeJSON(w, 200, out)
}

func (a *API) getAlert(w http.ResponseWriter, r *http.Request) error {
	al, history, err := a.loadAlert(r, access.AlertRead)
	if err != nil {
		return err
	}
	return a.alertWithHistory(w, al, history)
}

// handleAlert checks AlertHandle on the alert, applies change and answers
// with the alert and its history.
func (a *API) handleAlert(w http.ResponseWriter, r *http.Request, change func(al supervision.Alert) error) error {
	al, _, err := a.loadAlert(r, access.AlertHandle)
	if err != nil {
		return err
	}
	if err := change(al); err != nil {
		return err
	}
	al, history, err := a.DB.Alert(r.Context(), al.ID)
	if err != nil {
		return err
	}
	return a.alertWithHistory(w, al, history)
}

func (a *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request) error {
	return a.handleAlert(w, r, func(al supervision.Alert) error {
		_, err := a.DB.AcknowledgeAlert(r.Context(), identity.ActorFrom(r.Context()), al.ID)
		return err
	})
}

func (a *API) assignAlert(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Assignee int64  `json:"assignee"`
		Note     string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	return a.handleAlert(w, r, func(al supervision.Alert) error {
		_, err := a.DB.AssignAlert(r.Context(), identity.ActorFrom(r.Context()), al.ID, in.Assignee, in.Note)
		return err
	})
}

func (a *API) resolveAlert(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	return a.handleAlert(w, r, func(al supervision.Alert) error {
		_, err := a.DB.ResolveAlert(r.Context(), identity.ActorFrom(r.Context()), al.ID, in.Note)
		return err
	})
}

func (a *API) creditRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tCredit = "诚信体系"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/developers/{id}/credit", Action: access.CreditRecordRead, Tag: tCredit,
			Summary: "开发企业信用记录：各条记录及其扣分、申诉，按公开的评分规则计算的分数与等级，是否在限制清单中", Params: id, Result: "CreditRecord",
			handle: a.getCreditRecord},
		{Method: "POST", Pattern: "/api/v1/developers/{id}/credit-events", Action: access.CreditManage, Tag: tCredit,
			Summary: "记录监管检查发现的失信行为（须有证据；D级自动列入限制清单）", Params: id, Body: "CreditEventInput", Result: "CreditEvent",
			Status: 201, handle: a.recordCreditEvent},
		{Method: "POST", Pattern: "/api/v1/credit-events/{id}/appeal", Action: access.CreditAppeal, Tag: tCredit,
			Summary: "开发企业对一条信用记录提出申诉（每条一次）", Params: id, Body: "AppealInput", Result: "CreditEvent", handle: a.appealCreditEvent},
		{Method: "POST", Pattern: "/api/v1/credit-events/{id}/decision", Action: access.CreditManage, Tag: tCredit,
			Summary: "处理申诉：upheld 维持，granted 撤销扣分（记录保留）", Params: id, Body: "AppealDecisionInput", Result: "CreditEvent", handle: a.decideAppeal},
	}
}

// CreditEventJSON is a credit record as the API shows it.
func CreditEventJSON(e credit.Event, now time.Time) map[string]any {
	out := map[string]any{"id": e.ID, "developer": e.Developer, "jurisdiction": e.Jurisdiction, "kind": e.Kind, "kind_label": e.Kind.Label(),
		"subject": e.Subject, "description": e.Description, "points": e.Points, "source": e.Source, "evidence": e.Evidence,
		"recorded_by": e.RecordedBy, "occurred_at": e.OccurredAt, "counts": e.Counts(now), "basis": e.Kind.Basis()}
	if ap := e.Appeal; ap != nil {
		out["appeal"] = map[string]any{"reason": ap.Reason, "filed_by": ap.FiledBy, "filed_at": ap.FiledAt, "decision": ap.Decision,
			"decision_label": ap.Decision.Label(), "note": ap.Note, "decided_by": ap.DecidedBy, "decided_at": timePtr(ap.DecidedAt)}
	}
	return out
}

func (a *API) getCreditRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := decide(r, access.CreditRecordRead, access.CreditTarget(id)); err != nil {
		return err
	}
	rec, err := a.DB.CreditRecordOf(r.Context(), id)
	if err != nil {
		return err
	}
	events := []map[string]any{}
	for _, e := range rec.Events {
		events = append(events, CreditEventJSON(e, rec.Assessment.At))
	}
	return writeJSON(w, 200, map[string]any{"developer": rec.Developer, "name": rec.Name, "score": rec.Assessment.Score,
		"level": rec.Assessment.Level, "level_label": rec.Assessment.Level.Label(), "listed": rec.Listed, "events": events,
		"rule": "满分100分；近24个月内每条记录按类别扣分（申诉撤销的不计）；A≥90，B≥75，C≥60，D<60自动列入限制清单"})
}

func (a *API) recordCreditEvent(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Description string `json:"description"`
		Evidence    string `json:"evidence"`
		Points      int    `json:"points"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := decide(r, access.CreditManage, access.CreditTarget(id)); err != nil {
		return err
	}
	e, err := a.DB.RecordCreditEvent(r.Context(), identity.ActorFrom(r.Context()), id, in.Description, in.Evidence, in.Points)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, CreditEventJSON(e, a.Now()))
}

// loadCreditEvent reads the record of the path and checks action on its developer.
func (a *API) loadCreditEvent(r *http.Request, action access.Action) (credit.Event, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return credit.Event{}, err
	}
	e, err := a.DB.CreditEvent(r.Context(), id)
	if err != nil {
		return e, err
	}
	return e, decide(r, action, access.CreditTarget(e.Developer))
}

func (a *API) appealCreditEvent(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := a.loadCreditEvent(r, access.CreditAppeal)
	if err != nil {
		return err
	}
	if e, err = a.DB.AppealCreditEvent(r.Context(), identity.ActorFrom(r.Context()), e.ID, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, 200, CreditEventJSON(e, a.Now()))
}

func (a *API) decideAppeal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := a.loadCreditEvent(r, access.CreditManage)
	if err != nil {
		return err
	}
	if e, err = a.DB.DecideAppeal(r.Context(), identity.ActorFrom(r.Context()), e.ID, credit.Decision(in.Decision), in.Note); err != nil {
		return err
	}
	return writeJSON(w, 200, CreditEventJSON(e, a.Now()))
}

func (a *API) dashboardRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/dashboard", Action: access.DashboardRead, Tag: "督查考核",
			Summary: "督查考核数据：各阶段项目与户数，期内交房户数及交房当日发证比例，竣工备案至发证工作日（中位数、90%分位），实现交房即交证的项目，按部门的逾期事项，按月趋势",
			Params: []Param{{Name: "jurisdiction", In: "query", Desc: "辖区代码；不填为全州（州级）或本辖区"}, {Name: "from", In: "query", Desc: "统计期间起（默认本年1月1日）"},
				{Name: "to", In: "query", Desc: "统计期间止（默认今天）"}},
			Result: "Dashboard", handle: a.getDashboard},
	}
}

func (a *API) getDashboard(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	q, err := store.DashboardQueryFor(p, r.URL.Query(), calendar.DateOf(a.Now()))
	if err != nil {
		return err
	}
	d, err := a.DB.Dashboard(r.Context(), a.calendar(), q)
	if err != nil {
		return err
	}
	median, ok := d.Quantile(0.5)
	p90, _ := d.Quantile(0.9)
	var spans any
	if ok {
		spans = map[string]int{"median": median, "p90": p90}
	}
	units, projects := map[string]int{}, map[string]int{}
	for _, s := range supervision.UnitStages {
		units[string(s)] = d.UnitsByStage[s]
	}
	for _, s := range supervision.ProjectStages {
		projects[string(s)] = d.ProjectsByStage[s]
	}
	var overdue []map[string]any
	for _, o := range d.Overdue {
		overdue = append(overdue, map[string]any{"org_id": o.OrgID, "org_name": o.OrgName, "kind": o.Kind, "kind_label": o.Kind.Label(), "count": o.Count})
	}
	var trend []map[string]any
	for _, m := range d.Trend {
		trend = append(trend, map[string]any{"month": m.Month, "filings": m.Filings, "handed_over": m.HandedOver, "same_day": m.SameDay})
	}
	return writeJSON(w, 200, map[string]any{"jurisdiction": q.Jurisdiction, "from": q.From, "to": q.To, "projects": d.Projects, "units": d.Units,
		"projects_by_stage": projects, "units_by_stage": units, "handed_over": d.HandedOver, "same_day": d.SameDay, "same_day_share": d.SameDayShare(),
		"projects_handed_over": d.ProjectsHanded, "projects_meeting": d.ProjectsMeeting, "filing_to_certificate_workdays": spans,
		"overdue": overdue, "trend": trend})
}
