package certificate

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"
)

func TestLabels(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"live", StateLabel(Live), "现势"},
		{"cancelled", StateLabel(Cancelled), "注销"},
		{"no state yet", StateLabel(""), "现势"},
		{"at the window", DeliveryLabel("hand"), "现场领取"},
		{"through the developer", DeliveryLabel("developer"), "开发企业代领转交"},
		{"by post", DeliveryLabel("mail"), "邮寄"},
		{"electronic", DeliveryLabel("electronic"), "电子证照"},
		{"not delivered", DeliveryLabel(""), ""},
		{"unknown", DeliveryLabel("pigeon"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	s, k := testSigner(t)
	_, other := testSigner(t)
	authority, _ := ParseCertificate(k.CertPEM)
	stranger, _ := ParseCertificate(other.CertPEM)
	payload := samplePayload().Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	live := Stored{LicenceID: "1.2.156.3005.2.x", Kind: Title, Number: "新(2026)昌吉市不动产权第0000001号", Payload: payload, Signature: sig, State: Live,
		CancelReason: "stale"}
	cancelled := live
	cancelled.State, cancelled.CancelReason = Cancelled, "转移登记"
	unsigned := live
	unsigned.Signature = nil
	tampered := live
	tampered.Payload = []byte(strings.Replace(string(payload), "112.35", "122.35", 1))
	tests := []struct {
		name              string
		s                 Stored
		authority         *smx509.Certificate
		mortgaged, sealed bool
		valid             bool
		state, reason     string
		status            []string
	}{
		{"live, signed", live, authority, false, false, true, "现势", "", []string{"现势"}},
		{"live, mortgaged and sealed now", live, authority, true, true, true, "现势", "", []string{"现势", "已抵押", "已查封"}},
		{"cancelled: the unit's restrictions are not its own", cancelled, authority, true, true, true, "注销", "转移登记", []string{"注销"}},
		{"unsigned", unsigned, authority, false, false, false, "现势", "", []string{"现势"}},
		{"the key's certificate unknown", live, nil, false, false, false, "现势", "", []string{"现势"}},
		{"another authority's certificate", live, stranger, false, false, false, "现势", "", []string{"现势"}},
		{"content changed after signing", tampered, authority, false, false, false, "现势", "", []string{"现势"}},
	}
	for _, tt := range tests {
		v, err := Verify(tt.s, tt.authority, tt.mortgaged, tt.sealed, now)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if v.SignatureValid != tt.valid || v.State != tt.state || v.CancelReason != tt.reason || !slices.Equal(v.StatusLabels(), tt.status) {
			t.Errorf("%s: got valid %v, %s %q %v; want %v, %s %q %v", tt.name, v.SignatureValid, v.State, v.CancelReason, v.StatusLabels(),
				tt.valid, tt.state, tt.reason, tt.status)
		}
		if !slices.Equal(v.Holders, []string{"张*"}) || v.LicenceID != live.LicenceID || v.Number != live.Number || !v.CheckedAt.Equal(now) {
			t.Errorf("%s: got holders %v, licence %s, number %s at %v; want the names masked and the certificate's identifiers", tt.name,
				v.Holders, v.LicenceID, v.Number, v.CheckedAt)
		}
		if strings.Contains(fmt.Sprintf("%+v", v), "652301199003071231") {
			t.Errorf("%s: the verification shows an ID number", tt.name)
		}
	}
	bad := live
	bad.Payload = []byte("not JSON")
	if _, err := Verify(bad, authority, false, false, now); err == nil {
		t.Errorf("a payload that is not JSON: got no error")
	}
}

// By its number a certificate answers in full only to the full name of one
// of its holders; no name and a wrong name get one and the same limited
// answer: that it exists, its kind, signature, state, authority and date,
// nothing of the holder, the flat, its mortgage or seal, or the licence
// identifier.
func TestVerifyNumber(t *testing.T) {
	s, k := testSigner(t)
	authority, _ := ParseCertificate(k.CertPEM)
	p := samplePayload()
	p.Holders = append(p.Holders, Holder{Name: "阿依古丽·买买提", IDKind: "身份证", IDNumber: "11010519491231002X"}, Holder{Name: "John Smith", IDKind: "护照", IDNumber: "E1234567"})
	payload := p.Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	cancelled := Stored{LicenceID: "1.2.156.3005.2.x", Kind: Title, Number: p.Number, Payload: payload, Signature: sig, State: Cancelled, CancelReason: "更正登记：张伟申请"}
	tests := []struct {
		name, given string
		full        bool
	}{
		{"a holder's full name", "张伟", true},
		{"with spaces, as typed", " 张 伟　", true},
		{"another holder, the dot typed as a full stop", "阿依古丽.买买提", true},
		{"the dot as a katakana middle dot", "阿依古丽・买买提", true},
		{"Latin letters in another case", "john smith", true},
		{"no name", "", false},
		{"blank", "　 ", false},
		{"part of a name", "张", false},
		{"the masked name", "张*", false},
		{"a wrong name", "李娜", false},
		{"part of a transliterated name", "阿依古丽", false},
	}
	var limited *Verification
	for _, tt := range tests {
		v, err := VerifyNumber(cancelled, authority, true, false, tt.given, now)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !v.SignatureValid || v.State != "注销" || v.Number != p.Number || v.Kind != Title || !slices.Equal(v.StatusLabels(), []string{"注销"}) || !v.CheckedAt.Equal(now) {
			t.Errorf("%s: got %+v; want the certificate's number, signature and state", tt.name, v)
		}
		if tt.full {
			if v.Limited || v.LicenceID != cancelled.LicenceID || !slices.Equal(v.Holders, []string{"张*", "阿******提", "J********h"}) || v.Location != p.Location || v.CancelReason == "" {
				t.Errorf("%s: got %+v; want the full answer, names masked", tt.name, v)
			}
			continue
		}
		if limited == nil {
			limited = &v
		}
		if !v.Limited || !reflect.DeepEqual(v, *limited) {
			t.Errorf("%s: got %+v; want the same limited answer as %+v", tt.name, v, *limited)
		}
		if v.LicenceID != "" || v.Holders != nil || v.UnitNo != "" || v.Location != "" || v.Area != "" || v.RightType != "" || v.CancelReason != "" ||
			v.Mortgaged || v.Sealed {
			t.Errorf("%s: the limited answer shows more than the certificate's status: %+v", tt.name, v)
		}
		if v.Authority != p.Authority || v.IssuedOn != p.IssuedOn {
			t.Errorf("%s: got %+v; want the issuing authority and the date", tt.name, v)
		}
	}
	bad := cancelled
	bad.Payload = []byte("not JSON")
	if _, err := VerifyNumber(bad, authority, false, false, "张伟", now); err == nil {
		t.Errorf("a payload that is not JSON: got no error")
	}
}

// By its licence identifier a certificate answers in full only to whoever
// shows its second factor (held); without it the answer is its status
// alone: the identifier asked about, kind, signature, state, authority and
// date — not its number (a second factor), holders, flat, mortgage, seal
// or why it was cancelled.
func TestVerifyLicence(t *testing.T) {
	s, k := testSigner(t)
	authority, _ := ParseCertificate(k.CertPEM)
	p := samplePayload()
	payload := p.Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	live := Stored{LicenceID: "1.2.156.3005.2.x", Kind: Title, Number: p.Number, Payload: payload, Signature: sig, State: Live}
	cancelled := live
	cancelled.State, cancelled.CancelReason = Cancelled, "更正登记：张伟申请"
	tests := []struct {
		name              string
		s                 Stored
		mortgaged, sealed bool
		held              bool
		status            []string
	}{
		{"held, mortgaged and sealed", live, true, true, true, []string{"现势", "已抵押", "已查封"}},
		{"held, cancelled", cancelled, false, false, true, []string{"注销"}},
		{"not held", live, false, false, false, []string{"现势"}},
		{"not held, cancelled", cancelled, false, false, false, []string{"注销"}},
	}
	for _, tt := range tests {
		v, err := VerifyLicence(tt.s, authority, tt.mortgaged, tt.sealed, tt.held, now)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !v.SignatureValid || v.State != StateLabel(tt.s.State) || v.Kind != Title || v.LicenceID != live.LicenceID || v.Authority != p.Authority ||
			v.IssuedOn != p.IssuedOn || !v.CheckedAt.Equal(now) || !slices.Equal(v.StatusLabels(), tt.status) {
			t.Errorf("%s: got %+v; want the certificate's identifier, kind, signature, state %v, authority and date", tt.name, v, tt.status)
		}
		if tt.held {
			full, _ := Verify(tt.s, authority, tt.mortgaged, tt.sealed, now)
			if !reflect.DeepEqual(v, full) {
				t.Errorf("%s: got %+v; want what Verify answers, %+v", tt.name, v, full)
			}
			continue
		}
		if !v.Limited || v.Number != "" || v.Holders != nil || v.UnitNo != "" || v.Location != "" || v.Area != "" || v.RightType != "" ||
			v.CancelReason != "" || v.Mortgaged || v.Sealed {
			t.Errorf("%s: the status-only answer shows more than the certificate's status: %+v", tt.name, v)
		}
	}
}

// A certificate's token is fixed by its licence identifier and signature,
// unguessable without the signature, and matches only itself, in either
// case; numbers match as people type them.
func TestTokenAndNumber(t *testing.T) {
	s, _ := testSigner(t)
	payload := samplePayload().Canonical()
	sig, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Sign(payload) // the same content signed again: another random number
	if err != nil {
		t.Fatal(err)
	}
	c := Stored{LicenceID: "1.2.156.3005.2.x", Number: "新(2026)昌吉市不动产权第0000001号", Signature: sig}
	tok := Token(c.LicenceID, c.Signature)
	if len(tok) != 16 || tok != strings.ToLower(tok) || tok != Token(c.LicenceID, sig) {
		t.Fatalf("Token: got %q; want 16 lower-case characters, the same each time", tok)
	}
	for _, other := range []string{Token("1.2.156.3005.2.y", sig), Token(c.LicenceID, again), Token(c.LicenceID, nil)} {
		if other == tok {
			t.Errorf("another identifier or signature gives the same token %q", tok)
		}
	}
	unsigned := c
	unsigned.Signature = nil
	off := []byte(tok)
	off[len(off)-1] ^= 1 // another character in the last place
	tokens := []struct {
		name  string
		s     Stored
		given string
		want  bool
	}{
		{"its token", c, tok, true},
		{"upper case, spaced", c, " " + strings.ToUpper(tok) + " ", true},
		{"none", c, "", false},
		{"one character off", c, string(off), false},
		{"a prefix", c, tok[:8], false},
		{"another certificate's", c, Token(c.LicenceID, again), false},
		{"an unsigned certificate has none", unsigned, "", false},
		{"nor any", unsigned, tok, false},
	}
	for _, tt := range tokens {
		if got := TokenMatches(tt.s, tt.given); got != tt.want {
			t.Errorf("TokenMatches, %s (%q): got %v, want %v", tt.name, tt.given, got, tt.want)
		}
	}
	numbers := []struct {
		typed string
		want  bool
	}{
		{c.Number, true},
		{"新（2026）昌吉市不动产权 第 0000001号", true},
		{"新(2026)昌吉市不动产权第0000002号", false},
		{"0000001", false},
		{"", false},
	}
	for _, tt := range numbers {
		if got := NumberMatches(c, tt.typed); got != tt.want {
			t.Errorf("NumberMatches(%q): got %v, want %v", tt.typed, got, tt.want)
		}
	}
	if u := VerifyURL("https://bdc.example/", c.LicenceID, sig); u != "https://bdc.example/verify/1.2.156.3005.2.x?token="+tok {
		t.Errorf("VerifyURL: got %s", u)
	}
	if u := VerifyURL("https://bdc.example", c.LicenceID, nil); u != "https://bdc.example/verify/1.2.156.3005.2.x" {
		t.Errorf("VerifyURL, unsigned: got %s", u)
	}
}
