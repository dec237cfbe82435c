package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

// principals of the authorization matrix: one user of every role in the
// home county (652301), one in another county (652302), the prefecture's
// administrator and supervisor, and nobody.
type matrix struct {
	env     *webtest.Env
	home    map[identity.Role]*http.Client
	other   map[identity.Role]*http.Client
	pref    map[identity.Role]*http.Client
	anon    *http.Client
	fixture map[string]int64 // records in the home county the routes address
	seq     atomic.Int64
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	env := webtest.Start(t)
	ctx := context.Background()
	m := &matrix{env: env, home: map[identity.Role]*http.Client{}, other: map[identity.Role]*http.Client{},
		pref: map[identity.Role]*http.Client{}, anon: env.Client(t, ""), fixture: map[string]int64{}}
	homeUsers := map[identity.Role]string{
		identity.RoleAcceptor: "shouli", identity.RoleReviewer: "shenhe", identity.RoleRecorder: "dengbu",
		identity.RoleAdmin: "cj-admin", identity.RoleHousing: "zhujian", identity.RoleInspector: "yanshou",
		identity.RoleSurveyor: "cehui", identity.RoleDeveloper: "kaifa", identity.RoleBuyer: "zhangwei",
		identity.RoleBank: "yinhang", identity.RoleTax: "shuiwu", identity.RoleUtility: "gongshui",
	}
	for r, u := range homeUsers {
		m.home[r] = env.Client(t, u)
	}
	m.pref[identity.RoleAdmin] = env.Client(t, "admin")
	m.pref[identity.RoleSupervisor] = env.Client(t, "jianguan")

	// The other county's users.
	surveyor2, err := env.DB.CreateOrg(ctx, audit.System(), identity.Org{Name: "阜康测绘有限公司", Kind: identity.Surveyor,
		Jurisdiction: "652302", USCC: demo.USCC("91", "652302", "MB000019")})
	if err != nil {
		t.Fatal(err)
	}
	otherOrgs := map[identity.Role]int64{
		identity.RoleAcceptor: env.Demo.Orgs["652302/registry"].ID, identity.RoleReviewer: env.Demo.Orgs["652302/registry"].ID,
		identity.RoleRecorder: env.Demo.Orgs["652302/registry"].ID, identity.RoleAdmin: env.Demo.Orgs["652302/registry"].ID,
		identity.RoleHousing: env.Demo.Orgs["652302/housing"].ID, identity.RoleInspector: env.Demo.Orgs["652302/fire"].ID,
		identity.RoleSurveyor: surveyor2.ID, identity.RoleDeveloper: env.Demo.Orgs["dev2"].ID,
		identity.RoleBuyer: env.Demo.Orgs["individual"].ID, identity.RoleBank: env.Demo.Orgs["652302/bank"].ID,
		identity.RoleTax: env.Demo.Orgs["652302/tax"].ID, identity.RoleUtility: env.Demo.Orgs["652302/water"].ID,
	}
	for r, org := range otherOrgs {
		u := identity.User{Username: "other-" + string(r), Name: "他县" + r.Label(), OrgID: org, Roles: []identity.Role{r}}
		if r == identity.RoleBuyer {
			u.IDNumber = "440524188001010014"
		}
		if _, err := env.DB.CreateUser(ctx, audit.System(), store.NewUser{User: u, Password: "Demo2026!", Hash: webtest.Cheap}); err != nil {
			t.Fatalf("other %s: %v", r, err)
		}
		m.other[r] = env.Client(t, u.Username)
	}

	// Records of the home county.
	shouli := env.Demo.Users["shouli"]
	m.fixture["org"] = env.Demo.Orgs["652301/registry"].ID
	m.fixture["user"] = shouli.ID
	_, tok, err := env.DB.CreateToken(ctx, audit.System(), shouli.ID, "fixture")
	if err != nil {
		t.Fatal(err)
	}
	m.fixture["token"] = tok.ID
	actor := audit.Actor{UserID: shouli.ID, Name: shouli.Name, OrgID: shouli.OrgID, Addr: "127.0.0.1"}
	if err := env.DB.RecordAudit(ctx, actor, "test.fixture", "user", shouli.ID, nil); err != nil {
		t.Fatal(err)
	}
	events, err := env.DB.ListAudit(ctx, accessAll(), store.AuditQuery{Action: "test.fixture"})
	if err != nil || len(events) != 1 {
		t.Fatal(err)
	}
	m.fixture["event"] = events[0].ID
	return m
}

// routeSpec says who may use a route on a record of the home county.
type routeSpec struct {
	anon     bool            // public
	all      bool            // every logged-in user
	home     []identity.Role // home-county roles allowed
	other    []identity.Role // other-county roles allowed
	pref     []identity.Role // prefecture principals allowed
	list     bool            // a list: out-of-scope principals may get 200 without the record
	record   string          // fixture key whose id a list must (or must not) contain
	bodyText bool            // the body is the text of a holiday notice
	req      func(m *matrix) (path, body string)
}

var (
	admin      = identity.RoleAdmin
	supervisor = identity.RoleSupervisor
)

func fixed(path string) func(*matrix) (string, string) {
	return func(*matrix) (string, string) { return path, "" }
}

func withID(format, key string) func(*matrix) (string, string) {
	return func(m *matrix) (string, string) { return fmt.Sprintf(format, m.fixture[key]), "" }
}

