package web_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/web/webtest"
)

// A password reset, a change of roles and disabling end the user's page
// sessions at once; unlocking, or a change to someone else, does not.
func TestUserChangesEndSessions(t *testing.T) {
	e := webtest.Start(t)
	admin := e.Client(t, "admin")
	signedIn := func(c *http.Client) bool {
		t.Helper()
		resp, err := c.Get(e.HTTP.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	tests := []struct {
		user  string
		form  url.Values
		ended bool
	}{
		{"shouli", url.Values{"op": {"password"}, "password": {"NewPass2026"}}, true},
		{"shenhe", url.Values{"op": {"roles"}, "roles": {"reviewer", "recorder"}}, true},
		{"dengbu", url.Values{"op": {"disable"}}, true},
		{"cehui", url.Values{"op": {"unlock"}}, false},
	}
	bystander := e.Client(t, "kaifa")
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.form.Get("op"), func(t *testing.T) {
			c := e.Client(t, tt.user)
			if !signedIn(c) {
				t.Fatalf("%s not signed in before the change", tt.user)
			}
			id := e.Demo.Users[tt.user].ID
			resp, err := admin.PostForm(e.HTTP.URL+"/admin/users/"+strconv.FormatInt(id, 10), tt.form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST /admin/users/%d op=%s: status %d, want 303", id, tt.form.Get("op"), resp.StatusCode)
			}
			if got := !signedIn(c); got != tt.ended {
				t.Errorf("%s's session ended after op=%s: got %v, want %v", tt.user, tt.form.Get("op"), got, tt.ended)
			}
			if !signedIn(bystander) {
				t.Errorf("kaifa's session ended by a change to %s", tt.user)
			}
		})
	}
	// The user signs in again with the new password, and stays.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c.Jar, _ = cookiejar.New(nil)
	resp, err := c.PostForm(e.HTTP.URL+"/login", url.Values{"username": {"shouli"}, "password": {"NewPass2026"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !signedIn(c) {
		t.Errorf("shouli signing in with the new password: status %d, want 303 and a session", resp.StatusCode)
	}
}

// A token revoked elsewhere — from the command line, or on another server
// sharing the database — fails on the next request, not after the
// principal cache's five seconds.
func TestRevokedTokenFailsAtOnce(t *testing.T) {
	e := webtest.Start(t)
	ctx := context.Background()
	secret, tok, err := e.DB.CreateToken(ctx, audit.System(), e.Demo.Users["shuiwu"].ID, "征管系统")
	if err != nil {
		t.Fatal(err)
	}
	me := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", e.HTTP.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := me(); got != http.StatusOK {
		t.Fatalf("GET /api/v1/me with a fresh token: status %d, want 200", got)
	}
	// The revocation another process writes (the command line, another
	// server, an operator's SQL): the trigger moves the identity
	// generation and the server's watcher drops the cached token.
	if _, err := e.Raw.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, e.Clock.Now().UTC(), tok.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for me() != http.StatusUnauthorized {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("GET /api/v1/me still served %v after the token was revoked elsewhere, want 401 within one poll of the watcher", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("revoked elsewhere: refused after %v", time.Since(start).Round(time.Millisecond))

	// Revoked through this server: refused on the very next request.
	secret2, tok2, err := e.DB.CreateToken(ctx, audit.System(), e.Demo.Users["shuiwu"].ID, "征管系统二")
	if err != nil {
		t.Fatal(err)
	}
	secret = secret2
	if got := me(); got != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the second token: status %d, want 200", got)
	}
	if err := e.DB.RevokeToken(ctx, audit.System(), tok2.ID); err != nil {
		t.Fatal(err)
	}
	if got := me(); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me right after the token was revoked through this server: status %d, want 401", got)
	}
}
