package code

import (
	"strings"
	"testing"
)

// Every parser must reject or accept any input without panicking, and what
// it accepts must round-trip through its canonical form.

func FuzzParseUnitNumber(f *testing.F) {
	for _, s := range []string{"652301001002GB00123F00030012", "652301001002GB00123W00000000", "", "６５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUnitNumber(s)
		if err != nil {
			return
		}
		back, err := ParseUnitNumber(u.String())
		if err != nil || back != u {
			t.Fatalf("round trip of %q: %v, %v", s, back, err)
		}
		if len(u.String()) != 28 || u.Parcel() != u.String()[:19] {
			t.Fatalf("bad canonical form %q", u)
		}
	})
}

func FuzzParseIDCard(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "652301199002301234", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseIDCard(s)
		if err != nil {
			return
		}
		if c.Number != strings.ToUpper(strings.TrimSpace(s)) {
			t.Fatalf("canonical %q of %q", c.Number, s)
		}
		if want, _ := IDCheckChar(c.Number[:17]); want != c.Number[17] {
			t.Fatalf("accepted %q with a wrong check", s)
		}
		if strings.Contains(MaskIDCard(c.Number), c.Number[6:14]) {
			t.Fatalf("mask of %q reveals the birth date", c.Number)
		}
	})
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"914403001922038216", "9144030071526726XG", "91652301MA77777775", "O"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUSCC(s)
		if err != nil {
			return
		}
		if want, _ := USCCCheckChar(u.Code[:17]); want != u.Code[17] {
			t.Fatalf("accepted %q with a wrong check", s)
		}
	})
}

func FuzzParseCertNumber(f *testing.F) {
	for _, s := range []string{"新(2026)昌吉市不动产权第0000123号", "苏（2019）宁秦不动产证明第 0007430 号", "新(", "新(2026)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCertNumber(s)
		if err != nil {
			return
		}
		back, err := ParseCertNumber(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %q via %q: %+v, %v", s, c, back, err)
		}
	})
}

func FuzzParseLicenceID(f *testing.F) {
	l, _ := NewLicenceID(LicenceTypeProof, "11652301MB1234562W", 1)
	for _, s := range []string{l.String(), "1.2.156.3005.2.", "1.2.156.3005.2....."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLicenceID(s)
		if err != nil {
			return
		}
		if back, err := ParseLicenceID(l.String()); err != nil || back != l {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
	})
}
