package personal_test

import (
	"strings"
	"testing"
	"time"

	"handover/internal/personal"
	"handover/internal/problem"
)

var now = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// keys makes an index key and n data keys, numbered from 1, wrapped with pass.
func keys(t *testing.T, pass string, n int) []personal.Key {
	t.Helper()
	var out []personal.Key
	for i := 0; i <= n; i++ {
		kind := personal.DataKey
		if i == 0 {
			kind = personal.IndexKey
		}
		k, err := personal.NewKey(kind, []byte(pass), now, personal.TestCost)
		if err != nil {
			t.Fatal(err)
		}
		k.ID = int64(i + 100)
		if i == 0 {
			k.ID = 1
		}
		out = append(out, k)
	}
	return out
}

func TestSealOpen(t *testing.T) {
	ks := keys(t, "passphrase-1", 1)
	ring, err := personal.Unlock(ks, []byte("passphrase-1"))
	if err != nil {
		t.Fatal(err)
	}
	const id = "652301199003071231"
	sealed := ring.Seal("id_number", id)
	if strings.Contains(sealed, id) || strings.Contains(sealed, id[len(id)-4:]) {
		t.Fatalf("sealed %q shows the number", sealed)
	}
	if again := ring.Seal("id_number", id); again == sealed {
		t.Errorf("two seals of one number are alike: %q", again)
	}
	if got, err := ring.Open("id_number", sealed); err != nil || got != id {
		t.Errorf("Open = %q, %v; want %s", got, err, id)
	}
	if personal.KeyOf(sealed) != 101 {
		t.Errorf("KeyOf = %d, want 101", personal.KeyOf(sealed))
	}
	if got, err := ring.Open("phone", sealed); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("opened as another field: %q, %v; want personal.sealed", got, err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)-5] ^= 1
	if _, err := ring.Open("id_number", string(flipped)); problem.CodeOf(err) != "personal.sealed" {
		t.Errorf("a flipped bit: %v, want personal.sealed", err)
	}
	for _, stored := range []string{"", "13800000000", "张伟"} {
		if got, err := ring.Open("phone", stored); err != nil || got != stored {
			t.Errorf("a value not sealed, %q: Open = %q, %v; want it as it is", stored, got, err)
		}
	}
	if ring.Seal("phone", "") != "" {
		t.Errorf("an empty value sealed to something")
	}
}

// A new data key seals from then on; values sealed by the old one still
// open. The blind index stays the same: it is not rotated.
func TestRotation(t *testing.T) {
	one := keys(t, "passphrase-1", 1)
	old, err := personal.Unlock(one, []byte("passphrase-1"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal("id_number", "65230119791001133X")
	next, err := personal.NewKey(personal.DataKey, []byte("passphrase-1"), now, personal.TestCost)
	if err != nil {
		t.Fatal(err)
	}
	next.ID = 102
	ring, err := personal.Unlock(append(one, next), []byte("passphrase-1"))
	if err != nil {
		t.Fatal(err)
	}
	if ring.Active() != 102 || personal.KeyOf(ring.Seal("id_number", "x")) != 102 {
		t.Errorf("active key %d, want 102", ring.Active())
	}
	if got, err := ring.Open("id_number", sealed); err != nil || got != "65230119791001133X" {
		t.Errorf("a value of the old key: %q, %v", got, err)
	}
	if a, b := old.Index("65230119791001133x "), ring.Index("65230119791001133X"); a != b || len(a) != 64 {
		t.Errorf("index across the rotation: %s, %s; want one 64-hex index (case and spaces ignored)", a, b)
	}
	if old.Index("652301199003071231") == old.Index("652301199003071232") {
		t.Errorf("two numbers, one index")
	}
	if _, err := old.Open("id_number", ring.Seal("id_number", "x")); problem.CodeOf(err) != "personal.key_missing" {
		t.Errorf("a value of a key not unlocked: %v, want personal.key_missing", err)
	}
}

func TestUnlockRefusals(t *testing.T) {
	ks := keys(t, "passphrase-1", 1)
	other := keys(t, "passphrase-1", 1)
	tests := []struct {
		name string
		keys []personal.Key
		pass string
		code string
	}{
		{"a wrong passphrase", ks, "passphrase-2", "personal.locked"},
		{"no data key", ks[:1], "passphrase-1", "personal.no_key"},
		{"no index key", ks[1:], "passphrase-1", "personal.no_key"},
		{"a key's kind changed", []personal.Key{ks[0], {ID: 101, Kind: personal.IndexKey, Wrapped: ks[1].Wrapped}}, "passphrase-1", "personal.locked"},
	}
	for _, tt := range tests {
		if _, err := personal.Unlock(tt.keys, []byte(tt.pass)); problem.CodeOf(err) != tt.code {
			t.Errorf("%s: Unlock = %v, want %s", tt.name, err, tt.code)
		}
	}
	if _, err := personal.Unlock(append(ks, other[0]), []byte("passphrase-1")); err == nil {
		t.Errorf("two index keys: unlocked")
	}
	if _, err := personal.NewKey(personal.DataKey, []byte("short"), now, personal.TestCost); problem.CodeOf(err) != "key.passphrase" {
		t.Errorf("a short passphrase: %v", err)
	}
}

// Whatever is stored, Open answers without panicking: a value that is not
// sealed as it is, one that claims to be and is not with personal.sealed.
func FuzzOpen(f *testing.F) {
	ks := keys(&testing.T{}, "passphrase-1", 1)
	ring, err := personal.Unlock(ks, []byte("passphrase-1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ring.Seal("id_number", "652301199003071231"))
	f.Add("pi1:101:")
	f.Add("pi1:0:AAAA")
	f.Add("pi1:x")
	f.Add("13800000000")
	f.Fuzz(func(t *testing.T, stored string) {
		got, err := ring.Open("id_number", stored)
		if !strings.HasPrefix(stored, "pi1:") && (err != nil || got != stored) {
			t.Errorf("a value not sealed: %q, %v", got, err)
		}
		if err != nil && problem.CodeOf(err) == "" {
			t.Errorf("an error without a code: %v", err)
		}
	})
}
