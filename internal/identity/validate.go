package identity

import (
	"regexp"
	"slices"
	"strings"

	"handover/internal/code"
	"handover/internal/problem"
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,39}$`)

// Validate checks an organisation before it is created or changed.
func (o *Org) Validate() error {
	var f problem.Fields
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" || len([]rune(o.Name)) > 100 {
		f.Add("name", "请填写机构名称（不超过100字）")
	}
	if !slices.Contains(OrgKinds, o.Kind) {
		f.Add("kind", "机构类型无效")
	}
	if services, ok := Services[o.Kind]; ok {
		if !slices.Contains(services, o.Service) {
			f.Add("service", "请选择该类机构的业务类别")
		}
	} else if o.Service != "" {
		f.Add("service", "该类机构不设业务类别")
	}
	if o.Jurisdiction == "" {
		f.Add("jurisdiction", "请选择所属辖区")
	}
	needsUSCC := o.Kind == Developer || o.Kind == Bank || o.Kind == Surveyor || o.Kind == Utility
	if o.USCC != "" || needsUSCC {
		u, err := code.ParseUSCC(o.USCC)
		if err != nil {
			f.Add("uscc", problem.As(err).Message)
		} else {
			o.USCC = u.Code
		}
	}
	return f.Err("org.invalid", "机构信息有误")
}

// Validate checks a user against its organisation before it is created or
// changed: username form, roles the organisation may grant, and for buyers a
// valid 身份证号 (stored upper-case).
func (u *User) Validate(org Org) error {
	var f problem.Fields
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	if !usernamePattern.MatchString(u.Username) {
		f.Add("username", "用户名为3–40位小写字母、数字、点、横线或下划线，以字母或数字开头")
	}
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" || len([]rune(u.Name)) > 50 {
		f.Add("name", "请填写姓名（不超过50字）")
	}
	if len(u.Roles) == 0 {
		f.Add("roles", "至少授予一个角色")
	}
	allowed := RolesFor(org.Kind)
	for _, r := range u.Roles {
		if !slices.Contains(allowed, r) {
			f.Add("roles", "“"+org.Kind.Label()+"”的用户不能授予“"+r.Label()+"”角色")
		}
	}
	if u.IDNumber != "" || u.Has(RoleBuyer) {
		c, err := code.ParseIDCard(u.IDNumber)
		if err != nil {
			f.Add("id_number", problem.As(err).Message)
		} else {
			u.IDNumber = c.Number
		}
	}
	return f.Err("user.invalid", "用户信息有误")
}
