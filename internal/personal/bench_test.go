package personal_test

import (
	"strings"
	"testing"

	"handover/internal/personal"
)

// BenchmarkSeal measures what sealing adds to a write and opening to a
// read: a certificate's payload (about 1.5 KB), an ID number, and its
// blind index.
func BenchmarkSeal(b *testing.B) {
	ks := []personal.Key{}
	for i, kind := range []string{personal.IndexKey, personal.DataKey} {
		k, _ := personal.NewKey(kind, []byte("passphrase-1"), now, personal.TestCost)
		k.ID = int64(i + 1)
		ks = append(ks, k)
	}
	ring, _ := personal.Unlock(ks, []byte("passphrase-1"))
	v := strings.Repeat("x", 1500)
	s := ring.Seal("f", v)
	b.Run("seal1500", func(b *testing.B) {
		for b.Loop() {
			ring.Seal("f", v)
		}
	})
	b.Run("open1500", func(b *testing.B) {
		for b.Loop() {
			ring.Open("f", s)
		}
	})
	b.Run("seal18", func(b *testing.B) {
		for b.Loop() {
			ring.Seal("f", "652301199003071231")
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			ring.Index("652301199003071231")
		}
	})
}
