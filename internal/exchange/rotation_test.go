package exchange

import (
	"strings"
	"testing"
	"time"

	"handover/internal/problem"
)

// Verify accepts a header when any comma-separated entry is the secret's
// signature, so that a partner holding either secret of a changeover
// accepts a delivery signed with both.
func TestVerifyEntries(t *testing.T) {
	oldKey, newKey, other := []byte("old-secret-0123456789"), []byte("new-secret-0123456789"), []byte("other-secret-012345678")
	ts, body := "1780000000", []byte(`{"id":1}`)
	sigOld, sigNew := Sign(oldKey, ts, body), Sign(newKey, ts, body)
	both := SignAll([][]byte{newKey, oldKey}, ts, body)
	if want := sigNew + "," + sigOld; both != want {
		t.Fatalf("SignAll: got %q, want %q (the current secret's first)", both, want)
	}
	tests := []struct {
		name   string
		secret []byte
		header string
		want   bool
	}{
		{"one entry", oldKey, sigOld, true},
		{"one entry, other secret", newKey, sigOld, false},
		{"two entries, the old secret", oldKey, both, true},
		{"two entries, the new secret", newKey, both, true},
		{"two entries, neither secret", other, both, false},
		{"joined by a proxy with a space", oldKey, sigNew + ", " + sigOld, true},
		{"spaces around", newKey, "  " + sigNew + "  ", true},
		{"empty", oldKey, "", false},
		{"only commas", oldKey, ",,,", false},
		{"empty entries around", oldKey, "," + sigOld + ",", true},
		{"scheme missing", oldKey, strings.TrimPrefix(sigOld, "hmac-sm3="), false},
		{"other scheme", oldKey, "hmac-sha256=" + strings.TrimPrefix(sigOld, "hmac-sm3="), false},
		{"upper-case hex", oldKey, "hmac-sm3=" + strings.ToUpper(strings.TrimPrefix(sigOld, "hmac-sm3=")), false},
		{"truncated", oldKey, sigOld[:len(sigOld)-1], false},
		{"two glued without a comma", oldKey, sigNew + sigOld, false},
		{"semicolon separated", oldKey, sigNew + ";" + sigOld, false},
	}
	for _, tt := range tests {
		if got := Verify(tt.secret, ts, body, tt.header); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRotate(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name      string
		secret    string
		days      int
		wantField string        // "" valid
		wantUntil time.Duration // after now
	}{
		{"default window", "new-secret-0123456789", 0, "", 7 * day},
		{"one day", "new-secret-0123456789", 1, "", day},
		{"thirty days", "new-secret-0123456789", 30, "", 30 * day},
		{"thirty-one days", "new-secret-0123456789", 31, "days", 0},
		{"negative", "new-secret-0123456789", -1, "days", 0},
		{"short secret", "short", 7, "secret", 0},
		{"the same secret", "cur-secret-0123456789", 7, "secret", 0},
	}
	for _, tt := range tests {
		e := Endpoint{Secret: "cur-secret-0123456789"}
		err := e.Rotate(tt.secret, tt.days, now)
		if tt.wantField != "" {
			if p := problem.As(err); err == nil || p.Code != "endpoint.rotation_invalid" || p.Fields[tt.wantField] == "" {
				t.Errorf("%s: got %v, want endpoint.rotation_invalid on %s", tt.name, err, tt.wantField)
			}
			if e.Secret != "cur-secret-0123456789" || e.PreviousSecret != "" {
				t.Errorf("%s: refused, yet the endpoint changed: %+v", tt.name, e)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got %v, want valid", tt.name, err)
			continue
		}
		if e.Secret != tt.secret || e.PreviousSecret != "cur-secret-0123456789" || !e.PreviousUntil.Equal(now.Add(tt.wantUntil)) {
			t.Errorf("%s: got secret %q, previous %q until %v; want %q, the old one until %v", tt.name, e.Secret, e.PreviousSecret, e.PreviousUntil, tt.secret, now.Add(tt.wantUntil))
		}
	}
}

// The signing secrets over a changeover's life: two during the window
// (the current first), one once it ends, whether by time or by hand.
func TestSigningSecrets(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	e := Endpoint{Secret: "first-secret-0123456789"}
	got := func(at time.Time) string {
		var s []string
		for _, k := range e.SigningSecrets(at) {
			s = append(s, string(k))
		}
		return strings.Join(s, " ")
	}
	if g := got(now); g != "first-secret-0123456789" {
		t.Fatalf("before any rotation: got %q, want the one secret", g)
	}
	if err := e.Rotate("second-secret-0123456789", 7, now); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"at the rotation", now, "second-secret-0123456789 first-secret-0123456789"},
		{"a second before the end", e.PreviousUntil.Add(-time.Second), "second-secret-0123456789 first-secret-0123456789"},
		{"at the end", e.PreviousUntil, "second-secret-0123456789"},
		{"after the end", e.PreviousUntil.Add(time.Hour), "second-secret-0123456789"},
	}
	for _, tt := range tests {
		if g := got(tt.at); g != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, g, tt.want)
		}
	}
	if err := e.EndChangeover(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if g := got(now.Add(time.Hour)); g != "second-secret-0123456789" {
		t.Errorf("after ending the changeover: got %q, want the current secret only", g)
	}
	if err := e.EndChangeover(now.Add(time.Hour)); problem.As(err).Code != "endpoint.no_changeover" {
		t.Errorf("ending it again: got %v, want endpoint.no_changeover", err)
	}
	// An expired changeover is no changeover: nothing to end.
	e.Rotate("third-secret-0123456789", 1, now)
	if err := e.EndChangeover(now.Add(48 * time.Hour)); problem.As(err).Code != "endpoint.no_changeover" {
		t.Errorf("ending an expired changeover: got %v, want endpoint.no_changeover", err)
	}
}

