package credit

import (
	"testing"
	"time"

	"handover/internal/calendar"
)

func TestRuleListing(t *testing.T) {
	atD := Assessment{Score: 55, Level: LevelD}
	atC := Assessment{Score: 60, Level: LevelC}
	byStaff := Standing{Listed: true, Basis: "州住建局〔2026〕12号"}
	decided := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	liftedByStaff := Standing{Basis: "州住建局〔2026〕13号", At: decided}
	event := func(at time.Time) Event { return Event{Kind: LateDelivery, OccurredAt: at, Points: 10} }
	atDBefore := Assessment{Score: 55, Level: LevelD, Counted: []Event{event(decided.AddDate(0, -1, 0))}}
	atDAfter := Assessment{Score: 45, Level: LevelD, Counted: []Event{event(decided.AddDate(0, -1, 0)), event(decided.AddDate(0, 0, 3))}}
	tests := []struct {
		name   string
		a      Assessment
		s      Standing
		want   bool // the rule changes the listing
		listed bool
		reason string
	}{
		{"D, never listed: listed by the rule", atD, Standing{}, true, true, "信用评分55分，D级（严重失信，列入限制清单）"},
		{"D, lifted before: listed again", atD, Standing{Basis: AutomaticBasis}, true, true, "信用评分55分，D级（严重失信，列入限制清单）"},
		{"D, already listed by the rule", atD, Standing{Listed: true, Basis: AutomaticBasis}, false, false, ""},
		{"D, listed by staff", atD, byStaff, false, false, ""},
		{"above D, listed by the rule: lifted", atC, Standing{Listed: true, Basis: AutomaticBasis}, true, false, "信用评分回升至60分（C级（失信警示））"},
		{"above D, listed by staff: left to staff", atC, byStaff, false, false, ""},
		{"above D, not listed", atC, Standing{}, false, false, ""},
		{"D, taken off the list by staff: the decision stands", atDBefore, liftedByStaff, false, false, ""},
		{"D, taken off by staff, a record made since: listed again", atDAfter, liftedByStaff, true, true, "信用评分45分，D级（严重失信，列入限制清单）"},
		{"A, not listed", Assessment{Score: 100, Level: LevelA}, Standing{}, false, false, ""},
	}
	for _, tt := range tests {
		l, ok := RuleListing(7, tt.a, tt.s)
		if ok != tt.want {
			t.Errorf("%s: got change %v, want %v", tt.name, ok, tt.want)
			continue
		}
		if !ok {
			if l != (Listing{}) {
				t.Errorf("%s: got %+v with no change, want the zero listing", tt.name, l)
			}
			continue
		}
		if l.Developer != 7 || l.Listed != tt.listed || l.Basis != AutomaticBasis || l.Reason != tt.reason {
			t.Errorf("%s: got %+v, want developer 7 listed %v basis %q reason %q", tt.name, l, tt.listed, AutomaticBasis, tt.reason)
		}
		if err := l.Validate(); err != nil {
			t.Errorf("%s: the rule's listing fails its own check: %v", tt.name, err)
		}
		if err := Transition(tt.s.Listed, l); err != nil {
			t.Errorf("%s: the rule's listing is no transition: %v", tt.name, err)
		}
	}
}

func TestPlatformEvents(t *testing.T) {
	day := calendar.MustDate("2026-10-01")
	tests := []struct {
		name    string
		got     func() (Event, bool)
		want    bool
		kind    EventKind
		subject string
		text    string
	}{
		{"late delivery with units waiting", func() (Event, bool) {
			return LateDeliveryEvent(LateProject{ProjectID: 3, Name: "天山花园", Developer: 9, Jurisdiction: "652301", Planned: day, Waiting: 4})
		}, true, LateDelivery, "project:3:late_delivery", "天山花园计划于2026-10-01交付，逾期后仍有4户已售房屋未交付"},
		{"late delivery, every unit handed over", func() (Event, bool) {
			return LateDeliveryEvent(LateProject{ProjectID: 3, Developer: 9, Planned: day})
		}, false, "", "", ""},
		{"clock run out with units uncertified", func() (Event, bool) {
			return LateCertificateEvent(LateClock{FilingID: 5, Name: "天山花园", Developer: 9, Jurisdiction: "652301", Due: day, DaysLeft: -1, Uncertified: 2})
		}, true, LateCertificate, "filing:5:late_certificate", "天山花园竣工验收备案后20个工作日（2026-10-01届满）仍有2户未取得不动产权证书"},
		{"clock's last day", func() (Event, bool) {
			return LateCertificateEvent(LateClock{FilingID: 5, Developer: 9, Due: day, DaysLeft: 0, Uncertified: 2})
		}, false, "", "", ""},
		{"clock run out, every unit certified", func() (Event, bool) {
			return LateCertificateEvent(LateClock{FilingID: 5, Developer: 9, Due: day, DaysLeft: -3})
		}, false, "", "", ""},
		{"cancelled filed contract", func() (Event, bool) {
			return CancellationEvent(Cancellation{ID: 2, Contract: "CJ2026000001", Developer: 9, Jurisdiction: "652301", Reason: "双方协商解除"}), true
		}, true, ContractCancelled, "cancellation:2", "网签合同CJ2026000001注销备案（双方协商解除）"},
	}
	for _, tt := range tests {
		e, ok := tt.got()
		if ok != tt.want {
			t.Errorf("%s: got record %v, want %v", tt.name, ok, tt.want)
			continue
		}
		if !ok {
			continue
		}
		if e.Developer != 9 || e.Jurisdiction != "652301" || e.Kind != tt.kind || e.Subject != tt.subject || e.Description != tt.text {
			t.Errorf("%s: got %+v, want developer 9 in 652301, %s %q %q", tt.name, e, tt.kind, tt.subject, tt.text)
		}
	}
}
