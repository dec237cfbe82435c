package certificate

import (
	"fmt"
	"slices"
	"sync"

	"github.com/emmansun/gmsm/smx509"

	"handover/internal/problem"
)

// Keyring holds the unlocked signing keys of the registration authorities,
// by jurisdiction. It is made once at start (UnlockKeyring) and only read
// afterwards, so it is safe for concurrent use.
type Keyring struct {
	signers map[string]*Signer
}

// UnlockKeyring unlocks every active key of keys with the passphrase; an
// inactive key (replaced by a newer one) is left locked. A key that does
// not unlock is an error naming it: a server must not start half able to
// sign.
func UnlockKeyring(keys []Key, passphrase []byte) (*Keyring, error) {
	kr := &Keyring{signers: map[string]*Signer{}}
	for _, k := range keys {
		if !k.Active {
			continue
		}
		s, err := Unlock(k, passphrase)
		if err != nil {
			return nil, fmt.Errorf("signing key %d (%s): %w", k.ID, k.Jurisdiction, err)
		}
		kr.signers[k.Jurisdiction] = s
	}
	return kr, nil
}

// Jurisdictions lists the jurisdictions whose key is unlocked, in order.
func (kr *Keyring) Jurisdictions() []string {
	if kr == nil {
		return nil
	}
	out := make([]string, 0, len(kr.signers))
	for j := range kr.signers {
		out = append(out, j)
	}
	slices.Sort(out)
	return out
}

// Signer returns the jurisdiction's unlocked signer; without one (none
// configured, or the keyring is nil because nothing was unlocked) it
// refuses with key.missing, naming what to do.
func (kr *Keyring) Signer(jurisdiction string) (*Signer, error) {
	if kr != nil {
		if s, ok := kr.signers[jurisdiction]; ok {
			return s, nil
		}
	}
	return nil, problem.Newf(problem.Refused, "key.missing", "辖区%s的登记机构签名密钥未配置或未解锁，不能缮证（handover keys create；启动时设置 HANDOVER_KEY_PASSPHRASE）", jurisdiction)
}

// Authorities caches the authorities' parsed certificates by key id, for
// verification on every request: a stored key's certificate never
// changes, so an entry is never stale. The zero value is ready; it is safe
// for concurrent use.
type Authorities struct {
	byKey sync.Map // int64 → *smx509.Certificate
}

// Cached returns key keyID's certificate if it was parsed before.
func (a *Authorities) Cached(keyID int64) (*smx509.Certificate, bool) {
	c, ok := a.byKey.Load(keyID)
	if !ok {
		return nil, false
	}
	return c.(*smx509.Certificate), true
}

// Certificate returns key keyID's certificate parsed from certPEM (the
// stored one), or nil when it does not parse (a certificate signed by it
// then verifies as invalid).
func (a *Authorities) Certificate(keyID int64, certPEM string) *smx509.Certificate {
	if c, ok := a.byKey.Load(keyID); ok {
		return c.(*smx509.Certificate)
	}
	c, err := ParseCertificate(certPEM)
	if err != nil {
		return nil
	}
	a.byKey.Store(keyID, c)
	return c
}
