package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// The rehearsal of a handover (交房预演) decides every flat as the batch
// would and writes nothing but its own record: an unpaid tax and a seal
// are named with who must act, the flats and the register are untouched,
// numbers are not spent. The batch on the day blocks exactly the flats
// the last rehearsal named; a seal recorded after the rehearsal blocks a
// flat the rehearsal did not name, and the comparison says so.
func TestRehearsalForeseesTheBatch(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	x.db.SQLForTest().Exec(`UPDATE deed_taxes SET paid_at = NULL WHERE contract_id = $1`, x.contracts[4].ID)
	seal := func(c int) {
		t.Helper()
		a := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.contracts[c].UnitID, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "执9号"}})
		a, _ = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
		if _, err := x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seal(5)
	snapshot := func() map[string]int {
		out := map[string]int{}
		for _, table := range []string{"applications", "services", "register_entries", "certificates", "outbox", "utility_requests", "number_pool"} {
			var n int
			if err := x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		var pending int
		x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM handover_units WHERE event_id = $1 AND state = 'pending' AND reasons = ''`, ev.ID).Scan(&pending)
		out["pending flats"] = pending
		return out
	}
	before := snapshot()
	r, err := x.db.RehearseHandover(ctx, x.dev, x.cal, ev.ID, x.keys)
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); !equalCounts(before, after) {
		t.Errorf("the rehearsal wrote: before %v, after %v", before, after)
	}
	if r.Total != len(x.contracts) || r.Blocked != 2 || r.Ready != len(x.contracts)-2 || len(r.Problems) != 0 {
		t.Fatalf("rehearsal: total %d ready %d blocked %d problems %q; want %d, %d, 2, none", r.Total, r.Ready, r.Blocked, r.Problems,
			len(x.contracts), len(x.contracts)-2)
	}
	why := map[int64]string{}
	for _, u := range r.Units {
		if len(u.Owners) != len(u.Reasons) {
			t.Errorf("unit %d: %d owners for %d reasons", u.UnitID, len(u.Owners), len(u.Reasons))
		}
		why[u.UnitID] = strings.Join(u.Reasons, "；")
	}
	if !strings.Contains(why[x.contracts[4].UnitID], "契税") || !strings.Contains(why[x.contracts[5].UnitID], "查封") {
		t.Errorf("the rehearsal's reasons: %v; want the unpaid tax and the seal", why)
	}
	var taxOwner bool
	for _, o := range r.Owners() {
		taxOwner = taxOwner || o.Party.Kind == identity.Tax && len(o.Units) == 1 && o.Units[0].UnitID == x.contracts[4].UnitID
	}
	if !taxOwner {
		t.Errorf("owners %+v: want the tax bureau owning the unpaid flat", r.Owners())
	}
	last, ok, err := x.db.LatestRehearsal(ctx, ev.ID, x.clock.Now().Add(1))
	if err != nil || !ok || last.ID != r.ID || len(last.Units) != 2 || last.Units[0].Room == "" || len(last.Units[0].Owners) == 0 {
		t.Errorf("the latest rehearsal read back: %+v %v %v", last, ok, err)
	}

	// Each party with flats waiting on it is warned, the tax bureau of
	// the unpaid tax.
	if _, err := x.db.EvaluateAlerts(ctx, x.cal); err != nil {
		t.Fatal(err)
	}
	alerts, err := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.RehearsalBlocked})
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, a := range alerts {
		if a.Kind == supervision.RehearsalBlocked {
			warned = append(warned, a.Message)
			if strings.Contains(a.Message, "税务") && a.OrgID != x.f.Orgs["652301/tax"].ID {
				t.Errorf("the tax alert is addressed to org %d, want the tax bureau %d", a.OrgID, x.f.Orgs["652301/tax"].ID)
			}
			// The court is not on the platform: the registration centre,
			// which recorded the seal, is told.
			if strings.Contains(a.Message, "法院") && a.OrgID != x.f.Orgs["652301/registry"].ID {
				t.Errorf("the seal's alert is addressed to org %d, want the registration centre %d", a.OrgID, x.f.Orgs["652301/registry"].ID)
			}
		}
	}
	if len(warned) != 2 || !strings.Contains(strings.Join(warned, "\n"), "契税") {
		t.Errorf("rehearsal alerts: %q; want one per party, the unpaid tax among them", warned)
	}
	// The nightly run does not rehearse again the same day; the next day
	// it does.
	if n, err := x.db.RehearseDue(ctx, x.cal, x.keys); err != nil || n != 0 {
		t.Errorf("nightly, the day of a rehearsal: %d (%v), want 0", n, err)
	}
	x.clock.Set(x.clock.Now().AddDate(0, 0, 1))
	if n, err := x.db.RehearseDue(ctx, x.cal, x.keys); err != nil || n != 1 {
		t.Errorf("nightly, the next day: %d (%v), want 1", n, err)
	}

	// After the rehearsal a third flat is sealed; the batch on the day
	// blocks the two the rehearsal named and the new one.
	x.clock.Set(x.clock.Now().Add(time.Hour))
	seal(3)
	ran, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil)
	if err != nil || ran.Blocked != 3 {
		t.Fatalf("the batch: %v, %d blocked; want 3", err, ran.Blocked)
	}
	cmp, err := x.db.RehearsalComparison(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Rehearsed || cmp.Rehearsal.ID == r.ID || cmp.Rehearsal.RunBy != 0 || len(cmp.Unforeseen) != 1 || cmp.Unforeseen[0].UnitID != x.contracts[3].UnitID ||
		!strings.Contains(strings.Join(cmp.Unforeseen[0].Reasons, ""), "查封") {
		t.Errorf("comparison: %+v; want the nightly rehearsal, and the one flat sealed after it unforeseen", cmp)
	}
	// A done batch with blocked flats is rehearsed again for those alone:
	// the tax paid since, the sealed two remain.
	x.clock.Set(x.clock.Now().Add(time.Hour))
	x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), x.contracts[4].ID, "补缴", "api")
	again, err := x.db.RehearseHandover(ctx, x.dev, x.cal, ev.ID, x.keys)
	if err != nil || again.Total != 3 || again.Blocked != 2 {
		t.Errorf("a rehearsal of the blocked flats left: total %d blocked %d (%v), want 3 and 2", again.Total, again.Blocked, err)
	}
	// The batch run again after the day certifies the tax-paid flat: it
	// still missed its certificate on the day, and the comparison, which
	// is of the day, still counts it, foreseen.
	x.clock.Set(time.Date(2026, 3, 23, 2, 0, 0, 0, time.UTC))
	if _, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatal(err)
	}
	if cmp, err := x.db.RehearsalComparison(ctx, ev.ID); err != nil || cmp.Blocked != 3 || cmp.Foreseen != 2 || len(cmp.Unforeseen) != 1 {
		t.Errorf("comparison after a rerun after the day: blocked %d, foreseen %d, unforeseen %d (%v); want 3, 2, 1", cmp.Blocked, cmp.Foreseen, len(cmp.Unforeseen), err)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// What keeps a whole batch from running is the rehearsal's finding, not
// its failure: with automatic review off the rehearsal is recorded with
// that problem. A batch running is not rehearsed beside it. A handover in
// a year whose holidays are not published yet is not due, and keeps
// neither the nightly run nor the alerts from the others.
func TestRehearsalEventWideProblems(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	schedule := func(held, notice string) int64 {
		t.Helper()
		ev, err := x.db.ScheduleHandover(ctx, x.dev, handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building},
			HeldOn: calendar.MustDate(held), Place: "售楼部", Mode: handover.OnSite, NoticeOn: calendar.MustDate(notice)})
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	id := schedule("2026-03-20", "2026-03-10")
	r, err := x.db.RehearseHandover(ctx, x.dev, x.cal, id, x.keys)
	if err != nil {
		t.Fatalf("a rehearsal with automatic review off: %v, want it recorded with the problem", err)
	}
	if len(r.Problems) == 0 || !strings.Contains(strings.Join(r.Problems, "；"), "自动审核") || r.Blocked != 0 {
		t.Errorf("problems %q, blocked %d; want automatic review named and no flat blamed", r.Problems, r.Blocked)
	}
	exec(t, x.db, `UPDATE handover_events SET state = 'running' WHERE id = $1`, id)
	if _, err := x.db.RehearseHandover(ctx, x.dev, x.cal, id, x.keys); problem.CodeOf(err) != "handover.running" {
		t.Errorf("a rehearsal beside the running batch: %v, want handover.running", err)
	}
	exec(t, x.db, `UPDATE handover_events SET state = 'done' WHERE id = $1`, id)

	// A later building's handover five years ahead, beyond any published
	// holiday notice.
	far := schedule("2031-06-02", "2031-05-02")
	if n, err := x.db.RehearseDue(ctx, x.cal, x.keys); err != nil || n != 0 {
		t.Errorf("nightly with a handover in 2031: %d rehearsed, %v; want none and no error", n, err)
	}
	if _, err := x.db.EvaluateAlerts(ctx, x.cal); err != nil {
		t.Errorf("alerts with a handover in 2031: %v", err)
	}
	if _, ok, _ := x.db.LatestRehearsal(ctx, far, time.Time{}); ok {
		t.Errorf("the handover in 2031 was rehearsed")
	}
}

// Flats are grouped by who must act: an organisation once, whatever its
// reasons add after its name; the buyers as one party, never by name.
func TestRehearsalOwners(t *testing.T) {
	dev := handover.Party{Kind: identity.Developer, OrgID: 7, Name: "天山房地产（代收）、买受人李霞"}
	r := store.Rehearsal{Units: []store.RehearsalUnit{
		{UnitID: 1, Owners: []handover.Party{dev}},
		{UnitID: 2, Owners: []handover.Party{{Kind: identity.Developer, OrgID: 7, Name: "天山房地产（代收）、买受人陈敏"}, {Kind: identity.Tax, OrgID: 9, Name: "税务局、买受人"}}},
		{UnitID: 3, Owners: []handover.Party{{Kind: identity.Individual, Name: "买受人李洋"}}},
		{UnitID: 4, Owners: []handover.Party{{Kind: identity.Individual, Name: "买受人王芳"}, {Kind: identity.Individual, Name: "买受人王芳"}}},
	}}
	var got []string
	for _, o := range r.Owners() {
		var units []string
		for _, u := range o.Units {
			units = append(units, fmt.Sprint(u.UnitID))
		}
		got = append(got, o.Party.Name+":"+strings.Join(units, ","))
	}
	if want := "天山房地产:1,2 买受人:3,4 税务局:2"; strings.Join(got, " ") != want {
		t.Errorf("owners: got %q, want %q", strings.Join(got, " "), want)
	}
}

// A flat whose maintenance fund was not paid is named by the rehearsal
// with the developer, who collects it, and the developer is told; the
// register is untouched.
func TestRehearsalNamesTheMaintenanceFund(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	unit := x.contracts[2].UnitID
	x.db.SQLForTest().Exec(`UPDATE accounting_items SET paid = 0, cleared_by = 0, cleared_at = NULL WHERE unit_id = $1 AND kind = 'maintenance'`, unit)
	var entries int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM register_entries`).Scan(&entries)
	r, err := x.db.RehearseHandover(ctx, x.dev, x.cal, ev.ID, x.keys)
	if err != nil {
		t.Fatal(err)
	}
	if r.Blocked != 1 || len(r.Units) != 1 || r.Units[0].UnitID != unit || !strings.Contains(strings.Join(r.Units[0].Reasons, ""), "维修资金") {
		t.Fatalf("rehearsal: %d blocked %+v; want the one flat, on its maintenance fund", r.Blocked, r.Units)
	}
	if o := r.Owners(); len(o) != 1 || o[0].Party.Kind != identity.Developer || o[0].Party.OrgID != x.dev.OrgID {
		t.Errorf("owners %+v; want the developer (org %d)", o, x.dev.OrgID)
	}
	var after int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM register_entries`).Scan(&after)
	if after != entries {
		t.Errorf("register entries %d after the rehearsal, want %d", after, entries)
	}
	if _, err := x.db.EvaluateAlerts(ctx, x.cal); err != nil {
		t.Fatal(err)
	}
	alerts, err := x.db.Alerts(ctx, store.AlertQuery{Filter: access.Filter{All: true}, Kind: supervision.RehearsalBlocked})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].OrgID != x.dev.OrgID || !strings.Contains(alerts[0].Message, "维修资金") {
		t.Errorf("rehearsal alerts %+v; want one, to the developer (org %d), naming the fund", alerts, x.dev.OrgID)
	}
}
