package api

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

func (a *API) foundationRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/codes/validate", Action: access.CodesValidate, Tag: "编码与日历",
			Summary: "校验编码（不动产单元号、宗地代码、身份证号、统一社会信用代码、证书号、电子证照标识）",
			Params: []Param{
				{Name: "type", In: "query", Required: true, Desc: "unit | parcel | idcard | uscc | certno | licence-id"},
				{Name: "value", In: "query", Required: true, Desc: "待校验的编码"},
			}, Response: code.Result{}, handle: a.validateCode},
		{Method: "GET", Pattern: "/api/v1/calendar/deadline", Action: access.CalendarRead, Tag: "编码与日历",
			Summary: "按工作日计算期限（起算日不计入，跳过法定节假日，调休上班日计入）",
			Params: []Param{
				{Name: "start", In: "query", Required: true, Desc: "起算日期 YYYY-MM-DD"},
				{Name: "workdays", In: "query", Required: true, Type: "integer", Desc: "工作日数 0–3660"},
				{Name: "region", In: "query", Desc: "行政区划代码，如650000（新疆）；缺省按全国日历"},
			}, Response: calendar.Deadline{}, handle: a.deadline},
		{Method: "GET", Pattern: "/api/v1/calendar/notices", Action: access.CalendarRead, Tag: "编码与日历",
			Summary: "列出生效的节假日通知", Response: noticeList{}, handle: a.listNotices},
		{Method: "POST", Pattern: "/api/v1/calendar/notices", Action: access.CalendarManage, Tag: "编码与日历",
			Summary: "载入节假日通知（文本格式，见日历管理页）", Body: "text", Response: noticeJSON{}, Status: 201, handle: a.loadNotice},
		{Method: "GET", Pattern: "/api/v1/jurisdictions", Action: access.JurisdictionRead, Tag: "机构与用户",
			Summary: "列出辖区（州、县市、园区）", Response: jurisdictionList{}, handle: a.listJurisdictions},
		{Method: "GET", Pattern: "/api/v1/me", Action: access.MeRead, Tag: "机构与用户",
			Summary: "当前用户、所属机构与辖区", Response: meJSON{}, handle: a.me},
		{Method: "GET", Pattern: "/api/v1/organisations", Action: access.OrgRead, Tag: "机构与用户",
			Summary: "列出机构", Params: []Param{
				{Name: "kind", In: "query", Desc: "机构类型"},
				{Name: "jurisdiction", In: "query", Desc: "辖区代码"},
			}, Response: orgList{}, handle: a.listOrgs},
		{Method: "POST", Pattern: "/api/v1/organisations", Action: access.OrgManage, Tag: "机构与用户",
			Summary: "新建机构", Request: newOrgJSON{}, Response: orgJSON{}, Status: 201, handle: a.createOrg},
		{Method: "GET", Pattern: "/api/v1/organisations/{id}", Action: access.OrgRead, Tag: "机构与用户",
			Summary: "查看机构", Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}, Response: orgJSON{}, handle: a.getOrg},
		{Method: "GET", Pattern: "/api/v1/users", Action: access.UserRead, Tag: "机构与用户",
			Summary: "列出用户", Params: []Param{
				{Name: "org", In: "query", Type: "integer", Desc: "机构ID"},
				{Name: "role", In: "query", Desc: "角色代码"},
			}, Response: userList{}, handle: a.listUsers},
		{Method: "POST", Pattern: "/api/v1/users", Action: access.UserManage, Tag: "机构与用户",
			Summary: "新建用户", Request: newUserJSON{}, Response: userJSON{}, Status: 201, handle: a.createUser},
		{Method: "GET", Pattern: "/api/v1/users/{id}", Action: access.UserRead, Tag: "机构与用户",
			Summary: "查看用户", Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}, Response: userJSON{}, handle: a.getUser},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Action: access.UserManage, Tag: "机构与用户",
			Summary: "修改用户（角色、停用、解锁、重置密码）", Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}},
			Request: userChangeJSON{}, Response: userJSON{}, handle: a.updateUser},
		{Method: "POST", Pattern: "/api/v1/users/{id}/tokens", Action: access.TokenManage, Tag: "机构与用户",
			Summary: "为用户创建接口令牌（令牌只显示这一次）", Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}},
			Request: newTokenJSON{}, Response: createdTokenJSON{}, Status: 201, handle: a.createToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Action: access.TokenManage, Tag: "机构与用户",
			Summary: "吊销接口令牌", Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}, Status: 204, handle: a.revokeToken},
		{Method: "GET", Pattern: "/api/v1/audit/events", Action: access.AuditRead, Tag: "审计",
			Summary: "查询审计日志（新的在前）；按页返回并给出总数（只计到10000条）", Params: append([]Param{
				{Name: "action", In: "query", Desc: "操作代码；以点结尾时按前缀匹配，如 user."},
				{Name: "record_type", In: "query"}, {Name: "record_id", In: "query"},
				{Name: "actor", In: "query", Type: "integer", Desc: "操作人用户ID"},
				{Name: "from", In: "query", Desc: "起始日期（含），如 2026-01-01"},
				{Name: "to", In: "query", Desc: "截止日期（含），如 2026-12-31"},
				{Name: "before", In: "query", Type: "integer", Desc: "只返回ID小于此值的事件（游标；总数超过10000条时由此继续往前）"},
				{Name: "limit", In: "query", Type: "integer", Desc: "不带page、per_page时：返回前若干条（1–500，默认100），兼容原有调用"},
			}, pageParams()...), Response: auditList{}, handle: a.listAudit},
		{Method: "GET", Pattern: "/api/v1/audit/verify", Action: access.AuditRead, Tag: "审计",
			Summary: "校验审计链（SM3哈希链）", Response: auditVerificationJSON{}, handle: a.verifyAudit},
	}
}

