package exchange

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"handover/internal/problem"
)

// Secret rotation. An administrator replaces an endpoint's secret with a
// new one (shown once); the secret it replaces stays valid for a
// changeover window, during which every delivery carries two signatures,
// the new secret's first:
//
//	X-Handover-Signature: hmac-sm3=<new>,hmac-sm3=<old>
//
// A partner that still holds only the old secret, and one that already
// holds only the new one, both find a signature they can check, so the
// partner switches whenever it likes within the window. Outside a
// changeover the header carries exactly one signature, as it always did.
// When the window ends the old secret is simply no longer used: nothing
// has to run at that moment, the courier asks SigningSecrets at each
// delivery.

// Changeover windows, in days.
const (
	DefaultChangeoverDays = 7
	MinChangeoverDays     = 1
	MaxChangeoverDays     = 30
)

// NewSecret makes a random HMAC key for a partner endpoint: 24 random
// bytes in hexadecimal (48 characters).
func NewSecret() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// InChangeover reports whether at now the endpoint is in a changeover:
// its previous secret still signs deliveries. The window is open until
// PreviousUntil, exclusive.
func (e Endpoint) InChangeover(now time.Time) bool {
	return e.PreviousSecret != "" && now.Before(e.PreviousUntil)
}

// Rotate makes secret the endpoint's current secret and keeps the one it
// replaces valid for days (1–30; 0 is the default 7) from now.
//
// Rotating again during a changeover keeps only the secret that was
// current until this rotation; the one before it is dropped at once. The
// header carries at most two signatures, and the secret just replaced is
// the one every partner that finished the last changeover holds; a
// partner still on the older one had the first window to move.
func (e *Endpoint) Rotate(secret string, days int, now time.Time) error {
	if days == 0 {
		days = DefaultChangeoverDays
	}
	var f problem.Fields
	if days < MinChangeoverDays || days > MaxChangeoverDays {
		f.Add("days", "过渡期为"+strconv.Itoa(MinChangeoverDays)+"至"+strconv.Itoa(MaxChangeoverDays)+"天")
	}
	if len(secret) < 16 || secret == e.Secret {
		f.Add("secret", "新签名密钥至少16个字符，且不能与当前密钥相同")
	}
	if err := f.Err("endpoint.rotation_invalid", "密钥轮换的设置有误"); err != nil {
		return err
	}
	e.PreviousSecret, e.PreviousUntil, e.Secret = e.Secret, now.Add(time.Duration(days)*24*time.Hour), secret
	return nil
}

// EndChangeover drops the previous secret at once: from now on every
// delivery is signed with the current secret only. Without a changeover
// under way there is nothing to end.
func (e *Endpoint) EndChangeover(now time.Time) error {
	if !e.InChangeover(now) {
		return problem.New(problem.Conflict, "endpoint.no_changeover", "该接收地址没有进行中的密钥轮换")
	}
	e.PreviousSecret, e.PreviousUntil = "", time.Time{}
	return nil
}

// SigningSecrets returns the secrets a delivery sent at now is signed
// with: the current secret, then, during a changeover, the previous one.
func (e Endpoint) SigningSecrets(now time.Time) [][]byte {
	out := [][]byte{[]byte(e.Secret)}
	if e.InChangeover(now) {
		out = append(out, []byte(e.PreviousSecret))
	}
	return out
}

// Signature returns the X-Handover-Signature value of a delivery sent at
// now, whose timestamp header is ts: one signature, or two during a
// changeover (SigningSecrets).
func (e Endpoint) Signature(now time.Time, ts string, body []byte) string {
	return SignAll(e.SigningSecrets(now), ts, body)
}

// SignAll returns the signature header value signed with each of secrets
// in order, comma-separated: "hmac-sm3=<hex>,hmac-sm3=<hex>".
func SignAll(secrets [][]byte, ts string, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = Sign(s, ts, body)
	}
	return strings.Join(sigs, ",")
}

// Verify checks a signature header; receivers use it (and the tests). The
// header is accepted when any of its comma-separated entries (spaces
// around an entry are ignored, as a proxy may join headers with ", ") is
// secret's signature of ts and body, each compared in constant time.
func Verify(secret []byte, ts string, body []byte, header string) bool {
	want := []byte(Sign(secret, ts, body))
	ok := false
	for entry := range strings.SplitSeq(header, ",") {
		// Every entry is compared, a match or not: the time taken says
		// nothing about which one matched.
		if hmac.Equal(want, []byte(strings.TrimSpace(entry))) {
			ok = true
		}
	}
	return ok
}
