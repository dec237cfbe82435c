package completion

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/measure"
	"handover/internal/problem"
)

// fuzzRefused fails unless err is an Invalid *problem.Error with code, and
// returns it.
func fuzzRefused(t *testing.T, what string, err error, code string) *problem.Error {
	t.Helper()
	var e *problem.Error
	if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != code {
		t.Fatalf("%s refused with %#v, want %s", what, err, code)
	}
	return e
}

// fuzzFields is the sorted field names of a refusal.
func fuzzFields(e *problem.Error) []string { return slices.Sorted(maps.Keys(e.Fields)) }

// fuzzAmount holds for every amount accepted: not negative, to the fen,
// within measure's range.
func fuzzAmount(t *testing.T, what string, d decimal.Decimal) {
	t.Helper()
	if d.IsNegative() || !d.Equal(d.Round(2)) || d.GreaterThan(decimal.New(1, 13)) {
		t.Fatalf("%s accepted as %s", what, d)
	}
}

// The departments setting is empty (every department) or distinct
// departments of joint acceptance, which read back from their list.
func FuzzParseDepartments(f *testing.F) {
	for _, s := range []string{"", "fire, planning", "fire,fire", "police", ",", "planning,land,fire,civil_defence,meteorology,archives", " fire ", "fire,", "fire\x00"} {
		f.Add(s)
	}
	all := identity.Services[identity.Acceptance]
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := ParseDepartments(s)
		if err != nil {
			fuzzRefused(t, "ParseDepartments("+strconv.Quote(s)+")", err, "acceptance.departments")
			return
		}
		if len(ds) == 0 {
			t.Fatalf("ParseDepartments(%q) accepted no department", s)
		}
		for i, d := range ds {
			if !slices.Contains(all, d) || slices.Contains(ds[:i], d) {
				t.Fatalf("ParseDepartments(%q) = %v", s, ds)
			}
		}
		back, err := ParseDepartments(strings.Join(ds, ","))
		if err != nil || !slices.Equal(back, ds) {
			t.Fatalf("ParseDepartments(%q) = %v does not read back: %v %v", s, ds, back, err)
		}
	})
}

// The working days setting is empty (5) or 1–60, read back from its number.
func FuzzParseDays(f *testing.F) {
	for _, s := range []string{"", "7", "0", "61", "x", " 60 ", "1", "+5", "05", "-1", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDays(s)
		if err != nil {
			fuzzRefused(t, "ParseDays("+strconv.Quote(s)+")", err, "acceptance.days")
			return
		}
		if n < 1 || n > 60 || (strings.TrimSpace(s) == "" && n != DefaultDays) {
			t.Fatalf("ParseDays(%q) = %d", s, n)
		}
		if back, err := ParseDays(strconv.Itoa(n)); err != nil || back != n {
			t.Fatalf("ParseDays(%q) = %d does not read back: %d %v", s, n, back, err)
		}
	})
}

// The blocking setting is empty (the default) or project items other than
// the maintenance fund, which read back from their list.
func FuzzParseBlocking(f *testing.F) {
	for _, s := range []string{"", "infrastructure", "maintenance", "land_premium, soil_water", "x", ",", "infrastructure,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ks, err := ParseBlocking(s)
		if err != nil {
			fuzzRefused(t, "ParseBlocking("+strconv.Quote(s)+")", err, "accounting.blocking")
			return
		}
		if len(ks) == 0 {
			t.Fatalf("ParseBlocking(%q) accepted nothing", s)
		}
		names := make([]string, len(ks))
		for i, k := range ks {
			if !slices.Contains(ItemKinds, k) || k == Maintenance {
				t.Fatalf("ParseBlocking(%q) = %v", s, ks)
			}
			names[i] = string(k)
		}
		back, err := ParseBlocking(strings.Join(names, ","))
		if err != nil || !slices.Equal(back, ks) {
			t.Fatalf("ParseBlocking(%q) = %v does not read back: %v %v", s, ks, back, err)
		}
	})
}

