// Package demo loads a realistic demo prefecture, 昌吉回族自治州, through the
// same store methods and domain rules that the pages and the API use: its
// jurisdictions, the departments of each county and park, banks,
// utilities, developers, a surveyor, and one user for every role.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// Password is the demo users' password.
const Password = "Demo2026!"

// Options configure Load.
type Options struct {
	Hash identity.HashParams
	Out  io.Writer // where logins are printed; nil for none
	// Clock moves the database clock to a moment of the demo's history; a
	// zero time returns it to real time. Nil leaves the clock alone.
	Clock func(time.Time)
}

// Foundation is what the foundation part of the demo created.
type Foundation struct {
	Orgs  map[string]identity.Org  // by key, e.g. "652301/registry", "dev1", "individual"
	Users map[string]identity.User // by username
}

// Login is one demo login for the printed table.
type Login struct {
	Username, Name, Org, Roles string
}

// USCC makes a valid 统一社会信用代码 for a demo organisation: category
// "91" (enterprise) or "11"/"12" (government body, institution), the
// region, an 8-character body, and both check characters computed.
func USCC(prefix, region, body string) string {
	inner, ok := code.OrgCodeCheckChar(body)
	if !ok {
		panic("demo USCC body " + body)
	}
	first17 := prefix + region + body + string(inner)
	outer, ok := code.USCCCheckChar(first17)
	if !ok {
		panic("demo USCC " + first17)
	}
	return first17 + string(outer)
}

type orgSpec struct {
	key  string
	org  identity.Org
	seed string // USCC body seed; "" for none
}

// orgSpecs lists the demo organisations.
func orgSpecs(js []identity.Jurisdiction) []orgSpec {
	var out []orgSpec
	n := 0
	body := func() string { n++; return fmt.Sprintf("MA%06d", 100000+n*37) }
	add := func(key, name string, kind identity.OrgKind, service, j, prefix string) {
		o := identity.Org{Name: name, Kind: kind, Service: service, Jurisdiction: j}
		region := j
		if len(region) > 6 {
			region = region[:6]
		}
		o.USCC = USCC(prefix, region, body())
		out = append(out, orgSpec{key: key, org: o})
	}
	for _, j := range js {
		short := j.Name
		switch j.Kind {
		case identity.Prefecture:
			add(j.Code+"/centre", "昌吉州不动产登记中心", identity.Centre, "", j.Code, "12")
			add(j.Code+"/housing", "昌吉州住房和城乡建设局", identity.Housing, "", j.Code, "11")
			add("individual", "个人购房人", identity.Individual, "", j.Code, "12")
			continue
		case identity.Park:
			short = map[string]string{"652301-01": "昌吉高新区", "652327-01": "准东开发区"}[j.Code]
		}
		add(j.Code+"/registry", short+"不动产登记中心", identity.Registry, "", j.Code, "12")
		add(j.Code+"/housing", short+"住房和城乡建设局", identity.Housing, "", j.Code, "11")
		add(j.Code+"/planning", short+"自然资源局（规划核实）", identity.Acceptance, "planning", j.Code, "11")
		add(j.Code+"/land", short+"自然资源局（土地核验）", identity.Acceptance, "land", j.Code, "11")
		add(j.Code+"/fire", short+"消防救援大队", identity.Acceptance, "fire", j.Code, "11")
		add(j.Code+"/civil_defence", short+"人民防空办公室", identity.Acceptance, "civil_defence", j.Code, "11")
		add(j.Code+"/meteorology", short+"气象局（防雷）", identity.Acceptance, "meteorology", j.Code, "12")
		add(j.Code+"/archives", short+"城建档案馆", identity.Acceptance, "archives", j.Code, "12")
		add(j.Code+"/tax", "国家税务总局"+short+"税务局", identity.Tax, "", j.Code, "11")
		add(j.Code+"/bank", "中国建设银行"+short+"支行", identity.Bank, "", j.Code, "91")
		add(j.Code+"/water", short+"供排水有限公司", identity.Utility, "water", j.Code, "91")
		add(j.Code+"/electricity", "国网"+short+"供电公司", identity.Utility, "electricity", j.Code, "91")
		add(j.Code+"/gas", short+"天然气有限公司", identity.Utility, "gas", j.Code, "91")
		add(j.Code+"/network", "中国电信"+short+"分公司", identity.Utility, "network", j.Code, "91")
		add(j.Code+"/tv", "新疆广电网络"+short+"分公司", identity.Utility, "tv", j.Code, "91")
	}
	add("dev1", "昌吉天山房地产开发有限公司", identity.Developer, "", "652301", "91")
	add("dev2", "新疆庭州置业有限公司", identity.Developer, "", "652301", "91")
	add("surveyor", "昌吉州测绘院有限公司", identity.Surveyor, "", "652301", "91")
	add("bank2", "中国工商银行昌吉分行", identity.Bank, "", "652301", "91")
	return out
}

type userSpec struct {
	username, name, org string
	roles               []identity.Role
	idNumber            string
}

