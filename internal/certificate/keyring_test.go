package certificate

import (
	"strings"
	"testing"

	"handover/internal/problem"
)

func TestKeyring(t *testing.T) {
	_, changji := testSigner(t)
	changji.ID, changji.Jurisdiction = 1, "652301"
	_, old := testSigner(t)
	old.ID, old.Jurisdiction, old.Active = 2, "652302", false
	_, fukang := testSigner(t)
	fukang.ID, fukang.Jurisdiction = 3, "652302"
	kr, err := UnlockKeyring([]Key{changji, old, fukang}, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		kr           *Keyring
		jurisdiction string
		wantKey      int64
		wantCode     string
	}{
		{"an unlocked key", kr, "652301", 1, ""},
		{"the active key, not the one it replaced", kr, "652302", 3, ""},
		{"a jurisdiction without a key", kr, "652323", 0, "key.missing"},
		{"nothing unlocked", nil, "652301", 0, "key.missing"},
	}
	for _, tt := range tests {
		s, err := tt.kr.Signer(tt.jurisdiction)
		if got := problem.As(err).Code; err != nil && got != tt.wantCode || err == nil && tt.wantCode != "" {
			t.Errorf("%s: got error %v, want code %q", tt.name, err, tt.wantCode)
			continue
		}
		if err != nil {
			if problem.KindOf(err) != problem.Refused || !strings.Contains(err.Error(), tt.jurisdiction) {
				t.Errorf("%s: got %v, want a refusal naming %s", tt.name, err, tt.jurisdiction)
			}
			continue
		}
		if s.KeyID != tt.wantKey {
			t.Errorf("%s: got key %d, want %d", tt.name, s.KeyID, tt.wantKey)
		}
	}
}

func TestUnlockKeyringRefuses(t *testing.T) {
	_, k := testSigner(t)
	k.ID, k.Jurisdiction = 4, "652301"
	notPEM := k
	notPEM.KeyPEM = "not a key"
	inactive := k
	inactive.Active, inactive.KeyPEM = false, "not a key"
	tests := []struct {
		name       string
		keys       []Key
		passphrase string
		wantErr    string // "" for none; else a part of the error
	}{
		{"right passphrase", []Key{k}, "correct horse", ""},
		{"no keys", nil, "correct horse", ""},
		{"an inactive key is left locked", []Key{inactive}, "wrong", ""},
		{"wrong passphrase", []Key{k}, "wrong passphrase", "signing key 4 (652301)"},
		{"a stored key that is not PEM", []Key{notPEM}, "correct horse", "not PEM"},
	}
	for _, tt := range tests {
		_, err := UnlockKeyring(tt.keys, []byte(tt.passphrase))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.wantErr)
		}
	}
	// The wrong passphrase keeps its stable code under the key's name.
	if _, err := UnlockKeyring([]Key{k}, []byte("wrong passphrase")); problem.As(err).Code != "key.locked" {
		t.Errorf("wrong passphrase: got code %q, want key.locked", problem.As(err).Code)
	}
}

func TestAuthorities(t *testing.T) {
	_, k := testSigner(t)
	var a Authorities
	if c := a.Certificate(1, "not PEM"); c != nil {
		t.Errorf("a certificate that does not parse: got %v, want nil", c.Subject)
	}
	c := a.Certificate(2, k.CertPEM)
	if c == nil {
		t.Fatal("a stored certificate did not parse")
	}
	// A key's certificate never changes: the cached one answers.
	if again := a.Certificate(2, ""); again != c {
		t.Errorf("the second read: got %p, want the cached %p", again, c)
	}
}
