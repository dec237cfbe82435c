package supervision

import (
	"errors"
	"slices"
	"testing"

	"handover/internal/calendar"
)

func TestNewDashboardTrend(t *testing.T) {
	tests := []struct {
		to, first, last, handoversFrom string
		from                           string
	}{
		{"2026-11-29", "2025-12", "2026-11", "2025-12-01", "2026-01-01"},
		{"2026-01-15", "2025-02", "2026-01", "2025-02-01", "2026-01-01"},
		{"2026-12-31", "2026-01", "2026-12", "2025-03-01", "2025-03-01"}, // a period that starts before the trend
	}
	for _, tt := range tests {
		d := NewDashboard("652301", calendar.MustDate(tt.from), calendar.MustDate(tt.to))
		if len(d.Trend) != 12 || d.Trend[0].Month != tt.first || d.Trend[11].Month != tt.last {
			t.Errorf("to %s: got %d months %v, want 12 from %s to %s", tt.to, len(d.Trend), d.Trend, tt.first, tt.last)
			continue
		}
		if got := d.HandoversFrom(); got != tt.handoversFrom {
			t.Errorf("to %s from %s: got handovers from %s, want %s", tt.to, tt.from, got, tt.handoversFrom)
		}
	}
}

func TestCountHandovers(t *testing.T) {
	d := NewDashboard("", calendar.MustDate("2026-06-01"), calendar.MustDate("2026-11-29"))
	groups := []HandoverGroup{
		// Project 1 meets 交房即交证: every unit same-day, filed 2026-06-01.
		{Project: 1, Jurisdiction: "652301", HandedOver: "2026-06-10", Certified: "2026-06-10", Filed: "2026-06-01", Units: 3},
		{Project: 1, Jurisdiction: "652301", HandedOver: "2026-07-01", Certified: "2026-06-30", Filed: "2026-06-01", Units: 2},
		// Project 2 does not: one unit certified after the handover.
		{Project: 2, Jurisdiction: "652302", HandedOver: "2026-11-29", Certified: "2026-11-29", Filed: "2026-11-02", Units: 4},
		{Project: 2, Jurisdiction: "652302", HandedOver: "2026-11-29", Certified: "2026-12-01", Filed: "2026-11-02", Units: 1},
		// Before the period but in the trend: counted by month only.
		{Project: 3, Jurisdiction: "652301", HandedOver: "2026-02-03", Certified: "2026-02-03", Filed: "2026-01-20", Units: 5},
		// In the period without a certificate or a filing: no span.
		{Project: 4, Jurisdiction: "652301", HandedOver: "2026-08-08", Units: 2},
		{Project: 4, Jurisdiction: "652301", HandedOver: "2026-08-08", Certified: "2026-08-08", Units: 1},
		// A day that does not parse is left out of the spans.
		{Project: 5, Jurisdiction: "652301", HandedOver: "2026-09-09", Certified: "2026-09-09", Filed: "bad", Units: 1},
	}
	spans := map[string]int{"652301 2026-06-01 2026-06-10": 7, "652301 2026-06-01 2026-06-30": 20, "652302 2026-11-02 2026-11-29": 20,
		"652302 2026-11-02 2026-12-01": 21}
	var asked []string
	workdays := func(j string, from, to calendar.Date) (int, error) {
		key := j + " " + from.String() + " " + to.String()
		asked = append(asked, key)
		n, ok := spans[key]
		if !ok {
			return 0, errors.New("unexpected span " + key)
		}
		return n, nil
	}
	if err := d.CountHandovers(groups, workdays); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"handed over in the period", d.HandedOver, 3 + 2 + 4 + 1 + 2 + 1 + 1},
		{"same day in the period", d.SameDay, 3 + 2 + 4 + 1 + 1},
		{"projects that handed over", d.ProjectsHanded, 4},
		{"projects meeting 交房即交证", d.ProjectsMeeting, 2}, // 1 and 5; 4 handed over units without a certificate
		{"February's handovers", d.Trend[2].HandedOver, 5},
		{"November's handovers", d.Trend[11].HandedOver, 5},
		{"November's same-day", d.Trend[11].SameDay, 4},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	wantSpans := []Span{{Workdays: 7, Units: 3}, {Workdays: 20, Units: 6}, {Workdays: 21, Units: 1}}
	if !slices.Equal(d.Spans, wantSpans) {
		t.Errorf("spans: got %v, want %v", d.Spans, wantSpans)
	}
	wantIn := map[string][]Span{"652301": {{Workdays: 7, Units: 3}, {Workdays: 20, Units: 2}}, "652302": {{Workdays: 20, Units: 4}, {Workdays: 21, Units: 1}}}
	for j, want := range wantIn {
		if !slices.Equal(d.SpansIn[j], want) {
			t.Errorf("spans in %s: got %v, want %v", j, d.SpansIn[j], want)
		}
	}
	if len(d.SpansIn) != len(wantIn) {
		t.Errorf("spans by jurisdiction: got %v, want %v", d.SpansIn, wantIn)
	}
	if len(asked) != 4 {
		t.Errorf("working days asked for %v, want the four groups in the period with both days", asked)
	}
	failing := NewDashboard("", calendar.MustDate("2026-01-01"), calendar.MustDate("2026-11-29"))
	if err := failing.CountHandovers(groups[:1], func(string, calendar.Date, calendar.Date) (int, error) {
		return 0, errors.New("year not loaded")
	}); err == nil {
		t.Errorf("a calendar error: got none, want it returned")
	}
}

func TestProjectIn(t *testing.T) {
	tests := []struct {
		name                string
		want, stage         ProjectStage
		handedOver, sameDay int
		in                  bool
	}{
		{"every project", AllProjects, Building, 0, 0, true},
		{"at the stage asked", OnSale, OnSale, 0, 0, true},
		{"at another stage", OnSale, Filed, 0, 0, false},
		{"handed over in the period", HandedInPeriod, Handed, 3, 0, true},
		{"nothing handed over in the period", HandedInPeriod, Handed, 0, 0, false},
		{"meeting: every unit on the day", Meeting, Handed, 3, 3, true},
		{"not meeting: one unit late", Meeting, Handed, 3, 2, false},
		{"not meeting: nothing handed over", Meeting, Handed, 0, 0, false},
	}
	for _, tt := range tests {
		if got := ProjectIn(tt.want, tt.stage, tt.handedOver, tt.sameDay); got != tt.in {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.in)
		}
	}
}

func TestCounts(t *testing.T) {
	d := NewDashboard("", calendar.MustDate("2026-01-01"), calendar.MustDate("2026-11-29"))
	d.CountUnits(map[string]int{"unsold": 4, "handed_over": 6})
	d.CountProjects(map[string]int{"on_sale": 1, "handed_over": 2})
	d.CountFilings(map[string]int{"2026-11": 2, "2025-12": 1, "2024-01": 9})
	checks := []struct {
		name      string
		got, want int
	}{
		{"units", d.Units, 10},
		{"handed-over units", d.UnitsByStage[HandedOver], 6},
		{"projects", d.Projects, 3},
		{"projects on sale", d.ProjectsByStage[OnSale], 1},
		{"November's filings", d.Trend[11].Filings, 2},
		{"the trend's first month's filings", d.Trend[0].Filings, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	total := 0
	for _, m := range d.Trend {
		total += m.Filings
	}
	if total != 3 {
		t.Errorf("filings in the trend: got %d, want 3 (a month outside it left out)", total)
	}
}
