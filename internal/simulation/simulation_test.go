package simulation

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store/storetest"
	"handover/internal/web/htmlcheck"
)

// cheap keeps the simulated staff's password hashing out of the tests' time.
var cheap = identity.HashParams{Time: 1, Memory: 1024, Threads: 1}

func TestShippedScenarios(t *testing.T) {
	for _, name := range []string{"on-time", "realistic"} {
		sc, err := Load(name)
		if err != nil {
			t.Fatalf("Load(%q): %v", name, err)
		}
		if sc.Name != name {
			t.Errorf("Load(%q).Name = %q, want %q", name, sc.Name, name)
		}
	}
	if _, err := Load("no-such-scenario"); problem.CodeOf(err) != "simulation.scenario" {
		t.Errorf("Load(unknown) = %v, want simulation.scenario", err)
	}
}

func TestScenarioRefusals(t *testing.T) {
	base, err := shipped.ReadFile("scenarios/realistic.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		field          string // the field named ("" when the JSON itself is refused)
	}{
		{"share above one", `"late_share": 0.03`, `"late_share": 1.5`, "deed_tax.late_share"},
		{"negative rate", `"per_thousand": 1.5`, `"per_thousand": -1`, "seals.per_thousand"},
		{"span reversed", `"fix_days": [3, 8]`, `"fix_days": [8, 3]`, "survey.fix_days"},
		{"span beyond the year played", `"late_days": [10, 40]`, `"late_days": [10, 61]`, "deed_tax.late_days"},
		{"span of three", `"late_days": [10, 40]`, `"late_days": [10, 40, 99]`, ""},
		{"span of one", `"late_days": [10, 40]`, `"late_days": [10]`, ""},
		{"no basis", `"basis": "假设：约一成的幢因面积或分摊有误被退回一次，测绘单位3至8个工作日内重报"`, `"basis": ""`, "survey.basis"},
		{"unknown department", `"fire": {`, `"police": {`, "departments.by_department.police"},
		{"misspelt field", `"return_share"`, `"returned_share"`, ""},
		{"outage too long", `"days": 5`, `"days": 90`, "tax_interface_outage.days"},
		{"late share without days", `"late_share": 0.1, "late_days": [1, 5]`, `"late_share": 0.1, "late_days": [0, 0]`, "departments.default.late_days"},
	}
	tests = append(tests, struct{ name, from, to, field string }{"trailing brace", `"days": 5`, `"days": 5`, ""})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := string(base)
			if tt.name == "trailing brace" {
				src += "}"
			}
			if !strings.Contains(src, tt.from) {
				t.Fatalf("the scenario has no %q", tt.from)
			}
			_, err := Parse(strings.NewReader(strings.Replace(src, tt.from, tt.to, 1)))
			e := problem.As(err)
			if e == nil || e.Code != "simulation.scenario" {
				t.Fatalf("Parse = %v, want simulation.scenario", err)
			}
			if tt.field != "" && e.Fields[tt.field] == "" {
				t.Errorf("fields %v, want one for %s", e.Fields, tt.field)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range Shipped() {
		b, _ := shipped.ReadFile("scenarios/" + name + ".json")
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		// A scenario accepted reads back the same from its own JSON.
		again, err := json.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		sc2, err := Parse(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-parse of an accepted scenario: %v", err)
		}
		if b2, _ := json.Marshal(sc2); !bytes.Equal(again, b2) {
			t.Errorf("round trip changed the scenario:\n%s\n%s", again, b2)
		}
	})
}

// stress is a scenario with every kind of trouble, often: the test of the
// warning system at a small size.
const stress = `{
  "name": "stress", "title": "压力测试", "description": "测试用：各类问题高发",
  "departments": {"default": {"late_share": 0.3, "late_days": [1, 4], "fail_first_share": 0.2, "rectify_days": [2, 4], "answer_after_alert_days": [1, 1]},
    "basis": "测试"},
  "survey": {"return_share": 0.5, "fix_days": [2, 3], "basis": "测试"},
  "deed_tax": {"pay_days": [0, 2], "late_share": 0.1, "late_days": [40, 60], "pay_after_alert_days": [0, 0], "basis": "测试：迟缴者不理会督促"},
  "seals": {"per_thousand": 60, "basis": "测试"},
  "maintenance": {"forget_share": 1, "flats_share": 0.3, "pay_after_alert_days": [1, 2], "pay_after_handover_days": [3, 5], "basis": "测试"},
  "tax_interface_outage": {"days": 5, "basis": "测试"}
}`

// simulate plays a year on a fresh database of the test's engine.
func simulate(t *testing.T, scenario string, projects, flats int, seed uint64) *Report {
	t.Helper()
	sc, err := Parse(strings.NewReader(scenario))
	if err != nil {
		t.Fatal(err)
	}
	clock := demo.NewClock(func() time.Time { return storetest.DefaultTime })
	db := storetest.OpenWith(t, clock.Now)
	r, err := Run(context.Background(), db, Options{Scenario: sc, Projects: projects, Flats: flats, Seed: seed, Clock: clock.Set, Hash: cheap})
	if err != nil {
		t.Fatalf("simulate %s: %v", sc.Name, err)
	}
	return r
}

