package certificate

import (
	"strings"
	"time"
	"unicode"

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
	// Limited is the status-only answer (Limit) to whoever names a
	// certificate by one identifier alone, its licence identifier or its
	// number, both of which can be guessed: that it exists, what it is,
	// whether its signature holds, its state, who issued it and when.
	Limited bool
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
	v, _, err := verify(s, authority, mortgaged, sealed, at)
	return v, err
}

// NameChecksPerDay is how many names that are not a holder's a
// certificate's lookups by number may be given within a day before names
// are no longer compared (NamesLocked): a holder's name is personal data,
// and a number printed on the certificate must not let anyone try a list
// of names against it.
const NameChecksPerDay = 5

// NamesLocked tells whether names are no longer compared for a certificate
// that was given wrong names (not a holder's) in the last day.
func NamesLocked(wrong int) bool { return wrong >= NameChecksPerDay }

// VerifyNumber answers the public about a certificate found by its number
// (不动产权证书号), which is printed on the certificate for anyone who
// sees it to read, and is sequential: with the full name of one of its
// holders (HolderNamed) it answers as Verify does; without a name, or with
// a name that is not a holder's, only the certificate's status (Limit,
// with the number that was typed) — the same answer for both, so that
// trying names tells nothing but the name that fits.
//
// Names are not for guessing: after NameChecksPerDay names that were not a
// holder's within a day (NamesLocked), a name is not compared at all and
// the answer is the limited one, whoever asks.
func VerifyNumber(s Stored, authority *smx509.Certificate, mortgaged, sealed bool, name string, at time.Time) (Verification, error) {
	v, names, err := verify(s, authority, mortgaged, sealed, at)
	if err != nil || HolderNamed(names, name) {
		return v, err
	}
	l := v.Limit()
	l.Number = v.Number
	return l, nil
}

// VerifyLicence answers the public about a certificate found by its
// licence identifier (电子证照标识), which is sequential and can be
// guessed: in full, as Verify does, when held is true — the person
// checking showed the certificate's second factor (TokenMatches,
// NumberMatches) — and otherwise only its status (Limit, with the
// identifier that was typed), the same answer whatever wrong factor was
// given. mortgaged and sealed are read only for a full answer.
func VerifyLicence(s Stored, authority *smx509.Certificate, mortgaged, sealed, held bool, at time.Time) (Verification, error) {
	v, _, err := verify(s, authority, mortgaged, sealed, at)
	if err != nil || held {
		return v, err
	}
	l := v.Limit()
	l.LicenceID = v.LicenceID
	return l, nil
}

// NumberChecksPerDay is how many certificate numbers that are not its own
// a certificate's lookups by licence identifier may be given within a day
// before numbers are no longer compared (NumbersLocked): numbers are
// sequential, and an identifier found by guessing must not let anyone walk
// the numbers of a year against it. The QR code's token is never locked:
// it cannot be guessed.
const NumberChecksPerDay = 5

// NumbersLocked tells whether numbers are no longer compared for a
// certificate that was given wrong numbers in the last day.
func NumbersLocked(wrong int) bool { return wrong >= NumberChecksPerDay }

// NumberMatches reports whether typed is the certificate's number, written
// as people write it (code.ParseCertNumber: full-width brackets, spaces).
// Anything that is not a certificate number does not match.
func NumberMatches(s Stored, typed string) bool {
	n, err := code.ParseCertNumber(typed)
	return err == nil && s.Number != "" && n.String() == s.Number
}

func verify(s Stored, authority *smx509.Certificate, mortgaged, sealed bool, at time.Time) (Verification, []string, error) {
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
		return v, nil, err
	}
	for _, name := range p.names {
		v.Holders = append(v.Holders, code.MaskName(name))
	}
	v.UnitNo, v.Location, v.Area, v.RightType, v.Authority, v.IssuedOn = p.unitNo, p.location, p.area, p.rightType, p.authority, p.issued
	return v, p.names, nil
}

// Limit is what the public learns of a certificate by one identifier
// alone (its licence identifier or its number, both sequential): its
// kind, whether its signature holds, its state (现势 or 注销), the
// authority that issued it and the date — not its holders, not the flat
// (its unit number, location, area, right), not whether the flat is
// mortgaged or sealed, not why it was cancelled (a reason may name a
// person), and neither identifier: the caller adds back the one that was
// typed, since the other is a second factor (the number) or would answer
// all of these (the licence identifier).
func (v Verification) Limit() Verification {
	return Verification{Kind: v.Kind, SignatureValid: v.SignatureValid, State: v.State, Authority: v.Authority, IssuedOn: v.IssuedOn,
		CheckedAt: v.CheckedAt, Limited: true}
}

// HolderNamed reports whether given is the full name of one of holders,
// as a person would type it: spaces anywhere ignored (full-width ones
// too), the middle dot of a transliterated name (阿依古丽·买买提) in any of
// its look-alikes, Latin letters in either case. A name given in part, or
// no name, is not a holder's.
func HolderNamed(holders []string, given string) bool {
	g := normalName(given)
	if g == "" {
		return false
	}
	for _, h := range holders {
		if n := normalName(h); n != "" && strings.EqualFold(n, g) {
			return true
		}
	}
	return false
}

// normalName drops white space and writes every middle-dot look-alike as
// U+00B7, the dot of 《少数民族人名汉字译写》.
func normalName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case strings.ContainsRune("·•‧・･∙⋅．.", r):
			return '·'
		}
		return r
	}, s)
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
