package credit

import "testing"

// A contract's filing has no staff step a listing could send it to: a
// stored "review" reads as the strict default there, and stands elsewhere.
func TestEffectFor(t *testing.T) {
	tests := []struct {
		key, stored string
		want        Effect
	}{
		{PresalePermit, "review", Review},
		{PresalePermit, "none", Ignore},
		{PresalePermit, "", Refuse},
		{PresalePermit, "nonsense", Refuse},
		{FundWithdrawal, "review", Review},
		{ContractFiling, "review", Refuse},
		{ContractFiling, "none", Ignore},
		{ContractFiling, " refuse ", Refuse},
	}
	for _, tt := range tests {
		if got := EffectFor(tt.key, tt.stored); got != tt.want {
			t.Errorf("EffectFor(%s, %q) = %s, want %s", tt.key, tt.stored, got, tt.want)
		}
	}
}
