package certificate

import (
	"strings"
	"testing"

	"handover/internal/problem"
)

// errCode is err's stable code, "" for no error.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	return problem.CodeOf(err)
}

func TestCheckReceipt(t *testing.T) {
	ok := Range{Prefix: "XJ", First: 26000001, Last: 26000500, Digits: 8}
	tests := []struct {
		name  string
		edit  func(r *Range)
		want  string
		field string
	}{
		{"a range with a note", func(r *Range) { r.Note = "州中心第一批" }, "", ""},
		{"a note of 200 characters", func(r *Range) { r.Note = strings.Repeat("纸", 200) }, "", ""},
		{"a note too long", func(r *Range) { r.Note = strings.Repeat("纸", 201) }, "paper.range_invalid", "note"},
		{"a range backwards", func(r *Range) { r.First, r.Last = 26000500, 26000001 }, "paper.range_invalid", ""},
		{"a bad range before a long note", func(r *Range) { r.Prefix, r.Note = "", strings.Repeat("纸", 201) }, "paper.range_invalid", ""},
	}
	for _, tt := range tests {
		r := ok
		tt.edit(&r)
		err := CheckReceipt(r)
		if got := errCode(err); got != tt.want || tt.field != "" && problem.As(err).Fields[tt.field] == "" {
			t.Errorf("%s: got %v, want code %q naming %q", tt.name, err, tt.want, tt.field)
		}
		if tt.name == "a bad range before a long note" && problem.As(err).Fields["note"] != "" {
			t.Errorf("%s: got %v, want the range refused, not the note", tt.name, err)
		}
	}
}

func TestParseBlankSerial(t *testing.T) {
	tests := []struct {
		in   string
		want string
		code string
	}{
		{"XJ26000001", "XJ26000001", ""},
		{" xj26000001 ", "XJ26000001", ""},
		{"XJ2600", "", "paper.serial_invalid"},
		{"26000001", "", "paper.serial_invalid"},
		{"", "", "paper.serial_invalid"},
	}
	for _, tt := range tests {
		s, err := ParseBlankSerial(tt.in)
		if got := errCode(err); got != tt.code {
			t.Errorf("ParseBlankSerial(%q): got %v, want code %q", tt.in, err, tt.code)
			continue
		}
		if err != nil {
			if f := problem.As(err).Fields; f["serial"] != SerialFormat || f["paper_serial"] != "" {
				t.Errorf("ParseBlankSerial(%q): got fields %v, want the serial field only", tt.in, f)
			}
			continue
		}
		if s.String() != tt.want {
			t.Errorf("ParseBlankSerial(%q): got %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestCheckPrint(t *testing.T) {
	tests := []struct {
		name         string
		list         []string
		delivery     string
		certificates int
		want         string
		serials      int
	}{
		{"one blank per certificate", []string{"XJ26000001", "XJ26000002"}, "hand", 2, "", 2},
		{"a certificate not printed", []string{"XJ26000001", ""}, "developer", 2, "", 2},
		{"electronic only", []string{"XJ26000001"}, "electronic", 1, "paper.electronic", 0},
		{"electronic before the count", []string{"XJ26000001"}, "electronic", 3, "paper.electronic", 0},
		{"too few serials", []string{"XJ26000001"}, "hand", 2, "paper.count", 0},
	}
	for _, tt := range tests {
		serials, err := CheckPrint(tt.list, tt.delivery, tt.certificates)
		if got := errCode(err); got != tt.want || len(serials) != tt.serials {
			t.Errorf("%s: got %d serials, %v, want %d, code %q", tt.name, len(serials), err, tt.serials, tt.want)
		}
	}
}
