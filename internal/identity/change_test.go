package identity

import (
	"slices"
	"testing"
	"time"

	"handover/internal/problem"
)

func TestUserChangeApply(t *testing.T) {
	bank := Org{Kind: Bank}
	locked := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	stored := func() User {
		return User{ID: 4, Username: "bank.clerk", Name: "王芳", Roles: []Role{RoleBank}, FailedLogins: 5, LockedUntil: locked,
			PasswordHash: "old"}
	}
	yes, no := true, false
	tests := []struct {
		name     string
		change   UserChange
		hash     string
		org      Org
		wantCode string // "" for none
		field    string // the field a refusal names
		check    func(u User) bool
	}{
		{"nothing changes", UserChange{}, "", bank, "", "", func(u User) bool {
			return slices.Equal(u.Roles, []Role{RoleBank}) && !u.Disabled && u.FailedLogins == 5 && u.PasswordHash == "old"
		}},
		{"disable", UserChange{Disabled: &yes}, "", bank, "", "", func(u User) bool { return u.Disabled }},
		{"enable", UserChange{Disabled: &no}, "", bank, "", "", func(u User) bool { return !u.Disabled }},
		{"unlock clears the failures and the lock", UserChange{Unlock: true}, "", bank, "", "", func(u User) bool {
			return u.FailedLogins == 0 && u.LockedUntil.IsZero()
		}},
		{"a new password's hash", UserChange{Password: "passw0rd-2"}, "new", bank, "", "", func(u User) bool { return u.PasswordHash == "new" }},
		{"roles the bank may grant", UserChange{Roles: []Role{RoleBank}}, "", bank, "", "", func(u User) bool {
			return slices.Equal(u.Roles, []Role{RoleBank})
		}},
		{"a role the bank may not grant", UserChange{Roles: []Role{RoleReviewer}}, "", bank, "user.invalid", "roles", nil},
		{"every role taken away", UserChange{Roles: []Role{}}, "", bank, "user.invalid", "roles", nil},
		{"a stored user the organisation no longer allows", UserChange{Unlock: true}, "", Org{Kind: Registry}, "user.invalid", "roles", nil},
		{"refused: the password is left", UserChange{Roles: []Role{}}, "new", bank, "user.invalid", "roles", nil},
	}
	for _, tt := range tests {
		u := stored()
		err := tt.change.Apply(&u, tt.org, tt.hash)
		if got := problem.CodeOf(err); got != tt.wantCode || tt.field != "" && problem.As(err).Fields[tt.field] == "" {
			t.Errorf("%s: got %v, want code %q naming %q", tt.name, err, tt.wantCode, tt.field)
			continue
		}
		if err != nil {
			if u.PasswordHash != "old" {
				t.Errorf("%s: refused, but the password hash is %q, want the old one", tt.name, u.PasswordHash)
			}
			continue
		}
		if !tt.check(u) {
			t.Errorf("%s: got %+v", tt.name, u)
		}
	}
}

func TestUserChangeNewHash(t *testing.T) {
	p := HashParams{Time: 1, Memory: 1024, Threads: 1}
	tests := []struct {
		name     string
		password string
		wantCode string
	}{
		{"unchanged", "", ""},
		{"strong enough", "passw0rd-2", ""},
		{"too short", "pw0rd", "user.invalid"},
		{"no digit", "password-only", "user.invalid"},
		{"no letter", "1234567890", "user.invalid"},
	}
	for _, tt := range tests {
		hash, err := UserChange{Password: tt.password, Hash: p}.NewHash()
		if got := problem.CodeOf(err); got != tt.wantCode {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.wantCode)
			continue
		}
		switch {
		case err != nil:
			if msg := problem.As(err).Fields["password"]; msg != "密码至少8位，须同时包含字母和数字" {
				t.Errorf("%s: got the password field %q, want the rule's message", tt.name, msg)
			}
		case tt.password == "" && hash != "":
			t.Errorf("%s: got hash %q, want none", tt.name, hash)
		case tt.password != "" && !CheckPassword(hash, tt.password):
			t.Errorf("%s: the hash does not check against the password", tt.name)
		}
	}
}