// ---- codes and calendar

func (a *API) validateCode(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	counties, err := a.knownCounties(r)
	if err != nil {
		return err
	}
	res, err := code.Check(q.Get("type"), q.Get("value"), counties)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, res)
}

func (a *API) knownCounties(r *http.Request) (map[string]bool, error) {
	js, err := a.DB.Jurisdictions(r.Context())
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, j := range js {
		if j.Kind != identity.Prefecture {
			m[j.County] = true
		}
	}
	return m, nil
}

func (a *API) deadline(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f problem.Fields
	start, err := calendar.ParseDate(q.Get("start"))
	if err != nil {
		f.Add("start", "起算日期格式应为YYYY-MM-DD")
	}
	n, err := strconv.Atoi(q.Get("workdays"))
	if err != nil {
		f.Add("workdays", "工作日数应为整数")
	}
	if err := f.Err("request.query", "查询参数有误"); err != nil {
		return err
	}
	dl, err := a.Calendar.Get().AddWorkdays(start, n, q.Get("region"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, dl)
}

type noticeJSON struct {
	Scope     string `json:"scope" doc:"000000（全国）或省级代码"`
	ScopeName string `json:"scope_name"`
	Year      int    `json:"year"`
	Title     string `json:"title"`
	Source    string `json:"source,omitempty"`
	Text      string `json:"text" doc:"通知全文（平台文本格式）"`
}

func toNoticeJSON(n calendar.Notice) noticeJSON {
	return noticeJSON{Scope: n.Scope, ScopeName: n.ScopeName, Year: n.Year, Title: n.Title, Source: n.Source, Text: n.Format()}
}

type noticeList struct {
	Notices []noticeJSON `json:"notices"`
}

func (a *API) listNotices(w http.ResponseWriter, r *http.Request) error {
	var out []noticeJSON
	for _, n := range a.Calendar.Get().Notices() {
		out = append(out, toNoticeJSON(n))
	}
	return writeJSON(w, 200, noticeList{Notices: out})
}

// loadNotice loads a holiday notice; the store decides access, then checks
// the notice.
func (a *API) loadNotice(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return problem.New(problem.Invalid, "request.body", "无法读取请求体")
	}
	n, bad := calendar.ParseNotice(string(body))
	if _, err := a.DB.LoadNotice(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), n); err != nil {
		return err
	}
	if err := a.Calendar.Reload(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, 201, toNoticeJSON(n))
}

// ---- identity

type jurisdictionJSON struct {
	Code   string                    `json:"code" doc:"辖区代码" example:"652301"`
	Name   string                    `json:"name"`
	Kind   identity.JurisdictionKind `json:"kind"`
	County string                    `json:"county" doc:"单元号使用的县级代码"`
	Region string                    `json:"region" doc:"适用地方节假日的省级代码"`
}

