package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/chart"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/supervision"
)

// DashboardPage is the assessment (督查考核) of a jurisdiction or of the
// whole prefecture: the figures, their charts (server-rendered SVG) and
// the same numbers in tables, each linking to the records it counts.
type DashboardPage struct {
	Base
	Jurisdictions []identity.Jurisdiction
	Prefecture    bool // the viewer may see the whole prefecture
	Query         store.DashboardQuery
	D             supervision.Dashboard
	Name          string // the jurisdiction's name, or the prefecture's
	Median, P90   int
	HasSpans      bool
	StageChart    template.HTML
	TrendChart    template.HTML
	UnitStages    []supervision.UnitStage
	ProjectStages []supervision.ProjectStage
	Orgs          map[int64]string
}

// Q is the query string of the page's jurisdiction and period, for links
// (built by url.Values, so safe to put after a '?').
func (p DashboardPage) Q() template.URL {
	v := url.Values{"from": {p.Query.From.String()}, "to": {p.Query.To.String()}}
	if p.Query.Jurisdiction != "" {
		v.Set("jurisdiction", p.Query.Jurisdiction)
	}
	return template.URL(v.Encode())
}

// Percent formats a share.
// OverdueHref is the alert list the overdue figures count: the standing
// alerts of the overdue kinds in the page's jurisdiction, of one
// organisation and kind when org is not 0.
func (p DashboardPage) OverdueHref(org int64, kind supervision.AlertKind) string {
	v := url.Values{"state": {"open"}, "overdue": {"1"}}
	if p.Query.Jurisdiction != "" {
		v.Set("jurisdiction", p.Query.Jurisdiction)
	}
	if org != 0 {
		v.Set("org", strconv.FormatInt(org, 10))
	}
	if kind != "" {
		v.Set("kind", string(kind))
	}
	return "/alerts?" + v.Encode()
}

func (p DashboardPage) Percent(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// dashboardQuery reads and checks the jurisdiction and period of a
// dashboard request: a county's staff see their own jurisdiction only.
func (s *Server) dashboardQuery(r *http.Request) (store.DashboardQuery, []identity.Jurisdiction, bool, error) {
	p, err := principal(r)
	if err != nil {
		return store.DashboardQuery{}, nil, false, err
	}
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return store.DashboardQuery{}, nil, false, err
	}
	js := manageableJurisdictions(p, access.DashboardRead, counties(all))
	if len(js) == 0 {
		return store.DashboardQuery{}, nil, false, access.Decide(p, access.DashboardRead, access.Target{Jurisdiction: p.Jurisdiction.Code})
	}
	prefecture := p.PrefectureWide() && access.Allowed(p, access.DashboardRead, access.Target{})
	q, err := store.DashboardQueryFor(p, r.URL.Query(), s.today(), all)
	if err != nil {
		return q, js, prefecture, err
	}
	return q, js, prefecture, nil
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	q, js, prefecture, err := s.dashboardQuery(r)
	if err != nil {
		return err
	}
	page, err := s.dashboard(r, q, js, prefecture)
	if err != nil {
		return err
	}
	return s.render(w, 200, "dashboard", page)
}

// dashboard computes the page's figures and charts.
func (s *Server) dashboard(r *http.Request, q store.DashboardQuery, js []identity.Jurisdiction, prefecture bool) (DashboardPage, error) {
	d, err := s.db.Dashboard(r.Context(), s.cfg.Calendar.Get(), q)
	if err != nil {
		return DashboardPage{}, err
	}
	page := DashboardPage{Base: s.base(r, "督查考核"), Jurisdictions: js, Prefecture: prefecture, Query: q, D: d, Name: "昌吉回族自治州",
		UnitStages: supervision.UnitStages, ProjectStages: supervision.ProjectStages}
	for _, j := range js {
		if j.Code == q.Jurisdiction {
			page.Name = j.Name
		}
	}
	page.Median, page.HasSpans = d.Quantile(0.5)
	page.P90, _ = d.Quantile(0.9)
	qs := string(page.Q())
	var bars []chart.Bar
	for _, st := range supervision.UnitStages {
		bars = append(bars, chart.Bar{Label: st.Label(), Value: d.UnitsByStage[st], Href: "/dashboard/units?stage=" + string(st) + "&" + qs})
	}
	page.StageChart = chart.HBars("各阶段户数", bars)
	var months []chart.Pair
	for _, m := range d.Trend {
		months = append(months, chart.Pair{Label: m.Month[5:] + "月", Name: m.Month, A: m.HandedOver, B: m.SameDay, Href: "/dashboard/units?month=" + m.Month + "&" + qs})
	}
	page.TrendChart = chart.Pairs("按月交房户数与当日发证户数", "交房", "交房当日发证", months)
	return page, nil
}

