package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/tax"
)

// The deed tax follows the unit's use: a shop declared the buyer's only
// home is taxed at the jurisdiction's rate (3 % by default, or as set),
// the flats beside it at the reduced rate; the page's and the API's rule
// is the one applied.
func TestDeedTaxFollowsTheUse(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	sold := map[int64]bool{}
	for _, c := range x.contracts {
		sold[c.UnitID] = true
	}
	var shop int64
	var number int
	for _, u := range x.units {
		if !sold[u.ID] {
			shop, number = u.ID, u.Number
			break
		}
	}
	// The ledger again, with that unsold unit a shop.
	x.importOK(t, workbook(t, func(units [][]any) [][]any {
		units[number-1][7] = "商业"
		return units
	}))
	in := x.input(shop) // declared the family's only home
	c := x.sign(t, in)
	if _, err := x.db.FileContract(ctx, x.dev, c.ID); err != nil {
		t.Fatal(err)
	}
	s := x.submit(t, x.survey(nil))
	if _, err := x.db.DecideSurvey(ctx, x.hous, s.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	taxes := actor(x.f, "shuiwu")
	check := func(step, provincial string) {
		t.Helper()
		list, err := x.db.DeedTaxes(ctx, x.project.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(x.contracts)+1 {
			t.Fatalf("%s: %d assessments, want %d", step, len(list), len(x.contracts)+1)
		}
		for _, a := range list {
			purpose, rate := "住宅", dec("0.01")
			if a.UnitID == shop {
				purpose, rate = "商业", dec(provincial)
			}
			if a.Purpose != purpose || !a.Rate.Equal(rate) || !a.Amount.Equal(a.Base.Mul(rate).Round(2)) || a.Home != presale.FirstHome {
				t.Errorf("%s: unit %d (%s, %s): rate %s, amount %s on %s; want %s at %s", step, a.UnitID, a.Purpose, a.Home, a.Rate, a.Amount, a.Base, purpose, rate)
			}
		}
		rule, err := x.db.DeedTaxRule(ctx, x.project.Jurisdiction)
		if want := tax.Rule(dec(provincial)); err != nil || rule != want {
			t.Errorf("%s: rule %q (%v), want %q", step, rule, err, want)
		}
	}
	if _, err := x.db.AssessDeedTax(ctx, taxes, x.project.ID); err != nil {
		t.Fatal(err)
	}
	check("default rate", "0.03")
	// The prefecture sets the province's rate for every county: the unpaid
	// shop is assessed again, the flats are not.
	if err := x.db.PutSetting(ctx, actor(x.f, "admin"), identity.PrefectureCode, tax.SettingProvincialRate, "0.04"); err != nil {
		t.Fatal(err)
	}
	n, err := x.db.AssessDeedTax(ctx, taxes, x.project.ID)
	if err != nil || n != 1 {
		t.Fatalf("assessing at 4 %%: %d changed (%v), want the shop alone", n, err)
	}
	check("jurisdiction's rate", "0.04")
}

// A tax officer's workbook of payments is recorded all or none: one row
// naming a contract of another county, one paid already with another
// voucher, and one not assessed are each named by their row, and nothing
// is paid; put right, every row is paid in one go, and sending the same
// workbook again changes nothing. The template lists only the unpaid.
func TestPayDeedTaxesAllOrNothing(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.ready(t)
	if _, err := x.db.AssessDeedTax(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	taxes := actor(x.f, "shuiwu")
	if _, err := x.db.PayDeedTax(ctx, taxes, x.contracts[0].ID, "已缴001", "api"); err != nil {
		t.Fatal(err)
	}
	unpaid, more, err := x.db.UnpaidDeedTaxes(ctx, access.Filter{Jurisdiction: "652301"})
	if err != nil || len(unpaid) != len(x.contracts)-1 || more {
		t.Fatalf("the template's rows: got %d (%v), want the %d unpaid", len(unpaid), err, len(x.contracts)-1)
	}
	if other, _, _ := x.db.UnpaidDeedTaxes(ctx, access.Filter{Jurisdiction: "652302"}); len(other) != 0 {
		t.Errorf("another county's template lists %d of ours", len(other))
	}
	for _, u := range unpaid {
		if u.Contract == x.contracts[0].Number || strings.Contains(u.Buyers, "买受人") || u.Amount.Sign() <= 0 {
			t.Errorf("template row %+v: want an unpaid contract, buyers masked, its amount", u)
		}
	}
	paid := func() (n int) {
		x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM deed_taxes WHERE paid_at IS NOT NULL`).Scan(&n)
		return n
	}
	good := []tax.Payment{{Row: 2, Contract: x.contracts[1].Number, Voucher: "批量002"}, {Row: 3, Contract: x.contracts[2].Number, Voucher: "批量003"}}
	bad := append(append([]tax.Payment{}, good...),
		tax.Payment{Row: 4, Contract: x.contracts[0].Number, Voucher: "另一张"},
		tax.Payment{Row: 5, Contract: "652301YS9999999999", Voucher: "批量005"})
	_, err = x.db.PayDeedTaxes(ctx, taxes, bad, "staff")
	e := problem.As(err)
	var rows []string
	for _, r := range e.Reasons {
		rows = append(rows, r.Message)
	}
	if e.Code != "tax.payments" || len(e.Reasons) != 2 || !strings.Contains(rows[0], "第4行") || !strings.Contains(rows[1], "第5行") {
		t.Errorf("a workbook with two bad rows: got %v %q, want rows 4 and 5 named", err, rows)
	}
	if n := paid(); n != 1 {
		t.Errorf("after the refusal %d are paid, want only the one paid before", n)
	}
	// Not the officer's: another county's tax officer.
	taxThere := request(principalOf(identity.RoleTax, identity.Tax, "652302", x.f.Orgs["652302/tax"].ID))
	if _, err := x.db.PayDeedTaxes(taxThere, taxes, good, "staff"); problem.CodeOf(err) != "tax.payments" {
		t.Errorf("another county's officer: got %v, want the rows refused", err)
	}
	n, err := x.db.PayDeedTaxes(ctx, taxes, good, "staff")
	if err != nil || n != 2 || paid() != 3 {
		t.Errorf("put right: got %d recorded (%v), %d paid; want 2 and 3", n, err, paid())
	}
	if n, err := x.db.PayDeedTaxes(ctx, taxes, good, "staff"); err != nil || n != 0 {
		t.Errorf("the same workbook again: got %d recorded (%v), want 0", n, err)
	}
}

// One 完税凭证 proves the deed tax of one contract, whichever path records
// it: a voucher already recorded for one contract is refused for another
// by the page's and the API's path and by the workbook, naming the
// contract it proves, and changes nothing; the same payment sent again is
// no error. Payments of several contracts with one new voucher at once
// (on PostgreSQL, each in its own transaction) leave exactly one paid.
func TestVoucherProvesOneContract(t *testing.T) {
	x := newCompletionFixture(t)
	ctx := context.Background()
	x.ready(t)
	if _, err := x.db.AssessDeedTax(ctx, x.hous, x.project.ID); err != nil {
		t.Fatal(err)
	}
	if len(x.contracts) < 6 {
		t.Fatalf("the fixture has %d contracts, want at least 6", len(x.contracts))
	}
	taxes := actor(x.f, "shuiwu")
	first, second := x.contracts[0], x.contracts[1]
	if _, err := x.db.PayDeedTax(ctx, taxes, first.ID, "凭证甲", "api"); err != nil {
		t.Fatal(err)
	}
	unpaid := func(c presale.Contract) {
		t.Helper()
		if a, err := x.db.DeedTaxOf(ctx, c.ID); err != nil || a.Paid() {
			t.Errorf("contract %s: paid %v with %q (%v), want unpaid", c.Number, a.Paid(), a.Voucher, err)
		}
	}
	_, err := x.db.PayDeedTax(ctx, taxes, second.ID, " 凭证甲 ", "staff")
	e := problem.As(err)
	if e.Code != "tax.voucher_used" || e.Kind != problem.Conflict || !strings.Contains(e.Message, first.Number) || e.Fields["voucher"] == "" {
		t.Errorf("the voucher of %s for %s: got %v, want tax.voucher_used naming %s", first.Number, second.Number, err, first.Number)
	}
	if len(e.Reasons) != 1 || e.Reasons[0].Rule != "tax.voucher.once" || !strings.Contains(e.Reasons[0].Basis, "契税法") || e.Reasons[0].Fixer == "" {
		t.Errorf("the refusal's reasons: got %+v, want the rule with its basis and who fixes it", e.Reasons)
	}
	unpaid(second)
	_, err = x.db.PayDeedTaxes(ctx, taxes, []tax.Payment{{Row: 2, Contract: second.Number, Voucher: "凭证甲"}}, "staff")
	if e := problem.As(err); e.Code != "tax.payments" || len(e.Reasons) != 1 || !strings.Contains(e.Reasons[0].Message, "第2行") ||
		!strings.Contains(e.Reasons[0].Message, "完税凭证号") || !strings.Contains(e.Reasons[0].Message, first.Number) {
		t.Errorf("a workbook row with the voucher of %s: got %v, want row 2 refused naming %s", first.Number, err, first.Number)
	}
	unpaid(second)
	if a, err := x.db.PayDeedTax(ctx, taxes, first.ID, "凭证甲", "api"); err != nil || a.Voucher != "凭证甲" {
		t.Errorf("the same payment again: got %q (%v), want no change", a.Voucher, err)
	}
	if _, err := x.db.PayDeedTax(ctx, taxes, second.ID, strings.Repeat("号", tax.MaxVoucher+1), "api"); problem.CodeOf(err) != "tax.voucher" {
		t.Errorf("a voucher of %d characters: got %v, want tax.voucher", tax.MaxVoucher+1, err)
	}
	unpaid(second)

	// At once: four contracts, one voucher.
	racing := x.contracts[2:6]
	errs := make([]error, len(racing))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range racing {
		wg.Go(func() {
			<-start
			_, errs[i] = x.db.PayDeedTax(ctx, taxes, c.ID, "凭证乙", "api")
		})
	}
	close(start)
	wg.Wait()
	paid, winner := 0, ""
	for i, err := range errs {
		if err == nil {
			paid++
			winner = racing[i].Number
		}
	}
	for i, err := range errs {
		// The losers are refused naming the contract the voucher proves,
		// on PostgreSQL after the index refused them and they ran again.
		if e := problem.As(err); err != nil && (e.Code != "tax.voucher_used" || winner == "" || !strings.Contains(e.Message, winner)) {
			t.Errorf("contract %s at once: got %v, want paid or tax.voucher_used naming %s", racing[i].Number, err, winner)
		}
	}
	var holders int
	if err := x.db.SQLForTest().QueryRow(`SELECT COUNT(*) FROM deed_taxes WHERE voucher = '凭证乙'`).Scan(&holders); err != nil {
		t.Fatal(err)
	}
	if paid != 1 || holders != 1 {
		t.Errorf("four contracts paid with one voucher at once: %d succeeded, %d recorded; want 1 and 1", paid, holders)
	}
}
