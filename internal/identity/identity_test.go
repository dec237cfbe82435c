package identity

import (
	"testing"
	"time"

	"handover/internal/problem"
)

func TestPassword(t *testing.T) {
	p := HashParams{Time: 1, Memory: 1024, Threads: 1}
	h, err := HashPassword("passw0rd-1", p)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "passw0rd-1") {
		t.Errorf("CheckPassword(right) = false")
	}
	for _, bad := range []string{"passw0rd-2", "", "PASSW0RD-1"} {
		if CheckPassword(h, bad) {
			t.Errorf("CheckPassword(%q) = true", bad)
		}
	}
	for _, broken := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", h[:len(h)-5] + "!!!!!"} {
		if CheckPassword(broken, "passw0rd-1") {
			t.Errorf("CheckPassword(hash %q) = true", broken)
		}
	}
	h2, _ := HashPassword("passw0rd-1", p)
	if h == h2 {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{"passw0rd": true, "短密码1": false, "abcdefgh": false, "12345678": false, "密码密码密码12": true} {
		if got := ValidatePassword(pw) == nil; got != ok {
			t.Errorf("ValidatePassword(%q) ok = %v, want %v", pw, got, ok)
		}
	}
}

// One address's failures lock that address out of the account, not the
// account: the lock is the pair's.
func TestLoginSourceLock(t *testing.T) {
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	var s LoginSource
	for i := 1; i < MaxFailedLogins; i++ {
		if s.Fail(now) {
			t.Fatalf("locked after %d failures", i)
		}
	}
	if !s.Fail(now) {
		t.Fatalf("not locked after %d failures", MaxFailedLogins)
	}
	if err := s.CanTry(now.Add(time.Minute)); problem.CodeOf(err) != "auth.locked" {
		t.Errorf("CanTry while locked: got %v, want auth.locked", err)
	}
	if err := s.CanTry(now.Add(LockDuration)); err != nil {
		t.Errorf("CanTry after the lock: got %v, want nil", err)
	}
	var other LoginSource
	if err := other.CanTry(now.Add(time.Minute)); err != nil {
		t.Errorf("another address while the first is locked: got %v, want nil", err)
	}
	u := User{Disabled: true}
	if err := u.CanLogin(); problem.CodeOf(err) != "auth.disabled" {
		t.Errorf("CanLogin disabled: got %v, want auth.disabled", err)
	}
}

// The account is slowed, never locked, by failures from everywhere.
func TestFailureDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{SlowAfter - 1, 0},
		{SlowAfter, time.Second},
		{SlowAfter + MaxFailedLogins - 1, time.Second},
		{SlowAfter + MaxFailedLogins, 2 * time.Second},
		{SlowAfter + 100*MaxFailedLogins, MaxLoginDelay},
	}
	for _, tt := range tests {
		u := User{FailedLogins: tt.failures}
		if got := u.FailureDelay(); got != tt.want {
			t.Errorf("FailureDelay after %d failures: got %v, want %v", tt.failures, got, tt.want)
		}
	}
	u := User{FailedLogins: SlowAfter}
	u.SucceedLogin()
	if got := u.FailureDelay(); got != 0 {
		t.Errorf("FailureDelay after a success: got %v, want 0", got)
	}
}

func TestUserValidate(t *testing.T) {
	bank := Org{Kind: Bank}
	tests := []struct {
		u     User
		org   Org
		field string
	}{
		{User{Username: "ok.user", Name: "n", Roles: []Role{RoleBank}}, bank, ""},
		{User{Username: "OK.User", Name: "n", Roles: []Role{RoleBank}}, bank, ""},
		{User{Username: "-bad", Name: "n", Roles: []Role{RoleBank}}, bank, "username"},
		{User{Username: "ok.user", Name: "n", Roles: []Role{RoleReviewer}}, bank, "roles"},
		{User{Username: "buyer", Name: "n", Roles: []Role{RoleBuyer}}, Org{Kind: Individual}, "id_number"},
		{User{Username: "buyer", Name: "n", Roles: []Role{RoleBuyer}, IDNumber: "11010519491231002x"}, Org{Kind: Individual}, ""},
	}
	for _, tt := range tests {
		err := tt.u.Validate(tt.org)
		e := problem.As(err)
		if tt.field == "" && err != nil || tt.field != "" && e.Fields[tt.field] == "" {
			t.Errorf("Validate(%+v) = %v, want field %q", tt.u, err, tt.field)
		}
	}
}

func TestPrefectureWide(t *testing.T) {
	pref := Jurisdiction{Kind: Prefecture}
	for kind, want := range map[OrgKind]bool{Centre: true, Housing: true, Individual: false, Developer: false, Bank: false} {
		p := &Principal{Org: Org{Kind: kind}, Jurisdiction: pref}
		if got := p.PrefectureWide(); got != want {
			t.Errorf("PrefectureWide(%s) = %v, want %v", kind, got, want)
		}
	}
	if (&Principal{Org: Org{Kind: Centre}, Jurisdiction: Jurisdiction{Kind: County}}).PrefectureWide() {
		t.Errorf("a county principal is prefecture-wide")
	}
}

// An IPv6 subscriber's /64 is one source; IPv4 addresses are their own.
func TestLoginSourceOf(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"::ffff:203.0.113.9", "203.0.113.9"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"not-an-address", "not-an-address"},
	}
	for _, tt := range tests {
		if got := LoginSourceOf(tt.addr); got != tt.want {
			t.Errorf("LoginSourceOf(%q): got %q, want %q", tt.addr, got, tt.want)
		}
	}
}
