package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/alexedwards/scs/v2"
)

// /metrics is for operators: with a token set, only a scrape bearing it;
// without, only this machine.
func TestMetricsGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	tests := []struct {
		name, token, remote, auth string
		want                      int
	}{
		{"token, right", "s3cret-token", "203.0.113.5:4000", "Bearer s3cret-token", 200},
		{"token, wrong", "s3cret-token", "203.0.113.5:4000", "Bearer guess", 401},
		{"token, none given, even from this machine", "s3cret-token", "127.0.0.1:4000", "", 401},
		{"no token, this machine", "", "127.0.0.1:4000", "", 200},
		{"no token, IPv6 loopback", "", "[::1]:4000", "", 200},
		{"no token, elsewhere", "", "203.0.113.5:4000", "", 403},
		{"no token, through a proxy on this machine", "", "127.0.0.1:4000", "", 403},
		{"no token, from a listed proxy on this machine", "", "127.0.0.2:4000", "", 403},
	}
	for _, tt := range tests {
		s := &Server{cfg: Config{MetricsToken: tt.token, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}, sessions: scs.New()}
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = tt.remote
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		if tt.name == "no token, through a proxy on this machine" {
			r.Header.Set("X-Forwarded-For", "203.0.113.5")
		}
		w := httptest.NewRecorder()
		// As the server chains them: authentication first, which must
		// leave the operators' bearer token to the guard.
		s.sessions.LoadAndSave(s.authenticate(s.metricsGuard(ok))).ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, w.Code, tt.want)
		}
	}
}

// The client's address comes from X-Forwarded-For only through a trusted
// proxy, and then it is the nearest hop that is not one.
func TestClientAddr(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("127.0.0.1/32")}}}
	tests := []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"forged by a client", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"through a trusted proxy", "10.0.0.7:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"through two trusted proxies", "127.0.0.1:4000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"a forged hop before the real one", "10.0.0.7:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"headers split across lines", "10.0.0.7:4000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"garbage after the proxy", "10.0.0.7:4000", []string{"198.51.100.1, not-an-ip"}, "10.0.0.7"},
		{"only proxies", "10.0.0.7:4000", []string{"10.0.0.8"}, "10.0.0.7"},
		{"a hop with a port", "10.0.0.7:4000", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"an IPv6 hop in brackets", "10.0.0.7:4000", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"an IPv6 hop with a port", "10.0.0.7:4000", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.forwarded {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// A request id is kept only from a listed proxy, and only when well formed.
func TestRequestIDFromProxies(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}}}
	tests := []struct {
		name, remote, sent string
		kept               bool
	}{
		{"from a proxy", "10.0.0.7:4000", "proxy-4f2a9c01", true},
		{"from a proxy, malformed", "10.0.0.7:4000", "bad id", false},
		{"from a client", "203.0.113.5:4000", "proxy-4f2a9c01", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Request-Id", tt.sent)
		if got := s.requestID(r); (got == tt.sent) != tt.kept || got == "" {
			t.Errorf("%s: got %q, want kept=%v", tt.name, got, tt.kept)
		}
	}
}
