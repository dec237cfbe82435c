package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseApplicants(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // name|number
	}{
		{"one a line", "张伟 652301199003071231\n李娜\t11010519491231002x\n", []string{"张伟|652301199003071231", "李娜|11010519491231002x"}},
		{"a body's name with a space", "新疆 天山房地产开发有限公司 91652301MA78XKQ12K", []string{"新疆 天山房地产开发有限公司|91652301MA78XKQ12K"}},
		{"commas and 、", "张伟，652301199003071231\r\n\n  ", []string{"张伟|652301199003071231"}},
		{"a name alone", "马建华", []string{"马建华|"}},
		{"a number first", "652301199003071231 张伟", []string{"|652301199003071231", "张伟|"}},
		{"two on one line, as 、 parted them", "张伟 652301199003071231、李娜 11010519491231002X", []string{"张伟|652301199003071231", "李娜|11010519491231002X"}},
		{"a passport", "John Smith 护照 E12345678", []string{"John Smith|护照 E12345678"}},
		{"a short number stays in the name", "王五 123", []string{"王五 123|"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range parseApplicants(tt.text) {
				got = append(got, a.Name+"|"+strings.TrimSpace(a.IDKind+" "+a.IDNumber))
			}
			if strings.Join(got, ";") != strings.Join(tt.want, ";") {
				t.Errorf("parseApplicants(%q): got %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// Whatever is typed, every applicant read has a name or a number, a number
// is one unbroken word of Latin letters and digits and never part of a
// name, and nothing typed is lost: each word of the text is in a name or
// is a number or a document's kind.
func FuzzParseApplicants(f *testing.F) {
	for _, s := range []string{"张伟 652301199003071231", "a b c\nd", "，、,", "x 12345678", "\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		words := 0
		for _, a := range parseApplicants(text) {
			if a.Name == "" && a.IDNumber == "" {
				t.Fatalf("parseApplicants(%q): an applicant without a name or a number", text)
			}
			if a.IDNumber != "" && !isDocNumber(a.IDNumber) {
				t.Fatalf("parseApplicants(%q): number %q", text, a.IDNumber)
			}
			for _, w := range strings.Fields(a.Name) {
				words++
				if isDocNumber(w) {
					t.Fatalf("parseApplicants(%q): the number %q in the name %q", text, w, a.Name)
				}
			}
			if a.IDNumber != "" {
				words++
			}
			if a.IDKind != "" {
				words++
			}
		}
		want := len(strings.FieldsFunc(text, func(r rune) bool { return isSeparator(r) }))
		if words != want {
			t.Errorf("parseApplicants(%q): %d words read, want %d", text, words, want)
		}
	})
}

// A fault of the store's second service is shown at the form's line that
// took it, a line left without a kind taking none.
func TestFormFieldFollowsTheLines(t *testing.T) {
	p := &NewApplicationPage{lines: []int{1, 2}}
	for k, want := range map[string]string{
		"services[0].unit_no":          "unit_no_1",
		"services[1].holders[0].share": "holders_2",
		"services[1]":                  "line_2",
		"applicants":                   "applicants",
	} {
		if got := p.formField(k); got != want {
			t.Errorf("formField(%q): got %q, want %q", k, got, want)
		}
	}
}