func toJurisdictionJSON(j identity.Jurisdiction) jurisdictionJSON {
	return jurisdictionJSON{Code: j.Code, Name: j.Name, Kind: j.Kind, County: j.County, Region: j.Region}
}

type jurisdictionList struct {
	Jurisdictions []jurisdictionJSON `json:"jurisdictions"`
}

func (a *API) listJurisdictions(w http.ResponseWriter, r *http.Request) error {
	js, err := a.DB.Jurisdictions(r.Context())
	if err != nil {
		return err
	}
	out := make([]jurisdictionJSON, 0, len(js))
	for _, j := range js {
		out = append(out, toJurisdictionJSON(j))
	}
	return writeJSON(w, 200, jurisdictionList{Jurisdictions: out})
}

type orgJSON struct {
	ID           int64            `json:"id"`
	Name         string           `json:"name"`
	Kind         identity.OrgKind `json:"kind" doc:"机构类型代码"`
	KindLabel    string           `json:"kind_label"`
	Service      string           `json:"service,omitempty" doc:"验收部门或公共事业的业务类别"`
	Jurisdiction string           `json:"jurisdiction"`
	USCC         string           `json:"uscc,omitempty" doc:"统一社会信用代码"`
	CreatedAt    time.Time        `json:"created_at"`
}

func toOrgJSON(o identity.Org) orgJSON {
	return orgJSON{ID: o.ID, Name: o.Name, Kind: o.Kind, KindLabel: o.Kind.Label(), Service: o.Service,
		Jurisdiction: o.Jurisdiction, USCC: o.USCC, CreatedAt: o.CreatedAt}
}

type userJSON struct {
	ID          int64           `json:"id"`
	Username    string          `json:"username"`
	Name        string          `json:"name"`
	OrgID       int64           `json:"org_id"`
	Roles       []identity.Role `json:"roles" doc:"角色代码"`
	IDNumber    string          `json:"id_number,omitempty" doc:"身份证号（脱敏）"` // masked
	Phone       string          `json:"phone,omitempty"`
	Disabled    bool            `json:"disabled"`
	LockedUntil *time.Time      `json:"locked_until,omitempty" doc:"某来源地址对本账户的登录锁定至（同一地址连续5次失败）；账户本身不因失败而锁定"`
	CreatedAt   time.Time       `json:"created_at"`
}

func toUserJSON(u identity.User) userJSON {
	out := userJSON{ID: u.ID, Username: u.Username, Name: u.Name, OrgID: u.OrgID, Roles: []identity.Role{},
		Phone: u.Phone, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, r)
	}
	if u.IDNumber != "" {
		out.IDNumber = code.MaskIDCard(u.IDNumber)
	}
	if !u.LockedUntil.IsZero() {
		t := u.LockedUntil
		out.LockedUntil = &t
	}
	return out
}

type meJSON struct {
	Jurisdiction jurisdictionJSON `json:"jurisdiction"`
	Organisation orgJSON          `json:"organisation"`
	User         userJSON         `json:"user"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := decide(r, access.MeRead, access.Target{User: p.UserID()}); err != nil {
		return err
	}
	return writeJSON(w, 200, meJSON{User: toUserJSON(p.User), Organisation: toOrgJSON(p.Org), Jurisdiction: toJurisdictionJSON(p.Jurisdiction)})
}

type orgList struct {
	Organisations []orgJSON `json:"organisations"`
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.OrgRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	orgs, err := a.DB.ListOrgs(r.Context(), f, store.OrgQuery{Kind: identity.OrgKind(q.Get("kind")), Jurisdiction: q.Get("jurisdiction")})
	if err != nil {
		return err
	}
	out := make([]orgJSON, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, toOrgJSON(o))
	}
	return writeJSON(w, 200, orgList{Organisations: out})
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := a.DB.Org(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decide(r, access.OrgRead, access.Target{Jurisdiction: o.Jurisdiction}); err != nil {
		return err
	}
	return writeJSON(w, 200, toOrgJSON(o))
}

type newOrgJSON struct {
	Name         string           `json:"name"`
	Kind         identity.OrgKind `json:"kind"`
	Service      string           `json:"service"`
	Jurisdiction string           `json:"jurisdiction"`
	USCC         string           `json:"uscc"`
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in newOrgJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.DB.CreateOrg(r.Context(), identity.ActorFrom(r.Context()), identity.Org{Name: in.Name, Kind: in.Kind,
		Service: in.Service, Jurisdiction: in.Jurisdiction, USCC: in.USCC})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toOrgJSON(o))
}

// userTarget is the access target of a user record: its organisation's jurisdiction.
func (a *API) userTarget(r *http.Request, u identity.User) (access.Target, error) {
	o, err := a.DB.Org(r.Context(), u.OrgID)
	if err != nil {
		return access.Target{}, err
	}
	return access.Target{Jurisdiction: o.Jurisdiction, User: u.ID}, nil
}

type userList struct {
	Users []userJSON `json:"users"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.UserRead)
	if err != nil {
		return err
	}
	org, err := queryInt(r, "org", 0)
	if err != nil {
		return err
	}
	users, err := a.DB.ListUsers(r.Context(), f, store.UserQuery{OrgID: org, Role: identity.Role(r.URL.Query().Get("role"))})
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toUserJSON(u))
	}
	return writeJSON(w, 200, userList{Users: out})
}

