package web

import (
	"net/http"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// jurisdictionNames maps codes to names for display.
func (s *Server) jurisdictionNames(r *http.Request) (map[string]string, []identity.Jurisdiction, error) {
	js, err := s.db.Jurisdictions(r.Context())
	if err != nil {
		return nil, nil, err
	}
	m := map[string]string{}
	for _, j := range js {
		m[j.Code] = j.Name
	}
	return m, js, nil
}

// JNames names jurisdictions by code for a page.
type JNames map[string]string

// Name is the jurisdiction's name (652301 → 昌吉市), or its code when it
// has none; "" (no jurisdiction) is empty.
func (n JNames) Name(code string) string {
	if name := n[code]; name != "" {
		return name
	}
	return code
}

// manageableJurisdictions are those where p may perform a.
func manageableJurisdictions(p *identity.Principal, a access.Action, all []identity.Jurisdiction) []identity.Jurisdiction {
	var out []identity.Jurisdiction
	for _, j := range all {
		if access.Allowed(p, a, access.Target{Jurisdiction: j.Code}) {
			out = append(out, j)
		}
	}
	return out
}

// ---- organisations

// OrgListPage lists organisations.
type OrgListPage struct {
	Base
	Orgs      []identity.Org
	JNames    map[string]string
	Kinds     []identity.OrgKind
	Kind      string
	CanManage bool
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.OrgRead)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	orgs, err := s.db.ListOrgs(r.Context(), f, store.OrgQuery{Kind: identity.OrgKind(kind)})
	if err != nil {
		return err
	}
	names, _, err := s.jurisdictionNames(r)
	if err != nil {
		return err
	}
	return s.render(w, 200, "orgs", OrgListPage{Base: s.base(r, "机构管理"), Orgs: orgs, JNames: names,
		Kinds: identity.OrgKinds, Kind: kind, CanManage: access.Could(p, access.OrgManage)})
}

// OrgForm holds the values of the organisation form.
type OrgForm struct {
	Name, Kind, Service, Jurisdiction, USCC string
}

// OrgFormPage is the new-organisation form.
type OrgFormPage struct {
	Base
	Form          OrgForm
	Errors        map[string]string
	Message       string
	Kinds         []identity.OrgKind
	Services      map[identity.OrgKind][]string
	Jurisdictions []identity.Jurisdiction
}

func (s *Server) orgFormPage(r *http.Request, p *identity.Principal, form OrgForm, errs map[string]string, msg string) (OrgFormPage, error) {
	_, all, err := s.jurisdictionNames(r)
	if err != nil {
		return OrgFormPage{}, err
	}
	js := manageableJurisdictions(p, access.OrgManage, all)
	if len(js) == 0 {
		return OrgFormPage{}, access.Decide(p, access.OrgManage, access.Target{Jurisdiction: p.Jurisdiction.Code})
	}
	return OrgFormPage{Base: s.base(r, "新建机构"), Form: form, Errors: errs, Message: msg,
		Kinds: identity.OrgKinds, Services: identity.Services, Jurisdictions: js}, nil
}

func (s *Server) orgForm(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	page, err := s.orgFormPage(r, p, OrgForm{Jurisdiction: p.Jurisdiction.Code}, nil, "")
	if err != nil {
		return err
	}
	return s.render(w, 200, "org_form", page)
}

// orgCreate creates an organisation; the store decides access on its
// jurisdiction.
func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	form := OrgForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Service: r.PostFormValue("service"),
		Jurisdiction: r.PostFormValue("jurisdiction"), USCC: strings.TrimSpace(r.PostFormValue("uscc"))}
	o, err := s.db.CreateOrg(r.Context(), identity.ActorFrom(r.Context()), identity.Org{Name: form.Name, Kind: identity.OrgKind(form.Kind),
		Service: form.Service, Jurisdiction: form.Jurisdiction, USCC: form.USCC})
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		page, err := s.orgFormPage(r, p, form, errs, msg)
		if err != nil {
			return err
		}
		return s.render(w, http.StatusUnprocessableEntity, "org_form", page)
	}
	s.flash(r, "已创建机构“"+o.Name+"”")
	http.Redirect(w, r, "/admin/orgs", http.StatusSeeOther)
	return nil
}

// ---- users

// UserListPage lists users.
type UserListPage struct {
	Base
	Users     []identity.User
	Orgs      map[int64]identity.Org
	CanManage bool
}

