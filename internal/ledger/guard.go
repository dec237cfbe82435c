package ledger

import (
	"strings"

	"handover/internal/identity"
	"handover/internal/problem"
)

// CheckDeveloper checks the organisation a project is created for: it must
// be a development company. kind is the organisation's kind as stored, ""
// when there is no such organisation (the same refusal: the form names a
// developer that is not one).
func CheckDeveloper(kind identity.OrgKind) error {
	if kind != identity.Developer {
		return &problem.Error{Kind: problem.Invalid, Code: "project.invalid", Message: "项目信息有误", Fields: map[string]string{"developer": "开发企业不存在"}}
	}
	return nil
}

// CheckParcelProject checks that a parcel already on the ledger (old) may be
// changed as a parcel of project: a parcel belongs to one project only.
func CheckParcelProject(old Parcel, project int64) error {
	if old.ProjectID != project {
		return &problem.Error{Kind: problem.Conflict, Code: "parcel.other_project", Message: "该宗地已登记在其他项目中",
			Fields: map[string]string{"code": "宗地" + old.Code + "已属于其他项目"}}
	}
	return nil
}

// LockUnit decides a change of a unit's lock (单元锁定): lock is what is
// asked, locked whether the unit is locked now (false for a unit never
// locked). A change needs a reason, since the history is kept for the
// courts and the buyers; locking a locked unit, or unlocking one that is
// not, is refused as a change already made. It returns the reason as
// recorded (trimmed).
func LockUnit(locked, lock bool, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", &problem.Error{Kind: problem.Invalid, Code: "unit.lock_reason", Message: "请填写锁定或解锁的理由", Fields: map[string]string{"reason": "请填写理由"}}
	}
	switch {
	case locked == lock && lock:
		return "", problem.New(problem.Conflict, "unit.locked", "该户已锁定")
	case locked == lock:
		return "", problem.New(problem.Conflict, "unit.not_locked", "该户未锁定")
	}
	return reason, nil
}
