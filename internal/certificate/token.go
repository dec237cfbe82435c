package certificate

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base32"
	"net/url"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// tokenBytes is how much of the HMAC a token keeps: 80 bits, far beyond
// guessing at any rate a server answers, in 16 characters that keep the
// QR code small.
const tokenBytes = 10

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Token is the second factor the QR code of a certificate carries beside
// its licence identifier (…/verify/{licence}?token=…): it shows that the
// person checking has the certificate, or its QR code, in hand, and lets
// the public verification answer in full (VerifyLicence).
//
// It is HMAC-SM3 of the licence identifier keyed by the certificate's SM2
// signature, which only the registration authority's key can make, holds a
// fresh random number, and is never shown by the public verification
// (only in the exported file, to those who may download it). So a token
// needs no secret of its own to keep or configure, cannot be worked out
// from anything public, stays the same each time the QR code is drawn,
// and still holds after the authority's key is replaced. An unsigned
// certificate has no token (""): it is never issued.
func Token(licence string, signature []byte) string {
	if len(signature) == 0 {
		return ""
	}
	m := hmac.New(sm3.New, signature)
	m.Write([]byte("handover verify token v1\x00"))
	m.Write([]byte(licence))
	return strings.ToLower(tokenEncoding.EncodeToString(m.Sum(nil)[:tokenBytes]))
}

// TokenMatches reports whether given is the token of s, in either case,
// compared in constant time. No token, or a certificate without one,
// does not match.
func TokenMatches(s Stored, given string) bool {
	want := Token(s.LicenceID, s.Signature)
	given = strings.ToLower(strings.TrimSpace(given))
	return want != "" && given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1
}

// VerifyURL is the public verification address of a certificate, which
// its QR code carries: base (the platform's external address), the
// licence identifier and, once the certificate is signed, its token. An
// address without the token (printed before there was one) still
// verifies, with the status only.
func VerifyURL(base, licence string, signature []byte) string {
	u := strings.TrimRight(base, "/") + "/verify/" + url.PathEscape(licence)
	if t := Token(licence, signature); t != "" {
		u += "?token=" + t
	}
	return u
}
