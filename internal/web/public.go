package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"handover/internal/calendar"
	"handover/internal/guide"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// PublicProjectPage is a project as the public sees it: its permits, its
// delivery conditions (counts and the conditions of the project and its
// buildings, never a buyer's), whether it meets 交房即交证, the planned and
// actual handover dates.
type PublicProjectPage struct {
	Base
	Detail       store.ProjectDetail
	Ready        int // sold units whose handover conditions all hold
	Sold         int
	Conditions   []handover.Condition // of the project and its buildings
	UnitCounts   []UnitConditionCount // the units' own conditions, counted without naming anyone
	Events       []handover.Event
	HandedOver   int
	SameDay      int
	Meets        bool
	ReadinessErr bool
}

// UnitConditionCount is how many sold units one kind of condition still
// holds back, for the public: the conditions of a unit name its buyers, so
// the public sees their kinds and counts only.
type UnitConditionCount struct {
	Label string
	Units int
}

// publicConditionLabels name the units' conditions for the public, by rule
// code; any other code counts under 其他条件.
var publicConditionLabels = map[string]string{
	"handover.contract":      "网签合同尚未备案",
	"handover.maintenance":   "住宅专项维修资金尚未交存",
	"handover.area_decision": "面积误差超出±3%，待买受人选择",
	"handover.rescinded":     "买受人选择解除合同",
	"transfer.deed_tax":      "契税尚未缴纳",
	"transfer.ownership":     "首次登记尚未办理",
	"transfer.sealed":        "已被查封",
	"transfer.locked":        "已被锁定",
	"transfer.mortgage":      "抵押约定不得转让",
	"transfer.prenotice":     "有他人的预告登记",
}

// unitConditionCounts counts the units each kind of unit condition holds.
func unitConditionCounts(cs []handover.Condition) []UnitConditionCount {
	units := map[string]map[int64]bool{}
	var order []string
	for _, c := range cs {
		if c.SubjectKind != "unit" {
			continue
		}
		label, ok := publicConditionLabels[c.Rule]
		if !ok {
			label = "其他条件"
		}
		if units[label] == nil {
			units[label] = map[int64]bool{}
			order = append(order, label)
		}
		units[label][c.SubjectID] = true
	}
	out := make([]UnitConditionCount, 0, len(order))
	for _, l := range order {
		out = append(out, UnitConditionCount{Label: l, Units: len(units[l])})
	}
	return out
}

func (s *Server) publicProject(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.db.ProjectDetail(r.Context(), id)
	if err != nil {
		return err
	}
	permitted := false
	for _, p := range d.Presale {
		permitted = permitted || p.State != "revoked"
	}
	if !permitted {
		return problem.New(problem.NotFound, "project.not_found", "该项目尚未取得预售许可，暂无公开信息")
	}
	page := PublicProjectPage{Base: s.base(r, d.Project.Name), Detail: d}
	rep, _, err := s.db.Readiness(r.Context(), s.cfg.Calendar.Get(), id, handover.Delivery, handover.Scope{})
	if err != nil {
		return err
	}
	page.Ready, page.Sold = rep.ReadyUnits, rep.Units
	page.UnitCounts = unitConditionCounts(rep.Conditions)
	seen := map[string]bool{}
	for _, c := range rep.Conditions {
		if c.SubjectKind == "unit" || seen[c.Rule+c.Subject] {
			continue // a unit's conditions name its buyers
		}
		seen[c.Rule+c.Subject] = true
		page.Conditions = append(page.Conditions, c)
	}
	if page.Events, err = s.db.HandoverEvents(r.Context(), id); err != nil {
		return err
	}
	ps, err := s.db.DashboardProjects(r.Context(), store.DashboardQuery{Jurisdiction: d.Project.Jurisdiction, From: calendar.MustDate("2000-01-01"),
		To: calendar.MustDate("2100-01-01")}, "")
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.ID == id {
			page.HandedOver, page.SameDay = p.HandedOver, p.SameDay
		}
	}
	page.Meets = page.HandedOver > 0 && page.SameDay == page.HandedOver
	return s.render(w, 200, "publicproject", page)
}

// GuidePage is a jurisdiction's service guide (办事指南): every matter, or
// one with its flow chart.
type GuidePage struct {
	Base
	Jurisdictions []identity.Jurisdiction
	Current       string
	Name          string
	Matters       []guide.Matter // every matter of the jurisdiction, in the order of a project's life
	Guide         *guide.Matter
	Flow          template.HTML
	Rules         []store.RuleInForce // the rules' values in force here
}

func (s *Server) guidePage(w http.ResponseWriter, r *http.Request) error {
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	js := counties(all)
	page := GuidePage{Base: s.base(r, "办事指南"), Jurisdictions: js, Current: r.URL.Query().Get("jurisdiction")}
	if page.Current == "" {
		page.Current = js[0].Code
	}
	for _, j := range js {
		if j.Code == page.Current {
			page.Name = j.Name
		}
	}
	if page.Name == "" {
		return problem.New(problem.NotFound, "jurisdiction.not_found", "辖区不存在")
	}
	gs, err := s.db.GuideSettings(r.Context(), page.Current)
	if err != nil {
		return err
	}
	page.Matters = handover.Guides(gs)
	if page.Rules, err = s.db.RulesInForce(r.Context(), page.Current); err != nil {
		return err
	}
	if k := r.PathValue("kind"); k != "" {
		i := slices.IndexFunc(page.Matters, func(m guide.Matter) bool { return m.Key == k })
		if i < 0 {
			return problem.New(problem.NotFound, "guide.not_found", "没有该办事事项")
		}
		page.Guide = &page.Matters[i]
		page.Flow = flowChart(*page.Guide)
		page.Title = page.Guide.Title + "办事指南"
	}
	return s.render(w, 200, "guide", page)
}

// flowChart draws the guide's steps as boxes joined by arrows (SVG, drawn
// on the server).
func flowChart(g guide.Matter) template.HTML {
	const boxW, boxH, gap, top = 110, 54, 30, 10
	w := len(g.Steps)*(boxW+gap) - gap + 20
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart flow" role="img" aria-label="%s流程图" width="%d" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(g.Title), w, w, boxH+2*top)
	fmt.Fprintf(&sb, `<title>%s流程图</title>`, html.EscapeString(g.Title))
	for i, st := range g.Steps {
		x := 10 + i*(boxW+gap)
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" class="bar s%d"></rect>`, x, top, boxW, boxH, i%5)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="middle" class="flow-label">%s</text>`, x+boxW/2, top+boxH/2+5, html.EscapeString(st.Name))
		if i > 0 {
			fmt.Fprintf(&sb, `<path d="M%d %d L%d %d" class="arrow"></path><path d="M%d %d l-6 -4 v8 z" class="arrowhead"></path>`,
				x-gap+2, top+boxH/2, x-3, top+boxH/2, x-2, top+boxH/2)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // escaped labels and numbers only
}