// The stress year, played twice from one seed: the same year both times,
// and every kind of miss classified as the warnings went.
func TestSimulatedYearUnderStress(t *testing.T) {
	r := simulate(t, stress, 2, 70, 7)
	again := simulate(t, stress, 2, 70, 7)
	t.Log(r.Headline())
	r.Seconds, again.Seconds = 0, 0
	ja, _ := json.Marshal(r)
	jb, _ := json.Marshal(again)
	if !bytes.Equal(ja, jb) {
		t.Errorf("the same seed played two different years:\n%s\n%s", ja, jb)
	}
	if r.HandedOver != 70 || r.Flats != 70 {
		t.Fatalf("handed over %d of %d flats, want 70 of 70", r.HandedOver, r.Flats)
	}
	if got := r.SameDay + len(r.Misses); got != r.HandedOver {
		t.Errorf("same day %d + misses %d = %d, want the %d handed over", r.SameDay, len(r.Misses), got, r.HandedOver)
	}
	sum := 0
	for _, n := range r.ByWarning {
		sum += n
	}
	if sum != len(r.Misses) {
		t.Errorf("misses by warning add to %d, want %d", sum, len(r.Misses))
	}
	var lateTax, sealed int
	for _, m := range r.Misses {
		if len(m.Reasons) == 0 {
			t.Errorf("miss %s %s without the batch's reasons", m.Project, m.Room)
		}
		for _, reason := range m.Reasons {
			// The developer pays the maintenance fund it forgot within two
			// days of the rehearsal's alert, ten days ahead: never a miss.
			if strings.Contains(reason, "维修资金") {
				t.Errorf("miss %s %s on the maintenance fund (%q): the alert came ten days ahead", m.Project, m.Room, reason)
			}
		}
		if m.LateTax && !m.Sealed {
			lateTax++
			// The tax bureau was told from the first rehearsal on.
			if m.Warning != MissWarned || m.Lead < WarnDays {
				t.Errorf("late-tax miss %s %s: warning %s lead %d, want warned at least %d days ahead (owners %+v)", m.Project, m.Room, m.Warning, m.Lead, WarnDays, m.Owners)
			}
		}
		if m.Sealed {
			sealed++
		}
	}
	if lateTax == 0 || sealed == 0 {
		t.Errorf("misses: %d on late tax, %d sealed; the stress scenario should bring both", lateTax, sealed)
	}
	if r.Certified == 0 || r.Median <= 0 || r.P90 < r.Median {
		t.Errorf("filing to certificate: %d certified, median %d, p90 %d", r.Certified, r.Median, r.P90)
	}
	raised := map[string]AlertTally{}
	for _, a := range r.Alerts {
		raised[a.Kind] = a
	}
	if a := raised["rehearsal_blocked"]; a.Raised == 0 || a.Noise == a.Raised {
		t.Errorf("rehearsal alerts %+v, want some raised that mattered", a)
	}
	if raised["acceptance_overdue"].Raised == 0 {
		t.Errorf("no overdue acceptance alert with 30%% of the departments late")
	}
	// The report's page lists every miss, row by row.
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	htmlcheck.Expect(t, "report.html", string(page),
		htmlcheck.Count("table#misses tbody tr", len(r.Misses)),
		htmlcheck.Count("table#target-list tbody tr", len(r.Targets)),
		htmlcheck.Count("table#county-list tbody tr", len(r.Counties)),
		htmlcheck.Count("svg.chart", 5))
	if len(r.Misses) > 0 {
		htmlcheck.Expect(t, "report.html", string(page), htmlcheck.In("table#misses tbody tr td", htmlcheck.HasText(r.Misses[0].Project)))
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.HandedOver != r.HandedOver || len(back.Misses) != len(r.Misses) {
		t.Errorf("report.json reads back %d handed over, %d misses (%v), want %d, %d", back.HandedOver, len(back.Misses), err, r.HandedOver, len(r.Misses))
	}
}

func TestOnTimeYearCertifiesEveryFlatOnTheDay(t *testing.T) {
	b, _ := shipped.ReadFile("scenarios/on-time.json")
	r := simulate(t, string(b), 2, 32, 3)
	if r.SameDay != 32 || len(r.Misses) != 0 {
		t.Errorf("on time: %d of %d certified on the day, misses %+v; want all 32", r.SameDay, r.HandedOver, r.Misses)
	}
	if failed := r.Failed(); len(failed) > 0 {
		t.Errorf("targets failed: %v", failed)
	}
	if r.P90 > 20 {
		t.Errorf("filing to certificate p90 %d working days, want within the reform's 20", r.P90)
	}
	// Nothing stood in the way: no alert of a delivery at risk or of the
	// 20-working-day clock (each handover within it), none for the
	// rehearsal to raise on the day.
	for _, a := range r.Alerts {
		if a.Kind == "delivery_at_risk" || a.Kind == "clock_running_out" || a.Noise > 0 {
			t.Errorf("on time, alerts %+v raised", a)
		}
	}
}
