package api

import (
	"net/http"
	"strings"
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
			Summary: "预警收件箱（本机构须处理的、本辖区的；州级可见全部），严重程度高、较新者在前，按页返回",
			Params: append([]Param{{Name: "state", In: "query", Desc: "open（待处理与已签收，默认）| resolved | all"},
				{Name: "kind", In: "query", Desc: "预警类型"}, {Name: "project", In: "query", Type: "integer"},
				{Name: "mine", In: "query", Desc: "1：只列指派给本人的"},
				{Name: "overdue", In: "query", Desc: "1：只列督查考核计为逾期事项的类型"},
				{Name: "jurisdiction", In: "query", Desc: "只列该辖区的"}, {Name: "org", In: "query", Type: "integer", Desc: "只列该机构须处理的"},
				{Name: "q", In: "query", Desc: "查找：项目名称、房号（幢与户）、不动产单元号或预警内容"}}, pageParams()...),
			Response: alertList{}, handle: a.listAlerts},
		{Method: "GET", Pattern: "/api/v1/alerts/{id}", Action: access.AlertRead, Tag: tAlert, Summary: "一条预警及其处理经过",
			Params: id, Response: alertDetailJSON{}, handle: a.getAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/acknowledge", Action: access.AlertHandle, Tag: tAlert, Summary: "签收预警",
			Params: id, Response: alertDetailJSON{}, handle: a.acknowledgeAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/assign", Action: access.AlertHandle, Tag: tAlert, Summary: "指派给本机构的处理人",
			Params: id, Request: alertAssignInput{}, Response: alertDetailJSON{}, handle: a.assignAlert},
		{Method: "POST", Pattern: "/api/v1/alerts/{id}/resolve", Action: access.AlertHandle, Tag: tAlert,
			Summary: "解除预警（须填写处理说明）；原因再次出现时预警重新打开", Params: id, Request: alertResolveInput{}, Response: alertDetailJSON{}, handle: a.resolveAlert},
	}
}

// alertJSON is an alert as the API shows it.
type alertJSON struct {
	Assignee      int64                  `json:"assignee" doc:"处理人"`
	AssigneeName  string                 `json:"assignee_name"`
	Basis         string                 `json:"basis" doc:"规则依据"`
	ID            int64                  `json:"id"`
	Jurisdiction  string                 `json:"jurisdiction"`
	Kind          supervision.AlertKind  `json:"kind" doc:"预警类型"`
	KindLabel     string                 `json:"kind_label"`
	LastSeenAt    time.Time              `json:"last_seen_at"`
	Link          string                 `json:"link" doc:"处理入口（页面地址）"`
	Message       string                 `json:"message"`
	Occurrences   int                    `json:"occurrences" doc:"发生次数（解除后再次发生时加一）"`
	OrgID         int64                  `json:"org_id" doc:"须处理的机构"`
	OrgName       string                 `json:"org_name"`
	ProjectID     int64                  `json:"project_id"`
	RaisedAt      time.Time              `json:"raised_at"`
	ResolvedAt    *time.Time             `json:"resolved_at"`
	Severity      supervision.Severity   `json:"severity"`
	SeverityLabel string                 `json:"severity_label" doc:"提示 / 预警 / 严重"`
	State         supervision.AlertState `json:"state"`
	StateLabel    string                 `json:"state_label"`
	Subject       string                 `json:"subject" doc:"所涉记录，如 commitment:12"`
}

// alertDetailJSON is an alert with its history.
type alertDetailJSON struct {
	alertJSON
	History []alertActionJSON `json:"history"`
}

type alertActionJSON struct {
	Action   string    `json:"action" enum:"raise,reopen,acknowledge,assign,resolve,auto_resolve"`
	Assignee int64     `json:"assignee"`
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Label    string    `json:"label"`
	Note     string    `json:"note"`
}

