package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/handover"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// record takes an application and has it reviewed and recorded by the
// fixture's clerks.
func (x *registrationFixture) record(t *testing.T, services ...store.ServiceInput) (registry.Application, error) {
	t.Helper()
	a := x.apply(t, services...)
	a, err := x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
	if err != nil {
		return a, err
	}
	return x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{})
}

// registerSale records the developer's first registration of a sold
// flat and its buyers' transfer, in one application.
func (x *registrationFixture) registerSale(t *testing.T, c presale.Contract) registry.Application {
	t.Helper()
	a, err := x.record(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	if err != nil {
		t.Fatalf("first registration and transfer of unit %d: %v", c.UnitID, err)
	}
	return a
}

// seal records a court seal on a unit.
func (x *registrationFixture) seal(t *testing.T, unit int64) {
	t.Helper()
	if _, err := x.record(t, store.ServiceInput{Kind: registry.SealReg, UnitID: unit,
		Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "（2026）新2301执12号"}}); err != nil {
		t.Fatalf("seal: %v", err)
	}
}

// stateOf reads a unit's state from the 楼盘表 (the grid the pages show).
func (x *registrationFixture) stateOf(t *testing.T, unit int64) ledger.State {
	t.Helper()
	tab, err := x.db.BuildingTable(context.Background(), x.building)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			if c.Unit.ID == unit {
				return c.State
			}
		}
	}
	t.Fatalf("unit %d not in the table", unit)
	return ""
}

// A flat under a seal in the register book cannot be sold: neither a new
// contract nor the filing (with its pre-notice) of one signed before the
// seal; and the 楼盘表 shows it as 限制.
func TestSealedUnitCannotBeSold(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	unsold, signedFirst := x.saleFixture.units[6], x.saleFixture.units[7]
	signed := x.sign(t, x.input(signedFirst))
	x.seal(t, unsold)
	x.seal(t, signedFirst)
	for _, u := range []int64{unsold, signedFirst} {
		if got := x.stateOf(t, u); got != ledger.Restricted {
			t.Errorf("sealed unit %d shows %s, want %s", u, got, ledger.Restricted)
		}
	}
	if _, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, x.input(unsold)); !slices.Contains(rulesOf(err), "contract.unit_sealed") {
		t.Errorf("drafting a contract on a sealed unit: got %v (rules %v), want contract.unit_sealed", err, rulesOf(err))
	}
	if _, err := x.db.FileContract(ctx, x.dev, signed.ID); !slices.Contains(rulesOf(err), "contract.unit_sealed") {
		t.Errorf("filing a contract on a sealed unit: got %v, want contract.unit_sealed", err)
	}
	book, _ := x.db.UnitBook(ctx, signedFirst)
	if n := len(registry.Live(book, registry.PreNotice)); n != 0 {
		t.Errorf("pre-notices on the sealed unit: got %d, want 0", n)
	}
}

// The 楼盘表 follows the register book: a transferred flat is 已登记, a
// mortgaged one 已抵押, a filed one with its pre-notice 已预告; the legend
// counts them.
func TestTableShowsTheRegister(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	transferred, mortgaged, prenoticed := x.contracts[1], x.contracts[2], x.contracts[3]
	if _, err := x.record(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building}); err != nil {
		t.Fatalf("first registration: %v", err)
	}
	if _, err := x.record(t, store.ServiceInput{Kind: registry.Transfer, UnitID: transferred.UnitID}); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if _, err := x.record(t, store.ServiceInput{Kind: registry.Transfer, UnitID: mortgaged.UnitID}); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	bank := x.f.Orgs["652301/bank"].ID
	if _, err := x.record(t, store.ServiceInput{Kind: registry.MortgageReg, UnitID: mortgaged.UnitID,
		Details: map[string]string{"bank": fmt.Sprint(bank), "amount": "300000", "term_start": "2026-03-20", "term_end": "2046-03-20"}}); err != nil {
		t.Fatalf("mortgage: %v", err)
	}
	tests := []struct {
		unit int64
		want ledger.State
	}{
		{transferred.UnitID, ledger.Registered},
		{mortgaged.UnitID, ledger.Mortgaged},
		{prenoticed.UnitID, ledger.PreNoticed},
		{x.saleFixture.units[8], ledger.Available},
	}
	for _, tt := range tests {
		if got := x.stateOf(t, tt.unit); got != tt.want {
			t.Errorf("unit %d: got %s, want %s", tt.unit, got, tt.want)
		}
		st, err := x.db.UnitStatus(ctx, tt.unit)
		if err != nil || st.State() != tt.want {
			t.Errorf("UnitStatus(%d) = %s, %v; want %s", tt.unit, st.State(), err, tt.want)
		}
	}
	tab, _ := x.db.BuildingTable(ctx, x.building)
	if tab.Counts[ledger.Registered] != 1 || tab.Counts[ledger.Mortgaged] != 1 {
		t.Errorf("legend counts %v: want 1 已登记 and 1 已抵押", tab.Counts)
	}
}

