package handover

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// A target is one of the three steps (empty is the handover), read back
// from its own name; anything else is readiness.target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"", "completion_filing", "first_registration", "handover", "x", " handover", "HANDOVER", "handover\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "readiness.target" {
				t.Fatalf("ParseTarget(%q) refused with %#v", s, err)
			}
			return
		}
		if tg != Filing && tg != FirstRegistration && tg != Delivery {
			t.Fatalf("ParseTarget(%q) = %q, not a step", s, tg)
		}
		if s != "" && string(tg) != s {
			t.Fatalf("ParseTarget(%q) = %q, not the name given", s, tg)
		}
		if back, err := ParseTarget(string(tg)); err != nil || back != tg {
			t.Fatalf("ParseTarget(%q) = %q does not read back: %q %v", s, tg, back, err)
		}
	})
}

// A scheduled handover's dates are read as given or refused under their
// own field (handover.invalid): a date accepted prints back as typed, a
// date left empty stays none, and nothing else is refused.
func FuzzInputEvent(f *testing.F) {
	f.Add("2026-10-20", "2026-10-08", "1号楼大堂", "onsite")
	f.Add("2026-10-20", "", "", "entrusted")
	f.Add("2026-13-01", "2026-02-30", "x", "")
	f.Add("", "10/08/2026", "售楼处", "onsite")
	f.Add(" 2026-10-20", "2026-10-08 ", "", "")
	f.Add("0001-01-01", "0001-01-01", "", "")
	f.Fuzz(func(t *testing.T, held, notice, place, mode string) {
		in := Input{Buildings: []int64{1, 2}, HeldOn: held, NoticeOn: notice, Place: place, Mode: mode}
		e, err := in.Event(7)
		var want []string
		for _, d := range []struct {
			field, in string
			got       calendar.Date
		}{{"held_on", held, e.HeldOn}, {"notice_on", notice, e.NoticeOn}} {
			if d.in == "" {
				if !d.got.IsZero() {
					t.Fatalf("%s empty read as %s", d.field, d.got)
				}
				continue
			}
			if _, perr := calendar.ParseDate(d.in); perr != nil {
				want = append(want, d.field)
				continue
			}
			if d.got.IsZero() || d.got.String() != d.in {
				t.Fatalf("%s %q read as %q", d.field, d.in, d.got)
			}
		}
		if err == nil {
			if len(want) > 0 {
				t.Fatalf("Event accepted %q and %q", held, notice)
			}
		} else {
			var pe *problem.Error
			if !errors.As(err, &pe) || pe.Kind != problem.Invalid || pe.Code != "handover.invalid" {
				t.Fatalf("Event(%q, %q) refused with %#v", held, notice, err)
			}
			if got := slices.Sorted(maps.Keys(pe.Fields)); !slices.Equal(got, want) {
				t.Fatalf("Event(%q, %q) refused %v, want %v", held, notice, got, want)
			}
		}
		if e.ProjectID != 7 || !slices.Equal(e.Buildings, in.Buildings) || e.Place != place || string(e.Mode) != mode {
			t.Fatalf("Event does not keep the input: %+v", e)
		}
	})
}
