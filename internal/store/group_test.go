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
		// the held transaction; the four filings committed together (the
		// refused one rolled back in their group, and not counted); the
		// refusal's record
		g, m := x.db.GroupStats()
		if g-g0 != 3 || m-m0 != 6 {
			t.Errorf("got %d groups committing %d transactions, want 3 committing 6 (four filings in one)", g-g0, m-m0)
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

// A group survives its members' failures: a member that fails after
// writing rolls back alone (its number is drawn again), a member that
// panics re-raises the panic in its own goroutine and leaves nothing, and
// a member that breaks the transaction itself gets its error while the
// others, whose work the broken transaction took with it, are run again
// and committed exactly once.
func TestGroupCommitSurvivesFailingMembers(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	first, second := x.sign(t, x.input(x.units[0])), x.sign(t, x.input(x.units[1]))
	const series = "test.group"
	n0, err := x.db.DrawForTest(ctx, series, false)
	if err != nil {
		t.Fatal(err)
	}

	release := x.db.HoldWriterForTest()
	var wg sync.WaitGroup
	results := make([]any, 5)
	members := []func() any{
		func() any { _, err := x.db.FileContract(ctx, x.dev, first.ID); return err },
		func() any { _, err := x.db.DrawForTest(ctx, series, true); return err },
		func() (p any) {
			defer func() { p = recover() }()
			return x.db.PanicForTest(ctx, series)
		},
		func() any { return x.db.BreakForTest(ctx, series) },
		func() any { _, err := x.db.FileContract(ctx, x.dev, second.ID); return err },
	}
	for i, run := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run()
		}()
		if x.db.Engine() == store.SQLite {
			// queue them in this order
			for deadline := time.Now().Add(10 * time.Second); x.db.QueuedForTest() < i+1; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("got %d transactions waiting, want %d", x.db.QueuedForTest(), i+1)
				}
			}
		}
	}
	release()
	wg.Wait()

	if results[0] != nil || results[4] != nil {
		t.Errorf("filings beside failing members: got %v and %v, want both filed", results[0], results[4])
	}
	if err, _ := results[1].(error); err == nil || err.Error() != "aborted on purpose" {
		t.Errorf("failing member: got %v, want its own error", results[1])
	}
	if results[2] != "a transaction panics on purpose" {
		t.Errorf("panicking member: got %v, want its panic in its own goroutine", results[2])
	}
	if err, _ := results[3].(error); err == nil {
		t.Errorf("breaking member: got no error, want one")
	}
	for _, c := range []presale.Contract{first, second} {
		got, err := x.db.Contract(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var entries int
		if err := x.db.SQLForTest().QueryRow(`SELECT count(*) FROM register_entries WHERE unit_id = $1`, c.UnitID).Scan(&entries); err != nil {
			t.Fatal(err)
		}
		if got.State != presale.Filed || entries != 1 {
			t.Errorf("contract %d: got %s with %d register entries, want filed with 1 (committed once)", c.ID, got.State, entries)
		}
	}
	if n, err := x.db.DrawForTest(ctx, series, false); err != nil || n != n0+1 {
		t.Errorf("next number after the failed members: got %d (%v), want %d (none of theirs kept)", n, err, n0+1)
	}
	v, err := x.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, broken := v.First(); broken {
		t.Errorf("audit chain: broken at %v, want intact", b)
	}
}

// A transaction that has the writer to itself runs without a savepoint
// (on SQLite), so its own failure must roll back everything it wrote:
// one that fails after drawing a number, one that panics and one that
// ends the engine's transaction under the store each leave the series
// where it was, and a filing after them is committed with its one entry.
func TestLoneTransactionFailsWhole(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	const series = "test.lone"
	n0, err := x.db.DrawForTest(ctx, series, false)
	if err != nil {
		t.Fatal(err)
	}
	groups0, _ := x.db.GroupStats()
	commits0, _ := x.db.WriteStats()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	failing := []struct {
		name string
		run  func() any
		want string
	}{
		{"fails after writing", func() any { _, err := x.db.DrawForTest(ctx, series, true); return err }, "aborted on purpose"},
		{"panics", func() (p any) {
			defer func() { p = recover() }()
			return x.db.PanicForTest(ctx, series)
		}, "a transaction panics on purpose"},
		{"breaks the transaction", func() any { return x.db.BreakForTest(ctx, series) }, ""},
		{"comes with its context cancelled", func() any { _, err := x.db.DrawForTest(cancelled, series, false); return err }, "context canceled"},
	}
	for _, f := range failing {
		got := f.run()
		if got == nil {
			t.Errorf("%s: got no failure, want one", f.name)
			continue
		}
		if f.want != "" && fmt.Sprint(got) != f.want {
			t.Errorf("%s: got %v, want %q", f.name, got, f.want)
		}
		if n, err := x.db.DrawForTest(ctx, series, false); err != nil || n != n0+1 {
			t.Errorf("%s: next number got %d (%v), want %d (the failed one's not kept)", f.name, n, err, n0+1)
		}
		n0++
	}
	// only the successful draws after each failure were committed
	if commits, _ := x.db.WriteStats(); commits-commits0 != int64(len(failing)) {
		t.Errorf("committed transactions: got %d, want %d (failures commit nothing)", commits-commits0, len(failing))
	}
	if x.db.Engine() == store.SQLite {
		if groups, _ := x.db.GroupStats(); groups-groups0 != int64(len(failing)) {
			t.Errorf("durable commits: got %d, want %d", groups-groups0, len(failing))
		}
	}
	c := x.sign(t, x.input(x.units[0]))
	if _, err := x.db.FileContract(ctx, x.dev, c.ID); err != nil {
		t.Fatalf("filing after the failures: %v", err)
	}
	var entries int
	if err := x.db.SQLForTest().QueryRow(`SELECT count(*) FROM register_entries WHERE unit_id = $1`, c.UnitID).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 1 {
		t.Errorf("register entries of the filed flat: got %d, want 1", entries)
	}
}
