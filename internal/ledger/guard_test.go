package ledger

import (
	"testing"

	"handover/internal/identity"
	"handover/internal/problem"
)

func TestCheckDeveloper(t *testing.T) {
	tests := []struct {
		kind identity.OrgKind
		want string
	}{
		{identity.Developer, ""},
		{identity.Bank, "project.invalid"},
		{identity.Surveyor, "project.invalid"},
		{"", "project.invalid"}, // no such organisation
	}
	for _, tt := range tests {
		err := CheckDeveloper(tt.kind)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("CheckDeveloper(%q): got %v, want code %q", tt.kind, err, tt.want)
			continue
		}
		if err != nil && problem.As(err).Fields["developer"] != "开发企业不存在" {
			t.Errorf("CheckDeveloper(%q): got fields %v, want the developer named", tt.kind, problem.As(err).Fields)
		}
	}
}

func TestCheckParcelProject(t *testing.T) {
	tests := []struct {
		name    string
		owner   int64
		project int64
		want    string
	}{
		{"the project's own parcel", 7, 7, ""},
		{"another project's parcel", 8, 7, "parcel.other_project"},
	}
	for _, tt := range tests {
		err := CheckParcelProject(Parcel{Code: "532301001001GB00001", ProjectID: tt.owner}, tt.project)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if err != nil {
			if e := problem.As(err); e.Kind != problem.Conflict || e.Fields["code"] != "宗地532301001001GB00001已属于其他项目" {
				t.Errorf("%s: got %v (kind %v), want a conflict naming the parcel", tt.name, err, e.Kind)
			}
		}
	}
}

func TestLockUnit(t *testing.T) {
	tests := []struct {
		name       string
		locked     bool
		lock       bool
		reason     string
		want       string
		wantReason string
	}{
		{"lock an unlocked unit", false, true, " 法院查封 ", "", "法院查封"},
		{"unlock a locked unit", true, false, "解除查封", "", "解除查封"},
		{"no reason", false, true, "  ", "unit.lock_reason", ""},
		{"no reason comes before the state", true, true, "", "unit.lock_reason", ""},
		{"lock a locked unit", true, true, "再次查封", "unit.locked", ""},
		{"unlock an unlocked unit", false, false, "解除", "unit.not_locked", ""},
	}
	for _, tt := range tests {
		reason, err := LockUnit(tt.locked, tt.lock, tt.reason)
		if got := problem.CodeOf(err); got != tt.want || reason != tt.wantReason {
			t.Errorf("%s: got %q, %v, want %q, code %q", tt.name, reason, err, tt.wantReason, tt.want)
		}
	}
}
