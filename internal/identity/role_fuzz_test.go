package identity

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"handover/internal/problem"
)

// A role is read from its code or its Chinese label (trimmed) and nothing
// else; it reads back from both; a refusal is role.unknown.
func FuzzParseRole(f *testing.F) {
	for _, s := range []string{"acceptor", " reviewer ", "审核", "登簿/缮证", "admin", "ADMIN", "", "x", "审核\x00", "buyer\n"} {
		f.Add(s)
	}
	for _, r := range Roles {
		f.Add(string(r))
		f.Add(r.Label())
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRole(s)
		if err != nil {
			var e *problem.Error
			if !errors.As(err, &e) || e.Kind != problem.Invalid || e.Code != "role.unknown" {
				t.Fatalf("ParseRole(%q) refused with %#v", s, err)
			}
			return
		}
		if !slices.Contains(Roles, r) {
			t.Fatalf("ParseRole(%q) = %q, not a role", s, r)
		}
		if v := strings.TrimSpace(s); v != string(r) && v != r.Label() {
			t.Fatalf("ParseRole(%q) = %q, which is neither its code nor its label", s, r)
		}
		for _, w := range []string{string(r), r.Label()} {
			if back, err := ParseRole(w); err != nil || back != r {
				t.Fatalf("role %q does not read back from %q: %q %v", r, w, back, err)
			}
		}
	})
}
