package registry

import (
	"encoding/json"
	"testing"
)

func TestCheckID(t *testing.T) {
	tests := []struct {
		name, kind, number   string
		wantNumber, wantKind string
		wantFault            bool
	}{
		{"a 身份证号", "", "652301199003071231", "652301199003071231", IDCardKind, false},
		{"a lower-case x", "", "11010519491231002x", "11010519491231002X", IDCardKind, false},
		{"a mistyped check digit", "", "652301199003071232", "652301199003071232", IDCardKind, true},
		{"too short", "", "65230119900307", "65230119900307", IDCardKind, true},
		{"a 统一社会信用代码 read from its letters", "", "91652301MA78XKQ12A", "91652301MA78XKQ12A", USCCKind, true},
		{"a 统一社会信用代码 named", USCCKind, "91652301ma78xkq12k", "91652301MA78XKQ12K", USCCKind, false},
		{"a 统一社会信用代码 without its kind", "", "91652301MA78XKQ12K", "91652301MA78XKQ12K", USCCKind, false},
		{"a passport", "护照", "e12345678", "E12345678", "护照", false},
		{"a passport's number mistyped", "护照", "E1234-5678", "E1234-5678", "护照", true},
		{"an unknown document", "驾驶证", "652301199003071231", "652301199003071231", "驾驶证", true},
		{"a 统一社会信用代码 all digits but its last", "", "91110108551385082Q", "91110108551385082Q", USCCKind, false},
		{"an all-digit number valid as neither: the 身份证号's fault", "", "911101085513850821", "911101085513850821", IDCardKind, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, k, msg := CheckID(tt.kind, tt.number)
			if n != tt.wantNumber || k != tt.wantKind || (msg != "") != tt.wantFault {
				t.Errorf("CheckID(%q, %q): got %q %q %q, want %q %q fault=%v", tt.kind, tt.number, n, k, msg, tt.wantNumber, tt.wantKind, tt.wantFault)
			}
		})
	}
}

// A number CheckID accepts is accepted again as it returned it, with the
// same kind: the canonical form is a fixed point.
func FuzzCheckID(f *testing.F) {
	for _, s := range []string{"652301199003071231", "11010519491231002x", "91652301MA78XKQ12A", "", "X", "６５２３０１"} {
		f.Add("", s)
		f.Add(USCCKind, s)
	}
	f.Fuzz(func(t *testing.T, kind, number string) {
		n, k, msg := CheckID(kind, number)
		if msg != "" {
			return
		}
		n2, k2, msg2 := CheckID(k, n)
		if n2 != n || k2 != k || msg2 != "" {
			t.Errorf("CheckID(%q, %q) = %q %q, but again gives %q %q %q", kind, number, n, k, n2, k2, msg2)
		}
	})
}

// An applicant reads from an object or, as older records hold it, a name.
func TestApplicantJSON(t *testing.T) {
	var got []Applicant
	if err := json.Unmarshal([]byte(`["张伟", {"name": "李娜", "id_number": "11010519491231002X"}]`), &got); err != nil {
		t.Fatal(err)
	}
	want := []Applicant{{Name: "张伟"}, {Name: "李娜", IDNumber: "11010519491231002X"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
