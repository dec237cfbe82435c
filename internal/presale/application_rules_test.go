package presale

import (
	"testing"

	"handover/internal/problem"
)

func TestApplyPermit(t *testing.T) {
	owners := map[int64]int64{11: 1, 12: 1, 21: 2}
	tests := []struct {
		name      string
		buildings []int64
		open      int
		want      string
		message   string
	}{
		{"the project's buildings", []int64{11, 12}, 0, "", ""},
		{"no building chosen", nil, 0, "presale.buildings", "请选择申请预售的幢"},
		{"another project's building", []int64{11, 21}, 0, "presale.buildings", "所选的幢不属于本项目"},
		{"a building that does not exist", []int64{99}, 0, "presale.buildings", "所选的幢不属于本项目"},
		{"an application awaits a decision", []int64{11}, 1, "presale.application_open", "本项目已有待审批的预售许可申请"},
		{"a bad building before the open application", []int64{21}, 1, "presale.buildings", "所选的幢不属于本项目"},
	}
	for _, tt := range tests {
		err := ApplyPermit(1, tt.buildings, owners, tt.open)
		if got := problem.CodeOf(err); got != tt.want || err != nil && problem.As(err).Message != tt.message {
			t.Errorf("%s: got %v, want code %q (%s)", tt.name, err, tt.want, tt.message)
		}
	}
}

func TestRefusePermit(t *testing.T) {
	tests := []struct {
		name       string
		state      string
		reason     string
		want       string
		wantReason string
	}{
		{"a submitted application", "submitted", " 资料不全 ", "", "资料不全"},
		{"no reason", "submitted", " ", "presale.reason", ""},
		{"issued already", "issued", "理由", "presale.application_state", ""},
		{"refused already", "refused", "理由", "presale.application_state", ""},
		{"no such application", "", "理由", "presale.application_state", ""},
	}
	for _, tt := range tests {
		reason, err := RefusePermit(tt.state, tt.reason)
		if got := problem.CodeOf(err); got != tt.want || reason != tt.wantReason {
			t.Errorf("%s: got %q, %v, want %q, code %q", tt.name, reason, err, tt.wantReason, tt.want)
			continue
		}
		if got := problem.KindOf(err); err != nil && got != problem.Invalid && got != problem.Conflict {
			t.Errorf("%s: got kind %v", tt.name, got)
		}
	}
	if e := problem.As(ApplicationGone()); e.Kind != problem.Conflict || e.Message != "该申请不存在或已处理" {
		t.Errorf("ApplicationGone: got %v (kind %v), want the conflict partners know", e, e.Kind)
	}
}

func TestUnknownBuilding(t *testing.T) {
	e := problem.As(UnknownBuilding(42))
	if e.Code != "presale.building" || e.Kind != problem.Invalid || e.Fields["buildings"] != "幢42不存在" {
		t.Errorf("UnknownBuilding(42): got %v (kind %v), want presale.building naming 幢42", e, e.Kind)
	}
}