// The maintenance fund rate is empty (120) or above 0 and at most 1000
// 元/m², to the fen, read back from its written form.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"", "120", "-1", "0", "1000", "1000.01", "0.01", "12.345", "¥120", "1,000", "x", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			fuzzRefused(t, "ParseRate("+strconv.Quote(s)+")", err, "maintenance.rate")
			return
		}
		fuzzAmount(t, "the rate "+strconv.Quote(s), r)
		if !r.IsPositive() || r.GreaterThan(decimal.NewFromInt(1000)) {
			t.Fatalf("ParseRate(%q) = %s, outside (0, 1000]", s, r)
		}
		if back, err := ParseRate(r.String()); err != nil || !back.Equal(r) {
			t.Fatalf("ParseRate(%q) = %s does not read back: %s %v", s, r, back, err)
		}
	})
}

// An item's figures are empty (0) or amounts to the fen; a bad figure is
// refused under its own field (accounting.invalid) and only then.
func FuzzParseItem(f *testing.F) {
	f.Add("1,235,000.00", "0")
	f.Add("", "")
	f.Add("12.345", "-1")
	f.Add("abc", "100")
	f.Add("¥100.5", "1e20")
	f.Fuzz(func(t *testing.T, due, paid string) {
		d, p, err := ParseItem(due, paid)
		var want []string
		for _, v := range []struct {
			field, in string
			got       decimal.Decimal
		}{{"due", due, d}, {"paid", paid, p}} {
			if strings.TrimSpace(v.in) == "" {
				if !v.got.IsZero() {
					t.Fatalf("%s empty read as %s", v.field, v.got)
				}
				continue
			}
			m, merr := measure.Parse(v.in, v.field)
			if merr != nil {
				want = append(want, v.field)
				continue
			}
			fuzzAmount(t, v.field+" "+strconv.Quote(v.in), v.got)
			if !v.got.Equal(m) {
				t.Fatalf("%s %q read as %s, not %s", v.field, v.in, v.got, m)
			}
		}
		if err == nil {
			if len(want) > 0 {
				t.Fatalf("ParseItem(%q, %q) accepted", due, paid)
			}
			return
		}
		e := fuzzRefused(t, "ParseItem", err, "accounting.invalid")
		if got := fuzzFields(e); !slices.Equal(got, want) {
			t.Fatalf("ParseItem(%q, %q) refused %v, want %v", due, paid, got, want)
		}
	})
}

// A filing's dates are read as given (trimmed) or refused under their own
// field (filing.invalid): the filing date under filed_on, promise i's
// date under promise_i; a promise with neither title nor date is skipped,
// and a promise kept has a real date.
func FuzzFilingInput(f *testing.F) {
	f.Add("2026-09-01", "规划条件核实意见", "2026-10-01", "", "")
	f.Add("", "", "", "档案移交", "")
	f.Add(" 2026-09-01 ", " ", " ", "x", "2026-02-30")
	f.Add("2026/09/01", "", "0001-01-01", "", "2026-13-01")
	f.Fuzz(func(t *testing.T, filed, title0, due0, title1, due1 string) {
		in := FilingInput{Number: "BA-1", FiledOn: filed, Buildings: []int64{3},
			Promises: []PromiseInput{{Title: title0, DueOn: due0}, {Title: title1, DueOn: due1}}}
		fl, promised, err := in.Filing(9, "staff")
		var want []string
		if v := strings.TrimSpace(filed); v != "" {
			if _, perr := calendar.ParseDate(v); perr != nil {
				want = append(want, "filed_on")
			} else if fl.FiledOn.String() != v {
				t.Fatalf("filed_on %q read as %q", filed, fl.FiledOn)
			}
		} else if !fl.FiledOn.IsZero() {
			t.Fatalf("filed_on empty read as %s", fl.FiledOn)
		}
		var kept []string
		for i, p := range in.Promises {
			if strings.TrimSpace(p.Title) == "" && strings.TrimSpace(p.DueOn) == "" {
				continue
			}
			kept = append(kept, p.Title)
			if _, perr := calendar.ParseDate(strings.TrimSpace(p.DueOn)); perr != nil {
				want = append(want, "promise_"+strconv.Itoa(i))
			}
		}
		if len(promised) != len(kept) {
			t.Fatalf("kept %d promises of %+v", len(promised), in.Promises)
		}
		for i, c := range promised {
			if c.Title != kept[i] {
				t.Fatalf("promise %d is %q, want %q", i, c.Title, kept[i])
			}
		}
		slices.Sort(want)
		if err == nil {
			if len(want) > 0 {
				t.Fatalf("Filing accepted %+v", in)
			}
			for _, c := range promised {
				if c.DueOn.IsZero() {
					t.Fatalf("Filing accepted a promise with no date: %+v", in)
				}
			}
		} else if got := fuzzFields(fuzzRefused(t, "Filing", err, "filing.invalid")); !slices.Equal(got, want) {
			t.Fatalf("Filing(%+v) refused %v, want %v", in, got, want)
		}
		if fl.ProjectID != 9 || fl.Source != "staff" || fl.Number != "BA-1" || !slices.Equal(fl.Buildings, in.Buildings) {
			t.Fatalf("Filing does not keep the input: %+v", fl)
		}
	})
}

