package certificate

import (
	"bytes"
	"encoding/pem"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"handover/internal/problem"
)

// serialSeeds are the serials of the table tests: accepted, and refused.
var serialSeeds = []string{
	"XJ26000001", " xj26000001 ", "ＸＪ２６０００００１", "J650012345", "ABCD123456789012",
	"26000001", "XJ12345", "XJ1234567890123", "ABCDE1234567", "XJ2600-0001", "新J26000001", "", "XJ2600",
	"XJ\x0026000001", "XJ26000001\n", "XJ 2600 0001", "XJ　26000001",
}

// fieldsOf is the sorted field names of a refusal.
func fieldsOf(e *problem.Error) []string { return slices.Sorted(maps.Keys(e.Fields)) }

// hasControl reports a control character other than a tab (which the
// serial's normalisation drops as it drops a space).
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f })
}

// checkSerial holds for every serial accepted: 1–4 letters, 6–12 digits, a
// number that fits them, and the printed form reads back as the same
// serial and is what was typed, normalised.
func checkSerial(t *testing.T, in string, s Serial) {
	t.Helper()
	if !validPrefix(s.Prefix) || s.Digits < MinDigits || s.Digits > MaxDigits || s.Number < 0 {
		t.Fatalf("ParseSerial(%q) accepted %+v", in, s)
	}
	printed := s.String()
	if len(printed) != len(s.Prefix)+s.Digits {
		t.Fatalf("ParseSerial(%q) = %+v prints as %q, wider than its digits", in, s, printed)
	}
	if printed != normalise(in) {
		t.Fatalf("ParseSerial(%q) prints as %q, not the serial typed", in, printed)
	}
	if back, err := ParseSerial(printed); err != nil || back != s {
		t.Fatalf("ParseSerial(%q) = %+v does not read back from %q: %+v %v", in, s, printed, back, err)
	}
	if hasControl(in) {
		t.Fatalf("ParseSerial(%q) accepted a control character", in)
	}
}

// A serial is accepted in its canonical form only, and a refusal is
// paper.serial_invalid on the paper_serial field.
func FuzzParseSerial(f *testing.F) {
	for _, s := range serialSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSerial(in)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "paper.serial_invalid" ||
				!slices.Equal(fieldsOf(e), []string{"paper_serial"}) {
				t.Fatalf("ParseSerial(%q) refused with %#v", in, err)
			}
			return
		}
		checkSerial(t, in, s)
	})
}

// A blank named on its own is read as ParseSerial reads it; its refusal
// names the serial field and nothing else.
func FuzzParseBlankSerial(f *testing.F) {
	for _, s := range serialSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseBlankSerial(in)
		want, wantErr := ParseSerial(in)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("ParseBlankSerial(%q) = %v, ParseSerial %v", in, err, wantErr)
		}
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "paper.serial_invalid" ||
				!slices.Equal(fieldsOf(e), []string{"serial"}) || e.Fields["serial"] != SerialFormat {
				t.Fatalf("ParseBlankSerial(%q) refused with %#v", in, err)
			}
			return
		}
		if s != want {
			t.Fatalf("ParseBlankSerial(%q) = %+v, ParseSerial %+v", in, s, want)
		}
		checkSerial(t, in, s)
	})
}

// A certificate that does not read is refused as certificate.pem, whatever
// is wrong with it: not PEM, another block, or DER that does not parse.
func TestParseCertificate(t *testing.T) {
	_, k := testSigner(t)
	tests := []struct{ name, in, code string }{
		{"the authority's certificate", k.CertPEM, ""},
		{"empty", "", "certificate.pem"},
		{"not PEM", "MIIB", "certificate.pem"},
		{"a private key", k.KeyPEM, "certificate.pem"},
		{"a certificate block that is no certificate", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "certificate.pem"},
	}
	for _, tt := range tests {
		c, err := ParseCertificate(tt.in)
		if got := errCode(err); got != tt.code {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.code)
			continue
		}
		if err == nil && c == nil {
			t.Errorf("%s: no certificate", tt.name)
		}
		if err != nil && problem.KindOf(err) != problem.Invalid {
			t.Errorf("%s: kind %s, want invalid", tt.name, problem.KindOf(err))
		}
	}
}

// Whatever text is given as a certificate, a refusal is certificate.pem,
// and an accepted certificate is exactly the DER of the PEM block, which
// reads back the same when encoded again.
func FuzzParseCertificate(f *testing.F) {
	_, k := testSigner(f)
	for _, s := range []string{k.CertPEM, k.KeyPEM, "", "MIIB", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
		strings.Replace(k.CertPEM, "CERTIFICATE", "CERT", 2)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCertificate(in)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "certificate.pem" {
				t.Fatalf("ParseCertificate(%q) refused with %#v", in, err)
			}
			return
		}
		block, _ := pem.Decode([]byte(in))
		if c == nil || block == nil || !bytes.Equal(c.Raw, block.Bytes) {
			t.Fatalf("ParseCertificate(%q) accepted a certificate that is not its PEM block", in)
		}
		back, err := ParseCertificate(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
		if err != nil || !bytes.Equal(back.Raw, c.Raw) {
			t.Fatalf("ParseCertificate(%q) does not read back: %v", in, err)
		}
	})
}
