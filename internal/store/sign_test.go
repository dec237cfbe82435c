package store

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"handover/internal/certificate"
)

// signAll signs every certificate of the list with its own payload, on one
// core or several.
func TestSignAll(t *testing.T) {
	k, err := certificate.NewKey("昌吉市不动产登记中心", "12652301MB1234567X", []byte("sign-test-pass"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	k.ID, k.Jurisdiction, k.Active = 7, "652301", true
	kr, err := certificate.UnlockKeyring([]certificate.Key{k}, []byte("sign-test-pass"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := kr.Signer("652301")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ procs, certs int }{{1, 5}, {4, 0}, {4, 1}, {4, 37}} {
		prev := runtime.GOMAXPROCS(tt.procs)
		list := make([]toSign, tt.certs)
		for i := range list {
			list[i] = toSign{id: int64(i + 1), payload: fmt.Appendf(nil, "证书%d", i+1)}
		}
		err := signAll(signer, list)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatalf("GOMAXPROCS %d, %d certificates: %v", tt.procs, tt.certs, err)
		}
		for _, c := range list {
			if !certificate.VerifySignature(signer.Cert, c.payload, c.sig) {
				t.Errorf("GOMAXPROCS %d, %d certificates: certificate %d not signed with its payload", tt.procs, tt.certs, c.id)
			}
		}
	}
}
