package store_test

import (
	"context"
	"testing"

	"handover/internal/presale"
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
	// The jurisdiction sets its rate: the unpaid shop is assessed again,
	// the flats are not.
	if err := x.db.PutSetting(ctx, actor(x.f, "cj-admin"), x.project.Jurisdiction, tax.SettingProvincialRate, "0.04"); err != nil {
		t.Fatal(err)
	}
	n, err := x.db.AssessDeedTax(ctx, taxes, x.project.ID)
	if err != nil || n != 1 {
		t.Fatalf("assessing at 4 %%: %d changed (%v), want the shop alone", n, err)
	}
	check("jurisdiction's rate", "0.04")
}