// A survey sent as text keeps every unit in order; a figure it accepts is
// an area to the hundredth (a ratio: 0–10 to six decimals), equal to what
// measure reads, and a figure refused is one row error naming its column
// (and, for a unit, the unit).
func FuzzSurveyInput(f *testing.F) {
	f.Add("1234.56", "68520.36", "", "652301004007GB00121F00010001", "112.35", "92.40", "19.95", "0.215909")
	f.Add("", "x", "-1", "", "12.345", "", "1e20", "10.0000001")
	f.Add("1,000", "¥5", "0", "A", "0", "0", "0", "11")
	f.Fuzz(func(t *testing.T, total, land, floor, unitNo, uTotal, inner, shared, ratio string) {
		in := SurveyInput{ReportNo: "R-1", BuildingTotal: total, LandArea: land, FloorArea: floor,
			Units: []SurveyInputUnit{{UnitNo: unitNo, Total: uTotal, Inner: inner, Shared: shared, Ratio: ratio}, {UnitNo: "B", Total: "1", Inner: "1", Shared: "0", Ratio: "0"}}}
		s, errs := in.Survey("api")
		if s.ReportNo != "R-1" || s.Source != "api" || len(s.Units) != 2 || s.Units[0].Row != 1 || s.Units[1].Row != 2 ||
			s.Units[0].UnitNo != strings.TrimSpace(unitNo) {
			t.Fatalf("Survey does not keep the input: %+v", s)
		}
		type cell struct {
			sheet, col string
			row        int
		}
		var want []cell
		area := func(sheet string, row int, col, v string, got decimal.Decimal) {
			m, err := measure.Parse(v, col)
			if err != nil {
				want = append(want, cell{sheet, col, row})
				return
			}
			fuzzAmount(t, col+" "+strconv.Quote(v), got)
			if !got.Equal(m) {
				t.Fatalf("%s %q read as %s, not %s", col, v, got, m)
			}
		}
		area(SheetSurvey, 2, "building_total", total, s.BuildingTotal)
		area(SheetSurvey, 2, "land_area", land, s.LandArea)
		area(SheetSurvey, 2, "floor_area", floor, s.FloorArea)
		u := s.Units[0]
		area(SheetSurveyUnits, 1, "total", uTotal, u.Areas.Total)
		area(SheetSurveyUnits, 1, "inner", inner, u.Areas.Inner)
		area(SheetSurveyUnits, 1, "shared", shared, u.Areas.Shared)
		if _, err := measure.ParseRatio(ratio, "分摊系数"); err != nil {
			want = append(want, cell{SheetSurveyUnits, "ratio", 1})
		} else if r := u.Areas.Ratio; r.IsNegative() || r.GreaterThan(decimal.NewFromInt(10)) || !r.Equal(r.Round(6)) {
			t.Fatalf("ratio %q read as %s", ratio, r)
		}
		if len(errs) != len(want) {
			t.Fatalf("Survey gave %d row errors %v, want %v", len(errs), errs, want)
		}
		for i, e := range errs {
			if (cell{e.Sheet, e.Column, e.Row}) != want[i] || e.Reason == "" {
				t.Fatalf("row error %d is %+v, want %+v", i, e, want[i])
			}
			if e.Sheet == SheetSurveyUnits && strings.TrimSpace(unitNo) != "" && !strings.Contains(e.Reason, strings.TrimSpace(unitNo)) {
				t.Fatalf("row error %+v does not name the unit %q", e, unitNo)
			}
		}
	})
}
