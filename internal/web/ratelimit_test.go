package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"handover/internal/demo"
	"handover/internal/server"
	"handover/internal/web"
	"handover/internal/web/webtest"
)

// limitedServer is the platform over env's database with the public limit
// on (PerSecond 5, Burst 20, the defaults, unless limit says otherwise),
// 10.0.0.1 its trusted proxy, on env's clock.
func limitedServer(t *testing.T, env *webtest.Env, limit web.PublicLimit) http.Handler {
	t.Helper()
	srv, err := server.New(web.Config{DB: env.DB, Calendar: env.Cal, Now: env.Clock.Now, Log: slog.New(slog.DiscardHandler), Hash: webtest.Cheap,
		Keys: env.Keys, BaseURL: env.HTTP.URL, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}, PublicLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler()
}

// from is a GET of path as a client at addr sends it, through the proxy
// when forwarded names the client for it.
func from(h http.Handler, addr, forwarded, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = addr
	if forwarded != "" {
		r.Header.Set("X-Forwarded-For", forwarded)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// A flood of public requests from one address gets 429 Too Many Requests
// once the address has used its burst, with Retry-After, a Chinese page
// for a page and the API's error with a stable code for the API, while
// another address is still served. The address is the client's as the
// audit trail names it: behind the trusted proxy, the one it forwards
// for; anyone else's X-Forwarded-For is ignored; an IPv6 client counts by
// its /64. Routes that need a login, and health checks, are not counted.
// The allowance comes back with time.
func TestPublicRateLimit(t *testing.T) {
	env := webtest.Start(t)
	h := limitedServer(t, env, web.PublicLimit{})
	const verify = "/api/v1/verify/1.2.156.3005.2.11100000MB03271699001.12652301MA10014822.0000001.001.P"
	const flooder = "203.0.113.7:40000"
	for i := range web.DefaultPublicBurst {
		if w := from(h, flooder, "", verify); w.Code == http.StatusTooManyRequests {
			t.Fatalf("request %d of the burst: 429, want it served", i+1)
		}
	}

	tests := []struct {
		name            string
		addr, forwarded string
		path            string
		want            int // the status; 429 or anything else (0)
	}{
		{"the API, from the flooding address", flooder, "", verify, http.StatusTooManyRequests},
		{"the verification page, from the same address on another port", "203.0.113.7:40001", "", "/verify", http.StatusTooManyRequests},
		{"another public page", flooder, "", "/public", http.StatusTooManyRequests},
		{"another public operation", flooder, "", "/api/v1/jurisdictions", http.StatusTooManyRequests},
		{"another address", "198.51.100.2:5000", "", verify, 0},
		{"the flooding client behind the trusted proxy", "10.0.0.1:8443", "203.0.113.7", "/verify", http.StatusTooManyRequests},
		{"another client behind the trusted proxy", "10.0.0.1:8443", "198.51.100.3", "/verify", 0},
		{"a client claiming the flooder's address itself", "198.51.100.4:5000", "203.0.113.7", "/verify", 0},
		{"the login page is not public information", flooder, "", "/login", 0},
		{"the health check", flooder, "", "/healthz", 0},
		{"a page that needs a login", flooder, "", "/projects", 0},
	}
	for _, tt := range tests {
		w := from(h, tt.addr, tt.forwarded, tt.path)
		if limited := w.Code == http.StatusTooManyRequests; limited != (tt.want == http.StatusTooManyRequests) {
			t.Errorf("%s: GET %s: status %d, want %s", tt.name, tt.path, w.Code, map[bool]string{true: "429", false: "served"}[tt.want != 0])
			continue
		}
		if w.Code != http.StatusTooManyRequests {
			continue
		}
		if got := w.Header().Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After %q, want 1 (a request every 0.2 s)", tt.name, got)
		}
		if w.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s: the refusal has no request id", tt.name)
		}
		body := w.Body.String()
		switch tt.path {
		case verify, "/api/v1/jurisdictions":
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "request.too_many" || e.Error.Message == "" {
				t.Errorf("%s: %s; want the API's error request.too_many", tt.name, body)
			}
		default:
			checkPage(t, tt.name, body,
				in(`h1`, hasExactText("请求过于频繁")),
				in(`.alert.err`, hasText("秒后再试")),
				in(`#error-code`, hasExactText("request.too_many")))
		}
	}

	// IPv6: the flooder's neighbours in its /64 share its allowance, the
	// next /64 does not.
	for range web.DefaultPublicBurst {
		from(h, "[2001:db8:0:1::1]:5000", "", "/verify")
	}
	if w := from(h, "[2001:db8:0:1::2]:5000", "", "/verify"); w.Code != http.StatusTooManyRequests {
		t.Errorf("another address in the flooder's /64: %d, want 429", w.Code)
	}
	if w := from(h, "[2001:db8:0:2::1]:5000", "", "/verify"); w.Code != http.StatusOK {
		t.Errorf("an address in another /64: %d, want 200", w.Code)
	}

	// A second later the flooder has five requests again, and no sixth.
	env.Clock.Advance(time.Second)
	for i := range 5 {
		if w := from(h, flooder, "", "/verify"); w.Code != http.StatusOK {
			t.Errorf("a second later, request %d: %d, want 200", i+1, w.Code)
		}
	}
	if w := from(h, flooder, "", "/verify"); w.Code != http.StatusTooManyRequests {
		t.Errorf("a second later, request 6: %d, want 429", w.Code)
	}
}

// The limits are configurable: a tighter rate says so in Retry-After, and
// with the limit off (as the benchmark runs) a flood is served.
func TestPublicRateLimitConfigured(t *testing.T) {
	env := webtest.Start(t)
	tight := limitedServer(t, env, web.PublicLimit{PerSecond: 0.1, Burst: 2})
	for range 2 {
		from(tight, "203.0.113.8:1", "", "/verify")
	}
	w := from(tight, "203.0.113.8:1", "", "/verify")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "10" {
		t.Errorf("one request every 10 s, burst 2, the third: %d, Retry-After %q; want 429 after 10", w.Code, w.Header().Get("Retry-After"))
	}

	off := limitedServer(t, env, web.PublicLimit{Off: true})
	for i := range 200 {
		if w := from(off, "203.0.113.9:1", "", "/api/v1/jurisdictions"); w.Code != http.StatusOK {
			b, _ := io.ReadAll(w.Body)
			t.Fatalf("with the limit off, request %d: %d %s", i+1, w.Code, b)
		}
	}
}

// Password attempts from one address are bounded whatever the username:
// thirty at once, then two a second. A flood of made-up usernames, which
// no account's throttle can count, is refused with 429 before it costs a
// password hash, known and unknown usernames alike (the refusal tells
// nothing about which exist), while another address signs in.
func TestLoginAttemptsBoundedPerAddress(t *testing.T) {
	env := webtest.Start(t)
	h := limitedServer(t, env, web.PublicLimit{})
	login := func(addr, username, password string) int {
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {username}, "password": {password}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const flooder = "203.0.113.9:40000"
	for i := range 30 {
		if got := login(flooder, fmt.Sprintf("nobody%d", i), "guess"); got == http.StatusTooManyRequests {
			t.Fatalf("attempt %d of the first 30: 429, want it answered", i+1)
		}
	}
	tests := []struct {
		name, addr, username, password string
		want                           int
	}{
		{"a made-up username from the flooding address", flooder, "nobody-else", "guess", http.StatusTooManyRequests},
		{"a real username from the flooding address", flooder, "shouli", demo.Password, http.StatusTooManyRequests},
		{"the right password from another address", "198.51.100.20:5000", "shouli", demo.Password, http.StatusSeeOther},
	}
	for _, tt := range tests {
		if got := login(tt.addr, tt.username, tt.password); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
}