// A correction supersedes the corrected entry's certificate: it is 注销 on
// the public verification, and the corrected right has a new one.
func TestCorrectionCancelsTheCertificate(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[1]
	a := x.registerSale(t, c)
	if _, err := x.step(t, x.recorder, a, registry.StepCertify, store.StepOptions{}); err != nil {
		t.Fatalf("certify: %v", err)
	}
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	if len(certs) != 1 {
		t.Fatalf("certificates before the correction: %d", len(certs))
	}
	old := certs[0]
	book, _ := x.db.UnitBook(ctx, c.UnitID)
	owner := registry.Live(book, registry.Ownership)[0]
	fix, err := x.record(t, store.ServiceInput{Kind: registry.Correct, UnitID: c.UnitID, EntryID: owner.ID, Details: map[string]string{"reason": "姓名录入错误"}})
	if err != nil {
		t.Fatalf("correction: %v", err)
	}
	if v, _ := x.db.Verify(ctx, old.LicenceID); v.State != "注销" {
		t.Errorf("the superseded certificate verifies as %q, want 注销", v.State)
	}
	if _, err := x.step(t, x.recorder, fix, registry.StepCertify, store.StepOptions{}); err != nil {
		t.Fatalf("certify the correction: %v", err)
	}
	certs, _ = x.db.CertificatesOfUnit(ctx, c.UnitID)
	live := 0
	for _, cert := range certs {
		if cert.State == "live" {
			live++
			if cert.Number == old.Number {
				t.Errorf("the new certificate reuses number %s", cert.Number)
			}
		}
	}
	if live != 1 {
		t.Errorf("live certificates after the correction: got %d, want 1", live)
	}
	if st, _ := x.db.UnitStatus(ctx, c.UnitID); st.State() != ledger.Registered || !st.Certified {
		t.Errorf("after the correction: state %s certified %v, want 已登记 and certified", st.State(), st.Certified)
	}
	// The public verification reads the unit's restrictions from the same
	// state: a seal recorded later shows on the live certificate.
	x.seal(t, c.UnitID)
	for _, cert := range certs {
		if cert.State != "live" {
			continue
		}
		if v, _ := x.db.Verify(ctx, cert.LicenceID); !v.Sealed || !slices.Contains(v.StatusLabels(), "已查封") {
			t.Errorf("verification of the sealed flat's certificate: %+v, want 已查封", v.StatusLabels())
		}
	}
}

// A seal on one flat keeps only that flat waiting: the building's first
// registration records every other unit, and another flat's combined
// first registration and transfer goes through.
func TestSealBlocksOnlyItsUnit(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	sealed, other := x.contracts[4].UnitID, x.contracts[1]
	x.seal(t, sealed)
	if _, err := x.record(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building}); err != nil {
		t.Fatalf("the building's first registration with one sealed unit: %v", err)
	}
	for _, u := range x.units {
		book, _ := x.db.UnitBook(ctx, u.ID)
		got := len(registry.Live(book, registry.Ownership))
		want := 1
		if u.ID == sealed {
			want = 0
		}
		if got != want {
			t.Errorf("unit %d: %d live ownerships, want %d", u.ID, got, want)
		}
	}
	if _, err := x.record(t, store.ServiceInput{Kind: registry.Transfer, UnitID: other.UnitID}); err != nil {
		t.Errorf("another flat's transfer: %v", err)
	}
	if _, err := x.record(t, store.ServiceInput{Kind: registry.First, UnitID: sealed}); !strings.Contains(fmt.Sprint(rulesOf(err)), "first.sealed") {
		t.Errorf("the sealed flat's own first registration: got %v, want first.sealed", err)
	}
}

// Once recorded, an application lists no blocks: the rules it satisfied
// are not shown as still missing.
func TestRecordedApplicationListsNoBlocks(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[1]
	a := x.registerSale(t, c)
	if blocks, err := x.db.ApplicationBlocks(ctx, a.ID); err != nil || len(blocks) != 0 {
		t.Errorf("blocks of a recorded application: %v %+v, want none", err, blocks)
	}
}

