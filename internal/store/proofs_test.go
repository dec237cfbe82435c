package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"handover/internal/certificate"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// Every filed contract's pre-notice (and a loan's 预抵押) gets a signed
// 预告登记证明 from the proofs.issue job: one per pre-notice, signed with
// the authority's key, verified like a title certificate, listed on the
// bank's page; a second run issues nothing again. When the transfer
// converts the pre-notice (预告转本) its proof is cancelled with it.
func TestPreNoticeProofs(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	var prenotices int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM register_entries WHERE kind = 'prenotice'`).Scan(&prenotices)
	if prenotices != len(x.contracts) {
		t.Fatalf("fixture: %d pre-notices for %d contracts, want one each", prenotices, len(x.contracts))
	}
	// A second key, of a jurisdiction with nothing due that comes first in
	// order: it holds back no other jurisdiction's proofs.
	x.keys = addKey(t, x.db, x.clock.Now(), "昌吉州不动产登记中心", x.f.Orgs["652300/centre"].USCC, "652300")
	n, err := x.db.IssueProofs(ctx, x.keys)
	if err != nil || n != prenotices {
		t.Fatalf("IssueProofs: %d (%v), want %d", n, err, prenotices)
	}
	if again, err := x.db.IssueProofs(ctx, x.keys); err != nil || again != 0 {
		t.Errorf("a second run: %d (%v), want 0", again, err)
	}
	var due int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM proofs_due`).Scan(&due)
	if due != 0 {
		t.Errorf("proofs still due: %d", due)
	}

	c := x.contracts[0]
	certs, err := x.db.CertificatesOfUnit(ctx, c.UnitID)
	if err != nil || len(certs) == 0 {
		t.Fatalf("the unit's proofs: %v (%v)", certs, err)
	}
	proof := certs[0]
	v, err := x.db.Verify(ctx, proof.LicenceID)
	if err != nil || !v.SignatureValid || v.State != "现势" || v.Kind != certificate.Proof || v.Number != c.PreNoticeNo {
		t.Fatalf("the pre-notice proof verifies as %+v (%v), want a live, validly signed proof numbered %s", v, err, c.PreNoticeNo)
	}
	var p certificate.Payload
	if err := json.Unmarshal(proof.Payload, &p); err != nil || p.Matter != "预售商品房买卖预告登记" || p.Amount == "" {
		t.Errorf("the proof states %q for %q (%v), want the sale pre-notice and its price", p.Matter, p.Amount, err)
	}

	// A 更正 of a pre-notice cancels its proof and gets a new one, signed.
	other := x.contracts[1]
	book, _ := x.db.UnitBook(ctx, other.UnitID)
	pre := registry.Live(book, registry.PreNotice)[0]
	before, _ := x.db.CertificatesOfUnit(ctx, other.UnitID)
	if _, err := x.record(t, store.ServiceInput{Kind: registry.Correct, UnitID: other.UnitID, EntryID: pre.ID, Details: map[string]string{"reason": "买受人姓名录入错误"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := x.db.IssueProofs(ctx, x.keys); err != nil || n != 1 {
		t.Errorf("proofs after the correction: %d (%v), want the corrected pre-notice's", n, err)
	}
	if v, _ := x.db.Verify(ctx, before[0].LicenceID); v.State != "注销" {
		t.Errorf("the corrected pre-notice's old proof: %s, want 注销", v.State)
	}
	book, _ = x.db.UnitBook(ctx, other.UnitID)
	fixed := registry.Live(book, registry.PreNotice)[0]
	after, _ := x.db.CertificatesOfUnit(ctx, other.UnitID)
	var found bool
	for _, c := range after {
		if c.EntryID == fixed.ID {
			found = true
			if v, _ := x.db.Verify(ctx, c.LicenceID); !v.SignatureValid || v.State != "现势" || c.Number == before[0].Number {
				t.Errorf("the corrected pre-notice's proof %s: %+v, want a new live, signed proof", c.Number, v)
			}
		}
	}
	if !found {
		t.Errorf("the corrected pre-notice has no proof")
	}

	// The handover converts the sale pre-notice: its proof is cancelled.
	ev := x.scheduleHandover(t)
	x.clock.Set(time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC))
	if _, err := x.db.RunHandover(ctx, x.dev, x.cal, ev.ID, x.keys, nil); err != nil {
		t.Fatal(err)
	}
	if v, err := x.db.Verify(ctx, proof.LicenceID); err != nil || v.State != "注销" || v.CancelReason == "" || !v.SignatureValid {
		t.Errorf("the converted pre-notice's proof: %+v (%v), want 注销 with its reason", v, err)
	}
	var live int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM certificates c JOIN register_entries e ON e.id = c.entry_id
		WHERE e.kind = 'prenotice' AND c.state = 'live' AND EXISTS (SELECT 1 FROM register_entries x WHERE x.ends_entry = e.id)`).Scan(&live)
	if live != 0 {
		t.Errorf("%d proofs of ended pre-notices still live", live)
	}
}

// A loan's 预抵押 gets its signed proof too, held by the lending bank: the
// bank's list shows it with its proof, and the 楼盘表 marks the flat 预 and
// 预押 (never naming the buyers or the bank).
func TestPreMortgageProofForTheBank(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	keys := addKey(t, x.db, x.clock.Now(), "昌吉市不动产登记中心", x.f.Orgs["652301/registry"].USCC, "652301")
	in := x.input(x.units[0])
	in.Ownership = presale.Shares
	in.Buyers = []presale.Buyer{{Name: "张伟", IDNumber: buyerIDs[0], ShareNum: 1, ShareDen: 3}, {Name: "李娜", IDNumber: buyerIDs[1], ShareNum: 2, ShareDen: 3}}
	in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("500000"), 25, "JK2026-001"
	if _, err := x.db.FileContract(ctx, x.dev, x.sign(t, in).ID); err != nil {
		t.Fatal(err)
	}
	if n, err := x.db.IssueProofs(ctx, keys); err != nil || n != 2 {
		t.Fatalf("IssueProofs: %d (%v), want the sale's and the loan's", n, err)
	}
	bank, err := x.db.Org(ctx, x.bank)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.db.MortgagesOf(ctx, bank.USCC)
	if err != nil || len(rows) != 1 {
		t.Fatalf("the bank's mortgages: %v (%v), want its 预抵押", rows, err)
	}
	r := rows[0]
	if r.Proof.ID == 0 || len(r.Proof.Signature) == 0 || r.Proof.Number != r.Entry.CertNo || r.Proof.Kind != certificate.Proof {
		t.Errorf("the bank's 预抵押: proof %+v, want its signed proof numbered %s", r.Proof, r.Entry.CertNo)
	}
	if v, err := x.db.Verify(ctx, r.Proof.LicenceID); err != nil || !v.SignatureValid || v.State != "现势" {
		t.Errorf("the 预抵押 proof verifies as %+v (%v)", v, err)
	}
	tab, err := x.db.BuildingTable(ctx, x.building)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []ledger.Mark{ledger.PreNoticeMark, ledger.PreMortgageMark} {
		if tab.Marked[m] != 1 {
			t.Errorf("楼盘表 marks %v: %d, want 1", m, tab.Marked[m])
		}
	}
}

// Two servers issuing at once (run on PostgreSQL, where they truly
// overlap) sign every proof exactly once between them: each takes chunks
// the other has not claimed, and the queue ends empty.
func TestTwoServersIssueProofsOnce(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	var due int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM proofs_due`).Scan(&due)
	if due == 0 {
		t.Fatal("fixture: no proofs due")
	}
	var counts [2]int
	var errs [2]error
	var wg sync.WaitGroup
	for i := range counts {
		wg.Go(func() { counts[i], errs[i] = x.db.IssueProofs(ctx, x.keys) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("issuing: %v, %v", errs[0], errs[1])
	}
	if counts[0]+counts[1] != due {
		t.Errorf("signed %d + %d, want %d in all (each proof once)", counts[0], counts[1], due)
	}
	var left, proofs, unsigned int
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM proofs_due`).Scan(&left)
	x.db.SQLForTest().QueryRow(`SELECT COUNT(*), SUM(CASE WHEN signature IS NULL THEN 1 ELSE 0 END) FROM certificates c
		JOIN register_entries e ON e.id = c.entry_id WHERE e.kind = 'prenotice'`).Scan(&proofs, &unsigned)
	if left != 0 || proofs != due || unsigned != 0 {
		t.Errorf("after both: %d due, %d proofs, %d unsigned; want 0, %d, 0", left, proofs, unsigned, due)
	}
}

// The handover batch converting pre-notices while two servers issue their
// proofs (run on PostgreSQL, where they truly overlap): neither ever waits
// on the other in a cycle, so the batch hands every flat over without a
// deadlock, and no converted pre-notice is left with a live proof.
func TestBatchWhileProofsAreIssued(t *testing.T) {
	if testing.Short() {
		t.Skip("volume test")
	}
	db, f, cal, units, keys := newVolumeFixture(t, 25) // 100 flats, all with loans
	ctx := context.Background()
	ev := scheduleVolumeHandover(t, db, f, units[0])
	stop := make(chan struct{})
	var issued [2]int
	var errs [2]error
	var wg sync.WaitGroup
	for i := range issued {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				n, err := db.IssueProofs(ctx, keys)
				issued[i] += n
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	ev, err := db.RunHandover(ctx, actor(f, "kaifa"), cal, ev.ID, keys, nil)
	close(stop)
	wg.Wait()
	if err != nil || ev.Done != len(units) {
		t.Fatalf("the batch beside two proof issuers: %d of %d done (%v), want all", ev.Done, len(units), err)
	}
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("the proof issuers: %v, %v", errs[0], errs[1])
	}
	if r := db.Retries(); r.Deadlock != 0 {
		t.Errorf("deadlocks between the batch and the issuers: %d, want 0 (each cost a second and a retry)", r.Deadlock)
	}
	if _, err := db.IssueProofs(ctx, keys); err != nil {
		t.Fatal(err)
	}
	var due, liveEnded, unsigned int
	raw := db.SQLForTest()
	raw.QueryRow(`SELECT COUNT(*) FROM proofs_due`).Scan(&due)
	raw.QueryRow(`SELECT COUNT(*) FROM certificates c JOIN register_entries e ON e.id = c.entry_id
		WHERE e.kind = 'prenotice' AND c.state = 'live' AND EXISTS (SELECT 1 FROM register_entries x WHERE x.ends_entry = e.id)`).Scan(&liveEnded)
	raw.QueryRow(`SELECT COUNT(*) FROM certificates WHERE state = 'live' AND signature IS NULL`).Scan(&unsigned)
	if due != 0 || liveEnded != 0 || unsigned != 0 {
		t.Errorf("after the batch: %d proofs due, %d live proofs of converted pre-notices, %d live certificates unsigned; want 0, 0, 0 (issued %d + %d)",
			due, liveEnded, unsigned, issued[0], issued[1])
	}
}

// Cancellations queued in one transaction, more than one statement's worth
// and one entry named twice on either side of a statement's boundary, are
// seen by the next statement that reads the certificates and leave each
// certificate cancelled with the first reason given for its entry; the
// certificates of entries not named stay live.
func TestQueuedCancellationsKeepTheFirstReason(t *testing.T) {
	db, _, _, _, keys := newVolumeFixture(t, 10) // 40 flats, 24 with loans: 64 proofs
	ctx := context.Background()
	for {
		n, err := db.IssueProofs(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	raw := db.SQLForTest()
	entries := storetest.IDs(t, raw, `SELECT e.id FROM register_entries e JOIN certificates c ON c.entry_id = e.id
		WHERE e.kind = 'prenotice' AND c.state = 'live' ORDER BY e.id`)
	if len(entries) != 64 {
		t.Fatalf("%d live proofs of pre-notices, want 64", len(entries))
	}
	var ended []registry.CertCancel
	want := map[int64]string{}
	for i, e := range entries[:54] { // 55 with the repeat: two statements and a part
		reason := fmt.Sprintf("注销理由%02d", i)
		ended = append(ended, registry.CertCancel{Entry: e, Reason: reason})
		want[e] = reason
		if i == 39 { // the first entry again, in the second statement
			ended = append(ended, registry.CertCancel{Entry: entries[0], Reason: "第二次给出的理由"})
		}
	}
	live, err := db.CancelForTest(ctx, ended)
	if err != nil || live != 0 {
		t.Fatalf("the transaction saw %d live certificates of the %d entries (%v), want 0", live, len(want), err)
	}
	rows, err := raw.Query(`SELECT entry_id, state, cancel_reason FROM certificates WHERE entry_id IN (SELECT id FROM register_entries WHERE kind = 'prenotice')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var e int64
		var state, reason string
		if err := rows.Scan(&e, &state, &reason); err != nil {
			t.Fatal(err)
		}
		n++
		wantState, wantReason := "live", ""
		if r, ok := want[e]; ok {
			wantState, wantReason = "cancelled", r
		}
		if state != wantState || reason != wantReason {
			t.Errorf("entry %d: certificate %s, reason %q; want %s, %q", e, state, reason, wantState, wantReason)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 64 {
		t.Errorf("%d certificates of pre-notices, want 64", n)
	}
}
