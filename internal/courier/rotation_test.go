package courier_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"handover/internal/audit"
	"handover/internal/courier"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// keyHolder is a partner that holds one secret, as a partner does before
// or after it moves to a rotated secret: it checks every delivery with
// exchange.Verify, answers 401 to a signature it cannot verify, and
// remembers, by event, whether the last attempt verified and how many
// signatures the header carried.
type keyHolder struct {
	secret   []byte
	mu       sync.Mutex
	verified map[int64]bool
	sigs     map[int64]int
}

func newKeyHolder(secret string) *keyHolder {
	return &keyHolder{secret: []byte(secret), verified: map[int64]bool{}, sigs: map[int64]int{}}
}

func (k *keyHolder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, _ := strconv.ParseInt(r.Header.Get(exchange.HeaderID), 10, 64)
	header := r.Header.Get(exchange.HeaderSignature)
	ok := exchange.Verify(k.secret, r.Header.Get(exchange.HeaderTimestamp), body, header)
	k.mu.Lock()
	k.verified[id], k.sigs[id] = ok, strings.Count(header, ",")+1
	k.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (k *keyHolder) result(id int64) (verified bool, signatures int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.verified[id], k.sigs[id]
}

// A secret rotation as partners see it, delivered by the courier to real
// partners each holding one secret: before the rotation one signature,
// which the old secret's holder verifies; during the changeover two, so
// that the old secret's holder and the new one's both verify; and once
// the changeover is over — its window run out, ended early, or replaced
// by a second rotation — the old secret's holder no longer verifies while
// the new one's does.
func TestDeliveriesDuringASecretRotation(t *testing.T) {
	const oldKey, newKey, newerKey = "old-secret-0123456789", "new-secret-0123456789", "newer-secret-0123456789"
	tests := []struct {
		name  string
		holds []string // each partner's one secret
		// after changes the endpoints once the changeover's deliveries
		// arrived; want is, by partner, whether the next delivery verifies.
		after func(t *testing.T, x *rotationFixture, endpoints []int64)
		want  []bool
	}{
		{"the window runs out", []string{oldKey, newKey}, func(t *testing.T, x *rotationFixture, _ []int64) {
			x.clock.Advance(exchange.DefaultChangeoverDays * 24 * time.Hour)
		}, []bool{false, true}},
		{"ended early", []string{oldKey, newKey}, func(t *testing.T, x *rotationFixture, eps []int64) {
			for _, id := range eps {
				if _, err := x.db.EndEndpointChangeover(x.ctx, x.admin, id); err != nil {
					t.Fatal(err)
				}
			}
		}, []bool{false, true}},
		// A second rotation keeps only the secret it replaced (the
		// first rotation's new one): the oldest is dropped at once.
		{"rotated again", []string{oldKey, newKey, newerKey}, func(t *testing.T, x *rotationFixture, eps []int64) {
			for _, id := range eps {
				if _, err := x.db.RotateEndpointSecret(x.ctx, x.admin, id, newerKey, 7); err != nil {
					t.Fatal(err)
				}
			}
		}, []bool{false, true, true}},
	}
	x := newRotationFixture(t)
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			var partners []*keyHolder
			var endpoints []int64
			for i, secret := range tt.holds {
				k := newKeyHolder(secret)
				srv := httptest.NewServer(k)
				t.Cleanup(srv.Close)
				ep, err := x.db.PutEndpoint(x.ctx, x.admin, exchange.Endpoint{OrgID: x.org, Name: fmt.Sprintf("%s %d", tt.name, i), URL: srv.URL,
					Secret: oldKey, Events: []string{exchange.ContractFiled}, Active: true})
				if err != nil {
					t.Fatal(err)
				}
				partners, endpoints = append(partners, k), append(endpoints, ep.ID)
			}
			check := func(phase string, event int64, signatures int, want func(secret string) bool) {
				t.Helper()
				for i, k := range partners {
					ok, n := k.result(event)
					if ok != want(tt.holds[i]) || n != signatures {
						t.Errorf("%s: the partner holding %s verified %v (%d signatures), want %v (%d)", phase, tt.holds[i], ok, n, want(tt.holds[i]), signatures)
					}
				}
			}

			// Before any rotation: one signature, as partners always had.
			event := x.deliver(t, endpoints)
			check("before the rotation", event, 1, func(s string) bool { return s == oldKey })

			for _, id := range endpoints {
				if _, err := x.db.RotateEndpointSecret(x.ctx, x.admin, id, newKey, 0); err != nil {
					t.Fatal(err)
				}
			}
			event = x.deliver(t, endpoints)
			check("during the changeover", event, 2, func(s string) bool { return s == oldKey || s == newKey })

			tt.after(t, x, endpoints)
			event = x.deliver(t, endpoints)
			for i, k := range partners {
				if ok, _ := k.result(event); ok != tt.want[i] {
					t.Errorf("after the changeover: the partner holding %s verified %v, want %v", tt.holds[i], ok, tt.want[i])
				}
			}
		})
	}
}

// rotationFixture is a database with the demo foundation and a courier
// on a test clock.
type rotationFixture struct {
	ctx     context.Context
	db      *store.DB
	raw     *sql.DB
	clock   *storetest.Clock
	courier *courier.Courier
	admin   audit.Actor
	org     int64
	seq     int
}

func newRotationFixture(t *testing.T) *rotationFixture {
	dsn := storetest.DSN(t)
	clock := storetest.NewClock(storetest.DefaultTime)
	db := storetest.OpenDSN(t, dsn, clock.Now)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: identity.HashParams{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return &rotationFixture{ctx: ctx, db: db, raw: storetest.Raw(t, dsn), clock: clock, org: f.Orgs["652301/tax"].ID,
		admin:   audit.Actor{UserID: f.Users["admin"].ID, Name: "admin"},
		courier: &courier.Courier{DB: db, Client: &http.Client{Timeout: 5 * time.Second}, Log: slog.New(slog.DiscardHandler), Now: clock.Now}}
}

// deliver queues one new event to each of endpoints, due now, runs the
// courier once and returns the event's id. Each event is about a record
// of its own, so that a delivery still failing from an earlier step
// holds nothing back.
func (x *rotationFixture) deliver(t *testing.T, endpoints []int64) int64 {
	t.Helper()
	x.seq++
	agg := fmt.Sprintf("unit:%d", x.seq)
	now := x.clock.Now().UTC()
	var id int64
	payload, err := store.SealedEventPayload(x.db.Keyring(), agg, "{}")
	if err != nil {
		t.Fatal(err)
	}
	if err := x.raw.QueryRow(`INSERT INTO outbox (type, aggregate, jurisdiction, payload, created_at) VALUES ('contract.filed', $1, '652301', $2, $3) RETURNING id`,
		agg, payload, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, ep := range endpoints {
		if _, err := x.raw.Exec(`INSERT INTO deliveries (outbox_id, endpoint_id, aggregate, state, next_at) VALUES ($1, $2, $3, 'pending', $4)`,
			id, ep, agg, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.courier.RunOnce(x.ctx); err != nil {
		t.Fatal(err)
	}
	return id
}
