package credit

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"handover/internal/problem"
)

var now = time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)

func TestAssess(t *testing.T) {
	old := now.AddDate(0, -WindowMonths, -1)
	edge := now.AddDate(0, -WindowMonths, 0)
	tests := []struct {
		name   string
		events []Event
		score  int
		level  Level
	}{
		{"no record", nil, 100, LevelA},
		{"one late delivery", []Event{{Points: 10, OccurredAt: now}}, 90, LevelA},
		{"just below A", []Event{{Points: 11, OccurredAt: now}}, 89, LevelB},
		{"at B", []Event{{Points: 25, OccurredAt: now}}, 75, LevelB},
		{"at C", []Event{{Points: 40, OccurredAt: now}}, 60, LevelC},
		{"just below C", []Event{{Points: 41, OccurredAt: now}}, 59, LevelD},
		{"older than the window", []Event{{Points: 50, OccurredAt: old}}, 100, LevelA},
		{"on the window's first day", []Event{{Points: 50, OccurredAt: edge}}, 50, LevelD},
		{"appeal granted", []Event{{Points: 50, OccurredAt: now, Appeal: &Appeal{Decision: Granted}}}, 100, LevelA},
		{"appeal pending", []Event{{Points: 50, OccurredAt: now, Appeal: &Appeal{}}}, 50, LevelD},
		{"appeal upheld", []Event{{Points: 50, OccurredAt: now, Appeal: &Appeal{Decision: Upheld}}}, 50, LevelD},
		{"never below zero", []Event{{Points: 30, OccurredAt: now}, {Points: 30, OccurredAt: now}, {Points: 30, OccurredAt: now}, {Points: 30, OccurredAt: now}}, 0, LevelD},
	}
	for _, tt := range tests {
		a := Assess(tt.events, now)
		if a.Score != tt.score || a.Level != tt.level {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, a.Score, a.Level, tt.score, tt.level)
		}
	}
}

// The score is 100 less the points of the events that count, never below
// zero; granting an appeal never lowers it; the level falls as the score
// does.
func TestAssessProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "n")
		var events []Event
		for i := 0; i < n; i++ {
			e := Event{ID: int64(i + 1), Points: rapid.IntRange(1, 30).Draw(t, "points"),
				OccurredAt: now.AddDate(0, -rapid.IntRange(0, 30).Draw(t, "months"), 0)}
			switch rapid.IntRange(0, 3).Draw(t, "appeal") {
			case 1:
				e.Appeal = &Appeal{}
			case 2:
				e.Appeal = &Appeal{Decision: Upheld}
			case 3:
				e.Appeal = &Appeal{Decision: Granted}
			}
			events = append(events, e)
		}
		a := Assess(events, now)
		want := Full
		for _, e := range events {
			if e.Counts(now) {
				want -= e.Points
			}
		}
		if a.Score != max(want, 0) || a.Level != LevelOf(a.Score) {
			t.Fatalf("score %d level %s, want %d", a.Score, a.Level, max(want, 0))
		}
		if len(events) > 0 {
			i := rapid.IntRange(0, len(events)-1).Draw(t, "granted")
			granted := append([]Event(nil), events...)
			granted[i].Appeal = &Appeal{Decision: Granted}
			if b := Assess(granted, now); b.Score < a.Score {
				t.Fatalf("granting an appeal lowered the score from %d to %d", a.Score, b.Score)
			}
		}
		if lower := LevelOf(max(a.Score-1, 0)); lower < a.Level {
			t.Fatalf("level %s at %d but %s one point lower", a.Level, a.Score, lower)
		}
	})
}

func TestAppealsAndFindings(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"appeal once", Event{Points: 5, OccurredAt: now}.Appealable(now), ""},
		{"appeal twice", Event{Points: 5, OccurredAt: now, Appeal: &Appeal{}}.Appealable(now), "credit.appealed"},
		{"appeal an expired record", Event{Points: 5, OccurredAt: now.AddDate(-3, 0, 0)}.Appealable(now), "credit.expired"},
		{"a reason too short", ValidateAppeal("不服"), "credit.appeal_reason"},
		{"a reason", ValidateAppeal("交付延误系政府管线改造所致，有公函为证"), ""},
		{"decide", Appeal{}.Decide(Granted, "公函属实"), ""},
		{"decide twice", Appeal{Decision: Upheld}.Decide(Granted, "再议"), "credit.decided"},
		{"no decision", Appeal{}.Decide("maybe", "x"), "credit.decision"},
		{"no note", Appeal{}.Decide(Upheld, " "), "credit.decision_note"},
		{"a finding", StaffEvent("擅自变更规划用途", "昌市住建执法〔2026〕12号", 20), ""},
		{"no evidence", StaffEvent("擅自变更规划用途", "", 20), "credit.event_invalid"},
		{"too many points", StaffEvent("擅自变更规划用途", "记录", 31), "credit.event_invalid"},
	}
	for _, tt := range tests {
		got := ""
		if tt.err != nil {
			got = problem.As(tt.err).Code
		}
		if got != tt.code {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.code)
		}
	}
}
