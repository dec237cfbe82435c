package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
)

// Filings that wait together are committed together (on SQLite, in one
// group under one durable commit); a refused one among them rolls back
// alone: the others are filed, and the refused one leaves no trace but its
// refusal record. On PostgreSQL the same filings run concurrently, each in
// its own transaction, with the same outcome.
func TestGroupCommitRefusalStaysAlone(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	var cs []presale.Contract
	for i, u := range x.units[:5] {
		in := x.input(u)
		if i%2 == 1 {
			in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("500000"), 25, fmt.Sprintf("JK2026-%03d", i)
		}
		cs = append(cs, x.sign(t, in))
	}
	refused := 2
	if err := x.db.LockUnit(ctx, x.hous, cs[refused].UnitID, true, "司法协助"); err != nil {
		t.Fatal(err)
	}
	raw := x.db.SQLForTest()
	var events0 int64
	if err := raw.QueryRow(`SELECT count(*) FROM audit_events`).Scan(&events0); err != nil {
		t.Fatal(err)
	}

	release := x.db.HoldWriterForTest()
	g0, m0 := x.db.GroupStats()
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = x.db.FileContract(ctx, x.dev, c.ID)
		}()
	}
	if x.db.Engine() == store.SQLite {
		for deadline := time.Now().Add(10 * time.Second); x.db.QueuedForTest() < len(cs); {
			if time.Now().After(deadline) {
				t.Fatalf("got %d filings waiting for the writer, want %d", x.db.QueuedForTest(), len(cs))
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()

	for i, err := range errs {
		want := ""
		if i == refused {
			want = "contract.refused"
		}
		if got := problem.CodeOf(err); got != want {
			t.Errorf("filing %d: got %q (%v), want %q", i, got, err, want)
		}
	}
	if x.db.Engine() == store.SQLite {
		// the held transaction; the five filings; the refusal's record
		g, m := x.db.GroupStats()
		if g-g0 != 3 || m-m0 != 7 {
			t.Errorf("got %d groups of %d transactions, want 3 groups of 7 (the five filings in one)", g-g0, m-m0)
		}
	}
	for i, c := range cs {
		got, err := x.db.Contract(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var entries int
		if err := raw.QueryRow(`SELECT count(*) FROM register_entries WHERE unit_id = $1`, c.UnitID).Scan(&entries); err != nil {
			t.Fatal(err)
		}
		wantState, wantEntries := presale.Filed, 1
		if c.Payment.Loan() {
			wantEntries = 2 // pre-notice and pre-mortgage
		}
		if i == refused {
			wantState, wantEntries = presale.Signed, 0
		}
		if got.State != wantState || entries != wantEntries {
			t.Errorf("contract %d: got state %s and %d register entries, want %s and %d", i, got.State, entries, wantState, wantEntries)
		}
	}
	rs, err := x.db.RefusalsOf(ctx, cs[refused].UnitID)
	if err != nil || len(rs) != 1 || rs[0].Action != "contract.file" {
		t.Errorf("refusals of the refused unit: got %+v (%v), want one contract.file", rs, err)
	}
	var fileEvents int
	if err := raw.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'contract.file' AND id > $1`, events0).Scan(&fileEvents); err != nil {
		t.Fatal(err)
	}
	if fileEvents != len(cs)-1 {
		t.Errorf("got %d contract.file audit events, want %d (none for the refused filing)", fileEvents, len(cs)-1)
	}
	v, err := x.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, broken := v.First(); broken {
		t.Errorf("audit chain after the group: broken at %v, want intact", b)
	}
}
