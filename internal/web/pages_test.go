package web

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// samplePages returns one filled page struct per template. Adding a
// template without a sample fails TestEveryTemplateRenders.
func samplePages() map[string]any {
	p := &identity.Principal{
		User:         identity.User{ID: 1, Username: "shouli", Name: "李娜", Roles: []identity.Role{identity.RoleAcceptor, identity.RoleAdmin}},
		Org:          identity.Org{ID: 2, Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"},
		Jurisdiction: identity.Jurisdiction{Code: "652301", Name: "昌吉市", Kind: identity.County},
	}
	b := Base{Title: "标题", P: p, Nav: nav(p, "/"), Flash: "已保存", Today: calendar.MustDate("2026-03-10"), Path: "/"}
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	user := identity.User{ID: 5, Username: "wangfang", Name: "王芳", OrgID: 2, Roles: []identity.Role{identity.RoleBuyer},
		IDNumber: "440524188001010014", LockedUntil: now.Add(time.Hour), CreatedAt: now}
	org := identity.Org{ID: 2, Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301", USCC: "914403001922038216"}
	notice, _ := calendar.ParseNotice("范围 650000 新疆\n年度 2026\n标题 t\n休 2026-03-20 至 2026-03-22 肉孜节\n")
	check, _ := code.Check("unit", "652301001002GB00123F00030012", nil)
	dl := calendar.Deadline{Start: calendar.MustDate("2025-03-27"), Workdays: 5, Due: calendar.MustDate("2025-04-07"),
		Skipped: []calendar.DayInfo{{Date: calendar.MustDate("2025-03-29"), Name: "肉孜节"}}, Warnings: []string{"w"}}
	return map[string]any{
		"error": ErrorPage{Base: b, Status: 422, Code: "x.y", Message: "拒绝", Ref: "abcd",
			Reasons: []problem.Reason{{Rule: "r", Subject: "652301001002GB00123F00030012", Message: "m", Basis: "b", Fixer: "f"}}},
		"login":     LoginPage{Base: b, Username: "u", Next: "/", Error: "用户名或密码错误"},
		"home":      HomePage{Base: b, Roles: p.User.Roles, Cards: []HomeCard{{Title: "t", Count: 3, Unit: "件", Href: "/", Note: "n", Warn: true}}, Links: b.Nav},
		"orgs":      OrgListPage{Base: b, Orgs: []identity.Org{org}, JNames: map[string]string{"652301": "昌吉市"}, Kinds: identity.OrgKinds, Kind: "registry", CanManage: true},
		"org_form":  OrgFormPage{Base: b, Form: OrgForm{Name: "n", Kind: "utility", Service: "water"}, Errors: map[string]string{"uscc": "bad"}, Message: "m", Kinds: identity.OrgKinds, Services: identity.Services, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}},
		"users":     UserListPage{Base: b, Users: []identity.User{user}, Orgs: map[int64]identity.Org{2: org}, CanManage: true},
		"user_form": UserFormPage{Base: b, Form: UserForm{OrgID: 2, Roles: map[identity.Role]bool{identity.RoleAcceptor: true}}, Errors: map[string]string{"roles": "x"}, Orgs: []identity.Org{org}, Roles: identity.Roles},
		"user": UserDetailPage{Base: b, User: user, Org: org, Locked: true, Allowed: identity.RolesFor(identity.Registry),
			Has: map[identity.Role]bool{identity.RoleAcceptor: true}, NewToken: "hov_x", CanManage: true,
			Tokens: []store.Token{{ID: 1, Name: "n", Prefix: "hov_abcdef", CreatedAt: now}, {ID: 2, Name: "m", Prefix: "hov_123456", CreatedAt: now, RevokedAt: now}}},
		"calendar": CalendarPage{Base: b, Notices: []calendar.Notice{notice}, Text: "x", Preview: &notice, Errors: map[string]string{"line 1": "x"}, Message: "m"},
		"audit": AuditPage{Base: b, NextPage: "/audit?before=1", Events: []audit.Event{{ID: 1, At: now, Action: "user.create", RecordType: "user", RecordID: "5",
			Actor: audit.Actor{Name: "a", OrgName: "o", Addr: "127.0.0.1"}, Summary: "{}"}}},
		"tools":   ToolsPage{Base: b, Kind: "unit", Value: "652301001002GB00123F00030012", Kinds: code.Kinds, Check: &check, Start: "2025-03-27", Workdays: "5", Region: "650000", Deadline: &dl},
		"apidocs": APIDocsPage{Base: b},
	}
}

func TestEveryTemplateRenders(t *testing.T) {
	ps, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	samples := samplePages()
	s := &Server{pages: ps}
	for _, name := range ps.Names() {
		page, ok := samples[name]
		if !ok {
			t.Errorf("template %s has no sample page in samplePages", name)
			continue
		}
		w := httptest.NewRecorder()
		if err := s.render(w, 200, name, page); err != nil {
			t.Errorf("render %s: %v", name, err)
			continue
		}
		body, _ := io.ReadAll(w.Result().Body)
		if len(body) < 200 {
			t.Errorf("render %s: only %d bytes", name, len(body))
		}
	}
	// A verified-audit page and an anonymous page render too.
	anon := Base{Title: "t", Today: calendar.MustDate("2026-03-10")}
	for name, page := range map[string]any{
		"audit": AuditPage{Base: anon, Verified: &AuditVerification{Count: 3, Intact: false, Break: audit.Break{EventID: 2, Reason: "r"}}},
		"tools": ToolsPage{Base: anon, Error: "e"},
	} {
		if err := s.render(httptest.NewRecorder(), 200, name, page); err != nil {
			t.Errorf("render %s (variant): %v", name, err)
		}
	}
}
