package web

import (
	"net/http"
	"net/url"

	"handover/internal/access"
	"handover/internal/identity"
)

// pageNeed is what a page asks of its viewer before it looks at the
// record: an action the viewer's roles could take (access.Could), or, for
// the prefecture's own pages, the action over the whole prefecture.
type pageNeed struct {
	action access.Action
	whole  bool // on every jurisdiction (access.Allowed with no target)
}

// pageNeeds is the access each page needs, by the route pattern that
// serves it, as its handler decides it. A page draws a link only for a
// viewer who passes (Base.May): a fire inspector sees no link to the
// presale fund, a buyer none to the 楼盘表. The page still decides on the
// record itself; a pattern not listed here is open to whoever may see the
// link's page.
func pageNeeds() map[string]pageNeed {
	return map[string]pageNeed{
		"GET /projects/{id}":                {action: access.ProjectRead},
		"GET /buildings/{id}":               {action: access.ProjectRead},
		"GET /units/{id}":                   {action: access.ProjectRead},
		"GET /projects/{id}/completion":     {action: access.ProjectRead},
		"GET /projects/{id}/fund":           {action: access.FundRead},
		"GET /projects/{id}/reconciliation": {action: access.AreaRead},
		"GET /projects/{id}/readiness":      {action: access.ReadinessRead},
		"GET /projects/{id}/handover":       {action: access.HandoverRead},
		"GET /handover/{id}":                {action: access.HandoverRead},
		"GET /projects/{id}/deed-tax":       {action: access.DeedTaxRead},
		"GET /deed-tax":                     {action: access.DeedTaxRead},
		"GET /deed-tax/unpaid.xlsx":         {action: access.DeedTaxManage},
		"GET /contracts":                    {action: access.ContractRead},
		"GET /contracts/{id}":               {action: access.ContractRead},
		"GET /surveys":                      {action: access.SurveyRead},
		"GET /surveys/{id}":                 {action: access.SurveyRead},
		"GET /buildings/{id}/survey":        {action: access.SurveyRead},
		"GET /acceptance":                   {action: access.AcceptanceRead},
		"GET /acceptance/{id}":              {action: access.AcceptanceRead},
		"GET /registration":                 {action: access.RegistrationWork},
		"GET /applications/{id}":            {action: access.RegistrationRead},
		"GET /admin/partners":               {action: access.PartnerManage},
		"GET /audit":                        {action: access.AuditRead},
		"GET /audit/verify":                 {action: access.AuditRead, whole: true},
		"GET /alerts":                       {action: access.AlertRead},
		"GET /alerts/{id}":                  {action: access.AlertRead},
		"GET /dashboard":                    {action: access.DashboardRead},
		"GET /utilities":                    {action: access.UtilityAnswer},
	}
}

// mayOpen reports whether p may follow a link to href: the page the
// server would serve it with needs nothing p's roles lack.
func (s *Server) mayOpen(p *identity.Principal, href string) bool {
	u, err := url.Parse(href)
	if err != nil || u.IsAbs() {
		return true // not a page of ours
	}
	_, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: u, Host: "local"})
	need, ok := s.needs[pattern]
	switch {
	case !ok:
		return true
	case need.whole:
		return access.Allowed(p, need.action, access.Target{})
	}
	return access.Could(p, need.action)
}
