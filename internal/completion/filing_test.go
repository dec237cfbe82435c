package completion

import (
	"slices"
	"testing"

	"handover/internal/calendar"
	"handover/internal/problem"
)

func builtinCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	ns, err := calendar.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return calendar.New(ns)
}

// File decides the completion filing on the facts the store reads: every
// refusal with its code and reasons, and on success the clock's due day and
// the commitments.
func TestFile(t *testing.T) {
	cal := builtinCalendar(t)
	blocked := problem.Refusal{}
	blocked.Add(problem.Reason{Rule: "filing.accounting", Subject: "1号楼", Message: "土地价款尚未核销"})
	readiness := blocked.Err("readiness.blocked", "竣工验收备案的条件尚未具备")
	accepted := []PassedAcceptance{
		{BuildingID: 1, Building: "1号楼", OpinionNo: "652301LHYS20260001", On: calendar.MustDate("2026-03-05")},
		{BuildingID: 2, Building: "2号楼", OpinionNo: "652301LHYS20260002", On: calendar.MustDate("2026-03-09")},
	}
	facts := func(change func(*FilingFacts)) FilingFacts {
		f := FilingFacts{Today: calendar.MustDate("2026-03-10"), Buildings: []int64{1, 2, 3}, Filed: []int64{3}, Accepted: accepted}
		if change != nil {
			change(&f)
		}
		return f
	}
	filing := func(on string, buildings ...int64) Filing {
		return Filing{ProjectID: 7, Number: " 备2026-001 ", FiledOn: calendar.MustDate(on), Buildings: buildings}
	}
	tests := []struct {
		name     string
		facts    FilingFacts
		filing   Filing
		promised []Commitment
		code     string // "" when it is recorded
		kind     problem.Kind
		rules    []string // the reasons' rules, in order
	}{
		{"no number", facts(nil), Filing{FiledOn: calendar.MustDate("2026-03-10"), Buildings: []int64{1}}, nil, "filing.invalid", problem.Invalid, nil},
		{"dated after today", facts(nil), filing("2026-03-11", 1), nil, "filing.invalid", problem.Invalid, nil},
		{"no building", facts(nil), filing("2026-03-10"), nil, "filing.invalid", problem.Invalid, nil},
		{"a promise due on the filing day", facts(nil), filing("2026-03-10", 1), []Commitment{{Title: "人防验收备案表", DueOn: calendar.MustDate("2026-03-10")}},
			"commitment.invalid", problem.Invalid, nil},
		{"another project's building", facts(nil), filing("2026-03-10", 1, 9), nil, "filing.buildings", problem.Invalid, nil},
		{"a building already filed", facts(nil), filing("2026-03-10", 3), nil, "filing.exists", problem.Conflict, nil},
		{"a condition still blocks", facts(func(f *FilingFacts) { f.Readiness = readiness }), filing("2026-03-10", 1), nil,
			"readiness.blocked", problem.Refused, []string{"filing.accounting"}},
		{"a condition blocks and the date is early", facts(func(f *FilingFacts) { f.Readiness = readiness }), filing("2026-03-06", 1, 2), nil,
			"readiness.blocked", problem.Refused, []string{"filing.accounting", RuleBeforeAcceptance}},
		{"dated before one building's acceptance", facts(nil), filing("2026-03-06", 1, 2), nil,
			"filing.before_acceptance", problem.Refused, []string{RuleBeforeAcceptance}},
		{"another building's later acceptance does not count", facts(nil), filing("2026-03-06", 1), nil, "", 0, nil},
		{"recorded", facts(nil), filing("2026-03-10", 2, 1, 2), []Commitment{{Title: " 人防验收备案表 ", DueOn: calendar.MustDate("2026-04-30")}}, "", 0, nil},
	}
	for _, tt := range tests {
		got, commitments, err := File(tt.facts, tt.filing, tt.promised, cal)
		if tt.code != "" {
			var rules []string
			for _, r := range problem.As(err).Reasons {
				rules = append(rules, r.Rule)
			}
			if problem.CodeOf(err) != tt.code || problem.KindOf(err) != tt.kind || !slices.Equal(rules, tt.rules) {
				t.Errorf("%s: got %v (%v, reasons %v), want %s (%v, reasons %v)", tt.name, err, problem.KindOf(err), rules, tt.code, tt.kind, tt.rules)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got %v, want recorded", tt.name, err)
			continue
		}
		want, _ := cal.AddWorkdays(got.FiledOn, ClockDays, "")
		if got.DueOn != want.Due || got.Number != "备2026-001" || got.Source != "page" {
			t.Errorf("%s: got due %s, number %q, source %q; want due %s, the number trimmed, source page", tt.name, got.DueOn, got.Number, got.Source, want.Due)
		}
		if wantN := 2 + len(tt.promised); len(commitments) != wantN || commitments[0].Kind != FinalAccount || commitments[1].Kind != Archives {
			t.Errorf("%s: got commitments %+v, want the two standard ones and %d promised", tt.name, commitments, len(tt.promised))
		}
	}
	// The clock of a filing on 2026-03-10: Qingming (4–6 April) is skipped.
	got, commitments, err := File(facts(nil), filing("2026-03-10", 2, 1, 2), []Commitment{{Title: " 人防验收备案表 ", DueOn: calendar.MustDate("2026-04-30")}}, cal)
	if err != nil || got.DueOn.String() != "2026-04-08" || !slices.Equal(got.Buildings, []int64{1, 2}) {
		t.Errorf("got due %s, buildings %v, %v; want 2026-04-08, [1 2]", got.DueOn, got.Buildings, err)
	}
	if len(commitments) != 3 || commitments[2].Kind != Material || commitments[2].Title != "人防验收备案表" || commitments[0].DueOn.String() != "2026-06-10" {
		t.Errorf("got commitments %+v, want settlement and archives due 2026-06-10 and the promised material, its title trimmed", commitments)
	}
}

// The clock counts ClockDays working days from the filing date, and the
// days left from today; negative once overdue.
func TestClock(t *testing.T) {
	cal := builtinCalendar(t)
	tests := []struct {
		filed, today string
		due          string
		left         int
	}{
		{"2026-03-10", "2026-03-10", "2026-04-08", 20},
		{"2026-03-10", "2026-04-07", "2026-04-08", 1},
		{"2026-03-10", "2026-04-08", "2026-04-08", 0},
		{"2026-03-10", "2026-04-10", "2026-04-08", -2},
		{"2026-09-28", "2026-09-28", "2026-10-30", 20}, // 1–7 October skipped, Saturday 10 October worked
	}
	for _, tt := range tests {
		due, err := ClockDue(cal, calendar.MustDate(tt.filed), "")
		if err != nil || due.String() != tt.due {
			t.Errorf("filed %s: got due %s, %v; want %s", tt.filed, due, err, tt.due)
			continue
		}
		left, _, err := WorkdaysLeft(cal, calendar.MustDate(tt.today), due, "")
		if err != nil || left != tt.left {
			t.Errorf("filed %s, today %s: got %d working days left, %v; want %d", tt.filed, tt.today, left, err, tt.left)
		}
	}
	if _, err := ClockDue(cal, calendar.Date{}, ""); problem.CodeOf(err) != "calendar.start" {
		t.Errorf("no filing date: got %v, want calendar.start", err)
	}
}
