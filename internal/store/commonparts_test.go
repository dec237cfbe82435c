package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"handover/internal/registry"
	"handover/internal/store"
)

// The completion survey marks a unit never sold as the building's
// 物业服务用房: once accepted, the unit cannot be sold (contract.common_part),
// the building's first registration records it as 业主共有 (全体业主, 共同
// 共有) rather than the developer's, and every flat's entry names it. A sold
// unit cannot be marked.
func TestCommonPartsAtFirstRegistration(t *testing.T) {
	var common int // the 户号 of the unit marked
	x := newRegistrationFixture(t, func(c *completionFixture) {
		sold := map[int64]bool{}
		for _, k := range c.contracts {
			sold[k.UnitID] = true
		}
		for _, u := range c.units {
			if !sold[u.ID] && common == 0 {
				common = u.Number
			}
		}
		c.common = map[int]string{common: "物业服务用房"}
	})
	ctx := context.Background()
	var unit, flat int64
	for _, u := range x.units {
		if u.Number == common {
			unit = u.ID
		}
	}
	flat = x.contracts[0].UnitID
	ref, err := x.db.Unit(ctx, unit)
	if err != nil || ref.Unit.CommonPart != "物业服务用房" {
		t.Fatalf("the marked unit: %q (%v), want 物业服务用房", ref.Unit.CommonPart, err)
	}
	in := x.input(unit)
	if _, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, in); !slices.Contains(rulesOf(err), "contract.common_part") {
		t.Errorf("drafting a contract of the common part: %v, want contract.common_part", err)
	}
	// The building's first registration, at the counter.
	if _, err := x.record(t, store.ServiceInput{Kind: registry.First, BuildingID: x.building}); err != nil {
		t.Fatal(err)
	}
	book, _ := x.db.UnitBook(ctx, unit)
	owners := registry.Live(book, registry.Ownership)
	if len(owners) != 1 || len(owners[0].Holders) != 1 || owners[0].Holders[0].Name != registry.AllOwners.Name || owners[0].Ownership != "共同共有" ||
		!strings.Contains(owners[0].Note, "物业服务用房") {
		t.Errorf("the common part's entry: %+v, want 全体业主, 共同共有, naming it", owners)
	}
	book, _ = x.db.UnitBook(ctx, flat)
	owners = registry.Live(book, registry.Ownership)
	if len(owners) != 1 || owners[0].Holders[0].Name == registry.AllOwners.Name || !strings.Contains(owners[0].Note, "本幢业主共有部分：物业服务用房（"+ref.Unit.Room+"）") {
		t.Errorf("a flat's entry: %+v, want the developer's, naming the common part", owners)
	}
}

// A survey marking a sold flat as a common part is refused, naming it.
func TestSurveyRefusesASoldFlatAsCommonPart(t *testing.T) {
	x := newCompletionFixture(t)
	for _, u := range x.units {
		if u.ID == x.contracts[0].UnitID {
			x.common = map[int]string{u.Number: "物业服务用房"}
		}
	}
	res, err := x.db.SubmitSurvey(context.Background(), x.surveyor, x.building, x.survey(nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Column != "业主共有部分" || !strings.Contains(res.Errors[0].Reason, "已网签出售") {
		t.Errorf("errors %+v, want the sold flat refused as a common part", res.Errors)
	}
}