type alertList struct {
	Alerts     []alertJSON `json:"alerts" doc:"本页的预警"`
	Total      int         `json:"total" doc:"符合条件的预警总数"`
	Page       int         `json:"page" doc:"页码，从1起"`
	Pages      int         `json:"pages" doc:"总页数"`
	Severities alertCounts `json:"severities" doc:"符合条件的预警按严重程度计数（全部页）"`
}

type alertCounts struct {
	Critical int `json:"critical" doc:"严重"`
	Warning  int `json:"warning" doc:"预警"`
	Notice   int `json:"notice" doc:"提示"`
}

type alertAssignInput struct {
	Assignee int64  `json:"assignee" doc:"本机构的处理人（用户ID）"`
	Note     string `json:"note"`
}

type alertResolveInput struct {
	Note string `json:"note" doc:"处理说明"`
}

func toAlertJSON(al supervision.Alert) alertJSON {
	return alertJSON{ID: al.ID, Kind: al.Kind, KindLabel: al.Kind.Label(), Severity: al.Severity, SeverityLabel: al.Severity.Label(),
		State: al.State, StateLabel: al.State.Label(), Jurisdiction: al.Jurisdiction, ProjectID: al.ProjectID, OrgID: al.OrgID,
		OrgName: al.OrgName, Subject: al.Subject, Message: al.Message, Basis: al.Kind.Basis(), Link: al.Link,
		Assignee: al.Assignee, AssigneeName: al.AssigneeName, Occurrences: al.Occurrences, RaisedAt: al.RaisedAt,
		LastSeenAt: al.LastSeenAt, ResolvedAt: timePtr(al.ResolvedAt)}
}

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.AlertRead)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	q := store.AlertListQuery{State: "open", Kind: supervision.AlertKind(v.Get("kind")), Overdue: v.Get("overdue") == "1",
		Jurisdiction: v.Get("jurisdiction"), Search: strings.TrimSpace(v.Get("q"))}
	switch v.Get("state") {
	case "all":
		q.State = ""
	case "resolved":
		q.State = "resolved"
	}
	if q.ProjectID, err = queryInt(r, "project", 0); err != nil {
		return &problem.Error{Kind: problem.Invalid, Code: "query.project", Message: "项目编号应为整数"}
	}
	if q.OrgID, err = queryInt(r, "org", 0); err != nil {
		return err
	}
	if v.Get("mine") == "1" {
		q.Assignee = principal(r).User.ID
	}
	if q.Page, err = queryPage(r); err != nil {
		return err
	}
	l, err := a.DB.AlertList(r.Context(), f, q)
	if err != nil {
		return err
	}
	out := alertList{Alerts: []alertJSON{}, Total: l.Total, Page: l.Page.Number, Pages: l.Pages(),
		Severities: alertCounts{Critical: l.Severities[supervision.Critical], Warning: l.Severities[supervision.Warning], Notice: l.Severities[supervision.Notice]}}
	for _, al := range l.Rows {
		out.Alerts = append(out.Alerts, toAlertJSON(al))
	}
	return writeJSON(w, 200, out)
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
	out := alertDetailJSON{alertJSON: toAlertJSON(al)}
	for _, h := range history {
		out.History = append(out.History, alertActionJSON{Action: h.Action, Label: h.Label(), By: h.ByName, Note: h.Note, Assignee: h.Assignee, At: h.At})
	}
	return writeJSON(w, 200, out)
}

func (a *API) getAlert(w http.ResponseWriter, r *http.Request) error {
	al, history, err := a.loadAlert(r, access.AlertRead)
	if err != nil {
		return err
	}
	return a.alertWithHistory(w, al, history)
}