// specs covers every route of the API; the test fails on a route without one.
func specs() map[string]routeSpec {
	return map[string]routeSpec{
		"GET /api/v1/codes/validate":     {anon: true, req: fixed("/api/v1/codes/validate?type=unit&value=652301001002GB00123F00030012")},
		"GET /api/v1/calendar/deadline":  {anon: true, req: fixed("/api/v1/calendar/deadline?start=2026-03-02&workdays=5")},
		"GET /api/v1/calendar/notices":   {anon: true, req: fixed("/api/v1/calendar/notices")},
		"GET /api/v1/jurisdictions":      {anon: true, req: fixed("/api/v1/jurisdictions")},
		"GET /api/v1/me":                 {all: true, req: fixed("/api/v1/me")},
		"POST /api/v1/calendar/notices":  {pref: []identity.Role{admin}, req: fixed("/api/v1/calendar/notices"), bodyText: true},
		"GET /api/v1/organisations":      {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "org", req: fixed("/api/v1/organisations")},
		"GET /api/v1/organisations/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, req: withID("/api/v1/organisations/%d", "org")},
		"POST /api/v1/organisations": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return "/api/v1/organisations", fmt.Sprintf(`{"name":"测试机构%d","kind":"tax","jurisdiction":"652301"}`, m.seq.Add(1))
		}},
		"GET /api/v1/users":      {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "user", req: fixed("/api/v1/users")},
		"GET /api/v1/users/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, req: withID("/api/v1/users/%d", "user")},
		"POST /api/v1/users": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return "/api/v1/users", fmt.Sprintf(`{"username":"new%d","name":"新用户","org_id":%d,"roles":["acceptor"],"password":"passw0rd-x"}`,
				m.seq.Add(1), m.fixture["org"])
		}},
		"PATCH /api/v1/users/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/users/%d", m.fixture["user"]), `{"unlock":true}`
		}},
		"POST /api/v1/users/{id}/tokens": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: func(m *matrix) (string, string) {
			return fmt.Sprintf("/api/v1/users/%d/tokens", m.fixture["user"]), `{"name":"x"}`
		}},
		"DELETE /api/v1/tokens/{id}": {home: []identity.Role{admin}, pref: []identity.Role{admin}, req: withID("/api/v1/tokens/%d", "token")},
		"GET /api/v1/audit/events":   {home: []identity.Role{admin}, pref: []identity.Role{admin, supervisor}, list: true, record: "event", req: fixed("/api/v1/audit/events?limit=500")},
		"GET /api/v1/audit/verify":   {pref: []identity.Role{admin, supervisor}, req: fixed("/api/v1/audit/verify")},
	}
}

const notice2027 = "范围 650000 新疆维吾尔自治区\n年度 2027\n标题 测试通知\n休 2027-03-10 肉孜节\n"

func TestAuthorizationMatrix(t *testing.T) {
	m := newMatrix(t)
	all := specs()
	for _, rt := range m.env.Server.API().Routes() {
		key := rt.Method + " " + rt.Pattern
		spec, ok := all[key]
		if !ok {
			t.Errorf("route %s has no authorization spec", key)
			continue
		}
		delete(all, key)
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			check := func(who string, c *http.Client, allowed bool) {
				t.Helper()
				path, body := spec.req(m)
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				} else if spec.bodyText {
					rd = strings.NewReader(notice2027)
				}
				req, _ := http.NewRequest(rt.Method, m.env.HTTP.URL+path, rd)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
				hasRecord := spec.record == "" || strings.Contains(string(b), fmt.Sprintf(`"id":%d,`, m.fixture[spec.record]))
				switch {
				case allowed && (!ok2xx || !hasRecord):
					t.Errorf("%s: status %d (record shown %v), want allowed: %.200s", who, resp.StatusCode, hasRecord, b)
				case !allowed && spec.list && ok2xx && hasRecord:
					t.Errorf("%s: list shows the home county's record, want it hidden", who)
				case !allowed && !spec.list && ok2xx:
					t.Errorf("%s: status %d, want denied", who, resp.StatusCode)
				case !allowed && !ok2xx && resp.StatusCode != 403 && resp.StatusCode != 401:
					t.Errorf("%s: status %d, want 401 or 403: %.200s", who, resp.StatusCode, b)
				case !allowed && c == m.anon && resp.StatusCode != 401 && !ok2xx:
					t.Errorf("anonymous: status %d, want 401", resp.StatusCode)
				}
			}
			check("anonymous", m.anon, spec.anon)
			for r, c := range m.home {
				check("home "+string(r), c, spec.anon || spec.all || slices.Contains(spec.home, r))
			}
			for r, c := range m.other {
				check("other "+string(r), c, spec.anon || spec.all || slices.Contains(spec.other, r))
			}
			for r, c := range m.pref {
				check("prefecture "+string(r), c, spec.anon || spec.all || slices.Contains(spec.pref, r))
			}
		})
	}
	for key := range all {
		t.Errorf("spec for %s matches no route", key)
	}
	// Every denial was audited.
	denied, err := m.env.DB.ListAudit(context.Background(), accessAll(), store.AuditQuery{Action: "access.denied", Limit: 500})
	if err != nil || len(denied) == 0 {
		t.Errorf("access.denied events = %d, %v; want the denials audited", len(denied), err)
	}
}

func accessAll() access.Filter { return access.Filter{All: true} }