func (s *Server) orgIndex(r *http.Request, p *identity.Principal) (map[int64]identity.Org, []identity.Org, error) {
	f, err := access.ListFilter(p, access.OrgRead)
	if err != nil {
		return nil, nil, err
	}
	orgs, err := s.db.ListOrgs(r.Context(), f, store.OrgQuery{})
	if err != nil {
		return nil, nil, err
	}
	m := map[int64]identity.Org{}
	for _, o := range orgs {
		m[o.ID] = o
	}
	return m, orgs, nil
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.UserRead)
	if err != nil {
		return err
	}
	org, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	users, err := s.db.ListUsers(r.Context(), f, store.UserQuery{OrgID: org})
	if err != nil {
		return err
	}
	orgs, _, err := s.orgIndex(r, p)
	if err != nil {
		return err
	}
	return s.render(w, 200, "users", UserListPage{Base: s.base(r, "用户管理"), Users: users, Orgs: orgs,
		CanManage: access.Could(p, access.UserManage)})
}

// UserForm holds the values of the new-user form.
type UserForm struct {
	Username, Name, IDNumber, Phone string
	OrgID                           int64
	Roles                           map[identity.Role]bool
}

// UserFormPage is the new-user form.
type UserFormPage struct {
	Base
	Form    UserForm
	Errors  map[string]string
	Message string
	Orgs    []identity.Org
	Roles   []identity.Role
	RolesOf map[identity.OrgKind][]identity.Role
}

func (s *Server) userFormPage(r *http.Request, p *identity.Principal, form UserForm, errs map[string]string, msg string) (UserFormPage, error) {
	_, orgs, err := s.orgIndex(r, p)
	if err != nil {
		return UserFormPage{}, err
	}
	var manageable []identity.Org
	for _, o := range orgs {
		if access.Allowed(p, access.UserManage, access.Target{Jurisdiction: o.Jurisdiction}) {
			manageable = append(manageable, o)
		}
	}
	rolesOf := map[identity.OrgKind][]identity.Role{}
	for _, k := range identity.OrgKinds {
		rolesOf[k] = identity.RolesFor(k)
	}
	return UserFormPage{Base: s.base(r, "新建用户"), Form: form, Errors: errs, Message: msg, Orgs: manageable,
		Roles: identity.Roles, RolesOf: rolesOf}, nil
}

func (s *Server) userForm(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if !access.Could(p, access.UserManage) {
		return access.Decide(p, access.UserManage, access.Target{})
	}
	org, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	page, err := s.userFormPage(r, p, UserForm{OrgID: org}, nil, "")
	if err != nil {
		return err
	}
	return s.render(w, 200, "user_form", page)
}

func formRoles(r *http.Request) ([]identity.Role, map[identity.Role]bool) {
	var roles []identity.Role
	set := map[identity.Role]bool{}
	for _, v := range r.PostForm["roles"] {
		role, err := identity.ParseRole(v)
		if err == nil && !set[role] {
			roles = append(roles, role)
			set[role] = true
		}
	}
	return roles, set
}

// userCreate creates a user; the store decides access on the jurisdiction
// of the user's organisation.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return problem.New(problem.Invalid, "request.form", "表单无法解析")
	}
	roles, set := formRoles(r)
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	form := UserForm{Username: r.PostFormValue("username"), Name: r.PostFormValue("name"), IDNumber: strings.TrimSpace(r.PostFormValue("id_number")),
		Phone: strings.TrimSpace(r.PostFormValue("phone")), OrgID: orgID, Roles: set}
	u, err := s.db.CreateUser(r.Context(), identity.ActorFrom(r.Context()), store.NewUser{
		User:     identity.User{Username: form.Username, Name: form.Name, OrgID: orgID, Roles: roles, IDNumber: form.IDNumber, Phone: form.Phone},
		Password: r.PostFormValue("password"), Hash: s.cfg.Hash})
	if problem.CodeOf(err) == "org.not_found" {
		err = &problem.Error{Kind: problem.Invalid, Code: "user.invalid", Message: "用户信息有误", Fields: map[string]string{"org_id": "请选择机构"}}
	}
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg == "" {
		s.flash(r, "已创建用户“"+u.Username+"”")
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
		return nil
	}
	form.IDNumber = "" // never echo an ID number back into a page
	page, err := s.userFormPage(r, p, form, errs, msg)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusUnprocessableEntity, "user_form", page)
}