// handleAlert applies change to the path's alert (the store decides
// access on the alert it locks) and answers with the alert and its history.
func (a *API) handleAlert(w http.ResponseWriter, r *http.Request, change func(id int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := change(id); err != nil {
		return err
	}
	al, history, err := a.DB.Alert(r.Context(), id)
	if err != nil {
		return err
	}
	return a.alertWithHistory(w, al, history)
}

func (a *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request) error {
	return a.handleAlert(w, r, func(id int64) error {
		_, err := a.DB.AcknowledgeAlert(r.Context(), identity.ActorFrom(r.Context()), id)
		return err
	})
}

func (a *API) assignAlert(w http.ResponseWriter, r *http.Request) error {
	var in alertAssignInput
	if err := decode(r, &in); err != nil {
		return err
	}
	return a.handleAlert(w, r, func(id int64) error {
		_, err := a.DB.AssignAlert(r.Context(), identity.ActorFrom(r.Context()), id, in.Assignee, in.Note)
		return err
	})
}

func (a *API) resolveAlert(w http.ResponseWriter, r *http.Request) error {
	var in alertResolveInput
	if err := decode(r, &in); err != nil {
		return err
	}
	return a.handleAlert(w, r, func(id int64) error {
		_, err := a.DB.ResolveAlert(r.Context(), identity.ActorFrom(r.Context()), id, in.Note)
		return err
	})
}

func (a *API) creditRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tCredit = "诚信体系"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/developers/{id}/credit", Action: access.CreditRecordRead, Tag: tCredit,
			Summary: "开发企业信用记录：各条记录及其扣分、申诉，按公开的评分规则计算的分数与等级，是否在限制清单中", Params: id, Response: creditRecordJSON{},
			handle: a.getCreditRecord},
		{Method: "POST", Pattern: "/api/v1/developers/{id}/credit-events", Action: access.CreditManage, Tag: tCredit,
			Summary: "记录监管检查发现的失信行为（须有证据；D级自动列入限制清单）", Params: id, Request: creditEventInput{}, Response: creditEventJSON{},
			Status: 201, handle: a.recordCreditEvent},
		{Method: "POST", Pattern: "/api/v1/credit-events/{id}/appeal", Action: access.CreditAppeal, Tag: tCredit,
			Summary: "开发企业对一条信用记录提出申诉（每条一次）", Params: id, Request: appealInput{}, Response: creditEventJSON{}, handle: a.appealCreditEvent},
		{Method: "POST", Pattern: "/api/v1/credit-events/{id}/decision", Action: access.CreditManage, Tag: tCredit,
			Summary: "处理申诉：upheld 维持，granted 撤销扣分（记录保留）", Params: id, Request: appealDecisionInput{}, Response: creditEventJSON{}, handle: a.decideAppeal},
	}
}

// creditEventJSON is a credit record as the API shows it; the appeal is
// there only when one was filed.
type creditEventJSON struct {
	Appeal       *appealJSON      `json:"appeal,omitempty"`
	Basis        string           `json:"basis"`
	Counts       bool             `json:"counts" doc:"是否计入评分"`
	Description  string           `json:"description"`
	Developer    int64            `json:"developer"`
	Evidence     string           `json:"evidence"`
	ID           int64            `json:"id"`
	Jurisdiction string           `json:"jurisdiction"`
	Kind         credit.EventKind `json:"kind"`
	KindLabel    string           `json:"kind_label"`
	OccurredAt   time.Time        `json:"occurred_at"`
	Points       int              `json:"points" doc:"扣分"`
	RecordedBy   string           `json:"recorded_by"`
	Source       string           `json:"source" enum:"platform,staff"`
	Subject      string           `json:"subject"`
}

type appealJSON struct {
	DecidedAt     *time.Time      `json:"decided_at"`
	DecidedBy     string          `json:"decided_by"`
	Decision      credit.Decision `json:"decision" enum:",upheld,granted" doc:"空为待处理"`
	DecisionLabel string          `json:"decision_label"`
	FiledAt       time.Time       `json:"filed_at"`
	FiledBy       string          `json:"filed_by"`
	Note          string          `json:"note"`
	Reason        string          `json:"reason"`
}