// DashboardUnitsPage lists the units behind a dashboard number, a page at
// a time, the soonest due first, searchable by flat, unit number or
// project; its search and pager keep the number's jurisdiction, period,
// stage and month.
type DashboardUnitsPage struct {
	Base
	Title     string
	List      store.Listed[store.DashboardUnit]
	Pager     Pager
	Q         string
	Carry     url.Values // the number's from, to, jurisdiction, stage and month, for the search form
	ClearHref string     // the same number's units, no search
	Back      string
}

func (s *Server) dashboardUnits(w http.ResponseWriter, r *http.Request) error {
	q, _, _, err := s.dashboardQuery(r)
	if err != nil {
		return err
	}
	query := r.URL.Query()
	dq, err := store.DrillQueryFor(q, query)
	if err != nil {
		return err
	}
	dq.Search, dq.Page = listSearch(r), listPage(r)
	title := dq.Stage.Label()
	switch {
	case dq.Month != "":
		title = dq.Month + "交房的户"
	case dq.Stage == supervision.HandedOver || dq.Stage == supervision.SameDayUnit:
		title = fmt.Sprintf("%s至%s%s的户", q.From, q.To, dq.Stage.Label())
	}
	page := DashboardUnitsPage{Base: s.base(r, title), Title: title, Q: dq.Search, Carry: url.Values{}}
	for _, k := range []string{"from", "to", "jurisdiction", "stage", "month"} {
		if v := query.Get(k); v != "" {
			page.Carry.Set(k, v)
		}
	}
	page.ClearHref = (&url.URL{Path: "/dashboard/units", RawQuery: page.Carry.Encode()}).String()
	if page.List, err = s.db.DashboardUnitList(r.Context(), dq); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List)
	back := url.Values{"from": {q.From.String()}, "to": {q.To.String()}, "jurisdiction": {q.Jurisdiction}}
	page.Back = "/dashboard?" + back.Encode()
	return s.render(w, 200, "dashboardunits", page)
}

// DashboardProjectsPage lists the projects behind a dashboard number.
type DashboardProjectsPage struct {
	Base
	Title    string
	Projects []store.DashboardProject
	JNames   JNames
	Back     string
}

func (s *Server) dashboardProjects(w http.ResponseWriter, r *http.Request) error {
	q, _, _, err := s.dashboardQuery(r)
	if err != nil {
		return err
	}
	stage, err := store.DashboardProjectStageFor(r.URL.Query())
	if err != nil {
		return err
	}
	ps, err := s.db.DashboardProjects(r.Context(), q, stage)
	if err != nil {
		return err
	}
	names, _, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	back := url.Values{"from": {q.From.String()}, "to": {q.To.String()}, "jurisdiction": {q.Jurisdiction}}
	return s.render(w, 200, "dashboardprojects", DashboardProjectsPage{Base: s.base(r, "项目："+stage.Label()), Title: stage.Label(), Projects: ps,
		JNames: names, Back: "/dashboard?" + back.Encode()})
}

// ReportPage is the printable report (通报).
type ReportPage struct {
	Base
	R           supervision.Report
	Median, P90 int
	HasSpans    bool
	Q           template.URL
}