// userSpecs lists one demo user for every role (a buyer may also log in
// with the 身份证号 instead of the username).
func userSpecs() []userSpec {
	r := func(rs ...identity.Role) []identity.Role { return rs }
	return []userSpec{
		{"admin", "州系统管理员", "652300/centre", r(identity.RoleAdmin), ""},
		{"jianguan", "马建国", "652300/centre", r(identity.RoleSupervisor), ""},
		{"shouli", "李娜", "652301/registry", r(identity.RoleAcceptor), ""},
		{"shenhe", "王磊", "652301/registry", r(identity.RoleReviewer), ""},
		{"dengbu", "赵敏", "652301/registry", r(identity.RoleRecorder), ""},
		{"cj-admin", "昌吉市系统管理员", "652301/registry", r(identity.RoleAdmin), ""},
		{"zhujian", "陈刚", "652301/housing", r(identity.RoleHousing), ""},
		{"yanshou", "刘洋", "652301/fire", r(identity.RoleInspector), ""},
		{"guihua", "孙丽", "652301/planning", r(identity.RoleInspector), ""},
		{"tudi", "王芳", "652301/land", r(identity.RoleInspector), ""},
		{"cehui", "周涛", "surveyor", r(identity.RoleSurveyor), ""},
		{"kaifa", "吴强", "dev1", r(identity.RoleDeveloper), ""},
		{"kaifa2", "郑婷", "dev2", r(identity.RoleDeveloper), ""},
		{"yinhang", "冯静", "652301/bank", r(identity.RoleBank), ""},
		{"shuiwu", "韩梅", "652301/tax", r(identity.RoleTax), ""},
		{"gongshui", "杨帆", "652301/water", r(identity.RoleUtility), ""},
		{"fk-shouli", "阿依古丽", "652302/registry", r(identity.RoleAcceptor), ""},
		{"zhangwei", "张伟", "individual", r(identity.RoleBuyer), "652301199003071231"},
	}
}

// LoadFoundation creates the jurisdictions, organisations and users. It
// refuses to run on a database that already has organisations.
func LoadFoundation(ctx context.Context, db *store.DB, opts Options) (*Foundation, error) {
	actor := audit.System()
	existing, err := db.ListOrgs(ctx, access.Filter{All: true}, store.OrgQuery{})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, problem.New(problem.Conflict, "demo.not_empty", "数据库已有数据，未重复载入演示数据")
	}
	js, parent := identity.Changji()
	for _, j := range js {
		if err := db.PutJurisdiction(ctx, actor, j, parent[j.Code]); err != nil {
			return nil, err
		}
	}
	f := &Foundation{Orgs: map[string]identity.Org{}, Users: map[string]identity.User{}}
	for _, s := range orgSpecs(js) {
		o, err := db.CreateOrg(ctx, actor, s.org)
		if err != nil {
			return nil, fmt.Errorf("demo org %s: %w", s.org.Name, err)
		}
		f.Orgs[s.key] = o
	}
	var logins []Login
	for _, s := range userSpecs() {
		org := f.Orgs[s.org]
		u, err := db.CreateUser(ctx, actor, store.NewUser{User: identity.User{Username: s.username, Name: s.name, OrgID: org.ID,
			Roles: s.roles, IDNumber: s.idNumber}, Password: Password, Hash: opts.Hash})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", s.username, err)
		}
		f.Users[u.Username] = u
		var roles []string
		for _, r := range u.Roles {
			roles = append(roles, r.Label())
		}
		logins = append(logins, Login{Username: u.Username, Name: u.Name, Org: org.Name, Roles: strings.Join(roles, "、")})
	}
	if opts.Out != nil {
		PrintLogins(opts.Out, logins)
	}
	return f, nil
}

// Logins lists the demo logins present in the database.
func Logins(ctx context.Context, db *store.DB) ([]Login, error) {
	var out []Login
	for _, s := range userSpecs() {
		u, err := db.UserByName(ctx, s.username)
		if err != nil {
			continue
		}
		o, err := db.Org(ctx, u.OrgID)
		if err != nil {
			return nil, err
		}
		var roles []string
		for _, r := range u.Roles {
			roles = append(roles, r.Label())
		}
		out = append(out, Login{Username: u.Username, Name: u.Name, Org: o.Name, Roles: strings.Join(roles, "、")})
	}
	return out, nil
}

// PrintLogins writes the demo logins as a table.
func PrintLogins(w io.Writer, logins []Login) {
	fmt.Fprintf(w, "演示账户（密码均为 %s）：\n", Password)
	fmt.Fprintf(w, "  %-20s %-10s %-28s %s\n", "用户名", "姓名", "机构", "角色")
	for _, l := range logins {
		fmt.Fprintf(w, "  %-20s %-10s %-28s %s\n", l.Username, l.Name, l.Org, l.Roles)
	}
}

// KeyPassphrase protects the demo authorities' signing keys; a real
// deployment sets its own in HANDOVER_KEY_PASSPHRASE.
const KeyPassphrase = "demo-signing-2026"

// FoundationOf finds the demo foundation in a database the demo was loaded
// into (to add to it later, e.g. scaled projects).
func FoundationOf(ctx context.Context, db *store.DB) (*Foundation, error) {
	orgs, err := db.ListOrgs(ctx, access.Filter{All: true}, store.OrgQuery{})
	if err != nil {
		return nil, err
	}
	byName := map[string]identity.Org{}
	for _, o := range orgs {
		byName[o.Name] = o
	}
	js, _ := identity.Changji()
	f := &Foundation{Orgs: map[string]identity.Org{}, Users: map[string]identity.User{}}
	for _, s := range orgSpecs(js) {
		o, ok := byName[s.org.Name]
		if !ok {
			return nil, problem.New(problem.Conflict, "demo.absent", "数据库中没有演示数据：请先载入演示数据")
		}
		f.Orgs[s.key] = o
	}
	for _, s := range userSpecs() {
		u, err := db.UserByName(ctx, s.username)
		if err != nil {
			return nil, problem.New(problem.Conflict, "demo.absent", "数据库中没有演示数据：请先载入演示数据")
		}
		f.Users[s.username] = u
	}
	return f, nil
}
