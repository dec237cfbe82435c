package web_test

import (
	"net/url"
	"testing"

	"handover/internal/web/htmlcheck"
	"handover/internal/web/webtest"
)

// action is one POST of a page's form: who sends it where with what, and
// what comes back (a redirect to the page that shows what was done, the
// page again with the refusal, or the error page).
type action struct {
	name         string
	user         string
	path         string
	form         url.Values
	wantStatus   int
	wantLocation string // "" when the answer is not a redirect
	check        htmlcheck.Checker
}

// runActions sends the actions in order; each may depend on the ones
// before it (a send before a second send is refused).
func runActions(t *testing.T, env *webtest.Env, actions []action) {
	t.Helper()
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			status, loc, body := postForm(t, env.Client(t, a.user), env.HTTP.URL+a.path, a.form)
			if status != a.wantStatus {
				t.Errorf("POST %s as %s: got status %d, want %d; the page says %q", a.path, a.user, status, a.wantStatus, pageText(t, body, ".alert.err"))
			}
			if loc != a.wantLocation {
				t.Errorf("POST %s as %s: got Location %q, want %q", a.path, a.user, loc, a.wantLocation)
			}
			if a.check != nil {
				checkPage(t, a.name, body, a.check)
			}
		})
	}
}

// Checks of the answers.
var (
	// denied is the error page of a principal the action is not theirs.
	denied = in(".alert.err #error-code", hasExactText("access.denied"))
	// notFound is the error page of a record that is not where the path says.
	notFound = in("h1", hasText("未找到"))
)

// refused checks the refusal's message at the top of the page.
func refused(msg string) htmlcheck.Checker { return in(".alert.err", hasText(msg)) }

// reason checks that the refusal lists a reason.
func reason(msg string) htmlcheck.Checker { return inAny(".alert.err ul.reasons li", hasText(msg)) }

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