type creditRecordJSON struct {
	Developer  int64             `json:"developer"`
	Events     []creditEventJSON `json:"events"`
	Level      credit.Level      `json:"level" enum:"A,B,C,D"`
	LevelLabel string            `json:"level_label"`
	Listed     bool              `json:"listed" doc:"是否在限制清单中"`
	Name       string            `json:"name"`
	Rule       string            `json:"rule" doc:"评分规则"`
	Score      int               `json:"score"`
}

type creditEventInput struct {
	Description string `json:"description"`
	Evidence    string `json:"evidence" doc:"证据（必填）"`
	Points      int    `json:"points" doc:"扣分"`
}

type appealInput struct {
	Reason string `json:"reason" doc:"申诉理由"`
}

type appealDecisionInput struct {
	Decision string `json:"decision" enum:"upheld,granted" doc:"upheld 维持，granted 撤销扣分"`
	Note     string `json:"note"`
}

func toCreditEventJSON(e credit.Event, now time.Time) creditEventJSON {
	out := creditEventJSON{ID: e.ID, Developer: e.Developer, Jurisdiction: e.Jurisdiction, Kind: e.Kind, KindLabel: e.Kind.Label(),
		Subject: e.Subject, Description: e.Description, Points: e.Points, Source: e.Source, Evidence: e.Evidence,
		RecordedBy: e.RecordedBy, OccurredAt: e.OccurredAt, Counts: e.Counts(now), Basis: e.Kind.Basis()}
	if ap := e.Appeal; ap != nil {
		out.Appeal = &appealJSON{Reason: ap.Reason, FiledBy: ap.FiledBy, FiledAt: ap.FiledAt, Decision: ap.Decision,
			DecisionLabel: ap.Decision.Label(), Note: ap.Note, DecidedBy: ap.DecidedBy, DecidedAt: timePtr(ap.DecidedAt)}
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
	events := []creditEventJSON{}
	for _, e := range rec.Events {
		events = append(events, toCreditEventJSON(e, rec.Assessment.At))
	}
	return writeJSON(w, 200, creditRecordJSON{Developer: rec.Developer, Name: rec.Name, Score: rec.Assessment.Score,
		Level: rec.Assessment.Level, LevelLabel: rec.Assessment.Level.Label(), Listed: rec.Listed, Events: events,
		Rule: "满分100分；近24个月内每条记录按类别扣分（申诉撤销的不计）；A≥90，B≥75，C≥60，D<60自动列入限制清单"})
}

func (a *API) recordCreditEvent(w http.ResponseWriter, r *http.Request) error {
	var in creditEventInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := a.DB.RecordCreditEvent(r.Context(), identity.ActorFrom(r.Context()), id, in.Description, in.Evidence, in.Points)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toCreditEventJSON(e, a.Now()))
}

func (a *API) appealCreditEvent(w http.ResponseWriter, r *http.Request) error {
	var in appealInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := a.DB.AppealCreditEvent(r.Context(), identity.ActorFrom(r.Context()), id, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toCreditEventJSON(e, a.Now()))
}

func (a *API) decideAppeal(w http.ResponseWriter, r *http.Request) error {
	var in appealDecisionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := a.DB.DecideAppeal(r.Context(), identity.ActorFrom(r.Context()), id, credit.Decision(in.Decision), in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toCreditEventJSON(e, a.Now()))
}

func (a *API) dashboardRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/dashboard", Action: access.DashboardRead, Tag: "督查考核",
			Summary: "督查考核数据：各阶段项目与户数，期内交房户数及交房当日发证比例，竣工备案至发证工作日（中位数、90%分位），实现交房即交证的项目，按部门的逾期事项，按月趋势",
			Params: []Param{{Name: "jurisdiction", In: "query", Desc: "辖区代码；不填为全州（州级）或本辖区"}, {Name: "from", In: "query", Desc: "统计期间起（默认本年1月1日）"},
				{Name: "to", In: "query", Desc: "统计期间止（默认今天）"}},
			Response: dashboardJSON{}, handle: a.getDashboard},
	}
}

