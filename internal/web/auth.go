package web

import (
	"fmt"
	"handover/internal/completion"
	"net/http"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

func notFoundPage() error { return problem.New(problem.NotFound, "page.not_found", "页面不存在") }

// LoginPage is the login form.
type LoginPage struct {
	Base
	Username string
	Next     string
	Error    string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if identity.PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, 200, "login", LoginPage{Base: s.base(r, "登录"), Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := s.db.Authenticate(r.Context(), s.clientAddr(r), username, password)
	if err != nil {
		if problem.KindOf(err) != problem.Unauthenticated {
			return err
		}
		return s.render(w, http.StatusUnauthorized, "login", LoginPage{Base: s.base(r, "登录"), Username: username, Next: next,
			Error: problem.As(err).Message})
	}
	// A new session token on login defeats session fixation.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionUser, u.ID)
	s.sessions.Put(r.Context(), sessionSince, s.now().UnixNano())
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if p := identity.PrincipalFrom(r.Context()); p != nil {
		if err := s.db.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "auth.logout", "user", p.User.ID, nil); err != nil {
			return err
		}
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// HomeCard is one tile of a role's home page: what waits for the user.
type HomeCard struct {
	Title string
	Count int
	Unit  string
	Href  string
	Note  string
	Warn  bool
}

// HomePage is a role's work overview.
type HomePage struct {
	Base
	Roles []identity.Role
	Cards []HomeCard
	Links []NavItem
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	page := HomePage{Base: s.base(r, "工作台"), Roles: p.User.Roles}
	cards, err := s.homeCards(r, p)
	if err != nil {
		return err
	}
	page.Cards = cards
	for _, n := range page.Nav {
		if n.Href != "/" {
			page.Links = append(page.Links, n)
		}
	}
	return s.render(w, 200, "home", page)
}

// homeCards gathers, for each of the principal's roles, the work waiting
// for it. Each capability of the platform contributes its own cards.
func (s *Server) homeCards(r *http.Request, p *identity.Principal) ([]HomeCard, error) {
	var cards []HomeCard
	ctx := r.Context()
	if access.Could(p, access.UserManage) {
		f, err := access.ListFilter(p, access.UserRead)
		if err != nil {
			return nil, err
		}
		users, err := s.db.ListUsers(ctx, f, store.UserQuery{})
		if err != nil {
			return nil, err
		}
		locked := 0
		for _, u := range users {
			if u.LockedUntil.After(s.now()) {
				locked++
			}
		}
		cards = append(cards, HomeCard{Title: "本辖区用户", Count: len(users), Unit: "人", Href: "/admin/users"})
		cards = append(cards, HomeCard{Title: "有地址被锁定的账户", Count: locked, Unit: "个", Href: "/admin/users", Warn: locked > 0,
			Note: "同一地址连续登录失败5次，该地址对该账户锁定15分钟；可在用户详情中解锁"})
	}
	if access.Could(p, access.AuditRead) {
		f, err := access.ListFilter(p, access.AuditRead)
		if err != nil {
			return nil, err
		}
		// The count of the list the card opens: today's refusals.
		today := s.today()
		denied, err := s.db.AuditList(ctx, f, store.AuditQuery{Action: "access.denied", From: today.Start(), Page: store.Page{Size: 1}})
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "今日越权访问", Count: denied.Total, Unit: "次", Href: "/audit?action=access.denied&from=" + today.String(),
			Warn: denied.Total > 0, Note: "被拒绝的访问均记入审计日志"})
	}
	if p.Has(identity.RoleBuyer) && p.User.IDNumber != "" {
		n, err := s.db.AwaitingConfirmation(ctx, p.User.IDNumber)
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "待我确认的合同", Count: n, Unit: "份", Href: "/contracts?state=sent", Warn: n > 0,
			Note: "开发企业发送的网签合同，请核对后在线确认"})
	}
	work, err := s.workCards(r, p)
	if err != nil {
		return nil, err
	}
	cards = append(cards, work...)
	if access.Could(p, access.ContractRead) && !p.Has(identity.RoleBuyer) {
		f, err := access.ListFilter(p, access.ContractRead)
		if err != nil {
			return nil, err
		}
		counts, overdue, err := s.db.ContractCounts(ctx, f, "", s.now())
		if err != nil {
			return nil, err
		}
		if p.Has(identity.RoleDeveloper) {
			cards = append(cards, HomeCard{Title: "起草中与待买受人确认", Count: counts[presale.Draft] + counts[presale.Sent], Unit: "份", Href: "/contracts?state=sent"})
		}
		cards = append(cards, HomeCard{Title: "已签署待备案", Count: counts[presale.Signed], Unit: "份", Href: "/contracts?state=signed"},
			HomeCard{Title: "逾期未备案", Count: overdue, Unit: "份", Href: "/contracts?overdue=1", Warn: overdue > 0, Note: "签署后30日内应备案"},
			HomeCard{Title: "已备案（含预告登记）", Count: counts[presale.Filed], Unit: "份", Href: "/contracts?state=filed"})
	}
	credit, err := s.creditCards(r, p)
	if err != nil {
		return nil, err
	}
	cards = append(cards, credit...)
	more, err := s.completionCards(r, p)
	return append(cards, more...), err
}

