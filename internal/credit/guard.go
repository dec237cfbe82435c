package credit

import (
	"handover/internal/identity"
	"handover/internal/problem"
)

// List checks a listing decision on the restriction list: the organisation
// (kind as stored, "" when there is none) must be a development company,
// and the decision must change its state (Transition; listed is whether it
// is listed now).
func List(kind identity.OrgKind, listed bool, l Listing) error {
	if kind != identity.Developer {
		return &problem.Error{Kind: problem.Invalid, Code: "credit.invalid", Message: "限制清单决定有误", Fields: map[string]string{"developer": "开发企业不存在"}}
	}
	return Transition(listed, l)
}

// CheckEventDeveloper checks the organisation staff record a credit event
// against (kind as stored, "" when there is none): only a development
// company has a credit record.
func CheckEventDeveloper(kind identity.OrgKind) error {
	if kind != identity.Developer {
		return &problem.Error{Kind: problem.Invalid, Code: "credit.event_invalid", Message: "信用记录填写有误", Fields: map[string]string{"developer": "开发企业不存在"}}
	}
	return nil
}

// DecideAppeal checks a decision on the event's appeal: the event must
// have one (not yet decided: Appeal.Decide).
func (e Event) DecideAppeal(d Decision, note string) error {
	if e.Appeal == nil {
		return problem.New(problem.Conflict, "credit.no_appeal", "该信用记录没有申诉")
	}
	return e.Appeal.Decide(d, note)
}
