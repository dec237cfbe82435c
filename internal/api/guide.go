package api

import (
	"net/http"
	"slices"

	"handover/internal/access"
	"handover/internal/guide"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/problem"
)

func (a *API) guideRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/guide", Action: access.GuideRead, Tag: "编码与日历",
			Summary: "办事指南：一个辖区各事项的流程、办理条件、材料、时限与收费（由本辖区配置与系统规则生成）",
			Params: []Param{
				{Name: "jurisdiction", In: "query", Required: true, Desc: "辖区代码，如652301"},
				{Name: "matter", In: "query", Desc: "事项代码，如 presale_permit、contract_filing、joint_acceptance、completion_filing、transfer；缺省返回全部"},
			}, Response: guideList{}, handle: a.serviceGuide},
	}
}

type guideList struct {
	Jurisdiction string        `json:"jurisdiction" doc:"辖区代码"`
	Matters      []guideJSON   `json:"matters"`
	Settings     []settingJSON `json:"settings" doc:"本辖区现行的业务规则参数"`
}

// settingJSON is a rule's value in force in the jurisdiction.
type settingJSON struct {
	Key    string `json:"key" example:"maintenance.rate"`
	Group  string `json:"group" doc:"所属事项"`
	Label  string `json:"label" doc:"参数名称"`
	Value  string `json:"value" doc:"现行值（存储形式）"`
	Shown  string `json:"shown" doc:"现行值（中文表述）"`
	Unit   string `json:"unit,omitempty"`
	Source string `json:"source" enum:"own,prefecture,default" doc:"来源：本辖区设定、沿用全州默认、系统默认"`
	Since  string `json:"since,omitempty" doc:"现行值的施行日期（系统默认时为空）"`
	Basis  string `json:"basis" doc:"依据"`
}

type guideJSON struct {
	Key        string           `json:"key" doc:"事项代码" example:"contract_filing"`
	Title      string           `json:"title" doc:"事项名称"`
	Department string           `json:"department" doc:"办理部门"`
	Applicant  string           `json:"applicant" doc:"申请人"`
	Steps      []guide.Step     `json:"steps"`
	Conditions []problem.Reason `json:"conditions" doc:"办理条件（rule 与拒绝时的 reasons[].rule 一致）"`
	Bring      []string         `json:"bring" doc:"申请人提交的材料"`
	Held       []string         `json:"held" doc:"平台已共享、无需提交的材料"`
	Limit      string           `json:"limit" doc:"办理时限"`
	Fee        string           `json:"fee" doc:"收费"`
	Notes      []string         `json:"notes" doc:"本辖区配置"`
	Basis      string           `json:"basis" doc:"依据"`
}

func toGuideJSON(m guide.Matter) guideJSON {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	g := guideJSON{Key: m.Key, Title: m.Title, Department: m.Department, Applicant: m.Applicant, Steps: m.Steps,
		Conditions: m.Conditions, Bring: nonNil(m.Bring), Held: nonNil(m.Held), Limit: m.Limit, Fee: m.Fee, Notes: nonNil(m.Notes), Basis: m.Basis}
	if g.Conditions == nil {
		g.Conditions = []problem.Reason{}
	}
	return g
}

func (a *API) serviceGuide(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	code := q.Get("jurisdiction")
	js, err := a.DB.Jurisdictions(r.Context())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(js, func(j identity.Jurisdiction) bool { return j.Code == code }) {
		return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
			Fields: map[string]string{"jurisdiction": "辖区代码不存在"}}
	}
	gs, err := a.DB.GuideSettings(r.Context(), code)
	if err != nil {
		return err
	}
	out := []guideJSON{}
	for _, m := range handover.Guides(gs) {
		if k := q.Get("matter"); k == "" || k == m.Key {
			out = append(out, toGuideJSON(m))
		}
	}
	if len(out) == 0 {
		return problem.New(problem.NotFound, "guide.not_found", "没有该办事事项")
	}
	rules, err := a.DB.RulesInForce(r.Context(), code)
	if err != nil {
		return err
	}
	settings := []settingJSON{}
	for _, rf := range rules {
		settings = append(settings, settingJSON{Key: rf.Key, Group: rf.Group, Label: rf.Label, Value: rf.Value, Shown: rf.Shown(), Unit: rf.Unit,
			Source: string(rf.Source), Since: rf.Since, Basis: rf.Basis})
	}
	return writeJSON(w, 200, guideList{Jurisdiction: code, Matters: out, Settings: settings})
}
