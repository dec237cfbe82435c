package certificate

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// encodeStd is v as the API encoded it before AppendJSON: encoding/json
// with HTML escaping off, without the encoder's newline.
func encodeStd(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestVerificationJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 20, 9, 30, 15, 123456000, time.UTC)
	yes, no := true, false
	leaf, first := uint64(40441), uint64(0)
	tests := []struct {
		name string
		v    VerificationJSON
	}{
		{"zero", VerificationJSON{}},
		{"live, mortgaged and sealed", VerificationJSON{LicenceID: "1.2.156.3005.2.11100000MB03271699001.12652301MA10014822.0000001.001.P",
			Kind: "title", Number: "新(2026)昌吉市不动产权第0000001号", SignatureValid: true, State: "现势", Mortgaged: &yes, Sealed: &yes,
			Status: []string{"现势", "已抵押", "已查封"}, Holders: []string{"张*", "李**"}, UnitNo: "652301009002GB00001F00010001",
			Location: "昌吉市北京南路1号1栋1单元101室", Area: "89.50", RightType: "国有建设用地使用权/房屋所有权", Authority: "昌吉市不动产登记中心",
			IssuedOn: "2026-03-20", CheckedAt: at, LogIndex: &leaf}},
		{"in the register log as its first leaf", VerificationJSON{Kind: "title", CheckedAt: at, Limited: true, LogIndex: &first}},
		{"cancelled", VerificationJSON{State: "注销", CancelReason: "转移登记，原证注销", Mortgaged: &no, Sealed: &no, Status: []string{"注销"}, Holders: []string{},
			CheckedAt: at.In(time.FixedZone("CST", 8*3600))}},
		{"characters to escape", VerificationJSON{Location: "a\"b\\c\nd\re\tf\bg\fh\x00i\x1fj<k>&l\u2028m\u2029n\x7fo", Holders: []string{"\xff\xfe", "é\xc3"},
			Authority: "𠮷野家", CheckedAt: at}},
		{"nil lists", VerificationJSON{Status: nil, Holders: nil, CheckedAt: at.Truncate(time.Second)}},
		{"limited: by number, without a holder's name", VerificationJSON{Kind: "title", Number: "新(2026)昌吉市不动产权第0000001号", SignatureValid: true,
			State: "现势", Status: []string{"现势"}, Authority: "昌吉市不动产登记中心", IssuedOn: "2026-03-20", CheckedAt: at, Limited: true}},
		{"limited: by licence, without its second factor", VerificationJSON{LicenceID: "1.2.156.3005.2.11100000MB03271699001.12652301MA10014822.0000001.001.P",
			Kind: "title", State: "注销", Status: []string{"注销"}, Authority: "昌吉市不动产登记中心", IssuedOn: "2026-03-20", CheckedAt: at, Limited: true}},
		{"only one restriction known", VerificationJSON{Kind: "proof", Sealed: &yes, CheckedAt: at}},
		{"empty holders", VerificationJSON{LicenceID: "x", Holders: []string{}, UnitNo: "u", CheckedAt: at}},
		{"only the optional fields", VerificationJSON{LicenceID: "x", CancelReason: "r", Holders: []string{"a"}, UnitNo: "u", Location: "l", Area: "a",
			RightType: "t", IssuedOn: "d", CheckedAt: at}},
	}
	for _, tt := range tests {
		got, err := tt.v.AppendJSON(nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if want := encodeStd(t, tt.v); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
	}
	if _, err := (VerificationJSON{CheckedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}).AppendJSON(nil); err == nil {
		t.Errorf("a year past 9999 encoded without an error, as encoding/json refuses it")
	}
}

// Any strings encode as encoding/json encodes them.
func FuzzVerificationJSON(f *testing.F) {
	f.Add("1.2.156", "现势", "", "张*", "昌吉市\n\"1号\"", int64(0), true)
	f.Add("\xff", "\u2028", "\x00", "<&>", "\\", int64(1774000000123456789), false)
	f.Fuzz(func(t *testing.T, licence, state, reason, holder, location string, nanos int64, valid bool) {
		v := VerificationJSON{LicenceID: licence, State: state, CancelReason: reason, SignatureValid: valid,
			Status: []string{state, reason}, Location: location, CheckedAt: time.Unix(0, nanos).UTC(), Limited: holder == ""}
		if nanos%3 == 0 {
			idx := uint64(nanos)
			v.LogIndex = &idx
		}
		if holder != "" {
			mortgaged := !valid
			v.Holders, v.Mortgaged, v.Sealed = []string{holder}, &mortgaged, &valid
		}
		got, err := v.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := encodeStd(t, v); !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}
