package store_test

import (
	"context"
	"testing"

	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/registry"
	"handover/internal/store"
)

// The home pages' counts: open services by step and past their day (a
// returned service waits on the applicant and is not overdue), unpaid deed
// taxes and permits to confirm, each within its jurisdiction.
func TestWaiting(t *testing.T) {
	x := newRegistrationFixture(t)
	ctx := context.Background()
	c := x.contracts[0]
	a := x.apply(t, store.ServiceInput{Kind: registry.First, UnitID: c.UnitID}, store.ServiceInput{Kind: registry.Transfer, UnitID: c.UnitID})
	if _, err := x.db.AddPermit(ctx, x.dev, ledger.Permit{ProjectID: x.project.ID, Kind: ledger.Planning, Number: "建字第652301202600099号",
		IssuedOn: calendar.MustDate("2026-01-05"), Issuer: "昌吉市自然资源局", Scope: "补充"}); err != nil {
		t.Fatal(err)
	}
	due := a.Services[0].DueOn
	type want struct{ accepted, returned, overdue, permits int }
	check := func(name, jurisdiction string, today calendar.Date, w want) {
		t.Helper()
		got, err := x.db.Waiting(ctx, jurisdiction, today)
		if err != nil {
			t.Fatal(err)
		}
		g := want{got.Services[registry.Accepted], got.Services[registry.ReturnedSt], got.Overdue, got.PermitsToConfirm}
		if g != w || got.DeedTaxUnpaid != 0 {
			t.Errorf("%s: got %+v (deed tax unpaid %d), want %+v and no unpaid tax", name, g, got.DeedTaxUnpaid, w)
		}
	}
	check("home county, on the due day", "652301", due, want{accepted: 2, permits: 1})
	check("home county, a day late", "652301", due.AddDays(1), want{accepted: 2, overdue: 2, permits: 1})
	check("prefecture", "", due.AddDays(1), want{accepted: 2, overdue: 2, permits: 1})
	check("another county", "652302", due.AddDays(1), want{})
	if _, err := x.step(t, x.reviewer, a, registry.StepReturn, store.StepOptions{Reason: "申请书未签字"}); err != nil {
		t.Fatal(err)
	}
	check("returned", "652301", due.AddDays(1), want{returned: 2, permits: 1})
}
