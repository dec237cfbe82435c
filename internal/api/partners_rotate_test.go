package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/exchange"
	"handover/internal/web/webtest"
)

// Rotating a partner endpoint's secret through the API: the new secret is
// in the rotation's answer and nowhere after it (lists show it masked and
// the old one not at all, the audit trail and the logs never); the
// changeover's end is listed until it is ended; access is decided as for
// editing the endpoint, and every refusal carries its stable code.
func TestPartnerSecretRotationAPI(t *testing.T) {
	env := webtest.Start(t)
	doc := fetchDocument(t, env.HTTP.URL)
	ctx := context.Background()
	admin := audit.Actor{UserID: env.Demo.Users["admin"].ID, Name: "admin"}
	const oldKey = "old-secret-0123456789"
	put := func(org string) int64 {
		ep, err := env.DB.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: env.Demo.Orgs[org].ID, Name: "接收 " + org, URL: "https://partner.example/hook",
			Secret: oldKey, Events: []string{exchange.ContractFiled}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		return ep.ID
	}
	home, other := put("652301/tax"), put("652302/registry")
	clients := map[string]*http.Client{"": env.Client(t, "")}
	call := func(user, path, body string) (int, []byte) {
		t.Helper()
		c, ok := clients[user]
		if !ok {
			c = env.Client(t, user)
			clients[user] = c
		}
		req, _ := http.NewRequest("POST", env.HTTP.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	rotate := func(id int64) string { return fmt.Sprintf("/api/v1/partners/endpoints/%d/rotate", id) }
	end := func(id int64) string { return fmt.Sprintf("/api/v1/partners/endpoints/%d/rotate/end", id) }

	// The county's administrator rotates its own endpoint.
	before := env.Clock.Now()
	status, b := call("cj-admin", rotate(home), `{"days":3}`)
	if status != 200 {
		t.Fatalf("rotate: %d %s, want 200", status, b)
	}
	if errs := validate(doc.responseSchema("POST", "/api/v1/partners/endpoints/{id}/rotate", 200), doc.Components.Schemas, decodeJSON(t, b), "$"); len(errs) > 0 {
		t.Errorf("the rotation's answer drifts from the document: %v", errs)
	}
	var rotated struct {
		Endpoint      int64     `json:"endpoint"`
		Secret        string    `json:"secret"`
		PreviousUntil time.Time `json:"previous_until"`
	}
	if err := json.Unmarshal(b, &rotated); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{48}$`).MatchString(rotated.Secret) || rotated.Endpoint != home || !rotated.PreviousUntil.Equal(before.Add(72*time.Hour)) {
		t.Errorf("rotation answered %s; want the endpoint, a new 48-digit secret and the old one valid until %v", b, before.Add(72*time.Hour))
	}
	if e, _ := env.DB.Endpoint(ctx, home); e.Secret != rotated.Secret || e.PreviousSecret != oldKey {
		t.Errorf("stored: current %q, previous %q; want the answered secret and the old one", e.Secret, e.PreviousSecret)
	}

	// Listed afterwards: masked, with the changeover's end; neither secret
	// appears in full again.
	resp, err := clients["cj-admin"].Get(env.HTTP.URL + "/api/v1/partners/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var listed struct {
		Endpoints []struct {
			ID            int64      `json:"id"`
			Secret        string     `json:"secret"`
			PreviousUntil *time.Time `json:"previous_until"`
		} `json:"endpoints"`
	}
	json.Unmarshal(list, &listed)
	var found bool
	for _, e := range listed.Endpoints {
		if e.ID == home {
			found = true
			if e.PreviousUntil == nil || !e.PreviousUntil.Equal(rotated.PreviousUntil) || e.Secret != rotated.Secret[:4]+"********" {
				t.Errorf("listed %+v; want the secret masked and the changeover until %v", e, rotated.PreviousUntil)
			}
		}
	}
	if !found {
		t.Fatalf("the rotated endpoint is not listed: %s", list)
	}
	for _, s := range []string{rotated.Secret, oldKey} {
		if strings.Contains(string(list), s) {
			t.Errorf("the list shows a secret in full: %s", list)
		}
	}

	tests := []struct {
		name       string
		user, path string
		body       string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"a window too long", "cj-admin", rotate(home), `{"days":31}`, 400, "endpoint.rotation_invalid", "days"},
		{"a window of no days", "cj-admin", rotate(home), `{"days":-2}`, 400, "endpoint.rotation_invalid", "days"},
		{"not JSON", "cj-admin", rotate(home), `days=7`, 400, "request.body", ""},
		{"not an administrator", "zhujian", rotate(home), `{}`, 403, "access.denied", ""},
		{"not an administrator ends", "zhujian", end(home), ``, 403, "access.denied", ""},
		{"another county's endpoint", "cj-admin", rotate(other), `{}`, 403, "access.denied", ""},
		{"another county's endpoint, ended", "cj-admin", end(other), ``, 403, "access.denied", ""},
		{"anonymous", "", rotate(home), `{}`, 401, "auth.required", ""},
		{"no such endpoint", "admin", rotate(home + 1000), `{}`, 404, "endpoint.not_found", ""},
		{"no changeover to end", "admin", end(other), ``, 409, "endpoint.no_changeover", ""},
	}
	for _, tt := range tests {
		status, b := call(tt.user, tt.path, tt.body)
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(b, &e)
		if status != tt.wantStatus || e.Error.Code != tt.wantCode || (tt.wantField != "" && e.Error.Fields[tt.wantField] == "") {
			t.Errorf("%s: got %d %s, want %d %s (field %q)", tt.name, status, b, tt.wantStatus, tt.wantCode, tt.wantField)
		}
	}
	if e, _ := env.DB.Endpoint(ctx, home); e.Secret != rotated.Secret || e.PreviousSecret != oldKey {
		t.Errorf("after the refusals: current %q, previous %q; want them unchanged", e.Secret, e.PreviousSecret)
	}

	// The prefecture's administrator ends the changeover: the old secret
	// is gone at once.
	status, b = call("admin", end(home), ``)
	if status != 200 {
		t.Fatalf("end: %d %s, want 200", status, b)
	}
	if errs := validate(doc.responseSchema("POST", "/api/v1/partners/endpoints/{id}/rotate/end", 200), doc.Components.Schemas, decodeJSON(t, b), "$"); len(errs) > 0 {
		t.Errorf("the end's answer drifts from the document: %v", errs)
	}
	var ended struct {
		PreviousUntil *time.Time `json:"previous_until"`
		Secret        string     `json:"secret"`
	}
	json.Unmarshal(b, &ended)
	if ended.PreviousUntil != nil || ended.Secret != rotated.Secret[:4]+"********" {
		t.Errorf("end answered %s; want no changeover and the secret masked", b)
	}
	if e, _ := env.DB.Endpoint(ctx, home); e.PreviousSecret != "" || e.InChangeover(env.Clock.Now()) {
		t.Errorf("after the end: previous %q until %v; want none", e.PreviousSecret, e.PreviousUntil)
	}
	if status, b := call("admin", end(home), ``); status != 409 || !strings.Contains(string(b), `"endpoint.no_changeover"`) {
		t.Errorf("ending it again: %d %s, want 409 endpoint.no_changeover", status, b)
	}

	// Neither secret reached the audit trail or the logs.
	var leaked int
	if err := env.Raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE summary LIKE $1 OR summary LIKE $2`,
		"%"+rotated.Secret+"%", "%"+oldKey+"%").Scan(&leaked); err != nil {
		t.Fatal(err)
	}
	var rotations int
	env.Raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action IN ('endpoint.rotate', 'endpoint.rotate_end')`).Scan(&rotations)
	if leaked != 0 || rotations != 2 {
		t.Errorf("audit trail: %d events with a secret, %d rotation events; want none and 2", leaked, rotations)
	}
	if logs := env.Logs.String(); strings.Contains(logs, rotated.Secret) || strings.Contains(logs, oldKey) {
		t.Errorf("a secret was logged")
	}
}