// One open application per unit and matter; the recorder is not the
// reviewer unless the jurisdiction says so.
func TestOneOpenApplicationAndSeparateRecorder(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[1]
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	_, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants("张伟"),
		Services: []store.ServiceInput{{Kind: registry.Transfer, UnitID: c.UnitID}}})
	if e := problem.As(err); e.Code != "application.duplicate" || len(e.Reasons) != 1 || !strings.Contains(e.Reasons[0].Message, a.Number) {
		t.Errorf("a second transfer application: got %v, want application.duplicate naming %s", err, a.Number)
	}
	if a, err = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.step(t, x.reviewer, a, registry.StepRecord, store.StepOptions{}); problem.As(err).Code != "registration.segregation" {
		t.Errorf("the reviewer records: got %v, want registration.segregation", err)
	}
	if err := x.db.PutSetting(ctx, audit.System(), "652301", registry.SettingSeparateRecorder, "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.step(t, x.reviewer, a, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Errorf("the reviewer records where the jurisdiction allows it: %v", err)
	}
}

// signedProject creates a synthetic project of dev1 in 昌吉市 from s (its
// name, parcel, land certificate and plan) and signs a contract for every
// flat in bulk, three days before the test clock starts. It returns the
// project, its units and their contracts, in unit order.
func signedProject(t *testing.T, db *store.DB, f *demo.Foundation, s demo.Synthetic) (p ledger.Project, units, contracts []int64) {
	t.Helper()
	ctx := context.Background()
	s.Jurisdiction, s.Developer, s.Delivery = "652301", "dev1", calendar.MustDate("2027-12-31")
	p, err := demo.SyntheticProject(ctx, db, f, s)
	if err != nil {
		t.Fatal(err)
	}
	units = projectUnitIDs(t, db, p.ID)
	tx, err := db.SQLForTest().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	contracts, err = demo.SignInBulk(ctx, db, tx, p, f, units, storetest.DefaultTime.Add(-72*time.Hour))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return p, units, contracts
}

