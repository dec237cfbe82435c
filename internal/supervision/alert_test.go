package supervision

import (
	"strings"
	"testing"
	"time"

	"handover/internal/calendar"
	"handover/internal/problem"
)

var now = time.Date(2027, 6, 22, 2, 0, 0, 0, time.UTC)

func TestThresholds(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]string
		want    Thresholds
		wantErr string // the field named, "" for none
	}{
		{"defaults", nil, Thresholds{10, 5, 120, 3, 24, 5}, ""},
		{"set", map[string]string{SettingDeliveryDays: "15", SettingFastSeconds: " 30 "}, Thresholds{15, 5, 30, 3, 24, 5}, ""},
		{"at the bounds", map[string]string{SettingClockDays: "20", SettingRefusals: "2"}, Thresholds{10, 20, 120, 2, 24, 5}, ""},
		{"above the bound", map[string]string{SettingClockDays: "21"}, Thresholds{10, 5, 120, 3, 24, 5}, SettingClockDays},
		{"not a number", map[string]string{SettingRefusalHours: "一天"}, Thresholds{10, 5, 120, 3, 24, 5}, SettingRefusalHours},
		{"zero", map[string]string{SettingPartnerFailures: "0"}, Thresholds{10, 5, 120, 3, 24, 5}, SettingPartnerFailures},
	}
	for _, tt := range tests {
		got, err := ParseThresholds(tt.in)
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && problem.As(err).Fields[tt.wantErr] == "" {
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.wantErr)
		}
	}
}

// Every rule fires at its threshold and not one step before it.
func TestRulesAtTheirThresholds(t *testing.T) {
	th := DefaultThresholds()
	planned := calendar.MustDate("2027-06-30")
	tests := []struct {
		name     string
		find     func() (Finding, bool)
		fire     bool
		severity Severity
	}{
		{"delivery beyond the window", func() (Finding, bool) {
			return DeliveryRisk(DeliveryFacts{ProjectID: 1, PlannedOn: planned, DaysLeft: 11, Blockers: 3, First: "x"}, th, now)
		}, false, ""},
		{"delivery at the window", func() (Finding, bool) {
			return DeliveryRisk(DeliveryFacts{ProjectID: 1, PlannedOn: planned, DaysLeft: 10, Blockers: 3, First: "x"}, th, now)
		}, true, Warning},
		{"delivery at half the window", func() (Finding, bool) {
			return DeliveryRisk(DeliveryFacts{ProjectID: 1, PlannedOn: planned, DaysLeft: 5, Blockers: 3, First: "x"}, th, now)
		}, true, Critical},
		{"delivery past", func() (Finding, bool) {
			return DeliveryRisk(DeliveryFacts{ProjectID: 1, PlannedOn: planned, DaysLeft: -1, Blockers: 1, First: "x"}, th, now)
		}, true, Critical},
		{"delivery near but ready", func() (Finding, bool) {
			return DeliveryRisk(DeliveryFacts{ProjectID: 1, PlannedOn: planned, DaysLeft: 1}, th, now)
		}, false, ""},
		{"clock beyond", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 6, Uncertified: 2}, th, now)
		}, false, ""},
		{"clock at", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 5, Uncertified: 2}, th, now)
		}, true, Warning},
		{"clock last day", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 1, Uncertified: 2}, th, now)
		}, true, Critical},
		{"clock over", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: -3, Uncertified: 2}, th, now)
		}, true, Critical},
		{"clock all certified", func() (Finding, bool) { return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: -3}, th, now) }, false, ""},
		{"clock near, every flat in a handover within it", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 2, Uncertified: 40, Scheduled: 40}, th, now)
		}, false, ""},
		{"clock near, a flat left out of the handover", func() (Finding, bool) {
			return ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 2, Uncertified: 40, Scheduled: 39}, th, now)
		}, true, Warning},
		{"opinion on its due day", func() (Finding, bool) { return AcceptanceLate(TaskFacts{TaskID: 1, DaysLate: 0}, now) }, false, ""},
		{"opinion a day late", func() (Finding, bool) { return AcceptanceLate(TaskFacts{TaskID: 1, DaysLate: 1}, now) }, true, Warning},
		{"opinion three days late", func() (Finding, bool) { return AcceptanceLate(TaskFacts{TaskID: 1, DaysLate: 3}, now) }, true, Critical},
		{"service on its due day", func() (Finding, bool) { return RegistrationLate(ServiceFacts{ServiceID: 1, DaysLate: 0}, now) }, false, ""},
		{"service late", func() (Finding, bool) { return RegistrationLate(ServiceFacts{ServiceID: 1, DaysLate: 2}, now) }, true, Warning},
		{"review at the threshold", func() (Finding, bool) { return TooFast(StepFacts{ServiceID: 1, Seconds: 120}, th) }, false, ""},
		{"review under it", func() (Finding, bool) { return TooFast(StepFacts{ServiceID: 1, Seconds: 119.5}, th) }, true, Notice},
		{"withdrawal by a reached node", func() (Finding, bool) { return WithdrawalWithoutNode(WithdrawalFacts{ID: 1, Reached: true}) }, false, ""},
		{"withdrawal without", func() (Finding, bool) { return WithdrawalWithoutNode(WithdrawalFacts{ID: 1}) }, true, Critical},
		{"refusals under", func() (Finding, bool) { return Refusals(RefusalFacts{UnitID: 1, Count: 2}, th) }, false, ""},
		{"refusals at", func() (Finding, bool) { return Refusals(RefusalFacts{UnitID: 1, Count: 3}, th) }, true, Warning},
		{"refusals at twice", func() (Finding, bool) { return Refusals(RefusalFacts{UnitID: 1, Count: 6}, th) }, true, Critical},
		{"endpoint under", func() (Finding, bool) { return EndpointFailing(EndpointFacts{EndpointID: 1, Attempts: 4}, th, now) }, false, ""},
		{"endpoint at", func() (Finding, bool) { return EndpointFailing(EndpointFacts{EndpointID: 1, Attempts: 5}, th, now) }, true, Warning},
		{"endpoint dead letters", func() (Finding, bool) { return EndpointFailing(EndpointFacts{EndpointID: 1, Dead: 1}, th, now) }, true, Critical},
	}
	for _, tt := range tests {
		f, ok := tt.find()
		if ok != tt.fire || f.Severity != tt.severity {
			t.Errorf("%s: fired %v severity %q, want %v %q", tt.name, ok, f.Severity, tt.fire, tt.severity)
			continue
		}
		if ok && (f.Subject == "" || f.Message == "" || f.Link == "" || f.Kind.Basis() == "" || f.Kind.Label() == string(f.Kind)) {
			t.Errorf("%s: incomplete finding %+v", tt.name, f)
		}
	}
}

