package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/completion"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/registry"
)

// pages holds one parsed template set per page: the layout, the shared
// partials and the page's own file.
type pages struct {
	t map[string]*template.Template
}

// templateFuncs are the functions every template may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"maskID":   code.MaskIDCard,
		"maskName": code.MaskName,
		"roleLabel": func(r identity.Role) string {
			return r.Label()
		},
		"kindLabel":    func(k identity.OrgKind) string { return k.Label() },
		"serviceLabel": identity.ServiceLabel,
		// The audit trail's own names of its record kinds and channels.
		"recordLabel": audit.RecordLabel,
		"viaLabel":    func(v string) string { return audit.ValueLabel("via", v) },
		"yesno":       inquiry.YesNo,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(calendar.China).Format("2006-01-02 15:04")
		},
		"datetimeSec": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(calendar.China).Format("2006-01-02 15:04:05")
		},
		"cn":       func(d calendar.Date) string { return d.Chinese() },
		"add":      func(a, b int) int { return a + b },
		"fundRule": presale.FundRuleLabel,
		"sub":      func(a, b int) int { return a - b },
		"pct": func(num, den int) string {
			if den == 0 {
				return "—"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(num)/float64(den))
		},
		"inc":           func(i int) int { return i + 1 },
		"area":          func(d decimal.Decimal) string { return measure.Area(d) },
		"money":         func(d decimal.Decimal) string { return measure.Money(d) },
		"has":           func(ids []int64, id int64) bool { return slices.Contains(ids, id) },
		"eventLabel":    presale.EventLabel,
		"maskIf":        maskIf,
		"regType":       registry.RegTypeLabel,
		"preNotice":     registry.PreNoticeLabel,
		"milestone":     presale.MilestoneLabel,
		"upper":         func(d decimal.Decimal) string { return measure.MoneyUpper(d) },
		"conditions":    presale.DeliveryConditions,
		"decision":      completion.DecisionLabel,
		"fee":           func(fen int64) string { return measure.FromCents(fen).StringFixed(2) },
		"delivery":      certificate.DeliveryLabel,
		"detailLabel":   registry.DetailLabel,
		"materialLabel": registry.MaterialLabel,
		"eventState":    handover.EventStateLabel,
		"partnerEvent":  exchange.EventName,
		"deliveryState": exchange.DeliveryStateLabel,
		"failure":       exchange.FailureSummary,
		"utilityState":  handover.UtilityStateLabel,
	}
}

func parsePages() (*pages, error) {
	p := &pages{t: map[string]*template.Template{}}
	shared := []string{"templates/layout.html"}
	partials, err := fs.Glob(assets, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	shared = append(shared, partials...)
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(assets, append(append([]string{}, shared...), f)...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		p.t[name] = t
	}
	return p, nil
}

// Names lists the page templates, for the test that executes each.
func (p *pages) Names() []string {
	var out []string
	for n := range p.t {
		out = append(out, n)
	}
	return out
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, page any) error {
	t, ok := s.pages.t[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// NavItem is one entry of the navigation.
type NavItem struct {
	Label, Href string
	Active      bool
}

// Base is embedded in every page struct: what the layout needs.
type Base struct {
	Title string
	P     *identity.Principal
	Nav   []NavItem
	Flash string
	Today calendar.Date
	Path  string
	may   func(href string) bool
}

// May reports whether the viewer may follow a link to href: a page draws
// a link only when it does (links.go).
func (b Base) May(href string) bool { return b.may == nil || b.may(href) }

// nav lists the menu a principal may use; each entry appears only when
// the access policy lets the principal use it at all.
func nav(p *identity.Principal, current string) []NavItem {
	var out []NavItem
	for _, e := range navEntries() {
		if e.action != "" && !access.Could(p, e.action) {
			continue
		}
		if e.href == "/" && p == nil {
			continue
		}
		active := e.href == current || (e.href != "/" && strings.HasPrefix(current, e.href))
		out = append(out, NavItem{Label: e.label, Href: e.href, Active: active})
	}
	return out
}

type navEntry struct {
	label, href string
	action      access.Action
}

// navEntries is the menu in order; later capabilities add theirs here.
func navEntries() []navEntry {
	return []navEntry{
		{"工作台", "/", access.MeRead},
		{"项目与楼盘表", "/projects", access.ProjectRead},
		{"预售许可", "/presale", access.ProjectRead},
		{"网签合同", "/contracts", access.ContractRead},
		{"竣工测绘", "/surveys", access.SurveyRead},
		{"联合验收", "/acceptance", access.AcceptanceRead},
		{"登记窗口", "/registration", access.RegistrationWork},
		{"登记资料查询", "/inquiries", access.RegisterInquire},
		{"证书纸库存", "/paper-stock", access.PaperRead},
		{"交房与批量办证", "/handover", access.HandoverManage},
		{"我的不动产", "/my", access.MineRead},
		{"本行抵押登记", "/mortgages", access.MortgageRead},
		{"契税", "/deed-tax", access.DeedTaxManage},
		{"水电气过户", "/utilities", access.UtilityAnswer},
		{"督查考核", "/dashboard", access.DashboardRead},
		{"预警", "/alerts", access.AlertRead},
		{"诚信与限制清单", "/credit", access.CreditManage},
		{"本企业信用", "/credit/mine", access.CreditAppeal},
		{"本辖区配置", "/admin/settings", access.SettingsManage},
		{"部门接口", "/admin/partners", access.PartnerManage},
		{"机构管理", "/admin/orgs", access.OrgRead},
		{"用户管理", "/admin/users", access.UserRead},
		{"节假日日历", "/admin/calendar", access.CalendarManage},
		{"审计日志", "/audit", access.AuditRead},
		{"编码与期限工具", "/tools", access.CodesValidate},
		{"信息公开", "/public", access.PublicRead},
		{"证照核验", "/verify", access.CertificateVerify},
		{"接口文档", "/docs/api", ""},
		{"事件目录", "/docs/events", ""},
	}
}

func (s *Server) base(r *http.Request, title string) Base {
	p := identity.PrincipalFrom(r.Context())
	flash := s.sessions.PopString(r.Context(), "flash")
	return Base{Title: title, P: p, Nav: nav(p, r.URL.Path), Flash: flash, Today: s.today(), Path: r.URL.Path,
		may: func(href string) bool { return s.mayOpen(p, href) }}
}

func (s *Server) flash(r *http.Request, msg string) { s.sessions.Put(r.Context(), "flash", msg) }
