package certificate

import (
	"time"

	"github.com/emmansun/gmsm/smx509"

	"handover/internal/code"
)

// A certificate's stored states: live until the right it proves ends,
// then cancelled (注销); the row stays.
const (
	Live      = "live"
	Cancelled = "cancelled"
)

// StateLabel names a stored state as the certificate's pages and its
// verification show it: 现势 or 注销.
func StateLabel(state string) string {
	if state == Cancelled {
		return "注销"
	}
	return "现势"
}

// DeliveryLabel names how a certificate was delivered ("" when it was
// not yet).
func DeliveryLabel(d string) string {
	switch d {
	case "hand":
		return "现场领取"
	case "developer":
		return "开发企业代领转交"
	case "mail":
		return "邮寄"
	case "electronic":
		return "电子证照"
	}
	return ""
}

// Verification is what the public learns of a certificate: whether its
// signature holds, whether it is current, the unit's restrictions now, the
// holder's name masked and never an ID number.
type Verification struct {
	LicenceID      string
	Kind           Kind
	Number         string
	SignatureValid bool
	State          string // 现势 or 注销 (StateLabel)
	CancelReason   string
	Mortgaged      bool // 已抵押 as of now
	Sealed         bool // 已查封 as of now
	Holders        []string
	UnitNo         string
	Location       string
	Area           string
	RightType      string
	Authority      string
	IssuedOn       string
	CheckedAt      time.Time
}

// Stored is a certificate as verification reads it: its identifiers, the
// signed payload and signature, and its stored state.
type Stored struct {
	LicenceID    string
	Kind         Kind
	Number       string
	Payload      []byte
	Signature    []byte
	State        string // Live or Cancelled
	CancelReason string
}

// Verify answers the public about a stored certificate at a time: the
// signature is checked against authority (nil: the key's certificate is
// unknown, and the signature does not hold), the holders' names are
// masked, the cancellation's reason shown only for a cancelled one;
// mortgaged and sealed are the unit's as the register book stands now.
// A payload that is not JSON is an error.
func Verify(s Stored, authority *smx509.Certificate, mortgaged, sealed bool, at time.Time) (Verification, error) {
	v := Verification{LicenceID: s.LicenceID, Kind: s.Kind, Number: s.Number, State: StateLabel(s.State), Mortgaged: mortgaged, Sealed: sealed,
		CheckedAt: at}
	if authority != nil && len(s.Signature) > 0 {
		v.SignatureValid = VerifySignature(authority, s.Payload, s.Signature)
	}
	if s.State == Cancelled {
		v.CancelReason = s.CancelReason
	}
	p, err := readShown(s.Payload)
	if err != nil {
		return v, err
	}
	for _, name := range p.names {
		v.Holders = append(v.Holders, code.MaskName(name))
	}
	v.UnitNo, v.Location, v.Area, v.RightType, v.Authority, v.IssuedOn = p.unitNo, p.location, p.area, p.rightType, p.authority, p.issued
	return v, nil
}

// StatusLabels are the states a verification shows: 现势 or 注销, and for
// a live certificate 已抵押 and 已查封 when the unit is.
func (v Verification) StatusLabels() []string {
	out := []string{v.State}
	if v.State == StateLabel(Live) {
		if v.Mortgaged {
			out = append(out, "已抵押")
		}
		if v.Sealed {
			out = append(out, "已查封")
		}
	}
	return out
}
