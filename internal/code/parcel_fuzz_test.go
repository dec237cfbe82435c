package code

import (
	"errors"
	"strings"
	"testing"

	"handover/internal/problem"
)

// A 宗地代码 is accepted as the upper-cased, trimmed text given, 19 ASCII
// characters that are the parcel of a valid unit number, and reads back
// as itself; a refusal is a code.* error.
func FuzzParseParcelCode(f *testing.F) {
	for _, s := range []string{"652301001002GB00123", " 652301001002gb00123 ", "320684413219GB00029", "652301004007GB00121",
		"652301001002GB0012", "652301001002GB001234", "992301001002GB00123", "65230A001002GB00123", "652301A01002GB00123",
		"65230100100BGB00123", "652301001002GB00000", "652301001002GB0012A", "６52301001002GB00123", "652301001002GB\x0000123", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseParcelCode(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || !strings.HasPrefix(e.Code, "code.") {
				t.Fatalf("ParseParcelCode(%q) refused with %#v", s, err)
			}
			return
		}
		if len(p) != 19 || p != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("ParseParcelCode(%q) = %q, not the code given", s, p)
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
				t.Fatalf("ParseParcelCode(%q) = %q holds %q", s, p, c)
			}
		}
		if back, err := ParseParcelCode(p); err != nil || back != p {
			t.Fatalf("ParseParcelCode(%q) = %q does not read back: %q %v", s, p, back, err)
		}
		u, err := ParseUnitNumber(p + "W00000000")
		if err != nil || u.Parcel() != p {
			t.Fatalf("ParseParcelCode(%q) = %q is not a parcel's unit: %v", s, p, err)
		}
	})
}