// workCards are the registration steps, presale decisions, permits to
// confirm, deed taxes and utility transfers waiting for the principal's
// roles, in its jurisdiction (the prefecture's staff: everywhere).
func (s *Server) workCards(r *http.Request, p *identity.Principal) ([]HomeCard, error) {
	ctx := r.Context()
	var cards []HomeCard
	registration := p.Has(identity.RoleAcceptor) || p.Has(identity.RoleReviewer) || p.Has(identity.RoleRecorder)
	if registration || p.Has(identity.RoleHousing) || p.Has(identity.RoleTax) {
		j := p.Jurisdiction.Code
		if p.PrefectureWide() {
			j = ""
		}
		w, err := s.db.Waiting(ctx, j, s.today())
		if err != nil {
			return nil, err
		}
		step := func(state registry.ServiceState, title, note string) HomeCard {
			return HomeCard{Title: title, Count: w.Services[state], Unit: "件", Href: "/registration?state=" + string(state), Note: note}
		}
		if p.Has(identity.RoleAcceptor) {
			cards = append(cards, step(registry.ReturnedSt, "退回补正", "申请人补正后重新受理"))
		}
		if p.Has(identity.RoleReviewer) {
			cards = append(cards, step(registry.Accepted, "待审核", "受理人员不得审核本人受理的申请"), step(registry.Reviewed, "待复审", ""))
		}
		if p.Has(identity.RoleRecorder) {
			cards = append(cards, step(registry.Approved, "待登簿", "登簿前再次核验各项规则"), step(registry.Recorded, "待缮证", ""), step(registry.Certified, "待发证", ""))
		}
		if registration {
			cards = append(cards, HomeCard{Title: "超过办理时限的登记", Count: w.Overdue, Unit: "件", Href: "/registration", Warn: w.Overdue > 0,
				Note: "按工作日计算；退回补正、等待申请人的不计入"})
		}
		if p.Has(identity.RoleHousing) {
			f, err := access.ListFilter(p, access.PresaleDecide)
			if err != nil {
				return nil, err
			}
			queue, err := s.db.PresaleQueue(ctx, f)
			if err != nil {
				return nil, err
			}
			cards = append(cards, HomeCard{Title: "待审批的预售许可申请", Count: len(queue), Unit: "件", Href: "/presale", Warn: len(queue) > 0},
				HomeCard{Title: "待确认的规划、施工许可证", Count: w.PermitsToConfirm, Unit: "份", Href: "/projects?show=permits", Note: "确认后方可申请预售许可"})
		}
		if p.Has(identity.RoleTax) {
			cards = append(cards, HomeCard{Title: "已核定未缴纳的契税", Count: w.DeedTaxUnpaid, Unit: "户", Href: "/deed-tax", Warn: w.DeedTaxUnpaid > 0,
				Note: "未缴契税的户不能办理转移登记"})
		}
	}
	if p.Has(identity.RoleUtility) {
		n, err := s.db.UtilitiesWaiting(ctx, p.Org.ID)
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "待办理的过户", Count: n, Unit: "户", Href: "/utilities?show=waiting", Warn: n > 0, Note: "不动产登记后推送的水、电、气过户申请"})
	}
	return cards, nil
}

// completionCards are the completion stage's work items on the home page.
func (s *Server) completionCards(r *http.Request, p *identity.Principal) ([]HomeCard, error) {
	var cards []HomeCard
	ctx := r.Context()
	switch {
	case p.Has(identity.RoleSurveyor):
		returned, err := s.db.Surveys(ctx, store.SurveyQuery{Surveyor: p.Org.ID, State: completion.Returned})
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "被退回的测绘成果", Count: len(returned), Unit: "份", Href: "/surveys", Warn: len(returned) > 0,
			Note: "按逐户退回理由更正后重新提交"})
	case access.Allowed(p, access.SurveyReview, access.Target{Jurisdiction: p.Jurisdiction.Code}):
		q := store.SurveyQuery{State: completion.Submitted, Jurisdiction: p.Jurisdiction.Code}
		if p.PrefectureWide() {
			q.Jurisdiction = ""
		}
		pending, err := s.db.Surveys(ctx, q)
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "待审核的测绘成果", Count: len(pending), Unit: "份", Href: "/surveys?pending=1", Warn: len(pending) > 0})
	}
	if p.Has(identity.RoleInspector) {
		q, err := store.TaskQueryFor(p, true)
		if err != nil {
			return nil, err
		}
		tasks, err := s.db.AcceptanceTasks(ctx, q)
		if err != nil {
			return nil, err
		}
		overdue := 0
		for _, t := range tasks {
			if t.Task.Overdue(s.today()) {
				overdue++
			}
		}
		note := "联合验收时限内出具通过或不通过的意见"
		if overdue > 0 {
			note = fmt.Sprintf("其中%d项已逾期", overdue)
		}
		cards = append(cards, HomeCard{Title: "待出具的验收意见", Count: len(tasks), Unit: "项", Href: "/acceptance", Warn: overdue > 0, Note: note})
	}
	if access.Could(p, access.AlertRead) {
		f, err := access.ListFilter(p, access.AlertRead)
		if err != nil {
			return nil, err
		}
		// The count of the list the card opens (its first row read, too).
		open, err := s.db.AlertList(ctx, f, store.AlertListQuery{State: "open", Page: store.Page{Size: 1}})
		if err != nil {
			return nil, err
		}
		cards = append(cards, HomeCard{Title: "未解除的预警", Count: open.Total, Unit: "条", Href: "/alerts?state=open", Warn: open.Total > 0})
	}
	return cards, nil
}
