package registry

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"handover/internal/problem"
)

// The automatic-review setting names kinds the system may review (never a
// seal or its release), each read back from the list of their names; a
// refusal is registration.auto_review.
func FuzzParseAutoReview(f *testing.F) {
	for _, s := range []string{"", "first, transfer,mortgage", "seal", "unseal", "unknown", ",", "transfer,,correct", "Transfer", "first\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ks, err := ParseAutoReview(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "registration.auto_review" {
				t.Fatalf("ParseAutoReview(%q) refused with %#v", s, err)
			}
			return
		}
		names := make([]string, len(ks))
		for i, k := range ks {
			if !slices.Contains(AutoReviewKinds, k) {
				t.Fatalf("ParseAutoReview(%q) = %v lets the system review %s", s, ks, k)
			}
			names[i] = string(k)
		}
		back, err := ParseAutoReview(strings.Join(names, ","))
		if err != nil || !slices.Equal(back, ks) {
			t.Fatalf("ParseAutoReview(%q) = %v does not read back: %v %v", s, ks, back, err)
		}
	})
}

// The registration policy is read from its settings, every bad value
// refused at once under its own key (registration.policy); a policy read
// is within the law (1–30 working days) and survives its own settings.
func FuzzParsePolicy(f *testing.F) {
	f.Add("", "", "", "")
	f.Add("1", "0", "transfer,mortgage", "5")
	f.Add("maybe", "true", "seal", "x")
	f.Add("false", " 1 ", "first", "31")
	f.Add("0", "", "", "0")
	f.Fuzz(func(t *testing.T, second, separate, auto, days string) {
		in := map[string]string{SettingSecondReview: second, SettingSeparateRecorder: separate, SettingAutoReview: auto, SettingDays: days}
		p, err := ParsePolicy(in)
		var want []string
		for _, fl := range []struct{ key, v string }{{SettingSecondReview, second}, {SettingSeparateRecorder, separate}} {
			switch strings.TrimSpace(fl.v) {
			case "", "1", "true", "0", "false":
			default:
				want = append(want, fl.key)
			}
		}
		if _, aerr := ParseAutoReview(auto); aerr != nil {
			want = append(want, SettingAutoReview)
		}
		if v := strings.TrimSpace(days); v != "" {
			if n, derr := strconv.Atoi(v); derr != nil || n < 1 || n > 30 {
				want = append(want, SettingDays)
			}
		}
		slices.Sort(want)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "registration.policy" {
				t.Fatalf("ParsePolicy(%v) refused with %#v", in, err)
			}
			if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, want) {
				t.Fatalf("ParsePolicy(%v) refused %v, want %v", in, got, want)
			}
			return
		}
		if len(want) > 0 {
			t.Fatalf("ParsePolicy(%v) accepted", in)
		}
		if p.Days < 1 || p.Days > 30 {
			t.Fatalf("ParsePolicy(%v) allows %d working days", in, p.Days)
		}
		settings := p.Settings()
		if got := slices.Sorted(maps.Keys(settings)); !slices.Equal(got, slices.Sorted(slices.Values(PolicySettings))) {
			t.Fatalf("the policy's settings are %v, want %v", got, PolicySettings)
		}
		back, err := ParsePolicy(settings)
		if err != nil || back.SecondReview != p.SecondReview || back.SeparateRecorder != p.SeparateRecorder || back.Days != p.Days ||
			!slices.Equal(back.AutoReview, p.AutoReview) || !maps.Equal(back.Fees, p.Fees) {
			t.Fatalf("the policy %+v does not survive its settings %v: %+v %v", p, settings, back, err)
		}
	})
}
