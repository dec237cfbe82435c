package registerlog

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// A checkpoint signed under the first key id (before the C2SP one) still
// opens, so that the log's earliest checkpoints stay verifiable.
func TestLegacyKeyIDOpens(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(msg []byte) ([]byte, error) {
		d := sha256.Sum256(msg)
		return ecdsa.SignASN1(rand.Reader, priv, d[:])
	}
	verify := func(msg, sig []byte) bool {
		d := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(&priv.PublicKey, d[:], sig)
	}
	c := Checkpoint{Origin: Origin("652300"), Size: 3, Root: Hasher{}.EmptyRoot()}
	old, err := note.Sign(&note.Note{Text: c.Body()}, noteKey{name: c.Origin, hash: legacyKeyHash(c.Origin, pub), sign: sign})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Open(old, c.Origin, pub, verify); err != nil || got.Size != 3 {
		t.Errorf("a note under the first key id: %+v, %v; want it open", got, err)
	}
	if keyHash(c.Origin, pub) == legacyKeyHash(c.Origin, pub) {
		t.Errorf("the two key ids are one")
	}
}
