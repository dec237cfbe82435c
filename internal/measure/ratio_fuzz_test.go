package measure

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/problem"
)

// A ratio such as a 分摊系数 is accepted between 0 and 10 with at most six
// decimals, and reads back the same from its written form; a refusal is
// measure.format, measure.range or measure.precision.
func FuzzParseRatio(f *testing.F) {
	for _, s := range []string{"0.215909", "0.187654", " 0 ", "10", "10.000001", "-0.1", "0.1234567", "x", "", "1e1", "1e-6", "1e-7", ".5", "0.5\x00"} {
		f.Add(s)
	}
	ten := decimal.NewFromInt(10)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRatio(s, "分摊系数")
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || (e.Code != "measure.format" && e.Code != "measure.range" && e.Code != "measure.precision") {
				t.Fatalf("ParseRatio(%q) refused with %#v", s, err)
			}
			return
		}
		if d.IsNegative() || d.GreaterThan(ten) || !d.Equal(d.Round(6)) {
			t.Fatalf("ParseRatio(%q) = %s, outside 0–10 to six decimals", s, d)
		}
		for _, w := range []string{d.String(), d.StringFixed(6)} {
			if back, err := ParseRatio(w, "分摊系数"); err != nil || !back.Equal(d) {
				t.Fatalf("ParseRatio(%q) = %s does not read back from %q: %s %v", s, d, w, back, err)
			}
		}
	})
}
