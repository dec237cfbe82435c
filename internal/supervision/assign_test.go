package supervision

import (
	"testing"

	"handover/internal/problem"
)

func TestAlertAssignTo(t *testing.T) {
	tests := []struct {
		name      string
		state     AlertState
		user      int64
		found     bool
		userOrg   int64
		want      string
		message   string
		wantState AlertState
	}{
		{"an open alert is acknowledged", Open, 9, true, 4, "", "", Acknowledged},
		{"an acknowledged alert stays so", Acknowledged, 9, true, 4, "", "", Acknowledged},
		{"no such user", Open, 9, false, 0, "alert.assignee", "处理人不存在", ""},
		{"no such user comes before the state", Resolved, 9, false, 0, "alert.assignee", "处理人不存在", ""},
		{"nobody chosen", Open, 0, false, 0, "alert.assignee", "请选择处理人", ""},
		{"a user of another organisation", Open, 9, true, 5, "alert.assignee", "处理人应为负责处理该预警的机构的人员", ""},
		{"resolved", Resolved, 9, true, 4, "alert.state", "预警已解除，不能指派", ""},
	}
	for _, tt := range tests {
		a := Alert{ID: 1, OrgID: 4, State: tt.state}
		err := a.AssignTo(tt.user, tt.found, tt.userOrg)
		got := ""
		if err != nil {
			got = problem.CodeOf(err)
		}
		if got != tt.want || err != nil && problem.As(err).Message != tt.message {
			t.Errorf("%s: got %v, want code %q (%s)", tt.name, err, tt.want, tt.message)
			continue
		}
		if err != nil {
			if a.Assignee != 0 || a.State != tt.state {
				t.Errorf("%s: refused, but got assignee %d and state %q", tt.name, a.Assignee, a.State)
			}
			continue
		}
		if a.Assignee != tt.user || a.State != tt.wantState {
			t.Errorf("%s: got assignee %d, state %q, want %d, %q", tt.name, a.Assignee, a.State, tt.user, tt.wantState)
		}
	}
}