// newVolumeFixture is a filed synthetic project of n sold flats (contracts
// signed, deed tax paid, maintenance fund paid) with the authority's key.
func newVolumeFixture(t *testing.T, floors int) (*store.DB, *demo.Foundation, *calendar.Calendar, []int64, *certificate.Keyring) {
	t.Helper()
	db, _ := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	p, units, contracts := signedProject(t, db, f, demo.Synthetic{Name: "并发登簿", Parcel: "652301009002GB00077",
		LandCertNo: "新(2024)昌吉市不动产权第0000077号", Plan: []demo.BuildingPlan{{Number: 1, Floors: floors, Sections: 1, PerSection: 4, Ratio: "0.190000"}}})
	for _, c := range contracts {
		if _, err := db.FileContract(ctx, actor(f, "kaifa"), c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := demo.CompleteProject(ctx, db, f, p, contracts, calendar.DateOf(storetest.DefaultTime), nil); err != nil {
		t.Fatal(err)
	}
	k, err := certificate.NewKey("昌吉市不动产登记中心", f.Orgs["652301/registry"].USCC, []byte(passphrase), storetest.DefaultTime)
	if err != nil {
		t.Fatal(err)
	}
	k.Jurisdiction = "652301"
	if _, err := db.PutKey(ctx, audit.System(), k); err != nil {
		t.Fatal(err)
	}
	keys, err := db.UnlockKeys(ctx, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return db, f, cal, units, keys
}

// scheduleVolumeHandover turns on the automatic review of the batch's
// matters and schedules the handover of unit's building 12 days after the
// fixture's day.
func scheduleVolumeHandover(t *testing.T, db *store.DB, f *demo.Foundation, unit int64) handover.Event {
	t.Helper()
	ctx := context.Background()
	if err := db.PutSetting(ctx, audit.System(), "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		t.Fatal(err)
	}
	ref, _ := db.Unit(ctx, unit)
	today := calendar.DateOf(storetest.DefaultTime)
	ev, err := db.ScheduleHandover(ctx, actor(f, "kaifa"), handover.Event{ProjectID: ref.Project.ID, Buildings: []int64{ref.Unit.BuildingID},
		HeldOn: today.AddDays(12), Place: "售楼部", Mode: handover.OnSite, NoticeOn: today})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Eight recorders race on each of 100 flats, each with its own accepted
// and reviewed application for the same transfer (the unique index that
// refuses such duplicates at 受理 is dropped first, as if they had been
// taken before it existed): every flat ends with exactly one transfer and
// one certificate number. On PostgreSQL this is the per-unit lock at work;
// SQLite's single writer serialises the recorders anyway.
func TestConcurrentRecordingRegistersOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("volume test")
	}
	const racers = 8
	db, f, cal, units, keys := newVolumeFixture(t, 25) // 100 flats
	ctx := context.Background()
	if len(units) != 100 {
		t.Fatalf("flats: got %d, want 100", len(units))
	}
	if _, err := db.SQLForTest().ExecContext(ctx, `DROP INDEX services_open`); err != nil {
		t.Fatal(err)
	}
	acceptor, reviewer, recorder := actor(f, "shouli"), actor(f, "shenhe"), actor(f, "dengbu")
	// A first registration of the building, then 8 transfer applications per flat.
	registerBuildingOf(t, db, f, cal, keys, units[0])
	// One reviewed transfer application per flat, copied 7 times as rows:
	// the store itself refuses to take a second one.
	var apps []int64
	raw := db.SQLForTest()
	for _, u := range units {
		a, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
			Services: []store.ServiceInput{{Kind: registry.Transfer, UnitID: u}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Step(ctx, reviewer, a.ID, registry.StepReview, store.StepOptions{}, keys); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a.ID)
		for i := 1; i < racers; i++ {
			var id int64
			if err := raw.QueryRowContext(ctx, `INSERT INTO applications (number, jurisdiction, project_id, applicants, agent, source, state, created_by, created_at)
				SELECT number || '-' || CAST($2 AS TEXT), jurisdiction, project_id, '["买受人"]', agent, source, state, created_by, created_at
				FROM applications WHERE id = $1 RETURNING id`, a.ID, fmt.Sprint(i)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.ExecContext(ctx, `INSERT INTO services (application_id, seq, kind, unit_id, building_id, contract_id, entry_id, state, fee,
				due_on, auto_review, details, return_reason, accepted_by, reviewed_by, reviewed2_by) SELECT $2, seq, kind, unit_id, building_id, contract_id,
				entry_id, state, fee, due_on, auto_review, '', return_reason, accepted_by, reviewed_by, reviewed2_by FROM services
				WHERE application_id = $1`, a.ID, id); err != nil {
				t.Fatal(err)
			}
			apps = append(apps, id)
		}
	}
	var wg sync.WaitGroup
	work := make(chan int64)
	var mu sync.Mutex
	refused := map[string]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				_, err := db.Step(ctx, recorder, id, registry.StepRecord, store.StepOptions{}, keys)
				mu.Lock()
				if err != nil {
					code := problem.As(err).Code
					for _, r := range problem.As(err).Reasons {
						code += "/" + r.Rule
					}
					refused[code]++
				}
				mu.Unlock()
			}
		}()
	}
	// The racers of one flat are handed out together, so that the 16
	// workers record the 8 applications of two flats at the same moment.
	for _, id := range apps {
		work <- id
	}
	close(work)
	wg.Wait()
	// Every loser is refused by the rules, having seen the winner's entry:
	// none reaches the unique indexes behind them.
	for code := range refused {
		if code != "registration.blocked/transfer.done" {
			t.Errorf("a racer failed with %s (%d times), want only registration.blocked/transfer.done", code, refused[code])
		}
	}
	if got, want := refused["registration.blocked/transfer.done"], len(units)*(racers-1); got != want {
		t.Errorf("refused recorders: got %d, want %d", got, want)
	}
	rows, err := db.SQLForTest().QueryContext(ctx, `SELECT unit_id, COUNT(*), COUNT(DISTINCT cert_no) FROM register_entries
		WHERE kind = 'ownership' AND reg_type = 200 GROUP BY unit_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var unit, n, certs int64
		rows.Scan(&unit, &n, &certs)
		seen++
		if n != 1 || certs != 1 {
			t.Errorf("unit %d: %d transfers with %d certificate numbers, want 1 and 1", unit, n, certs)
		}
	}
	if seen != len(units) {
		t.Errorf("flats transferred: got %d, want %d", seen, len(units))
	}
	var owners int
	db.SQLForTest().QueryRowContext(ctx, `SELECT COUNT(*) FROM register_entries e WHERE e.kind = 'ownership'
		AND NOT EXISTS (SELECT 1 FROM register_entries x WHERE x.ends_entry = e.id)`).Scan(&owners)
	if owners != len(units) {
		t.Errorf("live ownerships: got %d, want one per flat (%d)", owners, len(units))
	}
}

// The batch handover reports what is true: a flat already registered to
// its buyers at the counter is handed over with its certificate, not
// blocked for false reasons; a flat whose maintenance fund is unpaid is
// blocked; a second open event for the same building is refused; the
// event counts its same-day certificates as the dashboard does.
func TestBatchHandoverReportsTruly(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	counter, unpaid := x.contracts[1], x.contracts[2]
	a := x.registerSale(t, counter)
	if _, err := x.step(t, x.recorder, a, registry.StepCertify, store.StepOptions{}); err != nil {
		t.Fatalf("certify: %v", err)
	}
	exec(t, x.db, `UPDATE accounting_items SET paid = 0, cleared_at = NULL, cleared_by = 0 WHERE unit_id = $1 AND kind = 'maintenance'`, unpaid.UnitID)
	exec(t, x.db, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ('652301', 'registration.auto_review', 'first,transfer,mortgage', 0, $1)`, x.clock.Now())
	ev := handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building}, HeldOn: calendar.MustDate("2026-03-20"), Place: "售楼部",
		Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-03-10")}
	ev, err := x.db.ScheduleHandover(ctx, x.dev, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ScheduleHandover(ctx, x.dev, ev); !slices.Contains(rulesOf(err), "handover.overlap") {
		t.Errorf("a second event for the same building: got %v, want handover.overlap", err)
	}
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatal(err)
	}
	units, _ := x.db.HandoverUnits(ctx, ev.ID)
	for _, u := range units {
		reasons := strings.Join(u.Reasons, "；")
		switch u.UnitID {
		case counter.UnitID:
			if u.State != handover.HandedOver {
				t.Errorf("the flat registered at the counter: %s (%s), want handed over", u.State, reasons)
			}
		case unpaid.UnitID:
			if u.State != handover.UnitBlocked || !strings.Contains(reasons, "维修资金") {
				t.Errorf("the flat without its maintenance fund: %s (%s), want blocked for 维修资金", u.State, reasons)
			}
		default:
			if u.State != handover.HandedOver {
				t.Errorf("unit %d: %s (%s), want handed over", u.UnitID, u.State, reasons)
			}
		}
	}
	if ev.Done != len(x.contracts)-1 || ev.Blocked != 1 {
		t.Errorf("done %d blocked %d, want %d and 1", ev.Done, ev.Blocked, len(x.contracts)-1)
	}
	if got, _ := x.db.HandoverEvent(ctx, ev.ID); got.SameDay != ev.Done {
		t.Errorf("the event's same-day count: got %d, want %d", got.SameDay, ev.Done)
	}
	if st, _ := x.db.UnitStatus(ctx, unpaid.UnitID); st.HandedOver {
		t.Errorf("the flat without its maintenance fund reads as handed over")
	}
}

