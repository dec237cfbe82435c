// Package identity names who acts on the platform: jurisdictions (counties
// and parks of the prefecture), organisations of a kind within a
// jurisdiction, users of an organisation with roles, and the Principal — the
// authenticated viewer of one request.
package identity

import (
	"slices"
	"strings"
	"time"

	"handover/internal/problem"
)

// JurisdictionKind says where a jurisdiction sits in the prefecture.
type JurisdictionKind string

const (
	Prefecture JurisdictionKind = "prefecture" // 州本级: sees every county and park
	County     JurisdictionKind = "county"     // 县市
	Park       JurisdictionKind = "park"       // 园区: its own branch, inside a county code
)

// Jurisdiction is a county, a park or the prefecture. Every record belongs
// to one jurisdiction ("谁审批谁监管，谁主管谁监管").
type Jurisdiction struct {
	Code      string           // "652301"; a park: county code + "-" + two digits, e.g. "652301-01"
	Name      string           // 昌吉市
	Kind      JurisdictionKind //
	County    string           // the GB/T 2260 code used in unit numbers (a park's county)
	CertPlace string           // 市县全称 in certificate numbers, e.g. 昌吉市
	Province  string           // province abbreviation in certificate numbers, e.g. 新
	Region    string           // province code whose regional holidays apply, e.g. 650000
}

// Label is the kind in Chinese.
func (k JurisdictionKind) Label() string {
	switch k {
	case Prefecture:
		return "州本级"
	case Park:
		return "园区"
	}
	return "县市"
}

// OrgKind is the kind of an organisation.
type OrgKind string

const (
	Registry   OrgKind = "registry"   // 不动产登记中心
	Housing    OrgKind = "housing"    // 住房和城乡建设局
	Acceptance OrgKind = "acceptance" // 联合验收部门 (规划, 土地, 消防, 人防, 气象, 城建档案)
	Tax        OrgKind = "tax"        // 税务局
	Bank       OrgKind = "bank"       // 金融机构
	Utility    OrgKind = "utility"    // 水/电/气/网络/电视
	Developer  OrgKind = "developer"  // 房地产开发企业
	Surveyor   OrgKind = "surveyor"   // 测绘单位
	Centre     OrgKind = "centre"     // 州不动产登记中心 (州中心)
	Individual OrgKind = "individual" // 个人: buyers belong here
)

// OrgKinds lists every kind in display order.
var OrgKinds = []OrgKind{Registry, Housing, Acceptance, Tax, Bank, Utility, Developer, Surveyor, Centre, Individual}

// Label is the kind in Chinese.
func (k OrgKind) Label() string {
	switch k {
	case Registry:
		return "不动产登记中心"
	case Housing:
		return "住房和城乡建设局"
	case Acceptance:
		return "联合验收部门"
	case Tax:
		return "税务部门"
	case Bank:
		return "金融机构"
	case Utility:
		return "公共事业单位"
	case Developer:
		return "房地产开发企业"
	case Surveyor:
		return "测绘单位"
	case Centre:
		return "州不动产登记中心"
	case Individual:
		return "个人"
	}
	return string(k)
}

// Services of acceptance departments and utilities: what exactly the
// organisation does within its kind.
var Services = map[OrgKind][]string{
	Acceptance: {"planning", "land", "fire", "civil_defence", "meteorology", "archives"},
	Utility:    {"water", "electricity", "gas", "network", "tv"},
}

// ServiceLabel is a service in Chinese.
func ServiceLabel(s string) string {
	switch s {
	case "planning":
		return "规划"
	case "land":
		return "土地"
	case "fire":
		return "消防"
	case "civil_defence":
		return "人防"
	case "meteorology":
		return "气象（防雷）"
	case "archives":
		return "城建档案"
	case "water":
		return "供水"
	case "electricity":
		return "供电"
	case "gas":
		return "供气"
	case "network":
		return "网络"
	case "tv":
		return "有线电视"
	}
	return s
}

// Role is what a user may do.
type Role string

const (
	RoleAcceptor   Role = "acceptor"   // 受理
	RoleReviewer   Role = "reviewer"   // 审核
	RoleRecorder   Role = "recorder"   // 登簿/缮证
	RoleHousing    Role = "housing"    // 住建审批
	RoleInspector  Role = "inspector"  // 验收
	RoleSurveyor   Role = "surveyor"   // 测绘
	RoleDeveloper  Role = "developer"  // 开发企业经办
	RoleBuyer      Role = "buyer"      // 购房人
	RoleBank       Role = "bank"       // 银行
	RoleTax        Role = "tax"        // 税务
	RoleUtility    Role = "utility"    // 公共事业
	RoleSupervisor Role = "supervisor" // 州级监管
	RoleAdmin      Role = "admin"      // 系统管理
)