// A failing partner's alert says why in Chinese, not the Go error the
// courier recorded.
func TestEndpointFailingSaysWhyInChinese(t *testing.T) {
	f, ok := EndpointFailing(EndpointFacts{EndpointID: 1, Name: "税收征管系统", Dead: 2,
		LastError: `Post "http://10.1.1.1/hook": dial tcp 10.1.1.1:80: connect: connection refused`}, DefaultThresholds(), now)
	want := "部门接口“税收征管系统”2条投递已放弃（死信），需重新投递；最近错误：对方系统无法连接（连接被拒绝）"
	if !ok || f.Message != want {
		t.Errorf("message = %q, want %q", f.Message, want)
	}
}

// An event's finding reopens a resolved alert only with newer evidence; a
// condition's (evidence: now) always does.
func TestReopens(t *testing.T) {
	resolved := now.Add(-time.Hour)
	old, _ := TooFast(StepFacts{ServiceID: 1, Seconds: 3, At: now.Add(-2 * time.Hour)}, DefaultThresholds())
	fresh, _ := Refusals(RefusalFacts{UnitID: 1, Count: 4, Last: now}, DefaultThresholds())
	cond, _ := ClockRisk(ClockFacts{FilingID: 1, DaysLeft: 2, Uncertified: 1}, DefaultThresholds(), now)
	for _, tt := range []struct {
		f    Finding
		want bool
	}{{old, false}, {fresh, true}, {cond, true}} {
		if got := tt.f.Reopens(resolved); got != tt.want {
			t.Errorf("%s reopens: got %v, want %v", tt.f.Kind, got, tt.want)
		}
	}
	for _, k := range AlertKinds {
		if k.Label() == string(k) || k.Basis() == "" {
			t.Errorf("kind %s lacks a label or basis", k)
		}
	}
}

