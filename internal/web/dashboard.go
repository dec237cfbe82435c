package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/calendar"
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
	q, err := store.DashboardQueryFor(p, r.URL.Query(), s.today())
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
	var bars []bar
	for _, st := range supervision.UnitStages {
		bars = append(bars, bar{Label: st.Label(), Value: d.UnitsByStage[st], Href: "/dashboard/units?stage=" + string(st) + "&" + qs})
	}
	page.StageChart = hbarChart("各阶段户数", bars)
	var months []monthBar
	for _, m := range d.Trend {
		months = append(months, monthBar{Month: m.Month, A: m.HandedOver, B: m.SameDay, Href: "/dashboard/units?month=" + m.Month + "&" + qs})
	}
	page.TrendChart = trendChart("按月交房户数与当日发证户数", months)
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
	dq := store.DrillQuery{DashboardQuery: q, Stage: supervision.UnitStage(query.Get("stage")), Month: query.Get("month"),
		Search: listSearch(r), Page: listPage(r)}
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
	stage := supervision.ProjectStage(r.URL.Query().Get("stage"))
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

// ---- charts: plain SVG drawn on the server, the numbers also in tables

type bar struct {
	Label string
	Value int
	Href  string
}

// hbarChart draws horizontal bars, each a link to its records.
func hbarChart(title string, bars []bar) template.HTML {
	const w, left, rowH = 640, 150, 28
	top := 8
	h := top + rowH*len(bars) + 8
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`, html.EscapeString(title), w, h)
	fmt.Fprintf(&sb, `<title>%s</title>`, html.EscapeString(title))
	for i, b := range bars {
		y := top + i*rowH
		bw := (w - left - 70) * b.Value / maxV
		fmt.Fprintf(&sb, `<a href="%s"><text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, html.EscapeString(b.Href), left-8, y+17, html.EscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s%d"></rect>`, left, y+4, max(bw, 1), rowH-8, i%5)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value">%d</text></a>`, left+max(bw, 1)+6, y+17, b.Value)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text is escaped above
}

type monthBar struct {
	Month string
	A, B  int // handed over, of which the same day
	Href  string
}

// trendChart draws two bars a month: units handed over and those with the
// certificate on the day.
func trendChart(title string, months []monthBar) template.HTML {
	const w, h, bottom, top, left = 640, 240, 40, 16, 36
	maxV := 1
	for _, m := range months {
		maxV = max(maxV, m.A, m.B)
	}
	slot := (w - left) / max(len(months), 1)
	scale := func(v int) int { return (h - bottom - top) * v / maxV }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`, html.EscapeString(title), w, h)
	fmt.Fprintf(&sb, `<title>%s</title>`, html.EscapeString(title))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"></line>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value" text-anchor="end">%d</text>`, left-4, top+4, maxV)
	for i, m := range months {
		x := left + i*slot + slot/6
		bw := slot / 3
		fmt.Fprintf(&sb, `<a href="%s">`, html.EscapeString(m.Href))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s0"><title>%s 交房 %d 户</title></rect>`, x, h-bottom-scale(m.A), bw, scale(m.A), m.Month, m.A)
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s1"><title>%s 当日发证 %d 户</title></rect>`, x+bw, h-bottom-scale(m.B), bw, scale(m.B), m.Month, m.B)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="label" text-anchor="middle">%s</text></a>`, x+bw, h-bottom+16, m.Month[5:]+"月")
	}
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="10" height="10" class="bar s0"></rect><text x="%d" y="%d" class="label">交房</text>`, left, h-14, left+14, h-5)
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="10" height="10" class="bar s1"></rect><text x="%d" y="%d" class="label">交房当日发证</text>`, left+60, h-14, left+74, h-5)
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // numbers and escaped text only
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