// A seal is taken to be done the same day, and rests on the court's
// documents only; a transfer's materials name the deed tax once it is
// paid (before: always, paid or not), and a payment after 受理 is added to
// the open application.
func TestSealIsImmediateAndMaterialsFollowTheFacts(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	seal := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.saleFixture.units[9],
		Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "（2026）新2301执3号", "term_end": "2029-03-09"}})
	if got, want := seal.Services[0].DueOn, calendar.DateOf(x.clock.Now()); got != want {
		t.Errorf("seal due %s, want the day it is taken (%s)", got, want)
	}
	if ms, _ := x.db.ApplicationMaterials(ctx, seal.ID); len(ms) != 0 {
		t.Errorf("a seal's materials: %v, want none of the sale's or the building's", ms)
	}
	if _, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants("昌吉市人民法院"),
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: x.saleFixture.units[10],
			Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "执4号", "term_end": "2020-01-01"}}}}); problem.As(err).Fields["services[0].term_end"] == "" {
		t.Errorf("a seal whose term has run out: got %v, want term_end refused", err)
	}
	c := x.contracts[1]
	exec(t, x.db, `UPDATE deed_taxes SET paid_at = NULL WHERE contract_id = $1`, c.ID)
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	has := func() bool {
		ms, _ := x.db.ApplicationMaterials(ctx, a.ID)
		return slices.ContainsFunc(ms, func(m [3]string) bool { return m[0] == "deed_tax" })
	}
	if has() {
		t.Errorf("the deed tax is listed as held before it is paid")
	}
	if _, err := x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), c.ID, "完税补缴", "api"); err != nil {
		t.Fatal(err)
	}
	if !has() {
		t.Errorf("the deed tax paid after 受理 is not listed as held")
	}
}

