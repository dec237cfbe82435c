package credit

import (
	"slices"
	"strings"
	"testing"
)

// Every stored effect reads as one of the three, the strict one unless the
// text names another exactly; an effect reads back from its own name, and
// a matter's effect is always one the matter offers.
func FuzzParseEffect(f *testing.F) {
	for _, s := range []string{"review", "none", "", "nonsense", " refuse ", "Review", "review\x00", "不受影响"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := ParseEffect(s)
		if e != Refuse && e != Review && e != Ignore {
			t.Fatalf("ParseEffect(%q) = %q, not an effect", s, e)
		}
		if e != Refuse && string(e) != strings.TrimSpace(s) {
			t.Fatalf("ParseEffect(%q) = %q, less strict than the text says", s, e)
		}
		if back := ParseEffect(string(e)); back != e {
			t.Fatalf("ParseEffect(%q) = %q does not read back: %q", s, e, back)
		}
		for _, key := range []string{PresalePermit, ContractFiling, FundWithdrawal} {
			got := EffectFor(key, s)
			if !slices.Contains(Effects(key), got) {
				t.Fatalf("EffectFor(%s, %q) = %q, which the matter does not offer", key, s, got)
			}
			if got != e && got != Refuse {
				t.Fatalf("EffectFor(%s, %q) = %q, neither the effect %q nor the strict default", key, s, got, e)
			}
		}
	})
}
