package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The limiter's memory is bounded: an address idle long enough for its
// allowance to refill is forgotten (which changes no answer), and however
// many addresses arrive at once it tracks at most Addresses of them, the
// rest sharing one allowance until entries go idle.
func TestAddressLimiterStaysBounded(t *testing.T) {
	l := newAddressLimiter(PublicLimit{PerSecond: 1, Burst: 2, Addresses: 3})
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	if l.idle != 2*time.Second {
		t.Fatalf("idle: got %v, want 2s (a burst of 2 refills at 1 a second)", l.idle)
	}
	for i := range 3 {
		if ok, _ := l.allow(fmt.Sprintf("203.0.113.%d", i), start); !ok {
			t.Errorf("address %d: refused, want allowed", i)
		}
	}
	// Beyond the bound: two more addresses share one allowance of 2.
	tests := []struct {
		addr string
		want bool
	}{{"198.51.100.1", true}, {"198.51.100.2", true}, {"198.51.100.1", false}, {"198.51.100.3", false}}
	for _, tt := range tests {
		ok, wait := l.allow(tt.addr, start)
		if ok != tt.want {
			t.Errorf("%s beyond the bound: allowed %v, want %v", tt.addr, ok, tt.want)
		}
		if !ok && wait != time.Second {
			t.Errorf("%s beyond the bound: wait %v, want 1s", tt.addr, wait)
		}
	}
	if n := l.tracked(); n != 3 {
		t.Errorf("tracked: %d addresses, want the bound, 3", n)
	}
	// Once the first ones are idle, a new address sweeps them away and is
	// tracked on its own.
	later := start.Add(l.idle)
	if ok, _ := l.allow("192.0.2.1", later); !ok {
		t.Errorf("a new address after the others went idle: refused")
	}
	if n := l.tracked(); n != 1 {
		t.Errorf("tracked after the sweep: %d, want 1", n)
	}
	// An address forgotten and seen again starts with a full allowance,
	// as it would have had anyway.
	for i := range 2 {
		if ok, _ := l.allow("203.0.113.0", later); !ok {
			t.Errorf("a forgotten address, request %d: refused", i+1)
		}
	}
	if ok, _ := l.allow("203.0.113.0", later); ok {
		t.Errorf("a forgotten address, request 3: allowed beyond its burst")
	}
}

// Every public page pattern is a route the server registers, so that a
// renamed route cannot fall out of the limit unnoticed.
func TestPublicPagesAreRoutes(t *testing.T) {
	mux := http.NewServeMux()
	// routes only registers handlers, none of which runs here.
	s := &Server{metrics: newMetrics(prometheus.NewRegistry())}
	s.routes(mux)
	mux.HandleFunc("GET /api/openapi.json", func(http.ResponseWriter, *http.Request) {})
	for _, pattern := range publicPages() {
		method, path, _ := strings.Cut(pattern, " ")
		path = strings.NewReplacer("{licence}", "x", "{id}", "1", "{kind}", "transfer").Replace(path)
		r := httptest.NewRequest(method, path, nil)
		if _, got := mux.Handler(r); got != pattern {
			t.Errorf("%s: the mux routes %s %s to %q", pattern, method, path, got)
		}
	}
}