// A filing and a court seal of the same flat at the same moment: the
// flat's lock serves them one after the other, so a pre-notice is never
// registered on a flat already sealed (the filing that comes second is
// refused) — on PostgreSQL with real concurrency, on SQLite trivially.
func TestFilingRacesSeal(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	cal, err := x.db.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acceptor, reviewer, recorder := actor(x.f, "shouli"), actor(x.f, "shenhe"), actor(x.f, "dengbu")
	type pair struct {
		contract presale.Contract
		seal     int64
	}
	var pairs []pair
	for i, u := range x.units {
		in := x.input(u)
		in.Buyers[0].IDNumber = buyerIDs[i%len(buyerIDs)]
		c := x.sign(t, in)
		a, err := x.db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: storetest.Applicants("昌吉市人民法院"),
			Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: u, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": fmt.Sprint("执", i)}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.db.Step(ctx, reviewer, a.ID, registry.StepReview, store.StepOptions{}, nil); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, pair{c, a.ID})
	}
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			x.db.FileContract(ctx, x.dev, p.contract.ID) // refused when the seal came first
		}()
		go func() {
			defer wg.Done()
			if _, err := x.db.Step(ctx, recorder, p.seal, registry.StepRecord, store.StepOptions{}, nil); err != nil {
				t.Errorf("the seal of unit %d: %v", p.contract.UnitID, err)
			}
		}()
	}
	wg.Wait()
	for _, p := range pairs {
		book, _ := x.db.UnitBook(ctx, p.contract.UnitID)
		var sealAt, preAt int64
		for _, e := range book {
			switch {
			case e.Kind == registry.Seal && sealAt == 0:
				sealAt = e.ID
			case e.Kind == registry.PreNotice && preAt == 0:
				preAt = e.ID
			}
		}
		if sealAt == 0 {
			t.Errorf("unit %d: no seal recorded", p.contract.UnitID)
		}
		if preAt != 0 && preAt > sealAt {
			t.Errorf("unit %d: a pre-notice (entry %d) registered after the seal (entry %d)", p.contract.UnitID, preAt, sealAt)
		}
	}
}

