package store_test

import (
	"context"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// flatModel is what a random sequence of registrations should have made
// of one filed flat, kept independently of the store.
type flatModel struct {
	seals      int  // seals recorded and not lifted (the first effective, the rest 轮候)
	objections int  // objections recorded and not cancelled
	first      bool // the developer's first registration is in
	buyer      bool // the buyers' transfer is in
	mortgaged  bool // the bank's mortgage is in (not discharged)
	loanDone   bool // the contract's loan mortgage was recorded once (a discharge does not undo that)
	preMortage bool // the 预抵押 is still live
}

// state is the 楼盘表 state the model expects.
func (m flatModel) state() ledger.State {
	switch {
	case m.seals > 0 || m.objections > 0:
		return ledger.Restricted
	case m.mortgaged:
		return ledger.Mortgaged
	case m.buyer:
		return ledger.Registered
	case !m.buyer:
		return ledger.PreNoticed // filed: the sale pre-notice stands until the transfer
	}
	return ""
}

// Over random sequences of seals, unseals, first registrations,
// transfers, mortgages and corrections on a filed flat, the state the store
// derives (the 楼盘表 and UnitStatus alike) is the one the model expects,
// every step the rules should refuse is refused and every one they should
// allow is recorded, and the flat never has two live ownerships.
func TestFlatStateProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("volume test")
	}
	db, f, cal, units, keys := newVolumeFixture(t, 25)
	ctx := context.Background()
	acceptor, reviewer, recorder := actor(f, "shouli"), actor(f, "shenhe"), actor(f, "dengbu")
	var next atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		i := int(next.Add(1)) - 1
		if i >= len(units) {
			rt.Skip("every flat of the fixture is used")
		}
		unit := units[i]
		var c presale.Contract
		cs, err := db.ListContracts(ctx, accessAll(), store.ContractQuery{UnitID: unit})
		if err != nil || len(cs) != 1 {
			rt.Fatalf("contract of unit %d: %v %d", unit, err, len(cs))
		}
		c = cs[0]
		m := flatModel{preMortage: c.Payment.Loan()}
		// do takes, reviews and records one service; a refused one is
		// withdrawn, as a clerk would.
		do := func(s store.ServiceInput) error {
			a, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: storetest.Applicants("申请人"), Services: []store.ServiceInput{s}})
			if err != nil {
				return err
			}
			a, err = db.Step(ctx, reviewer, a.ID, registry.StepReview, store.StepOptions{}, keys)
			if err == nil {
				_, err = db.Step(ctx, recorder, a.ID, registry.StepRecord, store.StepOptions{}, keys)
			}
			if err != nil {
				if _, werr := db.Step(ctx, acceptor, a.ID, registry.StepWithdraw, store.StepOptions{Reason: "不予登记"}, keys); werr != nil {
					rt.Fatalf("withdraw: %v", werr)
				}
			}
			return err
		}
		live := func(kind registry.Kind) []registry.Entry {
			book, err := db.UnitBook(ctx, unit)
			if err != nil {
				rt.Fatal(err)
			}
			return registry.Live(book, kind)
		}
		// A refusal must come from the rules, with a reason: an index or a
		// conflict reached instead would mean a rule let it through.
		expect := func(op string, err error, allowed bool) {
			if allowed && err != nil {
				rt.Fatalf("%s should be recorded: %v (model %+v)", op, err, m)
			}
			if !allowed && err == nil {
				rt.Fatalf("%s should be refused (model %+v)", op, m)
			}
			if e := problem.As(err); err != nil && (e.Code != "registration.blocked" || len(e.Reasons) == 0) {
				rt.Fatalf("%s refused with %s, want a rule's refusal (registration.blocked): %v", op, e.Code, err)
			}
		}
		correct := func(kind registry.Kind) error {
			live := live(kind)
			if len(live) == 0 {
				return nil
			}
			return do(store.ServiceInput{Kind: registry.Correct, UnitID: unit, EntryID: live[0].ID, Details: map[string]string{"reason": "更正" + string(kind)}})
		}
		// The steps of the sale's registration are drawn more often, so
		// that sequences reach mortgages, discharges and their corrections.
		ops := rapid.SliceOfN(rapid.SampledFrom([]string{"seal", "unseal", "first", "first", "transfer", "transfer", "transfer", "mortgage",
			"mortgage", "mortgage", "discharge", "correct", "correct-seal", "correct-mortgage", "objection", "lift-objection"}), 1, 12).Draw(rt, "ops")
		for _, op := range ops {
			switch op {
			case "seal":
				expect(op, do(store.ServiceInput{Kind: registry.SealReg, UnitID: unit, Details: map[string]string{"authority": "昌吉市人民法院", "doc_no": "执" + op}}), true)
				m.seals++
			case "unseal":
				seals := live(registry.Seal)
				if len(seals) == 0 {
					continue
				}
				expect(op, do(store.ServiceInput{Kind: registry.Unseal, UnitID: unit, EntryID: seals[0].ID, Details: map[string]string{"reason": "解除查封"}}), true)
				m.seals--
			case "first":
				err := do(store.ServiceInput{Kind: registry.First, UnitID: unit})
				expect(op, err, m.seals == 0 && !m.first)
				m.first = m.first || err == nil
			case "transfer":
				err := do(store.ServiceInput{Kind: registry.Transfer, UnitID: unit, ContractID: c.ID})
				expect(op, err, m.seals == 0 && m.first && !m.buyer)
				m.buyer = m.buyer || err == nil
			case "mortgage":
				if !c.Payment.Loan() {
					continue
				}
				err := do(store.ServiceInput{Kind: registry.MortgageReg, UnitID: unit, ContractID: c.ID})
				expect(op, err, m.seals == 0 && m.buyer && !m.loanDone)
				if err == nil {
					m.mortgaged, m.loanDone, m.preMortage = true, true, false
				}
			case "discharge":
				ms := live(registry.Mortgage)
				if len(ms) == 0 {
					continue
				}
				expect(op, do(store.ServiceInput{Kind: registry.Cancel, UnitID: unit, EntryID: ms[0].ID, Details: map[string]string{"reason": "贷款已还清"}}), true)
				m.mortgaged = false
			case "correct":
				expect(op, correct(registry.Ownership), true)
			case "correct-seal":
				expect(op, correct(registry.Seal), true)
			case "correct-mortgage":
				expect(op, correct(registry.Mortgage), true)
			case "objection":
				expect(op, do(store.ServiceInput{Kind: registry.ObjectReg, UnitID: unit, Details: map[string]string{"reason": "权属有争议"}}), true)
				m.objections++
			case "lift-objection":
				os := live(registry.Objection)
				if len(os) == 0 {
					continue
				}
				expect(op, do(store.ServiceInput{Kind: registry.Cancel, UnitID: unit, EntryID: os[0].ID, Details: map[string]string{"reason": "异议失效"}}), true)
				m.objections--
			}
			st, err := db.UnitStatus(ctx, unit)
			if err != nil {
				rt.Fatal(err)
			}
			if got, want := st.State(), m.state(); got != want {
				rt.Fatalf("after %s: UnitStatus state %s, want %s (model %+v)", op, got, want, m)
			}
			if st.Register.PreMortgage != m.preMortage {
				rt.Fatalf("after %s: pre-mortgage %v, want %v", op, st.Register.PreMortgage, m.preMortage)
			}
			// Public verification reads only the book, for these two.
			if mortgaged, sealed, err := db.RestrictionsForTest(ctx, unit); err != nil || mortgaged != st.Register.Mortgaged || sealed != st.Sealed() {
				rt.Fatalf("after %s: verification reads mortgaged %v sealed %v (%v), the unit's status %v and %v", op, mortgaged, sealed, err,
					st.Register.Mortgaged, st.Sealed())
			}
			if n := len(live(registry.Ownership)); n > 1 {
				rt.Fatalf("after %s: %d live ownerships", op, n)
			}
		}
		// The 楼盘表 reads the same state through the building's loader.
		ref, err := db.Unit(ctx, unit)
		if err != nil {
			rt.Fatal(err)
		}
		tab, err := db.BuildingTable(ctx, ref.Unit.BuildingID)
		if err != nil {
			rt.Fatal(err)
		}
		for _, row := range tab.Rows {
			for _, cell := range row.Cells {
				if cell.Unit.ID == unit && cell.State != m.state() {
					rt.Fatalf("the 楼盘表 shows %s, want %s", cell.State, m.state())
				}
			}
		}
	})
}
