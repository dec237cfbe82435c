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
	"handover/internal/completion"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

const passphrase = "registration-test"

// registrationFixture is the completion fixture filed, with its accounting
// cleared, the maintenance fund and the deed tax of the sold flats paid,
// the authority's key unlocked, and the clerks.
type registrationFixture struct {
	*completionFixture
	keys                         *certificate.Keyring
	acceptor, reviewer, recorder audit.Actor
}

func newRegistrationFixture(t *testing.T, before ...func(*completionFixture)) *registrationFixture {
	t.Helper()
	x := &registrationFixture{completionFixture: newCompletionFixture(t)}
	for _, f := range before {
		f(x.completionFixture)
	}
	ctx := context.Background()
	x.ready(t)
	x.file(t, "2026-03-10")
	x.keys = addKey(t, x.db, x.clock.Now(), "昌吉市不动产登记中心", x.f.Orgs["652301/registry"].USCC, "652301")
	items, _ := x.db.AccountingItems(ctx, x.project.ID, true)
	for _, it := range items {
		if _, err := x.db.PayMaintenance(ctx, x.hous, it.ID, fmt.Sprint("W", it.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.db.AssessDeedTax(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range x.contracts {
		if _, err := x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), c.ID, fmt.Sprint("完税", c.ID), "api"); err != nil {
			t.Fatal(err)
		}
	}
	x.acceptor, x.reviewer, x.recorder = actor(x.f, "shouli"), actor(x.f, "shenhe"), actor(x.f, "dengbu")
	return x
}

// scheduleHandover turns on the automatic review of the batch's matters
// and schedules the handover of the fixture's building on 2026-03-20
// (notice 2026-03-10).
func (x *registrationFixture) scheduleHandover(t *testing.T) handover.Event {
	t.Helper()
	exec(t, x.db, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ('652301', 'registration.auto_review', 'first,transfer,mortgage', 0, $1)`, x.clock.Now())
	ev, err := x.db.ScheduleHandover(context.Background(), x.dev, handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building},
		HeldOn: calendar.MustDate("2026-03-20"), Place: "售楼部", Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-03-10")})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// addKey gives a jurisdiction's registration authority a signing key and
// returns every key of the database unlocked.
func addKey(t *testing.T, db *store.DB, now time.Time, authority, uscc, jurisdiction string) *certificate.Keyring {
	t.Helper()
	ctx := context.Background()
	k, err := certificate.NewKey(authority, uscc, []byte(passphrase), now)
	if err != nil {
		t.Fatal(err)
	}
	k.Jurisdiction = jurisdiction
	if _, err := db.PutKey(ctx, audit.System(), k); err != nil {
		t.Fatal(err)
	}
	keys, err := db.UnlockKeys(ctx, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func (x *registrationFixture) apply(t *testing.T, services ...store.ServiceInput) registry.Application {
	t.Helper()
	a, err := x.db.CreateApplication(context.Background(), x.acceptor, x.cal, store.ApplicationInput{Applicants: storetest.Applicants("张伟"), Services: services})
	if err != nil {
		t.Fatalf("application: %v", err)
	}
	return a
}

func (x *registrationFixture) step(t *testing.T, who audit.Actor, a registry.Application, step registry.Step, opts store.StepOptions) (registry.Application, error) {
	t.Helper()
	return x.db.Step(context.Background(), who, a.ID, step, opts, x.keys)
}

// A counter application goes through every step with segregated duties;
// the combined first registration and transfer record in one go.
func TestRegistrationSteps(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[0]
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	if a.Services[1].ContractID != c.ID || a.Services[0].State != registry.Accepted || !strings.HasPrefix(a.Number, "652301-2026-") {
		t.Fatalf("accepted: %+v", a)
	}
	if due := a.Services[0].DueOn.String(); due != "2026-04-22" { // 30 working days from 2026-03-10
		t.Errorf("due: %s", due)
	}
	if ms, _ := x.db.ApplicationMaterials(ctx, a.ID); len(ms) < 4 {
		t.Errorf("materials referenced: %v", ms)
	}
	if _, err := x.step(t, x.acceptor, a, registry.StepReview, store.StepOptions{}); problem.As(err).Code != "registration.segregation" {
		t.Errorf("the acceptor reviews: got %v", err)
	}
	if _, err := x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); problem.As(err).Code != "registration.step" {
		t.Errorf("recording before review: got %v", err)
	}
	a, err := x.step(t, x.reviewer, a, registry.StepReturn, store.StepOptions{Reason: "申请书未签字"})
	if err != nil || a.Services[0].State != registry.ReturnedSt {
		t.Fatalf("return: %v %s", err, a.Services[0].State)
	}
	if a, err = x.step(t, x.acceptor, a, registry.StepAccept, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	if a, err = x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{}); err != nil || a.Services[1].State != registry.Approved {
		t.Fatalf("review: %v", err)
	}
	if a, err = x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatalf("record: %v", err)
	}
	if a.Services[0].State != registry.Issued || a.Services[1].State != registry.Recorded {
		t.Errorf("after recording: first %s, transfer %s", a.Services[0].State, a.Services[1].State)
	}
	book, _ := x.db.UnitBook(ctx, c.UnitID)
	owners := registry.Live(book, registry.Ownership)
	if len(owners) != 1 || owners[0].RegType != registry.RegTransfer || owners[0].Holders[0].IDNumber != c.Buyers[0].IDNumber {
		t.Fatalf("live ownership: %+v", owners)
	}
	if len(registry.Live(book, registry.PreNotice)) != 0 {
		t.Errorf("the pre-notice did not convert")
	}
	if a, err = x.step(t, x.recorder, a, registry.StepCertify, store.StepOptions{}); err != nil {
		t.Fatalf("certify: %v", err)
	}
	if _, err := x.step(t, x.recorder, a, registry.StepIssue, store.StepOptions{Delivery: "mail"}); problem.As(err).Code != "certificate.tracking" {
		t.Errorf("mail without tracking: got %v", err)
	}
	if _, err := x.db.ReceivePaper(ctx, x.recorder, "652301", certificate.Range{Prefix: "J", First: 650012001, Last: 650012500, Digits: 9}); err != nil {
		t.Fatal(err)
	}
	if a, err = x.step(t, x.recorder, a, registry.StepIssue, store.StepOptions{Delivery: "mail", TrackingNo: "SF1234567890", PaperSerial: "J650012345"}); err != nil {
		t.Fatalf("issue: %v", err)
	}
	if a.State != "done" {
		t.Errorf("application state: %s", a.State)
	}
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	if len(certs) != 1 || certs[0].PaperSerial != "J650012345" || certs[0].TrackingNo != "SF1234567890" || len(certs[0].Signature) == 0 {
		t.Fatalf("certificates: %+v", certs)
	}
	v, err := x.db.Verify(ctx, certs[0].LicenceID)
	if err != nil || !v.SignatureValid || v.State != "现势" || v.Holders[0] != "张*" || strings.Contains(fmt.Sprint(v), c.Buyers[0].IDNumber) {
		t.Errorf("verification: %v %+v", err, v)
	}
	// The steps are in the history, every one by whom.
	hist, _ := x.db.ApplicationHistory(ctx, a.ID)
	var steps []string
	for _, h := range hist {
		if h.ServiceID == a.Services[1].ID {
			steps = append(steps, string(h.Step))
		}
	}
	if want := "accept return accept review record certify issue"; strings.Join(steps, " ") != want {
		t.Errorf("history: %v, want %s", steps, want)
	}
}

// Every blocking rule of docs/domain.md §5.11–5.12, and what is allowed.
func TestRegistrationBlocks(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	// A refused application is withdrawn (不予登记), as a clerk would, so
	// that the next one of the same matter may be taken.
	record := func(a registry.Application) error {
		a, err := x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
		if err == nil {
			_, err = x.step(t, x.recorder, a, registry.StepRecord, store.StepOptions{})
		}
		if err != nil {
			if _, werr := x.step(t, x.acceptor, a, registry.StepWithdraw, store.StepOptions{Reason: "不予登记"}); werr != nil {
				t.Fatalf("withdraw the refused application: %v", werr)
			}
		}
		return err
	}
	rules := func(err error) string { return strings.Join(rulesOf(err), ",") }
	c0, c1, c2 := x.contracts[0], x.contracts[1], x.contracts[2]

	// A transfer without the developer's ownership (and no first registration with it).
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c0.UnitID})); rules(err) != "transfer.ownership" {
		t.Errorf("transfer before first registration: got %v", err)
	}
	// First registration blocked by a construction-in-progress mortgage on the parcel.
	rid, err := x.db.RestrictParcel(ctx, x.recorder, testParcel, "construction_mortgage", "建设银行", "在建工程抵押2025-01", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building})); !strings.Contains(rules(err), "first.parcel") {
		t.Errorf("first registration with the parcel mortgaged: got %v", err)
	}
	if err := x.db.LiftParcelRestriction(ctx, x.recorder, rid, "已转为预售商品房抵押"); err != nil {
		t.Fatal(err)
	}
	// A lock on one unit keeps that unit out of the building's first
	// registration (the others are recorded); it is registered on its own
	// once unlocked.
	if err := x.db.LockUnit(ctx, x.hous, c2.UnitID, true, "涉嫌违规销售核查"); err != nil {
		t.Fatal(err)
	}
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building})); err != nil {
		t.Fatalf("first registration of the building with a locked unit: %v", err)
	}
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c2.UnitID})); !strings.Contains(rules(err), "first.locked") {
		t.Errorf("first registration of the locked unit: got %v", err)
	}
	x.db.LockUnit(ctx, x.hous, c2.UnitID, false, "核查完毕")
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c2.UnitID})); err != nil {
		t.Fatalf("first registration of the unlocked unit: %v", err)
	}
	// A seal blocks the transfer; a second seal waits (轮候) and takes
	// effect when the first is lifted.
	seal := func(doc string) registry.Application {
		return x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: c0.UnitID, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": doc}})
	}
	if err := record(seal("（2026）新2301执100号")); err != nil {
		t.Fatal(err)
	}
	if err := record(seal("（2026）新2301执200号")); err != nil {
		t.Fatal(err)
	}
	book, _ := x.db.UnitBook(ctx, c0.UnitID)
	seals := registry.Live(book, registry.Seal)
	st := registry.Statuses(book)
	if len(seals) != 1 || !slices.ContainsFunc(book, func(e registry.Entry) bool {
		return e.Kind == registry.Seal && st[e.ID] == registry.Temporary && e.Detail.Waiting
	}) {
		t.Fatalf("seals: live %d; want one current and one waiting", len(seals))
	}
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c0.UnitID})); !strings.Contains(rules(err), "transfer.sealed") {
		t.Errorf("transfer under seal: got %v", err)
	}
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.Unseal, UnitID: c0.UnitID, EntryID: seals[0].ID, Details: map[string]string{"reason": "（2026）新2301执100号之一 解除查封"}})); err != nil {
		t.Fatal(err)
	}
	book, _ = x.db.UnitBook(ctx, c0.UnitID)
	if live := registry.Live(book, registry.Seal); len(live) != 1 || live[0].Detail.DocNo != "（2026）新2301执200号" {
		t.Errorf("after lifting the first seal, the waiting one: %+v", live)
	}
	// The deed tax: unpaid blocks; paid allows.
	if _, err := x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), c1.ID, "again", "api"); problem.As(err).Code != "tax.paid" {
		t.Errorf("paying twice: got %v", err)
	}
	x.db.SQLForTest().Exec(`DELETE FROM deed_taxes WHERE contract_id = $1`, c1.ID) // the bureau has not assessed it
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c1.UnitID})); rules(err) != "transfer.deed_tax" {
		t.Errorf("transfer without deed tax: got %v", err)
	}
	// A mortgage needs the buyer's ownership (or the transfer in the same application).
	if err := record(x.apply(t, store.ServiceInput{Kind: registry.MortgageReg, UnitID: c2.UnitID, Details: map[string]string{"bank": fmt.Sprint(x.bank), "amount": "300000"}})); !strings.Contains(rules(err), "mortgage.ownership") {
		t.Errorf("mortgage before the buyer owns: got %v", err)
	}
	// 带押过户: the buyer's mortgage does not stop a later transfer unless it forbids it.
	a := x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c2.UnitID},
		store.ServiceInput{Kind: registry.MortgageReg, UnitID: c2.UnitID, ContractID: 0, Details: map[string]string{"bank": fmt.Sprint(x.bank), "amount": "300000", "no_transfer": "1"}})
	if err := record(a); err != nil {
		t.Fatalf("transfer with a mortgage in one application: %v", err)
	}
	resale := func() registry.Application {
		return x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c2.UnitID, Holders: []registry.Holder{{Name: "赵六", IDKind: "身份证", IDNumber: buyerIDs[3]}},
			Details: map[string]string{"deed_tax_voucher": "存量房完税001", "price": "800000"}})
	}
	if err := record(resale()); !strings.Contains(rules(err), "transfer.mortgage") {
		t.Errorf("resale while the mortgage forbids transfer: got %v", err)
	}
}

// Certificates are numbered without gaps or repeats when clerks record at once.
func TestCertificateNumbersConcurrent(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	var apps []registry.Application
	for _, c := range x.contracts {
		a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
		a, err := x.step(t, x.reviewer, a, registry.StepReview, store.StepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(apps))
	for _, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := x.db.Step(ctx, x.recorder, a.ID, registry.StepRecord, store.StepOptions{}, x.keys)
			if err == nil {
				_, err = x.db.Step(ctx, x.recorder, a.ID, registry.StepCertify, store.StepOptions{}, x.keys)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var nums []string
	for _, c := range x.contracts {
		cs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
		for _, cert := range cs {
			nums = append(nums, cert.Number)
		}
	}
	slices.Sort(nums)
	for i, n := range nums {
		if want := fmt.Sprintf("新(2026)昌吉市不动产权第%07d号", i+1); n != want {
			t.Fatalf("title numbers %v: at %d got %s, want %s", nums, i, n, want)
		}
	}
}

// The public verification shows 现势 with the holder's name masked; a
// later transfer cancels the certificate, and a changed byte fails.
func TestVerification(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[3]
	full := func(a registry.Application) registry.Application {
		for _, step := range []registry.Step{registry.StepReview, registry.StepRecord, registry.StepCertify} {
			who := x.reviewer
			if step != registry.StepReview {
				who = x.recorder
			}
			var err error
			if a, err = x.step(t, who, a, step, store.StepOptions{}); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}
		a, err := x.step(t, x.recorder, a, registry.StepIssue, store.StepOptions{Delivery: "hand"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	full(x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID}))
	certs, _ := x.db.CertificatesOfUnit(ctx, c.UnitID)
	first := certs[0]
	if v, _ := x.db.Verify(ctx, first.LicenceID); !v.SignatureValid || v.State != "现势" || v.Mortgaged {
		t.Fatalf("first verification: %+v", v)
	}
	// A resale: the first owner's certificate is cancelled.
	full(x.apply(t, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID, Holders: []registry.Holder{{Name: "赵六", IDKind: "身份证", IDNumber: buyerIDs[3]}},
		Details: map[string]string{"deed_tax_voucher": "存量房完税002", "price": "900000"}}))
	v, _ := x.db.Verify(ctx, first.LicenceID)
	if v.State != "注销" || !v.SignatureValid || v.CancelReason == "" {
		t.Errorf("after the resale: %+v", v)
	}
	certs, _ = x.db.CertificatesOfUnit(ctx, c.UnitID)
	if v, _ := x.db.Verify(ctx, certs[1].LicenceID); v.State != "现势" || v.Holders[0] != "赵*" {
		t.Errorf("the new owner's certificate: %+v", v)
	}
	// A database administrator changes a byte of the stored certificate.
	disableAppendOnly(t, x.db)
	if x.db.Engine() == store.Postgres {
		exec(t, x.db, `ALTER TABLE certificates DISABLE TRIGGER certificates_fixed`)
	} else {
		exec(t, x.db, `DROP TRIGGER certificates_payload_fixed`)
	}
	// The payload is sealed: a changed byte of it, or another
	// certificate's payload put in its place, no longer opens.
	exec(t, x.db, `UPDATE certificates SET payload = SUBSTR(payload, 1, 20) || CASE SUBSTR(payload, 21, 1) WHEN 'A' THEN 'B' ELSE 'A' END
		|| SUBSTR(payload, 22) WHERE id = $1`, certs[1].ID)
	if v, err := x.db.Verify(ctx, certs[1].LicenceID); v.SignatureValid || problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("a changed certificate: %+v, %v; want personal.sealed", v, err)
	}
	exec(t, x.db, `UPDATE certificates SET payload = (SELECT payload FROM certificates WHERE id = $1) WHERE id = $2`, first.ID, certs[1].ID)
	if v, err := x.db.Verify(ctx, certs[1].LicenceID); v.SignatureValid || problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("another certificate's payload: %+v, %v; want personal.sealed", v, err)
	}
	// Whoever holds the data key too (it seals, it does not sign): a
	// changed holder sealed properly opens, and its signature fails.
	changed := strings.Replace(string(certs[1].Payload), "赵六", "赵七", 1)
	if changed == string(certs[1].Payload) {
		t.Fatal("the certificate's payload does not name 赵六")
	}
	exec(t, x.db, `UPDATE certificates SET payload = $1 WHERE id = $2`, x.db.Keyring().Seal("certificates.payload:"+certs[1].Number, changed), certs[1].ID)
	if v, err := x.db.Verify(ctx, certs[1].LicenceID); err != nil || v.SignatureValid {
		t.Errorf("a changed certificate sealed with the key: %+v, %v; want its signature invalid", v, err)
	}
	if _, err := x.db.Verify(ctx, "1.2.156.3005.2.nothing"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("an unknown identifier: %v", err)
	}
}

// The batch of a handover: interrupted after its first chunk and resumed,
// every unit is done exactly once; blocked units say why.
func TestBatchHandover(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	exec(t, x.db, `INSERT INTO settings (jurisdiction, key, value, set_by, set_at) VALUES ('652301', 'registration.auto_review', 'first,transfer,mortgage', 0, $1)`, x.clock.Now())
	ev := handover.Event{ProjectID: x.project.ID, Buildings: []int64{x.building}, HeldOn: calendar.MustDate("2026-03-20"), Place: "售楼部",
		Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-03-12")}
	if _, err := x.db.ScheduleHandover(ctx, x.dev, ev); problem.As(err).Fields["notice_on"] == "" {
		t.Errorf("notice 8 days before: got %v", err)
	}
	ev.NoticeOn = calendar.MustDate("2026-03-10")
	ev, err := x.db.ScheduleHandover(ctx, x.dev, ev)
	if err != nil || ev.Total != len(x.contracts) {
		t.Fatalf("schedule: %v %d", err, ev.Total)
	}
	// One unit's tax is unpaid, one is sealed.
	x.db.SQLForTest().Exec(`UPDATE deed_taxes SET paid_at = NULL WHERE contract_id = $1`, x.contracts[4].ID)
	sealApp := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.contracts[5].UnitID, Details: map[string]string{"authority": "法院", "doc_no": "执9号"}})
	sealApp, _ = x.step(t, x.reviewer, sealApp, registry.StepReview, store.StepOptions{})
	if _, err := x.step(t, x.recorder, sealApp, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	// Chunks of 100 are bigger than the fixture: pause from the progress
	// callback after the first unit is registered by running a context
	// that is cancelled once the first chunk's registration is in.
	runCtx, cancel := context.WithCancel(ctx)
	_, err = x.db.RunHandover(runCtx, x.dev, x.cal, ev.ID, x.keys, func(e handover.Event) { cancel() })
	cancel()
	if err != nil && err != context.Canceled {
		t.Fatalf("first run: %v", err)
	}
	ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil)
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if ev.Done != 4 || ev.Blocked != 2 {
		t.Errorf("done %d blocked %d, want 4 and 2", ev.Done, ev.Blocked)
	}
	units, _ := x.db.HandoverUnits(ctx, ev.ID)
	for _, u := range units {
		switch u.State {
		case handover.HandedOver:
			if !u.SameDay() || u.HandedOverOn.String() != "2026-03-20" {
				t.Errorf("unit %d: handed over %s, certified %s", u.UnitID, u.HandedOverOn, u.CertifiedOn)
			}
		case handover.UnitBlocked:
			joined := strings.Join(u.Reasons, "；")
			if !strings.Contains(joined, "契税") && !strings.Contains(joined, "查封") {
				t.Errorf("unit %d blocked for %q", u.UnitID, joined)
			}
		}
	}
	// Exactly once: one application and one live ownership per done unit.
	var apps, owners int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM applications WHERE source = 'batch'`).Scan(&apps)
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM register_entries WHERE kind = 'ownership' AND reg_type = 200`).Scan(&owners)
	if apps != 4 || owners != 4 {
		t.Errorf("batch applications %d, transfers %d; want 4 each", apps, owners)
	}
	// Paying the tax and running again finishes the unit; the sealed one stays.
	x.db.PayDeedTax(ctx, actor(x.f, "shuiwu"), x.contracts[4].ID, "补缴", "api")
	if ev, err = x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil || ev.Done != 5 || ev.Blocked != 1 {
		t.Errorf("after the tax: %v done %d blocked %d", err, ev.Done, ev.Blocked)
	}
	// Utilities were asked for every transferred unit; a provider answers.
	reqs, _ := x.db.UtilityRequests(ctx, 0, 0, x.project.ID)
	if len(reqs) != 5*5 {
		t.Fatalf("utility requests: %d, want 5 providers × 5 units", len(reqs))
	}
	water := x.f.Orgs["652301/water"].ID
	var mine store.UtilityRequest
	for _, r := range reqs {
		if r.OrgID == water {
			mine = r
		}
	}
	if _, err := x.db.AnswerUtility(ctx, audit.Actor{UserID: 1, OrgID: x.f.Orgs["652301/gas"].ID}, mine.ID, true, ""); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("another provider answers: %v", err)
	}
	if r, err := x.db.AnswerUtility(ctx, audit.Actor{UserID: 1, OrgID: water}, mine.ID, true, ""); err != nil || r.State != "done" {
		t.Errorf("the water company answers: %v %+v", err, r)
	}
	checkUtilityAnswersTogether(t, x, water, mine.ID)
	_ = completion.ClockDays
	_ = time.Second
}

// Every event the platform emits follows the catalogue partners build on:
// filings with pre-notices and pre-mortgages, the completion filing, the
// batch's transfers, mortgages, certificates and utility requests, a seal,
// a cancellation.
func TestEmittedEventsFollowTheCatalogue(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	ev := x.scheduleHandover(t)
	var err error
	sealApp := x.apply(t, store.ServiceInput{Kind: registry.SealReg, UnitID: x.contracts[5].UnitID, Details: map[string]string{"authority": "法院", "doc_no": "执9号"}})
	sealApp, _ = x.step(t, x.reviewer, sealApp, registry.StepReview, store.StepOptions{})
	if _, err := x.step(t, x.recorder, sealApp, registry.StepRecord, store.StepOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.AgreeCancellation(ctx, x.hous, x.contracts[5].ID, store.CancelParty{CourtDoc: "（2026）新2301民初9号"}, "法院判决解除"); err != nil {
		t.Fatal(err)
	}
	// A sale with a loan: its pre-mortgage.
	in := x.input(x.saleFixture.units[9])
	in.Buyers[0].IDNumber = buyerIDs[3]
	in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("300000"), 20, "JK-2026-001"
	if _, err := x.db.FileContract(ctx, x.dev, x.sign(t, in).ID); err != nil {
		t.Fatal(err)
	}
	events, err := x.db.Outbox(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Type] = true
		if err := exchange.ValidatePayload(e.Type, e.Payload); err != nil {
			t.Errorf("event %d (%s): %v %v\n%s", e.ID, e.Type, err, problem.As(err).Fields, e.Payload)
		}
	}
	for _, et := range exchange.EventTypes() {
		if et.Code == exchange.PreMortgageCancelled || et.Code == exchange.MortgageRegistered {
			continue // no loan sale of the fixture is cancelled or handed over
		}
		if !seen[et.Code] {
			t.Errorf("no %s event emitted", et.Code)
		}
		if s := exchange.Schema(et); len(s["required"].([]string)) == 0 {
			t.Errorf("%s: a schema without required fields", et.Code)
		}
	}
}

// checkUtilityAnswersTogether: a provider's list shows its waiting
// requests first; answering several together is all or none, and a
// refusal names the flat it is about.
func checkUtilityAnswersTogether(t *testing.T, x *registrationFixture, water, answered int64) {
	t.Helper()
	ctx := context.Background()
	waterClerk := audit.Actor{UserID: 1, OrgID: water}
	l, err := x.db.UtilityList(ctx, store.UtilityQuery{Org: water})
	if err != nil || l.Total != 5 || len(l.Rows) != 5 {
		t.Fatalf("the water company's list: %v, %d of %d", err, len(l.Rows), l.Total)
	}
	if last := l.Rows[len(l.Rows)-1]; last.ID != answered || last.State != "done" {
		t.Errorf("the answered request is not last: got %d %s, want %d done", last.ID, last.State, answered)
	}
	waiting, err := x.db.UtilityList(ctx, store.UtilityQuery{Org: water, Waiting: true})
	if err != nil || waiting.Total != 4 {
		t.Fatalf("waiting: %v, got %d, want 4", err, waiting.Total)
	}
	if n, _ := x.db.UtilitiesWaiting(ctx, water); n != 4 {
		t.Errorf("UtilitiesWaiting: got %d, want 4", n)
	}
	var ids []int64
	for _, r := range waiting.Rows {
		ids = append(ids, r.ID)
	}
	// The request answered 办结 cannot be refused: the whole answer is
	// refused, and the four waiting ones stay waiting.
	_, err = x.db.AnswerUtilities(ctx, waterClerk, append(slices.Clone(ids), answered), false, "户主未到场")
	if pe := problem.As(err); pe.Code != "utility.answered" || !strings.Contains(pe.Message, "：") {
		t.Errorf("refusing an answered one among others: got %v, want utility.answered naming the flat", err)
	}
	if n, _ := x.db.UtilitiesWaiting(ctx, water); n != 4 {
		t.Errorf("after the refused answer: %d waiting, want 4 (nothing written)", n)
	}
	for _, tt := range []struct {
		name string
		ids  []int64
		code string
	}{
		{"none ticked", nil, "utility.none_chosen"},
		{"no reason to refuse", ids, "utility.reason"},
	} {
		if _, err := x.db.AnswerUtilities(ctx, waterClerk, tt.ids, false, ""); problem.CodeOf(err) != tt.code {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	gas := audit.Actor{UserID: 1, OrgID: x.f.Orgs["652301/gas"].ID}
	if _, err := x.db.AnswerUtilities(ctx, gas, ids, true, ""); problem.KindOf(err) != problem.Forbidden || strings.Contains(problem.As(err).Message, "号楼") {
		t.Errorf("another provider: got %v, want forbidden without naming a flat", err)
	}
	got, err := x.db.AnswerUtilities(ctx, waterClerk, ids, true, "")
	if err != nil || len(got) != 4 {
		t.Fatalf("answering four together: %v, %d answered", err, len(got))
	}
	if n, _ := x.db.UtilitiesWaiting(ctx, water); n != 0 {
		t.Errorf("after answering four: %d waiting, want 0", n)
	}
}