// Rotating twice in a row keeps only the secret current until the second
// rotation: the header carries two signatures at most, and the secret
// just replaced is what partners that finished the last changeover hold.
func TestRotateTwice(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	e := Endpoint{Secret: "first-secret-0123456789"}
	if err := e.Rotate("second-secret-0123456789", 7, now); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	if err := e.Rotate("third-secret-0123456789", 3, later); err != nil {
		t.Fatal(err)
	}
	if e.Secret != "third-secret-0123456789" || e.PreviousSecret != "second-secret-0123456789" || !e.PreviousUntil.Equal(later.Add(72*time.Hour)) {
		t.Errorf("got %q, previous %q until %v; want third, previous second until %v", e.Secret, e.PreviousSecret, e.PreviousUntil, later.Add(72*time.Hour))
	}
	ts, body := "1", []byte("x")
	h := e.Signature(later, ts, body)
	if Verify([]byte("first-secret-0123456789"), ts, body, h) {
		t.Errorf("the first secret still verifies after a second rotation")
	}
	for _, k := range []string{"second-secret-0123456789", "third-secret-0123456789"} {
		if !Verify([]byte(k), ts, body, h) {
			t.Errorf("%s does not verify during the second changeover", k)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if len(a) != 48 || a == b {
		t.Errorf("got %q and %q, want two different 48-character secrets", a, b)
	}
}

// FuzzVerify feeds Verify arbitrary headers: it must not panic, and must
// accept a header only when one of its entries is the genuine signature.
func FuzzVerify(f *testing.F) {
	secret, ts, body := []byte("fuzz-secret-0123456789"), "1780000000", []byte(`{"id":1}`)
	sig := Sign(secret, ts, body)
	for _, seed := range []string{"", ",", sig, sig + "," + sig, "hmac-sm3=" + strings.Repeat("0", 64) + "," + sig, " , ", "hmac-sm3=", "\x00,\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := Verify(secret, ts, body, header)
		want := false
		for _, e := range strings.Split(header, ",") {
			if strings.TrimSpace(e) == sig {
				want = true
			}
		}
		if got != want {
			t.Errorf("Verify(%q) = %v, want %v", header, got, want)
		}
	})
}
