package presale

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/measure"
	"handover/internal/problem"
)

// A contract form is read field by field: an amount accepted is an amount
// to the fen as measure reads it, a rate a number, a date a real day as
// typed, a share a fraction with a positive denominator (or none); each
// bad field, and only a bad field, is refused under its own key
// (contract.invalid). Buyers with neither name nor ID number are skipped;
// the others are kept trimmed, in order.
func FuzzContractFormInput(f *testing.F) {
	f.Add("12500.00", "800000", "3", "3", "2027-06-30", "张伟", "652301199003071231", "1/2", "1/2")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("12.345", "-1", "万分之三", "0.5", "2027-02-30", " ", " ", "1", "x")
	f.Add("¥1,000", "1e20", " 3 ", "1e2", " 2027-06-30", "李娜", "11010519491231002x", " 2 / 3 ", "")
	f.Add("abc", "0", "-3", "", "0001-01-01", "", "110105", "1/0", "1/-2")
	f.Fuzz(func(t *testing.T, price, loan, lateDelivery, lateCert, delivery, name, id, share0, share1 string) {
		in := ContractForm{UnitID: 5, Ownership: "shares", PriceBasis: "gross", UnitPrice: price, Payment: "commercial", LoanBank: 2,
			LoanAmount: loan, LoanYears: 20, LoanNo: "JK-1", HomeCount: "first", Marital: "已婚", DeliveryDate: delivery,
			DeliveryConditions: []string{"通水"}, RegistrationDays: 90, LateDeliveryRate: lateDelivery, LateCertificateRate: lateCert,
			Buyers: []ContractFormBuyer{{Name: name, IDNumber: id, Phone: " 13800000000 ", Share: share0}, {}, {Name: "王芳", Share: share1}}}
		out, err := in.Input()
		var want []string
		for _, m := range []struct {
			field, in string
			got       decimal.Decimal
		}{{"unit_price", price, out.UnitPrice}, {"loan_amount", loan, out.LoanAmount}} {
			if strings.TrimSpace(m.in) == "" {
				if !m.got.IsZero() {
					t.Fatalf("%s empty read as %s", m.field, m.got)
				}
				continue
			}
			v, merr := measure.Parse(m.in, m.field)
			if merr != nil {
				want = append(want, m.field)
				continue
			}
			if !v.Equal(m.got) || m.got.IsNegative() || !m.got.Equal(m.got.Round(2)) {
				t.Fatalf("%s %q read as %s", m.field, m.in, m.got)
			}
			if back, err := measure.Parse(measure.Money(m.got), m.field); err != nil || !back.Equal(m.got) {
				t.Fatalf("%s %s does not read back from %s: %v", m.field, m.got, measure.Money(m.got), err)
			}
		}
		for _, r := range []struct {
			field, in string
			got       decimal.Decimal
		}{{"late_delivery_rate", lateDelivery, out.LateDeliveryRate}, {"late_certificate_rate", lateCert, out.LateCertificateRate}} {
			if strings.TrimSpace(r.in) == "" {
				if !r.got.IsZero() {
					t.Fatalf("%s empty read as %s", r.field, r.got)
				}
				continue
			}
			v, rerr := decimal.NewFromString(strings.TrimSpace(r.in))
			if rerr != nil {
				want = append(want, r.field)
			} else if !v.Equal(r.got) {
				t.Fatalf("%s %q read as %s", r.field, r.in, r.got)
			} else if back, err := decimal.NewFromString(r.got.String()); err != nil || !back.Equal(r.got) {
				t.Fatalf("%s %s does not read back: %v", r.field, r.got, err)
			}
		}
		if strings.TrimSpace(delivery) != "" {
			if _, derr := calendar.ParseDate(delivery); derr != nil {
				want = append(want, "delivery_date")
			} else if out.DeliveryDate.IsZero() || out.DeliveryDate.String() != delivery {
				t.Fatalf("delivery_date %q read as %q", delivery, out.DeliveryDate)
			}
		} else if !out.DeliveryDate.IsZero() {
			t.Fatalf("delivery_date empty read as %s", out.DeliveryDate)
		}
		var kept []ContractFormBuyer
		for i, b := range in.Buyers {
			if strings.TrimSpace(b.Name) == "" && strings.TrimSpace(b.IDNumber) == "" {
				continue
			}
			kept = append(kept, b)
			if _, _, serr := measure.ParseShare(b.Share); serr != nil {
				want = append(want, "buyers["+strconv.Itoa(i)+"].share")
			}
		}
		if len(out.Buyers) != len(kept) {
			t.Fatalf("kept %d buyers of %+v", len(out.Buyers), in.Buyers)
		}
		for i, b := range out.Buyers {
			k := kept[i]
			if b.Name != strings.TrimSpace(k.Name) || b.IDNumber != strings.ToUpper(strings.TrimSpace(k.IDNumber)) || b.Phone != strings.TrimSpace(k.Phone) {
				t.Fatalf("buyer %d read as %+v from %+v", i, b, k)
			}
			if b.ShareDen < 0 || (b.ShareDen == 0 && b.ShareNum != 0) {
				t.Fatalf("buyer %d's share %q read as %d/%d", i, k.Share, b.ShareNum, b.ShareDen)
			}
			if _, _, serr := measure.ParseShare(k.Share); serr == nil && strings.TrimSpace(k.Share) != "" && b.ShareDen == 0 {
				t.Fatalf("buyer %d's share %q lost", i, k.Share)
			}
		}
		slices.Sort(want)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "contract.invalid" {
				t.Fatalf("Input refused with %#v", err)
			}
			if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, want) {
				t.Fatalf("Input(%+v) refused %v, want %v", in, got, want)
			}
		} else if len(want) > 0 {
			t.Fatalf("Input(%+v) accepted, want %v refused", in, want)
		}
		if out.UnitID != 5 || out.Ownership != Shares || out.PriceBasis != PriceBasis("gross") || out.Payment != Payment("commercial") ||
			out.LoanBank != 2 || out.LoanYears != 20 || out.LoanNo != "JK-1" || out.HomeCount != FirstHome || out.Marital != "已婚" ||
			out.RegistrationDays != 90 || !slices.Equal(out.DeliveryConditions, in.DeliveryConditions) {
			t.Fatalf("Input does not keep the form: %+v", out)
		}
	})
}
