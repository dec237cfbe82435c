package ledger

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

// measureCodes are the codes measure refuses an amount with.
var measureCodes = []string{"measure.missing", "measure.format", "measure.negative", "measure.precision", "measure.range"}

// fuzzMoney holds for every amount accepted: not negative, to the fen,
// within measure's range, and read back the same from its written form.
func fuzzMoney(t *testing.T, what string, d decimal.Decimal) {
	t.Helper()
	if d.IsNegative() || !d.Equal(d.Round(2)) || d.GreaterThan(decimal.New(1, 13)) {
		t.Fatalf("%s accepted as %s", what, d)
	}
	if back, err := ParseMoneyField(measure.Money(d), "x"); err != nil || !back.Equal(d) {
		t.Fatalf("%s = %s does not read back from %s: %s %v", what, d, measure.Money(d), back, err)
	}
}

// An optional date is empty (none) or a real day written as given.
func FuzzParseDateField(f *testing.F) {
	for _, s := range []string{"", " ", "2026-03-10", " 2046-03-10 ", "2026-02-30", "明年", "0001-01-01", "2026-3-10", "2026-03-10\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateField(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "date.format" {
				t.Fatalf("ParseDateField(%q) refused with %#v", s, err)
			}
			return
		}
		v := strings.TrimSpace(s)
		if v == "" {
			if !d.IsZero() {
				t.Fatalf("ParseDateField(%q) = %s, want none", s, d)
			}
			return
		}
		if d.IsZero() || d.String() != v {
			t.Fatalf("ParseDateField(%q) = %q", s, d)
		}
		if back, err := ParseDateField(d.String()); err != nil || back != d {
			t.Fatalf("ParseDateField(%q) = %s does not read back: %s %v", s, d, back, err)
		}
	})
}

// An optional amount is empty (0) or an amount to the fen as measure reads
// it; a refusal is one of measure's codes.
func FuzzParseMoneyField(f *testing.F) {
	for _, s := range []string{"", " ", "89.56", "1,235,000.00", "¥ 100.5", "0", "12.345", "-1", "abc", "1e20", "-0", ".5", "1e3", "，", "1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseMoneyField(s, "出让价款")
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || !slices.Contains(measureCodes, e.Code) {
				t.Fatalf("ParseMoneyField(%q) refused with %#v", s, err)
			}
			return
		}
		if strings.TrimSpace(s) == "" && !d.IsZero() {
			t.Fatalf("ParseMoneyField(%q) = %s, want 0", s, d)
		}
		fuzzMoney(t, "ParseMoneyField("+strconv.Quote(s)+")", d)
	})
}

// A parcel's fields are kept trimmed; a bad amount or date is refused
// under its own field (parcel.invalid) and only then; what it accepts can
// be validated, and a refusal of that names fields too.
func FuzzParseParcel(f *testing.F) {
	f.Add("652301004007GB00121", "68520.36", "125000000", "125000000", "", "2023-12-28", "2094-01-04", "")
	f.Add(" 652301004007gb00121 ", "1,000", "¥5", "0", "120000.5", " 2023-12-28", "2094-01-04 ", "2024-01-01")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("x", "-1", "12.345", "abc", "1e20", "2026-02-30", "明年", "0001-01-01")
	f.Fuzz(func(t *testing.T, code, area, due, paid, floor, start, end, certOn string) {
		in := map[string]string{"code": code, "use": " 城镇住宅用地 ", "right_nature": "出让", "grant_contract": "CR-1", "land_cert_no": "",
			"area": area, "premium_due": due, "premium_paid": paid, "grant_floor_area": floor,
			"term_start": start, "term_end": end, "land_cert_on": certOn}
		p, err := ParseParcel(in)
		var want []string
		for _, m := range []struct {
			field, in string
			got       decimal.Decimal
		}{{"area", area, p.Area}, {"premium_due", due, p.PremiumDue}, {"premium_paid", paid, p.PremiumPaid}, {"grant_floor_area", floor, p.GrantFloor}} {
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
			if !v.Equal(m.got) {
				t.Fatalf("%s %q read as %s, not %s", m.field, m.in, m.got, v)
			}
			fuzzMoney(t, m.field+" "+strconv.Quote(m.in), m.got)
		}
		for _, d := range []struct {
			field, in string
			got       calendar.Date
		}{{"term_start", start, p.TermStart}, {"term_end", end, p.TermEnd}, {"land_cert_on", certOn, p.LandCertOn}} {
			v := strings.TrimSpace(d.in)
			if v == "" {
				if !d.got.IsZero() {
					t.Fatalf("%s empty read as %s", d.field, d.got)
				}
				continue
			}
			if _, perr := calendar.ParseDate(v); perr != nil {
				want = append(want, d.field)
			} else if d.got.String() != v {
				t.Fatalf("%s %q read as %q", d.field, d.in, d.got)
			}
		}
		slices.Sort(want)
		if p.Code != strings.TrimSpace(code) || p.Use != "城镇住宅用地" || p.RightNature != "出让" || p.GrantContract != "CR-1" {
			t.Fatalf("ParseParcel does not keep the text fields trimmed: %+v", p)
		}
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "parcel.invalid" {
				t.Fatalf("ParseParcel refused with %#v", err)
			}
			if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, want) {
				t.Fatalf("ParseParcel(%v) refused %v, want %v", in, got, want)
			}
			return
		}
		if len(want) > 0 {
			t.Fatalf("ParseParcel(%v) accepted", in)
		}
		if err := p.Validate("652301"); err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Code != "parcel.invalid" || len(e.Fields) == 0 {
				t.Fatalf("Validate refused with %#v", err)
			}
		}
	})
}