// A flat whose transfer is open at the counter waits in the batch, named
// with the counter's application, instead of stopping the batch or being
// registered twice.
func TestBatchLeavesACounterApplicationAlone(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	counter := x.contracts[1]
	open := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: counter.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: counter.UnitID})
	exec(t, x.db, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ('652301', 'registration.auto_review', 'first,transfer,mortgage', 0, $1)`, x.clock.Now())
	ev, err := x.db.ScheduleHandover(ctx, x.dev, handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building}, HeldOn: calendar.MustDate("2026-03-20"),
		Place: "售楼部", Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-03-10")})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatalf("the batch: %v", err)
	}
	if ev.Done != len(x.contracts)-1 || ev.Blocked != 1 {
		t.Errorf("done %d blocked %d, want %d and 1", ev.Done, ev.Blocked, len(x.contracts)-1)
	}
	units, _ := x.db.HandoverUnits(ctx, ev.ID)
	for _, u := range units {
		if u.UnitID == counter.UnitID && (u.State != handover.UnitBlocked || !strings.Contains(strings.Join(u.Reasons, ""), open.Number)) {
			t.Errorf("the flat with a counter application: %s %v, want blocked naming %s", u.State, u.Reasons, open.Number)
		}
	}
}

// A loan flat whose transfer was recorded at the counter without the
// bank's mortgage is not handed over by the batch as if done: the 预抵押
// still waits to convert, and the flat is blocked saying so. The flats
// the batch registers itself get their mortgages in the same application.
func TestBatchWantsTheLoanMortgage(t *testing.T) {
	db, f, cal, units, keys := newVolumeFixture(t, 1) // 4 flats, all with loans
	ctx := context.Background()
	acceptor, reviewer, recorder := actor(f, "shouli"), actor(f, "shenhe"), actor(f, "dengbu")
	a, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
		Services: []store.ServiceInput{{Kind: registry.First, UnitID: units[0]}, {Kind: registry.Transfer, UnitID: units[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		who  audit.Actor
		step registry.Step
	}{{reviewer, registry.StepReview}, {recorder, registry.StepRecord}} {
		if a, err = db.Step(ctx, step.who, a.ID, step.step, store.StepOptions{}, keys); err != nil {
			t.Fatal(err)
		}
	}
	ev := scheduleVolumeHandover(t, db, f, units[0])
	if ev, err = db.RunHandover(ctx, actor(f, "kaifa"), cal, ev.ID, keys, nil); err != nil {
		t.Fatal(err)
	}
	outcomes, _ := db.HandoverUnits(ctx, ev.ID)
	for _, o := range outcomes {
		st, _ := db.UnitStatus(ctx, o.UnitID)
		switch {
		case o.UnitID == units[0]:
			if o.State != handover.UnitBlocked || !strings.Contains(strings.Join(o.Reasons, ""), "抵押权") {
				t.Errorf("the counter flat: %s %v, want blocked for the mortgage", o.State, o.Reasons)
			}
		case o.State != handover.HandedOver || !st.Register.Mortgaged || st.Register.PreMortgage:
			t.Errorf("unit %d: %s, mortgaged %v, pre-mortgage %v; want handed over with the mortgage converted", o.UnitID, o.State,
				st.Register.Mortgaged, st.Register.PreMortgage)
		}
	}
}

// A unit's first registration and its building's are one matter: while
// one is open the other is not taken.
func TestFirstRegistrationOfUnitAndBuildingTakenOnce(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	unit := x.contracts[1].UnitID
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: unit})
	take := func(s store.ServiceInput) error {
		_, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants("开发企业"), Services: []store.ServiceInput{s}})
		return err
	}
	if err := take(store.ServiceInput{Kind: registry.First, BuildingID: x.building}); problem.As(err).Code != "application.duplicate" ||
		!strings.Contains(problem.As(err).Reasons[0].Message, a.Number) {
		t.Errorf("the building's first registration while a unit's is open: got %v, want application.duplicate naming %s", err, a.Number)
	}
	if err := take(store.ServiceInput{Kind: registry.First, UnitID: x.contracts[2].UnitID}); err != nil {
		t.Errorf("another unit's first registration: %v", err)
	}
	if err := take(store.ServiceInput{Kind: registry.First, UnitID: unit}); problem.As(err).Code != "application.duplicate" {
		t.Errorf("the unit's first registration twice: got %v, want application.duplicate", err)
	}
	if _, err := x.step(t, x.acceptor, a, registry.StepWithdraw, store.StepOptions{Reason: "改为整幢申请"}); err != nil {
		t.Fatal(err)
	}
	if err := take(store.ServiceInput{Kind: registry.First, BuildingID: x.building}); problem.As(err).Code != "application.duplicate" {
		t.Errorf("the building's while another unit's is open: got %v, want application.duplicate", err)
	}
	// A unit's check reads the open registrations by the unique index,
	// not every unit of the building (a batch checks each of its flats).
	wantSQLitePlan(t, x.db, "a unit's check", x.db.OpenFirstPlanForTest, "services_open", "units")
}

// wantSQLitePlan checks SQLite's plan of a statement (what): it names
// use and not avoid. PostgreSQL's plans depend on its statistics, so on
// PostgreSQL it checks nothing.
func wantSQLitePlan(t *testing.T, db *store.DB, what string, plan func(context.Context) (string, error), use, avoid string) {
	t.Helper()
	if db.Engine() != store.SQLite {
		return
	}
	got, err := plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, use) || strings.Contains(got, avoid) {
		t.Errorf("plan of %s = %q, want %s and no %s", what, got, use, avoid)
	}
}

// While a building's first registration is open, none of its units' is
// taken.
func TestUnitFirstRegistrationWaitsForTheBuildings(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	b := x.apply(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building})
	for _, c := range x.contracts[:2] {
		_, err := x.db.CreateApplication(ctx, x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants("开发企业"),
			Services: []store.ServiceInput{{Kind: registry.First, UnitID: c.UnitID}}})
		if problem.As(err).Code != "application.duplicate" || !strings.Contains(problem.As(err).Reasons[0].Message, b.Number) {
			t.Errorf("unit %d's first registration while the building's is open: got %v, want application.duplicate naming %s", c.UnitID, err, b.Number)
		}
	}
}

// A seal with a term restrains the flat until the term runs out: the
// 楼盘表 shows 限制 and a contract is refused before, and after it the flat
// is 未售 again and may be sold, the lapsed seal still in the book.
func TestSealLapsesAtItsTerm(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	unit := x.saleFixture.units[8]
	end := calendar.DateOf(x.clock.Now()).AddDays(5)
	if _, err := x.record(t, store.ServiceInput{Kind: registry.SealReg, UnitID: unit,
		Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "（2026）新2301执保9号", "term_end": end.String()}}); err != nil {
		t.Fatal(err)
	}
	if got := x.stateOf(t, unit); got != ledger.Restricted {
		t.Fatalf("within the term: %s, want 限制", got)
	}
	if _, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, x.input(unit)); !slices.Contains(rulesOf(err), "contract.unit_sealed") {
		t.Errorf("a contract within the term: %v, want contract.unit_sealed", err)
	}
	if _, sealed, err := x.db.RestrictionsForTest(ctx, unit); err != nil || !sealed {
		t.Errorf("verification within the term: sealed %v, %v; want sealed", sealed, err)
	}
	x.clock.Advance(6 * 24 * time.Hour)
	if got := x.stateOf(t, unit); got != ledger.Available {
		t.Errorf("after the term: %s, want 未售", got)
	}
	if _, sealed, err := x.db.RestrictionsForTest(ctx, unit); err != nil || sealed {
		t.Errorf("verification after the term: sealed %v, %v; want not sealed", sealed, err)
	}
	if _, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, x.input(unit)); err != nil {
		t.Errorf("a contract after the term: %v", err)
	}
	book, _ := x.db.UnitBook(ctx, unit)
	if len(registry.Live(book, registry.Seal)) != 1 {
		t.Errorf("the lapsed seal's entry left the book")
	}
}

// A transaction that takes applications as the batch does (their services
// queued, with ids reserved) and as the counter does (each service
// inserted at once) gives every service an id of its own, and writes each
// as taken: a batch's application taken after a counter's does not reuse
// the id the counter's took.
func TestServicesQueuedAndInsertedTakeTheirOwnIDs(t *testing.T) {
	db, f, cal, units, keys := newVolumeFixture(t, 2)
	ctx := context.Background()
	acceptor := actor(f, "shouli")
	registerBuildingOf(t, db, f, cal, keys, units[0])
	batch := []bool{true, false, true, false}
	var ins []store.ApplicationInput
	for i := range batch {
		ins = append(ins, store.ApplicationInput{Applicants: storetest.Applicants("买受人"),
			Services: []store.ServiceInput{{Kind: registry.Transfer, UnitID: units[i]}}})
	}
	apps, err := db.TakeForTest(ctx, acceptor, cal, ins, batch)
	if err != nil {
		t.Fatalf("taking %v in one transaction: %v", batch, err)
	}
	seen := map[int64]bool{}
	for i, a := range apps {
		got, err := db.Application(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Services) != 1 || got.Services[0].ID != a.Services[0].ID || got.Services[0].UnitID != units[i] ||
			got.Services[0].State != registry.Accepted || got.Services[0].AcceptedBy != acceptor.UserID {
			t.Errorf("application %d (batch %v): got %+v, want its one service %d of unit %d, accepted by %d",
				i, batch[i], got.Services, a.Services[0].ID, units[i], acceptor.UserID)
		}
		if id := a.Services[0].ID; seen[id] {
			t.Errorf("service id %d given twice", id)
		} else {
			seen[id] = true
		}
	}
}

// registerBuildingOf records the first registration of unit's building at
// the counter: taken, reviewed and recorded.
func registerBuildingOf(t *testing.T, db *store.DB, f *demo.Foundation, cal *calendar.Calendar, keys *certificate.Keyring, unit int64) {
	t.Helper()
	ctx := context.Background()
	var building int64
	db.SQLForTest().QueryRowContext(ctx, `SELECT building_id FROM units WHERE id = $1`, unit).Scan(&building)
	first, err := db.CreateApplication(ctx, actor(f, "shouli"), cal, store.ApplicationInput{Applicants: storetest.Applicants("开发企业"),
		Services: []store.ServiceInput{{Kind: registry.First, BuildingID: building}}})
	if err != nil {
		t.Fatal(err)
	}
	if first, err = db.Step(ctx, actor(f, "shenhe"), first.ID, registry.StepReview, store.StepOptions{}, keys); err != nil {
		t.Fatal(err)
	}
	if _, err = db.Step(ctx, actor(f, "dengbu"), first.ID, registry.StepRecord, store.StepOptions{}, keys); err != nil {
		t.Fatal(err)
	}
}

// A step that changes a service the batch queued changes the row that is
// written, whether the row still waits or a statement naming services
// wrote it first (then the change is an UPDATE).
func TestQueuedServiceSavedBeforeAndAfterItIsWritten(t *testing.T) {
	db, f, cal, units, keys := newVolumeFixture(t, 2)
	ctx := context.Background()
	registerBuildingOf(t, db, f, cal, keys, units[0])
	for i, settle := range []bool{false, true} {
		in := store.ApplicationInput{Applicants: storetest.Applicants("买受人"), Services: []store.ServiceInput{{Kind: registry.Transfer, UnitID: units[i]}}}
		a, err := db.SaveTakenForTest(ctx, actor(f, "shouli"), cal, in, settle)
		if err != nil {
			t.Fatalf("written first %v: %v", settle, err)
		}
		got, err := db.Application(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Services) != 1 || got.Services[0].State != registry.Approved || !got.Services[0].AutoReview {
			t.Errorf("written first %v: got %+v, want its service approved by the system", settle, got.Services)
		}
	}
}
