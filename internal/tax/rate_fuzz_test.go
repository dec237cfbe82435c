package tax

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/problem"
)

// The provincial rate setting is empty (3 %) or a rate from 3 % to
// 5 % (契税法 第三条); what is accepted reads back from its written form and its
// percentage, and a refusal is tax.deed_rate.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"", "0.03", " 0.04 ", "0.05", "0.015", "0", "0.06", "x", "-0.03", "3%", "0.030000", "5e-2", "0.03\x00"} {
		f.Add(s)
	}
	three, five := decimal.RequireFromString("0.03"), decimal.RequireFromString("0.05")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "tax.deed_rate" {
				t.Fatalf("ParseRate(%q) refused with %#v", s, err)
			}
			return
		}
		if r.LessThan(three) || r.GreaterThan(five) {
			t.Fatalf("ParseRate(%q) = %s, outside [3%%, 5%%]", s, r)
		}
		if strings.TrimSpace(s) == "" && !r.Equal(decimal.RequireFromString(DefaultProvincialRate)) {
			t.Fatalf("the default rate reads as %s", r)
		}
		back, err := ParseRate(r.String())
		if err != nil || !back.Equal(r) {
			t.Fatalf("ParseRate(%q) = %s does not read back: %s %v", s, r, back, err)
		}
		pct, err := decimal.NewFromString(strings.TrimSuffix(Percent(r), "%"))
		if err != nil || !pct.Shift(-2).Equal(r) {
			t.Fatalf("ParseRate(%q) = %s shows as %s", s, r, Percent(r))
		}
	})
}
