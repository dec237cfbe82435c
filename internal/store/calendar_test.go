package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/handover"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// A holiday notice loaded after deadlines were set moves each one whose
// window holds its new day off, by a working day: the 20-working-day clock
// of the filing and a registration service's time limit; an acceptance
// opinion's window ended before the day off and the commitments fall due
// on calendar dates, so they stay. The days left on the clock and the
// clock's alert count to the moved day.
func TestNoticeRecomputesDeadlines(t *testing.T) {
	x := newRegistrationFixture(t) // filed on 2026-03-10, accepted the same day
	ctx := context.Background()
	unit := x.contracts[1].UnitID
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: unit})
	clock := func(cal *calendar.Calendar) handover.Clock {
		t.Helper()
		r, _, err := x.db.Readiness(ctx, cal, x.project.ID, handover.Delivery, handover.Scope{Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		c := r.Clocks[x.building]
		if c == nil {
			t.Fatalf("no clock on the filed building: %+v", r.Clocks)
		}
		return *c
	}
	dues := func(cal *calendar.Calendar) map[string]string {
		t.Helper()
		out := map[string]string{"completion clock": clock(cal).DueOn.String()}
		app, err := x.db.Application(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		out["registration service"] = app.Services[0].DueOn.String()
		cases, err := x.db.AcceptanceCases(ctx, x.project.ID)
		if err != nil || len(cases) != 1 {
			t.Fatalf("acceptance cases: %+v %v", cases, err)
		}
		out["acceptance opinion"] = cases[0].Tasks[0].DueOn.String()
		cs, err := x.db.Commitments(ctx, x.project.ID)
		if err != nil || len(cs) == 0 {
			t.Fatalf("commitments: %+v %v", cs, err)
		}
		out["commitment"] = cs[0].DueOn.String()
		return out
	}
	if c := clock(x.cal); c.DueOn.String() != "2026-04-08" || c.WorkdaysLeft != 20 {
		t.Fatalf("before the notice: clock due %s with %d working days left, want 2026-04-08 and 20", c.DueOn, c.WorkdaysLeft)
	}
	was := dues(x.cal)

	// 新疆's 2026 肉孜节 (not in the built-in data): Friday 03-20 becomes a day off.
	n := calendar.Notice{Scope: "650000", ScopeName: "新疆维吾尔自治区", Year: 2026, Title: "新疆维吾尔自治区2026年肉孜节放假安排",
		Rules: []calendar.Rule{{From: calendar.MustDate("2026-03-20"), To: calendar.MustDate("2026-03-22"), Off: true, Name: "肉孜节"}}}
	if _, err := x.db.LoadNotice(ctx, audit.System(), n); err != nil {
		t.Fatal(err)
	}
	cal, err := x.db.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := dues(cal)
	tests := []struct {
		deadline, was, want string
	}{
		{"completion clock", "2026-04-08", "2026-04-09"},
		{"registration service", "2026-04-22", "2026-04-23"},
		{"acceptance opinion", "2026-03-17", "2026-03-17"}, // 03-10 + 5 working days, before 03-20
		{"commitment", "2026-06-10", "2026-06-10"},         // three months after the filing
	}
	for _, tt := range tests {
		if was[tt.deadline] != tt.was || now[tt.deadline] != tt.want {
			t.Errorf("%s: due %s before the notice and %s after it, want %s and %s", tt.deadline, was[tt.deadline], now[tt.deadline], tt.was, tt.want)
		}
	}
	c := clock(cal)
	left, _, err := cal.WorkdaysBetween(calendar.DateOf(x.clock.Now()), c.DueOn, "650000")
	if err != nil {
		t.Fatal(err)
	}
	if c.DueOn.String() != "2026-04-09" || c.WorkdaysLeft != 20 || c.WorkdaysLeft != left {
		t.Errorf("after the notice: clock due %s with %d working days left, want 2026-04-09 and 20 (%d counted to its due day)", c.DueOn, c.WorkdaysLeft, left)
	}

	// Friday 04-03: 04-07, 04-08 and 04-09 are left (04-04…04-06 off).
	x.clock.Set(time.Date(2026, 4, 3, 2, 0, 0, 0, time.UTC))
	x.cal = cal
	evaluate(t, x.db, x.completionFixture)
	fs, _ := x.db.Filings(ctx, x.project.ID)
	alert := alertOf(t, x.db, supervision.ClockRunningOut, "filing:"+itoa(fs[0].ID)+":clock")
	if want := "剩余3个工作日（2026-04-09届满）"; !strings.Contains(alert.Message, want) {
		t.Errorf("clock alert: got %q, want it to say %q", alert.Message, want)
	}
}
