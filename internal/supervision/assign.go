package supervision

import "handover/internal/problem"

// AssignTo assigns the alert to user: found is whether such a user exists
// (one that does not is refused before anything else), userOrg is the
// user's organisation, checked by Assign. Assigning an open alert is
// acknowledging it.
func (a *Alert) AssignTo(user int64, found bool, userOrg int64) error {
	if user != 0 && !found {
		return &problem.Error{Kind: problem.Invalid, Code: "alert.assignee", Message: "处理人不存在", Fields: map[string]string{"assignee": "处理人不存在"}}
	}
	if err := a.Assign(user, userOrg); err != nil {
		return err
	}
	a.Assignee = user
	if a.State == Open {
		a.State = Acknowledged
	}
	return nil
}
