package presale

import (
	"strconv"
	"strings"

	"handover/internal/problem"
)

// ApplyPermit checks a developer's application for a presale permit of
// buildings of project. owners gives the project of each chosen building
// as stored (a building that does not exist is absent); open is how many
// of the project's applications await a decision. A project has one open
// application at a time. The permit's conditions are not checked here but
// when housing staff decide: an application may be filed while a document
// is still on its way.
func ApplyPermit(project int64, buildings []int64, owners map[int64]int64, open int) error {
	if len(buildings) == 0 {
		return &problem.Error{Kind: problem.Invalid, Code: "presale.buildings", Message: "请选择申请预售的幢", Fields: map[string]string{"buildings": "请至少选择一幢"}}
	}
	for _, b := range buildings {
		if p, ok := owners[b]; !ok || p != project {
			return &problem.Error{Kind: problem.Invalid, Code: "presale.buildings", Message: "所选的幢不属于本项目", Fields: map[string]string{"buildings": "幢不属于本项目"}}
		}
	}
	if open > 0 {
		return problem.New(problem.Conflict, "presale.application_open", "本项目已有待审批的预售许可申请")
	}
	return nil
}

// RefusePermit checks housing staff's refusal of an application in state
// ("" for an application that does not exist) with reason: only an
// application awaiting a decision is refused, and the refusal says why. It
// returns the reason as recorded (trimmed).
func RefusePermit(state, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", &problem.Error{Kind: problem.Invalid, Code: "presale.reason", Message: "请填写不予许可的理由", Fields: map[string]string{"reason": "请填写理由"}}
	}
	if state != "submitted" {
		return "", ApplicationGone()
	}
	return reason, nil
}

// ApplicationGone is the conflict of refusing an application that does not
// exist or no longer awaits a decision: RefusePermit's, and the store's
// when another decision came first.
func ApplicationGone() error {
	return problem.New(problem.Conflict, "presale.application_state", "该申请不存在或已处理")
}

// UnknownBuilding is the refusal of a permit's chosen building that is not
// on the ledger.
func UnknownBuilding(id int64) error {
	return &problem.Error{Kind: problem.Invalid, Code: "presale.building", Message: "所选的幢不存在", Fields: map[string]string{"buildings": "幢" + strconv.FormatInt(id, 10) + "不存在"}}
}