// Roles lists every role in display order.
var Roles = []Role{RoleAcceptor, RoleReviewer, RoleRecorder, RoleHousing, RoleInspector, RoleSurveyor, RoleDeveloper, RoleBuyer, RoleBank, RoleTax, RoleUtility, RoleSupervisor, RoleAdmin}

// Label is the role in Chinese.
func (r Role) Label() string {
	switch r {
	case RoleAcceptor:
		return "受理"
	case RoleReviewer:
		return "审核"
	case RoleRecorder:
		return "登簿/缮证"
	case RoleHousing:
		return "住建审批"
	case RoleInspector:
		return "验收"
	case RoleSurveyor:
		return "测绘"
	case RoleDeveloper:
		return "开发企业经办"
	case RoleBuyer:
		return "购房人"
	case RoleBank:
		return "银行"
	case RoleTax:
		return "税务"
	case RoleUtility:
		return "公共事业"
	case RoleSupervisor:
		return "州级监管"
	case RoleAdmin:
		return "系统管理"
	}
	return string(r)
}

// ParseRole accepts a role code or its Chinese label.
func ParseRole(s string) (Role, error) {
	s = strings.TrimSpace(s)
	for _, r := range Roles {
		if string(r) == s || r.Label() == s {
			return r, nil
		}
	}
	return "", problem.Newf(problem.Invalid, "role.unknown", "角色%q不存在", s)
}

// rolesOf says which roles an organisation of each kind may grant: a bank
// clerk cannot be a registry reviewer.
var rolesOf = map[OrgKind][]Role{
	Registry:   {RoleAcceptor, RoleReviewer, RoleRecorder, RoleAdmin},
	Housing:    {RoleHousing, RoleAdmin},
	Acceptance: {RoleInspector},
	Tax:        {RoleTax},
	Bank:       {RoleBank},
	Utility:    {RoleUtility},
	Developer:  {RoleDeveloper},
	Surveyor:   {RoleSurveyor},
	Centre:     {RoleSupervisor, RoleAdmin, RoleAcceptor, RoleReviewer, RoleRecorder},
	Individual: {RoleBuyer},
}

// RolesFor lists the roles an organisation of kind k may grant.
func RolesFor(k OrgKind) []Role { return rolesOf[k] }

// Org is an organisation: a department, a company or the individuals' pseudo-organisation.
type Org struct {
	ID           int64
	Name         string
	Kind         OrgKind
	Service      string // for acceptance departments and utilities, e.g. "fire", "water"
	Jurisdiction string // Jurisdiction.Code
	USCC         string // 统一社会信用代码, required for developers, banks, surveyors and utilities
	CreatedAt    time.Time
}

// User is a person who logs in.
type User struct {
	ID           int64
	Username     string
	Name         string
	OrgID        int64
	Roles        []Role
	IDNumber     string // 身份证号: required for buyers, who are identified by it
	Phone        string
	Disabled     bool
	FailedLogins int       // consecutive failed logins from every address (FailureDelay)
	LockedUntil  time.Time // the latest lock-out of an address from this account (LoginSource), for administrators
	PasswordHash string
	CreatedAt    time.Time
}

// Has reports whether the user holds role r.
func (u User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Principal is the authenticated viewer of one request, resolved with its
// organisation and jurisdiction so that access decisions need no lookups.
type Principal struct {
	User         User
	Org          Org
	Jurisdiction Jurisdiction
	ViaToken     bool // authenticated by an API token rather than a page session
}

// Has reports whether the principal holds role r.
func (p *Principal) Has(r Role) bool { return p != nil && p.User.Has(r) }

// PrefectureWide reports whether the principal sees every jurisdiction: a
// government department of the prefecture (州中心, 州住建局 …). Companies
// and individuals registered at prefecture level are not.
func (p *Principal) PrefectureWide() bool {
	if p == nil || p.Jurisdiction.Kind != Prefecture {
		return false
	}
	switch p.Org.Kind {
	case Centre, Registry, Housing, Acceptance, Tax:
		return true
	}
	return false
}

// UserID is the principal's user id, 0 when anonymous.
func (p *Principal) UserID() int64 {
	if p == nil {
		return 0
	}
	return p.User.ID
}

// CountyOf is the county a jurisdiction is assessed in: a park (652301-01)
// belongs to its county (652301), a county is its own.
func CountyOf(jurisdiction string) string {
	if len(jurisdiction) > 6 {
		return jurisdiction[:6]
	}
	return jurisdiction
}
