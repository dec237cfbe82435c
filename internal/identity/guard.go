package identity

import "handover/internal/problem"

// MayHoldToken checks that an API token may be created for u: a disabled
// user is given none (its tokens stop working with it).
func (u User) MayHoldToken() error {
	if u.Disabled {
		return problem.New(problem.Refused, "token.user_disabled", "已停用的用户不能创建令牌")
	}
	return nil
}

// UnknownJurisdiction is the refusal of a form's jurisdiction code that is
// not a jurisdiction of the prefecture.
func UnknownJurisdiction(code string) error {
	return &problem.Error{Kind: problem.Invalid, Code: "jurisdiction.unknown", Message: "辖区不存在",
		Fields: map[string]string{"jurisdiction": "辖区" + code + "不存在"}}
}
