package inquiry

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"handover/internal/certificate"
	"handover/internal/problem"
)

// signedResult signs a sample result with a fresh authority key and
// returns the exported file, the signed bytes and the authority's PEM.
func signedResult(t testing.TB) (file, payload []byte, authority string) {
	t.Helper()
	s, k := testSigner(t)
	payload = Result{Number: "CX6523012026000001", Requester: string(Interested), Name: "王五", IDNumber: "652301********1235",
		Purpose: "诉讼", Basis: string(Lawsuit), By: string(ByUnitNo), Key: "652301004007GB00121F00010001", UnitNo: "652301004007GB00121F00010001",
		Location: "昌吉市北京南路以东 1号楼 1单元101", Mortgaged: true, Registered: true,
		Holders: []ResultHolder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301********1231"}}, Channel: string(Counter),
		Authority: "昌吉市不动产登记中心", AuthorityID: "12652301MB0000012X", QueriedAt: "2026-11-28 10:00"}.Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	return Export(payload, sig, k.CertPEM), payload, k.CertPEM
}

// A 查询结果证明 exported as a file verifies offline against the
// authority's certificate; changed content, a certificate's file offered
// as a query proof, or another authority, are each refused with their code.
func TestResultFile(t *testing.T) {
	file, payload, pem := signedResult(t)
	r, err := CheckFile(file, pem)
	if err != nil {
		t.Fatalf("CheckFile: %v", err)
	}
	if got := r.Canonical(); !bytes.Equal(got, payload) {
		t.Errorf("result read back: got %s, want %s", got, payload)
	}
	if got, want := certificate.FormatOf(file), FileFormat; got != want {
		t.Errorf("FormatOf: got %q, want %q", got, want)
	}
	_, _, otherPEM := signedResult(t)
	asCertificate := bytes.Replace(file, []byte(FileFormat), []byte(certificate.FileFormat), 1)
	for _, tc := range []struct {
		name    string
		file    []byte
		trusted string
		code    string
	}{
		{"the holder's name changed", bytes.Replace(file, []byte("张伟"), []byte("张玮"), 1), pem, "certificate.signature"},
		{"a mortgage hidden", bytes.Replace(file, []byte(`"mortgaged": true`), []byte(`"mortgaged": false`), 1), pem, "certificate.signature"},
		{"another authority trusted", file, otherPEM, "certificate.authority"},
		{"a certificate's envelope", asCertificate, pem, "certificate.file"},
		{"not JSON", []byte("CX6523012026000001"), "", "certificate.file"},
	} {
		if bytes.Equal(tc.file, file) && tc.trusted == pem {
			t.Fatalf("%s: the case changes nothing", tc.name)
		}
		_, err := CheckFile(tc.file, tc.trusted)
		if got := problem.As(err).Code; got != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
	// One kind of signed document is never read as the other, though the
	// format label is not signed and one key signs both: a query proof
	// labelled a certificate, and a certificate (of a mortgaged flat)
	// labelled a query proof, are refused.
	if _, err := certificate.CheckFile(file, pem); problem.As(err).Code != "certificate.file" {
		t.Errorf("certificate.CheckFile on a query proof: got %v, want certificate.file", err)
	}
	relabelled := bytes.Replace(file, []byte(`"`+FileFormat+`"`), []byte(`"`+certificate.FileFormat+`"`), 1)
	if bytes.Equal(relabelled, file) {
		t.Fatal("the relabelling changed nothing")
	}
	if _, err := certificate.CheckFile(relabelled, pem); problem.As(err).Code != "certificate.file" {
		t.Errorf("a query proof labelled a certificate: got %v, want certificate.file", err)
	}
	certFile := signedCertificate(t)
	if _, err := certificate.CheckFile(certFile.file, certFile.pem); err != nil {
		t.Fatalf("the certificate itself: %v", err)
	}
	asQuery := bytes.Replace(certFile.file, []byte(`"`+certificate.FileFormat+`"`), []byte(`"`+FileFormat+`"`), 1)
	if r, err := CheckFile(asQuery, certFile.pem); problem.As(err).Code != "certificate.file" {
		t.Errorf("a certificate labelled a query proof: got %+v, %v; want certificate.file", r, err)
	}
}

// signedCertificate is a title certificate's signed file, with its
// authority's PEM.
func signedCertificate(t *testing.T) struct {
	file []byte
	pem  string
} {
	t.Helper()
	s, k := testSigner(t)
	payload := certificate.Payload{Kind: certificate.Title, Number: "新(2026)昌吉市不动产权第0000001号", LicenceID: "1.2.156.3005.2.x",
		Holders: []certificate.Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}}, UnitNo: "652301004007GB00121F00010001",
		Authority: "昌吉市不动产登记中心", IssuedOn: "2026-11-16"}.Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	return struct {
		file []byte
		pem  string
	}{certificate.Export(payload, sig, k.CertPEM), k.CertPEM}
}

// Whatever a file holds, CheckFile never panics, and a file it accepts
// against the trusted certificate carries exactly what was signed.
func FuzzCheckFile(f *testing.F) {
	file, payload, pem := signedResult(f)
	f.Add(file)
	f.Add(bytes.Replace(file, []byte("王五"), []byte("王六"), 1))
	f.Add([]byte(`{"format":"handover-inquiry/1","payload":{},"signature":"","authority_certificate":""}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := CheckFile(raw, pem)
		if err != nil {
			return
		}
		var want Result
		if err := json.Unmarshal(payload, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("accepted a file whose content differs from the signed one: got %+v, want %+v", r, want)
		}
	})
}

// testSigner is a fresh authority key, unlocked, and its stored form.
func testSigner(t testing.TB) (*certificate.Signer, certificate.Key) {
	t.Helper()
	k, err := certificate.NewKey("昌吉市不动产登记中心", "12652301MB0000012X", []byte("correct horse"), time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s, err := certificate.Unlock(k, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}