// dashboardJSON is the assessment of a jurisdiction over a period.
type dashboardJSON struct {
	Spans              *spansJSON     `json:"filing_to_certificate_workdays" doc:"竣工备案至发证的工作日（期内无交房时为空）"`
	From               calendar.Date  `json:"from"`
	HandedOver         int            `json:"handed_over" doc:"期内交房户数"`
	Jurisdiction       string         `json:"jurisdiction" doc:"辖区代码；空为全州"`
	Overdue            []overdueJSON  `json:"overdue" doc:"按部门的逾期事项"`
	Projects           int            `json:"projects"`
	ProjectsByStage    map[string]int `json:"projects_by_stage"`
	ProjectsHandedOver int            `json:"projects_handed_over"`
	ProjectsMeeting    int            `json:"projects_meeting" doc:"实现交房即交证的项目"`
	SameDay            int            `json:"same_day" doc:"交房当日发证户数"`
	SameDayShare       float64        `json:"same_day_share"`
	To                 calendar.Date  `json:"to"`
	Trend              []monthJSON    `json:"trend" doc:"按月趋势"`
	Units              int            `json:"units"`
	UnitsByStage       map[string]int `json:"units_by_stage"`
}

type spansJSON struct {
	Median int `json:"median" doc:"中位数"`
	P90    int `json:"p90" doc:"90%分位"`
}

type overdueJSON struct {
	Count     int                   `json:"count"`
	Kind      supervision.AlertKind `json:"kind"`
	KindLabel string                `json:"kind_label"`
	OrgID     int64                 `json:"org_id"`
	OrgName   string                `json:"org_name"`
}

type monthJSON struct {
	Filings    int    `json:"filings"`
	HandedOver int    `json:"handed_over"`
	Month      string `json:"month" example:"2026-11"`
	SameDay    int    `json:"same_day"`
}

func (a *API) getDashboard(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	known, err := a.DB.Jurisdictions(r.Context())
	if err != nil {
		return err
	}
	q, err := store.DashboardQueryFor(p, r.URL.Query(), calendar.DateOf(a.Now()), known)
	if err != nil {
		return err
	}
	d, err := a.DB.Dashboard(r.Context(), a.calendar(), q)
	if err != nil {
		return err
	}
	median, ok := d.Quantile(0.5)
	p90, _ := d.Quantile(0.9)
	var spans *spansJSON
	if ok {
		spans = &spansJSON{Median: median, P90: p90}
	}
	units, projects := map[string]int{}, map[string]int{}
	for _, s := range supervision.UnitStages {
		units[string(s)] = d.UnitsByStage[s]
	}
	for _, s := range supervision.ProjectStages {
		projects[string(s)] = d.ProjectsByStage[s]
	}
	var overdue []overdueJSON
	for _, o := range d.Overdue {
		overdue = append(overdue, overdueJSON{OrgID: o.OrgID, OrgName: o.OrgName, Kind: o.Kind, KindLabel: o.Kind.Label(), Count: o.Count})
	}
	var trend []monthJSON
	for _, m := range d.Trend {
		trend = append(trend, monthJSON{Month: m.Month, Filings: m.Filings, HandedOver: m.HandedOver, SameDay: m.SameDay})
	}
	return writeJSON(w, 200, dashboardJSON{Jurisdiction: q.Jurisdiction, From: q.From, To: q.To, Projects: d.Projects, Units: d.Units,
		ProjectsByStage: projects, UnitsByStage: units, HandedOver: d.HandedOver, SameDay: d.SameDay, SameDayShare: d.SameDayShare(),
		ProjectsHandedOver: d.ProjectsHanded, ProjectsMeeting: d.ProjectsMeeting, Spans: spans, Overdue: overdue, Trend: trend})
}
