package calendar

import (
	"errors"
	"testing"
	"time"

	"handover/internal/problem"
)

// A date is read in its one written form or refused as date.format; the
// year 1 January 1st is no exception, since it is what "no date" reads as.
func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-03-05", "2026-03-05"},
		{"2024-02-29", "2024-02-29"},
		{"9999-12-31", "9999-12-31"},
		{"0001-01-02", "0001-01-02"},
		{"0001-01-01", ""}, // the zero date: would be stored as none
		{"2026-02-30", ""},
		{"2025-02-29", ""},
		{"2026-3-5", ""},
		{"2026/03/05", ""},
		{" 2026-03-05", ""},
		{"2026-03-05T00:00:00Z", ""},
		{"", ""},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if tt.want == "" {
			if problem.CodeOf(err) != "date.format" {
				t.Errorf("ParseDate(%q) = %s, %v; want date.format", tt.in, d, err)
			}
			continue
		}
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %s, %v; want %s", tt.in, d, err, tt.want)
		}
	}
}

// An accepted date is a real day, written exactly as it was given, and
// reads back as the same date through its text and its storage form.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-05", "2024-02-29", "9999-12-31", "0001-01-02", "0001-01-01", "0000-01-01",
		"2026-02-30", "2026-3-5", "2026/03/05", " 2026-03-05", "2026-03-05\x00", "", "２０２６-03-05"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "date.format" {
				t.Fatalf("ParseDate(%q) refused with %#v", s, err)
			}
			return
		}
		if d.IsZero() {
			t.Fatalf("ParseDate(%q) accepted the zero date, which reads as none", s)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) prints as %q", s, d.String())
		}
		if NewDate(d.Year(), d.Month(), d.Day()) != d || d.Month() < time.January || d.Month() > time.December || d.Day() < 1 || d.Day() > 31 {
			t.Fatalf("ParseDate(%q) = %s is not a day of the calendar", s, d)
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %s does not read back: %s %v", s, d, back, err)
		}
		var scanned Date
		v, _ := d.Value()
		if err := scanned.Scan(v); err != nil || scanned != d {
			t.Fatalf("ParseDate(%q) = %s does not survive storage: %s %v", s, d, scanned, err)
		}
	})
}