func (a *API) loadUser(r *http.Request, act access.Action) (identity.User, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return identity.User{}, err
	}
	u, err := a.DB.User(r.Context(), id)
	if err != nil {
		return u, err
	}
	t, err := a.userTarget(r, u)
	if err != nil {
		return u, err
	}
	return u, decide(r, act, t)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.loadUser(r, access.UserRead)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toUserJSON(u))
}

type newUserJSON struct {
	Username string   `json:"username"`
	Name     string   `json:"name"`
	OrgID    int64    `json:"org_id"`
	Roles    []string `json:"roles" doc:"角色代码"`
	IDNumber string   `json:"id_number" doc:"购房人必填"`
	Phone    string   `json:"phone"`
	Password string   `json:"password" doc:"至少8位，含字母和数字"`
}

func parseRoles(in []string) ([]identity.Role, error) {
	out := []identity.Role{}
	for _, s := range in {
		r, err := identity.ParseRole(s)
		if err != nil {
			return nil, &problem.Error{Kind: problem.Invalid, Code: "user.invalid", Message: "用户信息有误",
				Fields: map[string]string{"roles": problem.As(err).Message}}
		}
		out = append(out, r)
	}
	return out, nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in newUserJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	roles, err := parseRoles(in.Roles)
	if err != nil {
		return err
	}
	u, err := a.DB.CreateUser(r.Context(), identity.ActorFrom(r.Context()), store.NewUser{
		User:     identity.User{Username: in.Username, Name: in.Name, OrgID: in.OrgID, Roles: roles, IDNumber: in.IDNumber, Phone: strings.TrimSpace(in.Phone)},
		Password: in.Password, Hash: a.Hash,
	})
	if problem.CodeOf(err) == "org.not_found" {
		return &problem.Error{Kind: problem.Invalid, Code: "user.invalid", Message: "用户信息有误", Fields: map[string]string{"org_id": "机构不存在"}}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toUserJSON(u))
}

type userChangeJSON struct {
	Roles    []string `json:"roles"`
	Disabled *bool    `json:"disabled"`
	Unlock   bool     `json:"unlock"`
	Password string   `json:"password"`
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in userChangeJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ch := identity.UserChange{Disabled: in.Disabled, Unlock: in.Unlock, Password: in.Password, Hash: a.Hash}
	if in.Roles != nil {
		if ch.Roles, err = parseRoles(in.Roles); err != nil {
			return err
		}
	}
	u, err := a.DB.UpdateUser(r.Context(), identity.ActorFrom(r.Context()), id, ch)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toUserJSON(u))
}

type newTokenJSON struct {
	Name string `json:"name" doc:"令牌用途，如“税务征管系统”"`
}

type createdTokenJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Token  string `json:"token" doc:"令牌全文，只显示这一次"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in newTokenJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	secret, t, err := a.DB.CreateToken(r.Context(), identity.ActorFrom(r.Context()), id, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, createdTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Token: secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.RevokeToken(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- audit

type auditJSON struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorUser  int64     `json:"actor_user"`
	ActorName  string    `json:"actor_name"`
	ActorOrg   string    `json:"actor_org"`
	Addr       string    `json:"addr"`
	Action     string    `json:"action"`
	RecordType string    `json:"record_type"`
	RecordID   string    `json:"record_id"`
	Summary    string    `json:"summary" doc:"JSON"`
	Hash       string    `json:"hash" doc:"SM3"`
}

func toAuditJSON(e audit.Event) auditJSON {
	return auditJSON{ID: e.ID, At: e.At, ActorUser: e.Actor.UserID, ActorName: e.Actor.Name, ActorOrg: e.Actor.OrgName,
		Addr: e.Actor.Addr, Action: e.Action, RecordType: e.RecordType, RecordID: e.RecordID, Summary: e.Summary,
		Hash: audit.Hex(e.Hash)}
}

type auditList struct {
	Events []auditJSON `json:"events" doc:"本页的事件，新的在前"`
	Total  int         `json:"total" doc:"符合条件的事件数；超过10000条时为10000，more为true"`
	More   bool        `json:"more" doc:"符合条件的事件超过total条（审计日志只计数到10000条；更早的事件用before继续查询）"`
	Page   int         `json:"page" doc:"页码，从1起"`
	Pages  int         `json:"pages" doc:"总页数（按total计）"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.AuditRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	aq := store.AuditQuery{Action: q.Get("action"), RecordType: q.Get("record_type"), RecordID: q.Get("record_id")}
	if aq.ActorUser, err = queryInt(r, "actor", 0); err != nil {
		return err
	}
	if aq.BeforeID, err = queryInt(r, "before", 0); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		at   *time.Time
		next int
	}{{"from", &aq.From, 0}, {"to", &aq.To, 1}} {
		if s := q.Get(d.name); s != "" {
			day, err := calendar.ParseDate(s)
			if err != nil {
				return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
					Fields: map[string]string{d.name: "日期格式应为 2026-01-01"}}
			}
			*d.at = day.AddDays(d.next).Start()
		}
	}
	out := auditList{Events: []auditJSON{}}
	if !q.Has("page") && !q.Has("per_page") {
		// A caller of before the pages: the first limit events as it
		// was, with the count of the whole list added.
		limit, err := queryInt(r, "limit", 100)
		if err != nil {
			return err
		}
		if limit < 1 || limit > 500 {
			limit = 100 // as ListAudit reads it
		}
		aq.Limit = int(limit)
		events, err := a.DB.ListAudit(r.Context(), f, aq)
		if err != nil {
			return err
		}
		aq.Page = store.Page{Size: 1}
		count, err := a.DB.AuditList(r.Context(), f, aq)
		if err != nil {
			return err
		}
		for _, e := range events {
			out.Events = append(out.Events, toAuditJSON(e))
		}
		out.Total, out.More, out.Page, out.Pages = count.Total, count.More, 1, max(1, (count.Total+aq.Limit-1)/aq.Limit)
		return writeJSON(w, 200, out)
	}
	if aq.Page, err = queryPage(r); err != nil {
		return err
	}
	l, err := a.DB.AuditList(r.Context(), f, aq)
	if err != nil {
		return err
	}
	for _, e := range l.Rows {
		out.Events = append(out.Events, toAuditJSON(e))
	}
	out.Total, out.More, out.Page, out.Pages = l.Total, l.More, l.Page.Number, l.Pages()
	return writeJSON(w, 200, out)
}

// auditVerificationJSON is the audit chain's check; the break's fields
// are there only when the chain is broken.
type auditVerificationJSON struct {
	Events      int     `json:"events" doc:"校验的事件数"`
	FirstBroken *int64  `json:"first_broken_event,omitempty"`
	Intact      bool    `json:"intact" doc:"链是否完整"`
	Lane        *int    `json:"lane,omitempty"`
	Reason      *string `json:"reason,omitempty"`
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	if err := decide(r, access.AuditRead, access.Target{}); err != nil {
		return err
	}
	v, err := a.DB.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	res := auditVerificationJSON{Events: v.Count, Intact: true}
	if b, broken := v.First(); broken {
		res.Intact, res.FirstBroken, res.Lane, res.Reason = false, &b.EventID, &b.Lane, &b.Reason
	}
	return writeJSON(w, 200, res)
}
