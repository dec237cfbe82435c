package certificate

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"handover/internal/problem"
)

var now = time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)

func testSigner(t testing.TB) (*Signer, Key) {
	t.Helper()
	k, err := NewKey("昌吉市不动产登记中心", "12652301MB0000012X", []byte("correct horse"), now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Unlock(k, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

func samplePayload() Payload {
	return Payload{Kind: Title, Number: "新(2026)昌吉市不动产权第0000001号", LicenceID: "1.2.156.3005.2.x",
		Holders: []Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}}, Ownership: "单独所有",
		UnitNo: "652301004007GB00121F00010001", Location: "昌吉市北京南路以东 1号楼 1单元101", RightType: "国有建设用地使用权/房屋所有权",
		RightKind: "出让/市场化商品房", Use: "城镇住宅用地/住宅", Area: "共有宗地面积68520.36㎡/房屋建筑面积112.35㎡", Term: "2023-12-28起2094-01-04止",
		Authority: "昌吉市不动产登记中心", IssuedOn: "2026-11-16"}
}

func TestSignAndVerifyFile(t *testing.T) {
	s, k := testSigner(t)
	payload := samplePayload().Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	file := Export(payload, sig, k.CertPEM)
	p, err := CheckFile(file, k.CertPEM)
	if err != nil || p.Number != samplePayload().Number {
		t.Fatalf("a genuine file: %v %+v", err, p)
	}
	// Changing any byte of the content fails: try the holder's name and the area.
	for _, change := range [][2]string{{"张伟", "张玮"}, {"112.35", "122.35"}} {
		bad := bytes.Replace(file, []byte(change[0]), []byte(change[1]), 1)
		if _, err := CheckFile(bad, k.CertPEM); problem.As(err).Code != "certificate.signature" {
			t.Errorf("changed %s → %s: got %v, want a signature failure", change[0], change[1], err)
		}
	}
	// A flipped bit of the signature fails.
	var f File
	json.Unmarshal(file, &f)
	f.Signature[len(f.Signature)/2] ^= 1
	flipped, _ := json.Marshal(f)
	if _, err := CheckFile(flipped, k.CertPEM); err == nil {
		t.Errorf("a flipped signature bit verified")
	}
	// Another authority's certificate is not trusted.
	_, other := testSigner(t)
	if _, err := CheckFile(file, other.CertPEM); problem.As(err).Code != "certificate.authority" {
		t.Errorf("against another authority: got %v", err)
	}
	if _, err := CheckFile([]byte("{}"), ""); problem.As(err).Code != "certificate.file" {
		t.Errorf("not a certificate file: got %v", err)
	}
}

func TestKeys(t *testing.T) {
	_, k := testSigner(t)
	if _, err := Unlock(k, []byte("wrong passphrase")); problem.As(err).Code != "key.locked" {
		t.Errorf("wrong passphrase: got %v", err)
	}
	if _, err := NewKey("x", "y", []byte("short"), now); problem.KindOf(err) != problem.Invalid {
		t.Errorf("short passphrase: got %v", err)
	}
	if bytes.Contains([]byte(k.KeyPEM), []byte("BEGIN PRIVATE KEY")) {
		t.Errorf("the private key is stored unencrypted")
	}
	png, err := QR("https://bdc.example/verify/1.2.156")
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("QR: %v", err)
	}
}

// Whatever a file holds, CheckFile never panics, and a file it accepts
// against the trusted certificate carries exactly the content that was
// signed (whitespace aside).
func FuzzCheckFile(f *testing.F) {
	s, k := testSigner(f)
	payload := samplePayload().Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		f.Fatal(err)
	}
	file := Export(payload, sig, k.CertPEM)
	f.Add(file)
	f.Add(bytes.Replace(file, []byte("张伟"), []byte("张玮"), 1))
	f.Add([]byte(`{"format":"handover-certificate/1","payload":{},"signature":"","authority_certificate":""}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := CheckFile(raw, k.CertPEM)
		if err != nil {
			return
		}
		if got := p.Canonical(); !bytes.Equal(got, payload) {
			t.Fatalf("accepted a file whose content differs from the signed one:\n got %s\nwant %s", got, payload)
		}
	})
}
