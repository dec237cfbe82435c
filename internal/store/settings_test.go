package store_test

import (
	"context"
	"strings"
	"testing"

	"handover/internal/calendar"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// A settings change says why and takes effect from its day: scheduled for
// tomorrow, today's rules stand and the change is listed as pending; on its
// day it is in force. A day in the past and a change without a reason are
// refused and store nothing; the audit trail keeps the day and the reason.
func TestSettingsTakeEffectOnTheirDay(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	admin := actor(x.f, "cj-admin")
	key := supervision.SettingDeliveryDays
	if err := x.db.PutSetting(ctx, admin, "652301", key, "10"); err != nil {
		t.Fatal(err)
	}
	today := calendar.DateOf(x.clock.Now())
	for _, tc := range []struct {
		name   string
		change store.SettingChange
		field  string
	}{
		{"a day in the past", store.SettingChange{EffectiveOn: today.AddDays(-1), Reason: "补录"}, "effective_on"},
		{"no reason", store.SettingChange{EffectiveOn: today.AddDays(1)}, "reason"},
	} {
		err := x.db.PutSettings(ctx, admin, "652301", map[string]string{key: "20"}, tc.change)
		if p := problem.As(err); p == nil || p.Fields[tc.field] == "" {
			t.Errorf("%s: got %v, want refused at %s", tc.name, err, tc.field)
		}
	}
	if s, _ := x.db.ScheduledSettings(ctx, "652301"); len(s) != 0 {
		t.Fatalf("refused changes were stored: %+v", s)
	}

	tomorrow := today.AddDays(1)
	if err := x.db.PutSettings(ctx, admin, "652301", map[string]string{key: "20"}, store.SettingChange{EffectiveOn: tomorrow, Reason: "州专班通知"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := x.db.Setting(ctx, "652301", key, ""); v != "10" {
		t.Errorf("today: %s, want 10 (the change is for tomorrow)", v)
	}
	s, err := x.db.ScheduledSettings(ctx, "652301")
	if err != nil || len(s) != 1 || s[0].Value != "20" || s[0].EffectiveOn != tomorrow.String() || s[0].Reason != "州专班通知" || s[0].SetBy == "" {
		t.Errorf("scheduled: %+v (%v), want the change for %s with its reason and who made it", s, err, tomorrow)
	}
	// Another county is untouched.
	if v, _ := x.db.Setting(ctx, "652302", key, "x"); v != "x" {
		t.Errorf("another county: %s, want its default", v)
	}
	x.clock.Set(x.clock.Now().AddDate(0, 0, 1))
	if v, _ := x.db.Setting(ctx, "652301", key, ""); v != "20" {
		t.Errorf("tomorrow: %s, want 20", v)
	}
	if s, _ := x.db.ScheduledSettings(ctx, "652301"); len(s) != 0 {
		t.Errorf("still scheduled on its day: %+v", s)
	}
	// An immediate change after it wins from today.
	if err := x.db.PutSetting(ctx, admin, "652301", key, "12"); err != nil {
		t.Fatal(err)
	}
	if v, _ := x.db.Setting(ctx, "652301", key, ""); v != "12" {
		t.Errorf("after an immediate change: %s, want 12", v)
	}
	var summary string
	x.db.SQLForTest().QueryRow(`SELECT summary FROM audit_events WHERE action = 'setting.put' AND summary LIKE '%州专班通知%'`).Scan(&summary)
	if !strings.Contains(summary, tomorrow.String()) {
		t.Errorf("the audit of the scheduled change: %q, want its day and reason", summary)
	}
}

// A scheduled change is withdrawn before its day, with a reason: the value
// in force the day before stands on it, and the change is no longer listed.
// One already in force cannot be withdrawn.
func TestScheduledSettingWithdrawn(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	admin := actor(x.f, "cj-admin")
	key := supervision.SettingDeliveryDays
	today := calendar.DateOf(x.clock.Now())
	day := today.AddDays(3)
	if err := x.db.PutSettings(ctx, admin, "652301", map[string]string{key: "20"}, store.SettingChange{EffectiveOn: day, Reason: "通知"}); err != nil {
		t.Fatal(err)
	}
	if err := x.db.CancelScheduledSetting(ctx, admin, "652301", key, day, ""); problem.As(err) == nil || problem.As(err).Fields["reason"] == "" {
		t.Errorf("withdrawn without a reason: %v, want refused at the reason", err)
	}
	if err := x.db.CancelScheduledSetting(ctx, admin, "652301", key, day, "通知已撤回"); err != nil {
		t.Fatal(err)
	}
	if s, _ := x.db.ScheduledSettings(ctx, "652301"); len(s) != 0 {
		t.Errorf("still scheduled after the withdrawal: %+v", s)
	}
	x.clock.Set(x.clock.Now().AddDate(0, 0, 3))
	if v, _ := x.db.Setting(ctx, "652301", key, "default"); v != "default" {
		t.Errorf("on its day: %q, want the default (the change was withdrawn)", v)
	}
	if err := x.db.CancelScheduledSetting(ctx, admin, "652301", key, calendar.DateOf(x.clock.Now()), "太迟"); problem.KindOf(err) != problem.Conflict {
		t.Errorf("withdrawing a change in force: %v, want a conflict", err)
	}
}
