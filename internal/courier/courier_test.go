package courier_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/courier"
	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/presale"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// receiver is a partner's endpoint that fails the first attempts of every
// event, verifies signatures, and remembers what it acknowledged.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	failures int              // failures per event before acknowledging
	attempts map[string]int   // by idempotency key
	acked    map[string]int   // acknowledgements by idempotency key
	order    map[string][]int // acknowledged event ids by aggregate, in arrival order
	badSig   int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if !exchange.Verify(rv.secret, r.Header.Get(exchange.HeaderTimestamp), body, r.Header.Get(exchange.HeaderSignature)) {
		rv.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(exchange.HeaderID)
	rv.attempts[key]++
	if rv.attempts[key] <= rv.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var env courier.Envelope
	json.Unmarshal(body, &env)
	if rv.acked[key] == 0 {
		rv.order[env.Aggregate] = append(rv.order[env.Aggregate], int(env.ID))
	}
	rv.acked[key]++
	w.WriteHeader(http.StatusNoContent)
}

func TestDeliveryRetriesOnceInOrder(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: identity.HashParams{Time: 1, Memory: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	lr, err := demo.LoadLedger(ctx, db, f, func(time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	rv := &receiver{secret: []byte("0123456789abcdef-secret"), failures: 2, attempts: map[string]int{}, acked: map[string]int{}, order: map[string][]int{}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	admin := audit.Actor{UserID: f.Users["admin"].ID, Name: "admin"}
	var types []string
	for _, et := range exchange.EventTypes() {
		types = append(types, et.Code)
	}
	if _, err := db.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: f.Orgs["652301/tax"].ID, Name: "税务征管系统", URL: srv.URL,
		Secret: string(rv.secret), Events: types, Jurisdiction: "652301", Active: true}); err != nil {
		t.Fatal(err)
	}
	// Two units: one filed then cancelled by a court, one filed.
	housing := audit.Actor{UserID: f.Users["zhujian"].ID}
	dev := audit.Actor{UserID: f.Users["kaifa"].ID}
	pid := lr.Projects[0].ID
	if err := db.OpenFundAccount(ctx, housing, presale.FundAccount{ProjectID: pid, Bank: f.Orgs["652301/bank"].ID, Number: "1", Supervised: decimal.NewFromInt(1)}); err != nil {
		t.Fatal(err)
	}
	d, _ := db.ProjectDetail(ctx, pid)
	tab, _ := db.BuildingTable(ctx, d.Buildings[0].Building.ID)
	ids := []string{"652301199003071231", "65230120000229456X"}
	var contracts []int64
	for i := 0; i < 2; i++ {
		c, err := db.DraftContract(ctx, dev, f.Orgs["dev1"].ID, store.ContractInput{UnitID: tab.Rows[0].Cells[i].Unit.ID,
			Buyers: []presale.Buyer{{Name: "买受人", IDNumber: ids[i]}}, Ownership: presale.Sole, PriceBasis: presale.ByGross,
			UnitPrice: decimal.NewFromInt(6000), Payment: presale.Lump, HomeCount: presale.FirstHome, DeliveryDate: calendar.MustDate("2027-01-01"),
			RegistrationDays: 90, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)})
		if err != nil {
			t.Fatal(err)
		}
		db.SendContract(ctx, dev, c.ID)
		db.ConfirmContract(ctx, audit.Actor{}, c.ID, ids[i])
		if _, err := db.FileContract(ctx, dev, c.ID); err != nil {
			t.Fatal(err)
		}
		contracts = append(contracts, c.ID)
	}
	if _, err := db.AgreeCancellation(ctx, housing, contracts[0], store.CancelParty{CourtDoc: "（2026）新2301民初1号"}, "法院判决"); err != nil {
		t.Fatal(err)
	}
	c := &courier.Courier{DB: db, Client: srv.Client(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now}
	for round := 0; round < 10; round++ {
		if _, err := c.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour) // past any backoff
	}
	events, _ := db.Outbox(ctx, 100)
	if len(events) != 6 { // 2 × (filed + prenotice) + the cancellation's (prenotice cancelled + contract cancelled)
		t.Fatalf("%d events in the outbox, want 6", len(events))
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.badSig != 0 {
		t.Errorf("%d requests with a bad signature", rv.badSig)
	}
	for _, e := range events {
		key := strconv.FormatInt(e.ID, 10)
		if rv.acked[key] != 1 || rv.attempts[key] != 3 {
			t.Errorf("event %d (%s): acknowledged %d times after %d attempts; want once after 3", e.ID, e.Type, rv.acked[key], rv.attempts[key])
		}
	}
	for agg, got := range rv.order {
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				t.Errorf("%s: events arrived out of order: %v", agg, got)
			}
		}
	}
	if len(rv.order) != 2 {
		t.Errorf("aggregates = %v, want two units", rv.order)
	}
	ds, _ := db.Deliveries(ctx, store.DeliveryQuery{})
	for _, d := range ds {
		if d.State != exchange.Delivered {
			t.Errorf("delivery %d is %s", d.ID, d.State)
		}
	}
}
