package code

import (
	"strings"
	"testing"

	"handover/internal/problem"
)

func TestParseUnitNumber(t *testing.T) {
	tests := []struct {
		in       string
		wantErr  string // problem code, "" when valid
		building string
		house    string
	}{
		{"652301001002GB00123F00030012", "", "0003", "0012"},
		{"652301001002gb00123f00030012", "", "0003", "0012"},
		{" 652301001002GB00123F00030012 ", "", "0003", "0012"},
		{"320684413219GB00029F00010002", "", "0001", "0002"},
		{"652301001002GB00123W00000000", "", "", ""},
		{"652301001002JA00001W00000000", "", "", ""},
		{"652301001002GE00001L00000001", "", "", ""},
		{"652301001002GB00123W00000001", "code.unit.fixture_unit", "", ""},
		{"652301001002GB00123F0003001", "code.unit.length", "", ""},
		{"652301001002GB00123F000300123", "code.unit.length", "", ""},
		{"", "code.unit.length", "", ""},
		{"992301001002GB00123F00030012", "code.unit.county", "", ""},
		{"65230A001002GB00123F00030012", "code.unit.county", "", ""},
		{"652301A01002GB00123F00030012", "code.unit.district", "", ""},
		{"65230100100BGB00123F00030012", "code.unit.subdistrict", "", ""},
		{"652301001002QB00123F00030012", "code.unit.parcel_feature", "", ""},
		{"652301001002GK00123F00030012", "code.unit.parcel_feature", "", ""},
		{"652301001002GB00000F00030012", "code.unit.parcel_seq", "", ""},
		{"652301001002GB0012AF00030012", "code.unit.parcel_seq", "", ""},
		{"652301001002GB00123K00030012", "code.unit.fixture", "", ""},
		{"652301001002GD00123F00030012", "code.unit.fixture", "", ""}, // 耕地承包 cannot carry a house
		{"652301001002GB00123F0003001A", "code.unit.fixture_unit", "", ""},
		{"652301001002GB00123F00000012", "code.unit.building", "", ""},
		{"652301001002GB00123F00030000", "code.unit.household", "", ""},
		{"６52301001002GB00123F00030012", "code.unit.length", "", ""},
	}
	for _, tt := range tests {
		u, err := ParseUnitNumber(tt.in)
		if got := problem.CodeOf(err); (err == nil) != (tt.wantErr == "") || (err != nil && got != tt.wantErr) {
			t.Errorf("ParseUnitNumber(%q) error = %v, want code %q", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got, want := u.String(), strings.ToUpper(strings.TrimSpace(tt.in)); got != want {
			t.Errorf("ParseUnitNumber(%q).String() = %q, want %q", tt.in, got, want)
		}
		if got := u.Parcel(); got != u.String()[:19] {
			t.Errorf("Parcel() = %q, want the first 19 characters", got)
		}
		if u.Building() != tt.building || u.Household() != tt.house {
			t.Errorf("ParseUnitNumber(%q) building, household = %q, %q, want %q, %q", tt.in, u.Building(), u.Household(), tt.building, tt.house)
		}
	}
}

func TestUnitNumberParts(t *testing.T) {
	u, err := ParseUnitNumber("652301001002GB00123F00030012")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"county": "652301", "district": "001", "subdistrict": "002", "parcel_feature": "GB",
		"parcel_seq": "00123", "fixture_feature": "F", "building": "0003", "household": "0012",
		"parcel_code": "652301001002GB00123",
	}
	parts := u.Parts()
	for k, v := range want {
		if parts[k] != v {
			t.Errorf("Parts()[%q] = %q, want %q", k, parts[k], v)
		}
	}
}

func TestNewHouseUnit(t *testing.T) {
	tests := []struct {
		parcel    string
		b, h      int
		want, err string
	}{
		{"652301001002GB00123", 3, 12, "652301001002GB00123F00030012", ""},
		{"652301001002GB00123", 9999, 9999, "652301001002GB00123F99999999", ""},
		{"652301001002GB00123", 0, 1, "", "code.unit.building"},
		{"652301001002GB00123", 10000, 1, "", "code.unit.building"},
		{"652301001002GB00123", 1, 0, "", "code.unit.household"},
		{"652301001002GB0012", 1, 1, "", "code.parcel.length"},
		{"652301001002GD00123", 1, 1, "", "code.unit.fixture"},
	}
	for _, tt := range tests {
		u, err := NewHouseUnit(tt.parcel, tt.b, tt.h)
		if problem.CodeOf(err) != tt.err && !(err == nil && tt.err == "") {
			t.Errorf("NewHouseUnit(%q, %d, %d) error = %v, want %q", tt.parcel, tt.b, tt.h, err, tt.err)
			continue
		}
		if err == nil && u.String() != tt.want {
			t.Errorf("NewHouseUnit(%q, %d, %d) = %q, want %q", tt.parcel, tt.b, tt.h, u, tt.want)
		}
	}
}

func TestParseIDCard(t *testing.T) {
	tests := []struct {
		in, want, err string
		male          bool
	}{
		{"11010519491231002X", "11010519491231002X", "", false},
		{"11010519491231002x", "11010519491231002X", "", false},
		{"440524188001010014", "440524188001010014", "", true},
		{"652301199003071231", "652301199003071231", "", true},
		{"65230120000229456X", "65230120000229456X", "", false},
		{"652300198511118883", "652300198511118883", "", false},
		{"110105194912310021", "", "code.idcard.check", false},
		{"652301199003071232", "", "code.idcard.check", false},
		{"652301199002301234", "", "code.idcard.birth", false},
		{"652301190002291234", "", "code.idcard.birth", false}, // 1900 was not a leap year
		{"652301179912311234", "", "code.idcard.birth", false},
		{"65230119900307123A", "", "code.idcard.chars", false},
		{"6523011990030712", "", "code.idcard.length", false},
		{"992301199003071231", "", "code.idcard.region", false},
		{"", "", "code.idcard.length", false},
	}
	for _, tt := range tests {
		c, err := ParseIDCard(tt.in)
		if tt.err != "" {
			if problem.CodeOf(err) != tt.err {
				t.Errorf("ParseIDCard(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseIDCard(%q) error = %v, want valid", tt.in, err)
			continue
		}
		if c.Number != tt.want || c.Male != tt.male {
			t.Errorf("ParseIDCard(%q) = %q male=%v, want %q male=%v", tt.in, c.Number, c.Male, tt.want, tt.male)
		}
	}
}

func TestIDCheckChar(t *testing.T) {
	for in, want := range map[string]byte{
		"11010519491231002": 'X', "44052418800101001": '4', "65230119900307123": '1',
		"65230120000229456": 'X', "65230019851111888": '3',
	} {
		if got, ok := IDCheckChar(in); !ok || got != want {
			t.Errorf("IDCheckChar(%q) = %c, %v; want %c", in, got, ok, want)
		}
	}
}

func TestParseUSCC(t *testing.T) {
	tests := []struct {
		in       string
		err      string
		orgValid bool
	}{
		{"914403001922038216", "", true},
		{"9144030071526726XG", "", true},
		{"11100000MB03271699", "", true},
		{"91350100M000100Y43", "", true},
		{"11652301MB1234562W", "", true},
		{"12652301MB0000019E", "", true},
		{"91652301MA7ABCDE9F", "", true},
		{"91652300MA78A8CD67", "", true},
		{"91652301ma7abcde9f", "", true},
		{"91652301MA77777775", "", false}, // outer check fine, inner 组织机构代码 fails: a warning only
		{"9144030071526726XH", "code.uscc.check", false},
		{"914403001922038215", "code.uscc.check", false},
		{"91440300192203821O", "code.uscc.chars", false},
		{"9144030019220382I6", "code.uscc.chars", false},
		{"91440300192203821", "code.uscc.length", false},
		{"91A40300192203821X", "code.uscc.region", false},
	}
	for _, tt := range tests {
		u, err := ParseUSCC(tt.in)
		if tt.err != "" {
			if problem.CodeOf(err) != tt.err {
				t.Errorf("ParseUSCC(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseUSCC(%q) error = %v, want valid", tt.in, err)
			continue
		}
		if u.OrgCodeValid != tt.orgValid {
			t.Errorf("ParseUSCC(%q).OrgCodeValid = %v, want %v", tt.in, u.OrgCodeValid, tt.orgValid)
		}
		if got := len(u.Warnings()) > 0; got == tt.orgValid {
			t.Errorf("ParseUSCC(%q) warnings = %v, want warnings only when the inner check fails", tt.in, u.Warnings())
		}
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	for in, want := range map[string]byte{
		"71526726": 'X', "19220382": '1', "MA5UKH4E": '9', "D2143612": '3', "MB032716": '9',
	} {
		if got, ok := OrgCodeCheckChar(in); !ok || got != want {
			t.Errorf("OrgCodeCheckChar(%q) = %c, %v; want %c", in, got, ok, want)
		}
	}
}

func TestCertNumber(t *testing.T) {
	tests := []struct {
		in, strict, err string
		kind            CertKind
		seq             int
	}{
		{"新(2026)昌吉市不动产权第0000123号", "新(2026)昌吉市不动产权第0000123号", "", Title, 123},
		{"新(2026)昌吉市不动产证明第0000045号", "新(2026)昌吉市不动产证明第0000045号", "", Proof, 45},
		{"苏（2020）海安市不动产权第0000001号", "苏(2020)海安市不动产权第0000001号", "", Title, 1},
		{"皖(2018)合肥市不动产权第10023999号", "皖(2018)合肥市不动产权第10023999号", "", Title, 10023999},
		{"闽(2017)福州市不动产权第000001号", "闽(2017)福州市不动产权第0000001号", "", Title, 1},
		{"苏（2019）宁秦不动产证明第 0007430 号", "苏(2019)宁秦不动产证明第0007430号", "", Proof, 7430},
		{"X(2026)昌吉市不动产权第0000123号", "", "code.certno.format", 0, 0},
		{"新(26)昌吉市不动产权第0000123号", "", "code.certno.format", 0, 0},
		{"新(2026)昌吉市不动产第0000123号", "", "code.certno.format", 0, 0},
		{"新(2026)昌吉市不动产权第00123号", "", "code.certno.format", 0, 0},
		{"新(2026)昌吉市不动产权第0000000号", "", "code.certno.seq", 0, 0},
		{"新(2026)不动产权第0000001号", "", "code.certno.format", 0, 0},
		{"新(2026)昌吉市不动产权第0000123", "", "code.certno.format", 0, 0},
		{"", "", "code.certno.format", 0, 0},
	}
	for _, tt := range tests {
		c, err := ParseCertNumber(tt.in)
		if tt.err != "" {
			if problem.CodeOf(err) != tt.err {
				t.Errorf("ParseCertNumber(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCertNumber(%q) error = %v, want valid", tt.in, err)
			continue
		}
		if c.String() != tt.strict || c.Kind != tt.kind || c.Seq != tt.seq {
			t.Errorf("ParseCertNumber(%q) = %q kind %v seq %d, want %q kind %v seq %d", tt.in, c, c.Kind, c.Seq, tt.strict, tt.kind, tt.seq)
		}
	}
}

func TestCertNumberValidate(t *testing.T) {
	ok := CertNumber{Province: "新", Year: 2026, Place: "昌吉市", Kind: Title, Seq: 9999999}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v, want nil", ok, err)
	}
	for _, c := range []CertNumber{
		{Province: "新", Year: 2026, Place: "昌吉市", Kind: Title, Seq: 10000000},
		{Province: "新", Year: 2026, Place: "昌吉市", Kind: Title, Seq: 0},
		{Province: "X", Year: 2026, Place: "昌吉市", Kind: Title, Seq: 1},
		{Province: "新", Year: 2026, Place: "", Kind: Title, Seq: 1},
		{Province: "新", Year: 2026, Place: "昌吉市", Kind: 3, Seq: 1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}

func TestISO7064Mod3736(t *testing.T) {
	for in, want := range map[string]byte{"A12425GABC1234002": 'M'} {
		if got, ok := ISO7064Mod3736(in); !ok || got != want {
			t.Errorf("ISO7064Mod3736(%q) = %c, %v; want %c", in, got, ok, want)
		}
	}
	if _, ok := ISO7064Mod3736("a-b"); ok {
		t.Errorf("ISO7064Mod3736 accepted characters outside 0-9A-Z")
	}
}

func TestLicenceID(t *testing.T) {
	l, err := NewLicenceID(LicenceTypeTitle, "11652301MB1234562W", 20260000123)
	if err != nil {
		t.Fatal(err)
	}
	s := l.String()
	if !strings.HasPrefix(s, "1.2.156.3005.2.11100000MB03271699001.11652301MB1234562W.20260000123.001.") {
		t.Errorf("String() = %q", s)
	}
	back, err := ParseLicenceID(s)
	if err != nil || back != l {
		t.Errorf("ParseLicenceID(%q) = %+v, %v; want %+v", s, back, err, l)
	}
	// Every single-character change of the body must be caught by the check.
	body := s[:len(s)-1]
	for i := len("1.2.156.3005.2."); i < len(body); i++ {
		if body[i] == '.' {
			continue
		}
		for _, c := range "0123456789" {
			if byte(c) == body[i] {
				continue
			}
			mutated := body[:i] + string(c) + body[i+1:] + s[len(s)-1:]
			if _, err := ParseLicenceID(mutated); err == nil {
				t.Errorf("ParseLicenceID(%q) = valid after changing position %d", mutated, i)
			}
		}
	}
	for in, want := range map[string]string{
		"1.2.156.3005.2.11100000MB03271699001.11652301MB1234562W.0000001.001":    "code.licence.format",
		"1.2.3.11100000MB03271699001.11652301MB1234562W.0000001.001.X":           "code.licence.prefix",
		"1.2.156.3005.2.11100000MB03271699001.11652301MB1234562X.0000001.001.X":  "code.licence.issuer",
		"1.2.156.3005.2.11100000MB03271699001.11652301MB1234562W.00000A1.001.X":  "code.licence.serial",
		"1.2.156.3005.2.11100000MB03271699001.11652301MB1234562W.0000001.01.X":   "code.licence.version",
		"1.2.156.3005.2.11100000MB0327169900.11652301MB1234562W.0000001.001.X":   "code.licence.type",
		"1.2.156.3005.2.11100000MB03271699001.11652301MB1234562W.0000001.001.XY": "code.licence.check",
	} {
		if _, err := ParseLicenceID(in); problem.CodeOf(err) != want {
			t.Errorf("ParseLicenceID(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"张三": "张*", "张三明": "张*明", "欧阳小明": "欧**明", "李𠮷": "李*", "𠮷祥明": "𠮷*明", "王": "*", "": "",
		"昌吉市人民法院": "昌吉市人民法院", "中国建设银行昌吉市支行": "中国建设银行昌吉市支行", "新疆天山房地产开发有限公司": "新疆天山房地产开发有限公司",
		"司马中心": "司**心", // four characters: a person's name
	} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := MaskIDCard("652301199003071231"), "6523**********1231"; got != want {
		t.Errorf("MaskIDCard = %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"user 652301199003071231 logged":   "user 6523**********1231 logged",
		"id=11010519491231002x&a=1":        "id=1101**********002x&a=1",
		"old 110105491231002 id":           "old 1101*******1002 id",
		"order 1234567 and 12345678901234": "order 1234567 and 12345678901234",
		"9165230119900307123199":           "9165230119900307123199",
	} {
		if got := RedactIDNumbers(in); got != want {
			t.Errorf("RedactIDNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	known := map[string]bool{"652301": true}
	tests := []struct {
		kind, value string
		valid       bool
		errCode     string
	}{
		{"unit", "652301001002GB00123F00030012", true, ""},
		{"unit", "652302001002GB00123F00030012", false, "code.unit.county_unknown"},
		{"parcel", "652301001002GB00123", true, ""},
		{"idcard", "11010519491231002X", true, ""},
		{"idcard", "110105194912310021", false, "code.idcard.check"},
		{"uscc", "91652301MA77777775", true, ""},
		{"certno", "新(2026)昌吉市不动产权第0000123号", true, ""},
		{"licence-id", "nonsense", false, "code.licence.prefix"},
	}
	for _, tt := range tests {
		r, err := Check(tt.kind, tt.value, known)
		if err != nil {
			t.Fatalf("Check(%q, %q) error = %v", tt.kind, tt.value, err)
		}
		if r.Valid != tt.valid || r.ErrorCode != tt.errCode {
			t.Errorf("Check(%q, %q) = valid %v code %q, want %v %q", tt.kind, tt.value, r.Valid, r.ErrorCode, tt.valid, tt.errCode)
		}
	}
	if r, _ := Check("idcard", "11010519491231002X", nil); strings.Contains(r.Canonical, "19491231") {
		t.Errorf("Check(idcard) echoes the full number %q, want it masked", r.Canonical)
	}
	if _, err := Check("phone", "1", nil); problem.KindOf(err) != problem.Invalid {
		t.Errorf("Check(phone) error = %v, want Invalid", err)
	}
}
