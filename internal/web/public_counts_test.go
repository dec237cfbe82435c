package web

import (
	"reflect"
	"testing"

	"handover/internal/handover"
	"handover/internal/problem"
)

// The public page counts the units each kind of condition holds back,
// once per unit, without the conditions' titles (which may name buyers),
// and leaves the project's and buildings' conditions to their own list.
func TestUnitConditionCounts(t *testing.T) {
	unit := func(code string, id int64) handover.Condition {
		return handover.Condition{Reason: problem.Reason{Rule: code, Message: "买受人张伟：" + code}, SubjectKind: "unit", SubjectID: id}
	}
	tests := []struct {
		name string
		in   []handover.Condition
		want []UnitConditionCount
	}{
		{"none", nil, []UnitConditionCount{}},
		{"project only", []handover.Condition{{Reason: problem.Reason{Rule: "filing.survey"}, SubjectKind: "building", SubjectID: 1}}, []UnitConditionCount{}},
		{"counted per unit", []handover.Condition{unit("transfer.deed_tax", 1), unit("transfer.deed_tax", 2), unit("handover.maintenance", 1),
			unit("transfer.deed_tax", 2)}, []UnitConditionCount{{"契税尚未缴纳", 2}, {"住宅专项维修资金尚未交存", 1}}},
		{"unknown codes together", []handover.Condition{unit("x.one", 1), unit("x.two", 2)}, []UnitConditionCount{{"其他条件", 2}}},
	}
	for _, tt := range tests {
		if got := unitConditionCounts(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
