// Package access decides, in one place, whether a principal may perform an
// action on a record: from the principal's roles, organisation and
// jurisdiction, and the record's jurisdiction, owning developer, buyers and
// organisation. Staff act within their jurisdiction, the prefecture sees
// all, a developer sees its own projects, a buyer their own units
// (不动产登记资料查询暂行办法; "谁审批谁监管，谁主管谁监管").
package access

import (
	"slices"

	"handover/internal/identity"
	"handover/internal/problem"
)

// Action names something a principal does. Each action is in the policy
// table with the scope each role has for it.
type Action string

// Scope is how far a role reaches for one action.
type Scope int

const (
	none         Scope = iota
	Everyone           // anyone, logged in or not (public pages, code checks)
	Anyone             // any logged-in user
	Prefecture         // only principals of a prefecture-wide organisation
	Jurisdiction       // records of the principal's jurisdiction; prefecture-wide principals see all
	OwnDeveloper       // records of the principal's own developer organisation
	OwnBuyer           // records whose buyers include the principal (by 身份证号)
	OwnOrg             // records addressed to the principal's organisation (bank, utility, partner)
	Self               // the principal's own user record
)

// Target describes the record an action touches. Zero fields do not match.
type Target struct {
	Jurisdiction string   // the record's jurisdiction code
	Developer    int64    // the owning developer organisation
	Org          int64    // the organisation the record is addressed to
	User         int64    // the user the record is about
	Buyers       []string // buyers' 身份证号
}

// Describe names the action in Chinese for refusals.
func (a Action) Describe() string {
	if d, ok := descriptions[a]; ok {
		return d
	}
	return string(a)
}

// Decide returns nil when p may perform a on t, else an Unauthenticated
// error (no principal) or a Forbidden error with code "access.denied".
func Decide(p *identity.Principal, a Action, t Target) error {
	rule, ok := policy[a]
	if !ok {
		return problem.Newf(problem.Internal, "access.unknown_action", "未定义的操作%q", a)
	}
	if rule.public {
		return nil
	}
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	for _, r := range p.User.Roles {
		if reaches(p, rule.roles[r], t) {
			return nil
		}
	}
	return problem.Newf(problem.Forbidden, "access.denied", "无权%s：%s", a.Describe(), why(p, rule, t))
}

func reaches(p *identity.Principal, s Scope, t Target) bool {
	switch s {
	case Anyone:
		return true
	case Prefecture:
		return p.PrefectureWide()
	case Jurisdiction:
		return p.PrefectureWide() || (t.Jurisdiction != "" && t.Jurisdiction == p.Jurisdiction.Code)
	case OwnDeveloper:
		return t.Developer != 0 && t.Developer == p.Org.ID && p.Org.Kind == identity.Developer
	case OwnBuyer:
		return p.User.IDNumber != "" && slices.Contains(t.Buyers, p.User.IDNumber)
	case OwnOrg:
		return t.Org != 0 && t.Org == p.Org.ID
	case Self:
		return t.User != 0 && t.User == p.User.ID
	}
	return false
}

// why explains a denial: the principal lacks every role that could act, or
// holds one but the record is outside its reach.
func why(p *identity.Principal, rule rule, t Target) string {
	var holds bool
	for _, r := range p.User.Roles {
		if rule.roles[r] != none {
			holds = true
		}
	}
	if !holds {
		var names []string
		for _, r := range identity.Roles {
			if rule.roles[r] != none {
				names = append(names, r.Label())
			}
		}
		if len(names) == 0 {
			return "该操作不对任何角色开放"
		}
		return "需要以下角色之一：" + join(names)
	}
	if t.Jurisdiction != "" && t.Jurisdiction != p.Jurisdiction.Code {
		return "该记录不属于本辖区"
	}
	return "该记录不属于本机构或本人"
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += "、"
		}
		out += v
	}
	return out
}

// Filter restricts a list to what a principal may see for an action. A row
// is visible when All is set or when any non-zero condition matches it.
type Filter struct {
	All          bool
	Jurisdiction string
	Developer    int64
	Org          int64
	User         int64
	Buyer        string
}

// Empty reports whether the filter matches nothing.
func (f Filter) Empty() bool {
	return !f.All && f.Jurisdiction == "" && f.Developer == 0 && f.Org == 0 && f.User == 0 && f.Buyer == ""
}

// ListFilter returns the rows p may list for action a. It returns the same
// errors as Decide when p may see no row at all.
func ListFilter(p *identity.Principal, a Action) (Filter, error) {
	rule, ok := policy[a]
	if !ok {
		return Filter{}, problem.Newf(problem.Internal, "access.unknown_action", "未定义的操作%q", a)
	}
	if rule.public {
		return Filter{All: true}, nil
	}
	if p == nil {
		return Filter{}, problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	var f Filter
	for _, r := range p.User.Roles {
		switch rule.roles[r] {
		case Anyone:
			f.All = true
		case Prefecture:
			f.All = f.All || p.PrefectureWide()
		case Jurisdiction:
			if p.PrefectureWide() {
				f.All = true
			} else {
				f.Jurisdiction = p.Jurisdiction.Code
			}
		case OwnDeveloper:
			if p.Org.Kind == identity.Developer {
				f.Developer = p.Org.ID
			}
		case OwnBuyer:
			f.Buyer = p.User.IDNumber
		case OwnOrg:
			f.Org = p.Org.ID
		case Self:
			f.User = p.User.ID
		}
	}
	if f.Empty() {
		return Filter{}, problem.Newf(problem.Forbidden, "access.denied", "无权%s：%s", a.Describe(), why(p, rule, Target{}))
	}
	return f, nil
}

// JurisdictionScope is the one jurisdiction whose records p may act on for
// a, or "" when p may act on every jurisdiction's (the prefecture's staff):
// for a search that must not look beyond what p may see. It refuses, as
// ListFilter does, one who may act on none.
func JurisdictionScope(p *identity.Principal, a Action) (string, error) {
	f, err := ListFilter(p, a)
	if err != nil || f.All {
		return "", err
	}
	return f.Jurisdiction, nil
}

// Public reports whether a is open to anyone, logged in or not (the
// public pages and API, which the server rate-limits per address).
func Public(a Action) bool { return policy[a].public }

// Allowed reports whether Decide would allow, for menus and buttons.
func Allowed(p *identity.Principal, a Action, t Target) bool { return Decide(p, a, t) == nil }

// Could reports whether p holds any role that may perform a on some record,
// for navigation: a menu item shows when the user could use it at all.
func Could(p *identity.Principal, a Action) bool {
	rule, ok := policy[a]
	if !ok {
		return false
	}
	if rule.public {
		return true
	}
	if p == nil {
		return false
	}
	for _, r := range p.User.Roles {
		s := rule.roles[r]
		if s != none && (s != Prefecture || p.PrefectureWide()) {
			return true
		}
	}
	return false
}