// UserDetailPage shows and edits one user.
type UserDetailPage struct {
	Base
	User      identity.User
	Org       identity.Org
	Locked    bool
	Tokens    []store.Token
	Allowed   []identity.Role
	Has       map[identity.Role]bool
	NewToken  string
	CanManage bool
	Errors    map[string]string
	Message   string
}

func (s *Server) loadUserPage(r *http.Request, act access.Action) (UserDetailPage, error) {
	p, err := principal(r)
	if err != nil {
		return UserDetailPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return UserDetailPage{}, err
	}
	u, err := s.db.User(r.Context(), id)
	if err != nil {
		return UserDetailPage{}, err
	}
	o, err := s.db.Org(r.Context(), u.OrgID)
	if err != nil {
		return UserDetailPage{}, err
	}
	if err := access.Decide(p, act, access.Target{Jurisdiction: o.Jurisdiction, User: u.ID}); err != nil {
		return UserDetailPage{}, err
	}
	tokens, err := s.db.Tokens(r.Context(), u.ID)
	if err != nil {
		return UserDetailPage{}, err
	}
	has := map[identity.Role]bool{}
	for _, role := range u.Roles {
		has[role] = true
	}
	return UserDetailPage{Base: s.base(r, "用户："+u.Name), User: u, Org: o, Locked: u.LockedUntil.After(s.now()), Tokens: tokens,
		Allowed: identity.RolesFor(o.Kind), Has: has,
		CanManage: access.Allowed(p, access.UserManage, access.Target{Jurisdiction: o.Jurisdiction})}, nil
}

func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadUserPage(r, access.UserRead)
	if err != nil {
		return err
	}
	if page.User.IDNumber != "" {
		// Viewing a record that holds personal data is logged (个人信息保护法).
		if err := s.db.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "personal.view", "user", page.User.ID,
			map[string]string{"purpose": "用户管理"}); err != nil {
			return err
		}
	}
	return s.render(w, 200, "user", page)
}

// userChange reads the change the user form asks for, and what to say
// once it is made.
func userChange(r *http.Request, hash identity.HashParams) (identity.UserChange, string, error) {
	ch := identity.UserChange{Hash: hash}
	switch r.PostFormValue("op") {
	case "roles":
		roles, _ := formRoles(r)
		ch.Roles = roles
		if ch.Roles == nil {
			ch.Roles = []identity.Role{}
		}
		return ch, "已更新角色；该用户已登录的会话均已结束，须重新登录", nil
	case "disable":
		v := true
		ch.Disabled = &v
		return ch, "已停用账户；该用户已登录的会话均已结束", nil
	case "enable":
		v := false
		ch.Disabled = &v
		return ch, "已启用账户", nil
	case "unlock":
		ch.Unlock = true
		return ch, "已解锁账户", nil
	case "password":
		ch.Password = r.PostFormValue("password")
		return ch, "已重置密码；该用户已登录的会话均已结束，须用新密码重新登录", nil
	}
	return ch, "", problem.New(problem.Invalid, "request.op", "未知操作")
}

// userUpdate changes a user; the store decides access on the user it
// locks, and the page is loaded only to show a refused change.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return problem.New(problem.Invalid, "request.form", "表单无法解析")
	}
	ch, done, err := userChange(r, s.cfg.Hash)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateUser(r.Context(), identity.ActorFrom(r.Context()), id, ch)
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		return s.renderUser(w, r, http.StatusUnprocessableEntity, errs, msg, "")
	}
	s.flash(r, done)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

// renderUser shows the user page with a refused change, or with a token
// just made (shown once).
func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, msg, token string) error {
	page, err := s.loadUserPage(r, access.UserRead)
	if err != nil {
		return err
	}
	page.Errors, page.Message, page.NewToken = errs, msg, token
	return s.render(w, status, "user", page)
}

// tokenCreate makes an API token for the user; the store decides access.
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	secret, _, err := s.db.CreateToken(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("name"))
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if msg != "" {
		return s.renderUser(w, r, http.StatusUnprocessableEntity, errs, msg, "")
	}
	// The token is shown once, on this response; it is never stored in clear.
	return s.renderUser(w, r, 200, nil, "", secret)
}

// tokenRevoke revokes a token; the store decides access on its user.
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RevokeToken(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	t, err := s.db.Token(r.Context(), id)
	if err != nil {
		return err
	}
	s.flash(r, "已吊销令牌 "+t.Prefix+"…")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(t.UserID, 10), http.StatusSeeOther)
	return nil
}
