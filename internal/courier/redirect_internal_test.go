package courier

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"handover/internal/exchange"
	"handover/internal/store"
)

// A partner's address that redirects gets a failed attempt, and the
// address it redirects to gets nothing: the signed body goes only where
// the partner registered.
func TestPostRefusesRedirects(t *testing.T) {
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		registered := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/x", code))
		c := &Courier{Client: registered.Client(), Now: time.Now}
		d := store.Delivery{Endpoint: exchange.Endpoint{URL: registered.URL, Secret: "0123456789abcdef"},
			Event: exchange.Event{ID: 1, Type: exchange.ContractFiled, Aggregate: "unit:1", Payload: []byte(`{}`)}}
		status, err := c.post(context.Background(), d)
		registered.Close()
		if err == nil || status != code {
			t.Errorf("a %d redirect: got status %d, error %v; want %d and a failed attempt", code, status, err, code)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the address redirected to got %d requests, want none", n)
	}
}
