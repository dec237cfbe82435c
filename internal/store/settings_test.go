package store_test

import (
	"context"
	"strings"
	"testing"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
	"handover/internal/tax"
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

// The prefecture sets its counties' defaults: a county without a value of
// its own follows the prefecture's, from the prefecture's day; a county's
// own value stands, even one equal to the prefecture's, until the county
// clears it and follows the prefecture again. A value the rule cannot read, and a
// county's value of a setting the prefecture alone sets, are refused at
// their field and store nothing.
func TestPrefectureSetsCountyDefaults(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	pref, county := actor(x.f, "admin"), actor(x.f, "cj-admin")
	key := completion.SettingMaintenanceRate
	reason := store.SettingChange{Reason: "州住建局文件"}
	read := func(j string) string {
		t.Helper()
		v, err := x.db.Setting(ctx, j, key, completion.DefaultMaintenanceRate)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	steps := []struct {
		name     string
		by       audit.Actor
		j, value string
		want     map[string]string // jurisdiction → value in force after the step
	}{
		{"nothing set", pref, "", "", map[string]string{"652301": completion.DefaultMaintenanceRate, "652302": completion.DefaultMaintenanceRate}},
		{"the prefecture's default", pref, identity.PrefectureCode, "150", map[string]string{"652301": "150", "652302": "150"}},
		{"a county's own", county, "652301", "130", map[string]string{"652301": "130", "652302": "150"}},
		{"the prefecture changes", pref, identity.PrefectureCode, "160", map[string]string{"652301": "130", "652302": "160"}},
		{"the county sets the prefecture's value as its own", county, "652301", "160", map[string]string{"652301": "160", "652302": "160"}},
		{"the prefecture changes again", pref, identity.PrefectureCode, "170", map[string]string{"652301": "160", "652302": "170"}},
		{"the county clears its own", county, "652301", "", map[string]string{"652301": "170", "652302": "170"}},
	}
	for _, s := range steps {
		if s.j != "" {
			if err := x.db.PutSettings(ctx, s.by, s.j, map[string]string{key: s.value}, reason); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		for j, want := range s.want {
			if got := read(j); got != want {
				t.Errorf("%s: %s reads %s, want %s", s.name, j, got, want)
			}
		}
	}

	// A county that wants no automatic review keeps none while the
	// prefecture's default has some.
	if err := x.db.PutSettings(ctx, pref, identity.PrefectureCode, map[string]string{registry.SettingAutoReview: "first,transfer"}, reason); err != nil {
		t.Fatal(err)
	}
	if err := x.db.PutSettings(ctx, county, "652301", map[string]string{registry.SettingAutoReview: registry.NoAutoReview}, reason); err != nil {
		t.Fatal(err)
	}
	for j, want := range map[string]int{"652301": 0, "652302": 2} {
		if p, err := x.db.RegistrationPolicy(ctx, j); err != nil || len(p.AutoReview) != want {
			t.Errorf("%s reviews automatically %v (%v), want %d kinds", j, p.AutoReview, err, want)
		}
	}
	// A county's change scheduled for the prefecture's day and value is
	// its own: the prefecture's withdrawal does not touch it.
	day := calendar.DateOf(x.clock.Now()).AddDays(3)
	days := completion.SettingDays
	if err := x.db.PutSettings(ctx, county, "652301", map[string]string{days: "7"}, reason); err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{identity.PrefectureCode, "652301"} {
		by := pref
		if j == "652301" {
			by = county
		}
		if err := x.db.PutSettings(ctx, by, j, map[string]string{days: "9"}, store.SettingChange{EffectiveOn: day, Reason: "统一时限"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.db.CancelScheduledSetting(ctx, pref, identity.PrefectureCode, days, day, "通知撤回"); err != nil {
		t.Fatal(err)
	}
	if s, _ := x.db.ScheduledSettings(ctx, "652301"); len(s) != 1 || s[0].Value != "9" {
		t.Errorf("the county's scheduled change after the prefecture's withdrawal: %+v, want its own 9", s)
	}
	x.clock.Set(x.clock.Now().AddDate(0, 0, 3))
	if v, _ := x.db.Setting(ctx, "652301", days, ""); v != "9" {
		t.Errorf("the county on the day: %q, want its own 9", v)
	}
	if v, _ := x.db.Setting(ctx, "652302", days, "5"); v != "5" {
		t.Errorf("another county on the day: %q, want the default 5 (the prefecture withdrew)", v)
	}

	var before int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM settings`).Scan(&before)
	for _, tc := range []struct {
		name, j, key, value string
		by                  audit.Actor
	}{
		{"a rate that is not a number", "652301", key, "一百", county},
		{"a rate above the bound", identity.PrefectureCode, key, "5000", pref},
		{"an unknown department", "652301", completion.SettingDepartments, "planning,police", county},
		{"a fund node cap that falls", "652301", presale.SettingFundNodes, "a:甲:60:structure;b:乙:50:completed;c:丙:100:first_registration", county},
		{"a deed-tax rate out of the law's range", identity.PrefectureCode, tax.SettingProvincialRate, "0.06", pref},
		{"a county's deed-tax rate", "652301", tax.SettingProvincialRate, "0.04", county},
		{"a county's retry limit", "652301", store.SettingMaxAttempts, "8", county},
		{"a threshold out of bounds", "652301", supervision.SettingDeliveryDays, "0", county},
		{"a registration time limit beyond the statutory 30 working days", "652301", registry.SettingDays, "40", county},
		{"a matter the system may not review", "652301", registry.SettingAutoReview, "seal", county},
	} {
		err := x.db.PutSettings(ctx, tc.by, tc.j, map[string]string{tc.key: tc.value}, reason)
		if p := problem.As(err); p == nil || p.Code != "setting.invalid" || p.Fields[tc.key] == "" {
			t.Errorf("%s: got %v, want setting.invalid at %s", tc.name, err, tc.key)
		}
		if err := x.db.PutSetting(ctx, tc.by, tc.j, tc.key, tc.value); err == nil {
			t.Errorf("%s: PutSetting accepted it", tc.name)
		}
	}
	var after int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM settings`).Scan(&after)
	if after != before {
		t.Errorf("refused values stored: %d rows, want %d", after, before)
	}
	// The prefecture's own deed-tax rate is its counties'.
	if err := x.db.PutSettings(ctx, pref, identity.PrefectureCode, map[string]string{tax.SettingProvincialRate: "0.04"}, reason); err != nil {
		t.Fatal(err)
	}
	if rule, _ := x.db.DeedTaxRule(ctx, "652302"); !strings.Contains(rule, "4%") {
		t.Errorf("a county's deed-tax rule: %q, want the prefecture's 4%%", rule)
	}
}