// The units a report lists: the printable page none (it is a one-page
// summary; the count is read), the workbook all of a prefecture's year.
const (
	reportPageUnits = 1
	reportBookUnits = 200000
)

// report gathers the report of the request's jurisdiction and period,
// listing at most limit units.
func (s *Server) report(r *http.Request, limit int) (supervision.Report, template.URL, error) {
	q, js, prefecture, err := s.dashboardQuery(r)
	if err != nil {
		return supervision.Report{}, "", err
	}
	page, err := s.dashboard(r, q, js, prefecture)
	if err != nil {
		return supervision.Report{}, "", err
	}
	rep := supervision.Report{Title: fmt.Sprintf("%s“交房即交证”改革工作通报（%s至%s）", page.Name, q.From, q.To), D: page.D,
		Generated: s.cfg.Now().In(calendar.China).Format("2006-01-02 15:04")}
	ps, err := s.db.DashboardProjects(r.Context(), q, supervision.AllProjects)
	if err != nil {
		return rep, "", err
	}
	names, _, err := s.jurisdictionNames(r)
	if err != nil {
		return rep, "", err
	}
	for _, p := range ps {
		rep.Projects = append(rep.Projects, supervision.ReportProject{Name: p.Name, Jurisdiction: JNames(names).Name(p.Jurisdiction), Stage: p.Stage.Label(),
			County: JNames(names).Name(identity.CountyOf(p.Jurisdiction)), HandedOver: p.HandedOver, SameDay: p.SameDay})
	}
	units, total, err := s.db.DashboardUnits(r.Context(), store.DrillQuery{DashboardQuery: q, Stage: supervision.HandedOver, Limit: limit})
	if err != nil {
		return rep, "", err
	}
	rep.UnitsAll = total
	for _, u := range units {
		rep.Units = append(rep.Units, supervision.ReportUnit{Project: u.Project, Room: u.Building + u.Room,
			HandedOverOn: u.HandedOverOn, CertifiedOn: u.CertifiedOn})
	}
	f := access.Filter{All: true}
	if q.Jurisdiction != "" {
		f = access.Filter{Jurisdiction: q.Jurisdiction}
	}
	alerts, err := s.db.Alerts(r.Context(), store.AlertQuery{Filter: f, State: "open", Limit: 1000})
	overdue := map[string]int{} // open overdue items by county name
	if err != nil {
		return rep, "", err
	}
	for _, a := range alerts {
		for _, k := range []supervision.AlertKind{supervision.AcceptanceOverdue, supervision.RegistrationOverdue, supervision.CommitmentOverdue,
			supervision.ClockRunningOut, supervision.DeliveryAtRisk} {
			if a.Kind == k {
				rep.Alerts = append(rep.Alerts, a)
				overdue[JNames(names).Name(identity.CountyOf(a.Jurisdiction))]++
			}
		}
	}
	// The working days by county: a park's units count for its county.
	spans := map[string][]supervision.Span{}
	for j, s := range rep.D.SpansIn {
		county := JNames(names).Name(identity.CountyOf(j))
		spans[county] = append(spans[county], s...)
	}
	rep.Counties = supervision.CompareCounties(rep.Projects, overdue, spans)
	return rep, page.Q(), nil
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	rep, q, err := s.report(r, reportPageUnits)
	if err != nil {
		return err
	}
	page := ReportPage{Base: s.base(r, rep.Title), R: rep, Q: q}
	page.Median, page.HasSpans = rep.D.Quantile(0.5)
	page.P90, _ = rep.D.Quantile(0.9)
	return s.render(w, 200, "report", page)
}

func (s *Server) reportWorkbook(w http.ResponseWriter, r *http.Request) error {
	rep, _, err := s.report(r, reportBookUnits)
	if err != nil {
		return err
	}
	raw, err := rep.Workbook()
	if err != nil {
		return err
	}
	return sendXLSX(w, rep.Title+".xlsx", raw)
}