func TestInboxTransitions(t *testing.T) {
	tests := []struct {
		name  string
		state AlertState
		do    func(a Alert) error
		code  string
	}{
		{"acknowledge an open one", Open, func(a Alert) error { return a.Acknowledge() }, ""},
		{"acknowledge twice", Acknowledged, func(a Alert) error { return a.Acknowledge() }, "alert.state"},
		{"acknowledge a resolved one", Resolved, func(a Alert) error { return a.Acknowledge() }, "alert.state"},
		{"assign nobody", Open, func(a Alert) error { return a.Assign(0, 0) }, "alert.assignee"},
		{"assign a resolved one", Resolved, func(a Alert) error { return a.Assign(3, 0) }, "alert.state"},
		{"assign another organisation's user", Open, func(a Alert) error { return a.Assign(3, 9) }, "alert.assignee"},
		{"assign", Acknowledged, func(a Alert) error { return a.Assign(3, 0) }, ""},
		{"resolve without a note", Open, func(a Alert) error { return a.Resolve("  ") }, "alert.note"},
		{"resolve with a long note", Open, func(a Alert) error { return a.Resolve(strings.Repeat("长", 501)) }, "alert.note"},
		{"resolve", Acknowledged, func(a Alert) error { return a.Resolve("已督促开发企业补缴维修资金") }, ""},
		{"resolve twice", Resolved, func(a Alert) error { return a.Resolve("再次") }, "alert.state"},
	}
	for _, tt := range tests {
		err := tt.do(Alert{State: tt.state})
		if got := ""; err != nil {
			got = problem.As(err).Code
			if got != tt.code {
				t.Errorf("%s: got %s, want %q", tt.name, got, tt.code)
			}
		} else if tt.code != "" {
			t.Errorf("%s: allowed, want %s", tt.name, tt.code)
		}
	}
}

// The thresholds parser never panics, and whatever it accepts is within
// the documented bounds.
func FuzzParseThresholds(f *testing.F) {
	f.Add("10", "5", "120")
	f.Add("-1", "", "9999999999999999999")
	f.Add(" 7 ", "x", "0")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		th, err := ParseThresholds(map[string]string{SettingDeliveryDays: a, SettingClockDays: b, SettingFastSeconds: c})
		if err != nil {
			return
		}
		vals := map[string]int{SettingDeliveryDays: th.DeliveryDays, SettingClockDays: th.ClockDays, SettingFastSeconds: th.FastSeconds}
		for _, s := range ThresholdSettings {
			if v, ok := vals[s.Key]; ok && (v < s.Min || v > s.Max) {
				t.Fatalf("%s accepted as %d, outside %d…%d", s.Key, v, s.Min, s.Max)
			}
		}
	})
}

func TestQuantile(t *testing.T) {
	spans := []Span{{Workdays: 9, Units: 1}, {Workdays: 8, Units: 5}}
	tests := []struct {
		q    float64
		want int
	}{{0.5, 8}, {5.0 / 6, 8}, {0.84, 9}, {0.9, 9}, {1, 9}, {0.01, 8}}
	for _, tt := range tests {
		if got, ok := Quantile(spans, tt.q); !ok || got != tt.want {
			t.Errorf("Quantile(%.3f) = %d %v, want %d", tt.q, got, ok, tt.want)
		}
	}
	if _, ok := Quantile(nil, 0.5); ok {
		t.Error("a quantile of nothing")
	}
}

func TestRehearsalSubjectReadsBack(t *testing.T) {
	tests := []struct {
		subject     string
		event       int64
		kind, owner string
		ok          bool
	}{
		{RehearsalSubject(12, "tax", 9, "昌吉市税务局"), 12, "tax", "昌吉市税务局", true},
		{RehearsalSubject(3, "", 0, "作出查封的人民法院或机关：含冒号"), 3, "", "作出查封的人民法院或机关：含冒号", true},
		{RehearsalSubject(4, "", 0, "a:b"), 4, "", "a:b", true},
		{"project:5:delivery", 0, "", "", false},
		{"handover:x:rehearsal:tax:9:税务局", 0, "", "", false},
		{"handover:5:rehearsal", 0, "", "", false},
	}
	for _, tt := range tests {
		ev, kind, owner, ok := RehearsalOf(tt.subject)
		if ev != tt.event || kind != tt.kind || owner != tt.owner || ok != tt.ok {
			t.Errorf("RehearsalOf(%q) = %d, %q, %q, %v; want %d, %q, %q, %v", tt.subject, ev, kind, owner, ok, tt.event, tt.kind, tt.owner, tt.ok)
		}
	}
}
