package completion

import (
	"slices"
	"testing"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
)

// Open refuses an application with its code and every reason, and opens
// the first round with a task per configured department otherwise.
func TestOpenAcceptance(t *testing.T) {
	cal := builtinCalendar(t)
	orgs := map[string]identity.Org{"planning": {ID: 31, Name: "昌吉市自然资源局"}, "fire": {ID: 32, Name: "昌吉市消防救援大队"}}
	facts := func(change func(*ApplicationFacts)) ApplicationFacts {
		f := ApplicationFacts{ProjectID: 7, Jurisdiction: "652301", Buildings: []ledger.Building{{ID: 1, Name: "1号楼"}, {ID: 2, Name: "2号楼"}},
			Surveyed: map[int64]bool{1: true, 2: true}, InCase: map[int64]bool{}, Departments: []string{"planning", "fire"}, Days: 5, Orgs: orgs}
		if change != nil {
			change(&f)
		}
		return f
	}
	tests := []struct {
		name      string
		facts     ApplicationFacts
		buildings []int64
		code      string
		kind      problem.Kind
		rules     []string
	}{
		{"no building", facts(nil), nil, "acceptance.buildings", problem.Invalid, nil},
		{"another project's building", facts(nil), []int64{1, 9}, "acceptance.buildings", problem.Invalid, nil},
		{"not surveyed, already applied, a department missing", facts(func(f *ApplicationFacts) {
			f.Surveyed[2], f.InCase[1], f.Departments = false, true, []string{"planning", "fire", "archives"}
		}), []int64{1, 2}, "acceptance.refused", problem.Refused, []string{"acceptance.exists", "acceptance.survey", "acceptance.department"}},
		{"a working-day limit the calendar cannot count", facts(func(f *ApplicationFacts) { f.Days = -1 }), []int64{1}, "calendar.workdays", problem.Invalid, nil},
	}
	for _, tt := range tests {
		_, err := Open(tt.facts, tt.buildings, cal, 5, now)
		var rules []string
		for _, r := range problem.As(err).Reasons {
			rules = append(rules, r.Rule)
		}
		if problem.CodeOf(err) != tt.code || problem.KindOf(err) != tt.kind || !slices.Equal(rules, tt.rules) {
			t.Errorf("%s: got %v (%v, reasons %v), want %s (%v, reasons %v)", tt.name, err, problem.KindOf(err), rules, tt.code, tt.kind, tt.rules)
		}
	}
	c, err := Open(facts(nil), []int64{2, 1, 2}, cal, 5, now)
	if err != nil {
		t.Fatalf("a good application: got %v", err)
	}
	if !slices.Equal(c.Buildings, []int64{1, 2}) || c.State != Inspecting || c.Round != 1 || c.AppliedBy != 5 || c.ProjectID != 7 || len(c.Tasks) != 2 {
		t.Fatalf("got case %+v, want buildings [1 2] inspecting in round 1 with two tasks", c)
	}
	for i, want := range []Task{{Round: 1, Department: "planning", OrgID: 31, OrgName: "昌吉市自然资源局"}, {Round: 1, Department: "fire", OrgID: 32, OrgName: "昌吉市消防救援大队"}} {
		want.StartedOn, want.DueOn = calendar.MustDate("2026-03-10"), calendar.MustDate("2026-03-17")
		if got := c.Tasks[i]; got.Round != want.Round || got.Department != want.Department || got.OrgID != want.OrgID || got.OrgName != want.OrgName ||
			got.StartedOn != want.StartedOn || got.DueOn != want.DueOn {
			t.Errorf("task %d: got %+v, want %+v", i, got, want)
		}
	}
}

// TaskDue counts the jurisdiction's working days from the start, skipping
// weekends and holidays.
func TestTaskDue(t *testing.T) {
	cal := builtinCalendar(t)
	tests := []struct {
		start string
		days  int
		want  string
	}{
		{"2026-03-10", 5, "2026-03-17"},
		{"2026-03-13", 1, "2026-03-16"}, // Friday: the next working day is Monday
		{"2026-09-30", 5, "2026-10-13"}, // 1–7 October skipped, Saturday 10 October worked
		{"2026-02-13", 3, "2026-02-25"}, // the Spring Festival holiday skipped
	}
	for _, tt := range tests {
		got, err := TaskDue(cal, calendar.MustDate(tt.start), tt.days, "")
		if err != nil || got.String() != tt.want {
			t.Errorf("%s + %d: got %s, %v; want %s", tt.start, tt.days, got, err, tt.want)
		}
	}
	if _, err := TaskDue(cal, calendar.MustDate("2026-03-10"), 5, "xx"); err == nil {
		t.Errorf("an unknown region: got no error")
	}
}
