package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
	}
	for _, tt := range tests {
		s := &Server{cfg: Config{MetricsToken: tt.token}}
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = tt.remote
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		s.metricsGuard(ok).ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, w.Code, tt.want)
		}
	}
}
