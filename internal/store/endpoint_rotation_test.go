package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"handover/internal/demo"
	"handover/internal/exchange"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/store/storetest"
)

// An endpoint's secret rotation as the store keeps it: the new secret
// current, the old one kept with the end of its window; a second rotation
// keeps only the secret it replaced; ending the changeover drops the old
// one. The audit trail records both steps and never a secret.
func TestEndpointRotation(t *testing.T) {
	db, clock := storetest.Open(t)
	ctx := context.Background()
	f, err := demo.LoadFoundation(ctx, db, demo.Options{Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	admin := actor(f, "admin")
	first, second, third := "first-secret-0123456789", exchange.NewSecret(), exchange.NewSecret()
	ep, err := db.PutEndpoint(ctx, admin, exchange.Endpoint{OrgID: f.Orgs["652301/tax"].ID, Name: "税收征管系统", URL: "https://tax.example/hook",
		Secret: first, Events: []string{exchange.ContractFiled}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	load := func() exchange.Endpoint {
		t.Helper()
		e, err := db.Endpoint(ctx, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if e := load(); e.PreviousSecret != "" || !e.PreviousUntil.IsZero() || e.InChangeover(clock.Now()) {
		t.Fatalf("a new endpoint: previous %q until %v, want none", e.PreviousSecret, e.PreviousUntil)
	}

	rotatedAt := clock.Now()
	if _, err := db.RotateEndpointSecret(ctx, admin, ep.ID, second, 0); err != nil {
		t.Fatal(err)
	}
	e := load()
	if want := rotatedAt.Add(7 * 24 * time.Hour); e.Secret != second || e.PreviousSecret != first || !e.PreviousUntil.Equal(want) {
		t.Errorf("after a rotation: secret %q, previous %q until %v; want the new one, the first until %v", e.Secret, e.PreviousSecret, e.PreviousUntil, want)
	}

	// A second rotation a day later keeps the second secret, the one it
	// replaced, and drops the first: partners that finished moving hold
	// the second, and the header carries two signatures at most.
	clock.Advance(24 * time.Hour)
	if _, err := db.RotateEndpointSecret(ctx, admin, ep.ID, third, 2); err != nil {
		t.Fatal(err)
	}
	e = load()
	if want := clock.Now().Add(48 * time.Hour); e.Secret != third || e.PreviousSecret != second || !e.PreviousUntil.Equal(want) {
		t.Errorf("after a second rotation: previous %q until %v; want the second secret until %v", e.PreviousSecret, e.PreviousUntil, want)
	}

	if _, err := db.EndEndpointChangeover(ctx, admin, ep.ID); err != nil {
		t.Fatal(err)
	}
	if e = load(); e.Secret != third || e.PreviousSecret != "" || !e.PreviousUntil.IsZero() {
		t.Errorf("after ending the changeover: secret %q, previous %q until %v; want the third alone", e.Secret, e.PreviousSecret, e.PreviousUntil)
	}

	tests := []struct {
		name     string
		call     func() error
		wantCode string
	}{
		{"end with none under way", func() error { _, err := db.EndEndpointChangeover(ctx, admin, ep.ID); return err }, "endpoint.no_changeover"},
		{"a window too long", func() error {
			_, err := db.RotateEndpointSecret(ctx, admin, ep.ID, exchange.NewSecret(), 31)
			return err
		}, "endpoint.rotation_invalid"},
		{"rotate no endpoint", func() error {
			_, err := db.RotateEndpointSecret(ctx, admin, ep.ID+1000, exchange.NewSecret(), 7)
			return err
		}, "endpoint.not_found"},
		{"end no endpoint", func() error { _, err := db.EndEndpointChangeover(ctx, admin, ep.ID+1000); return err }, "endpoint.not_found"},
	}
	for _, tt := range tests {
		if err := tt.call(); problem.CodeOf(err) != tt.wantCode {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.wantCode)
		}
	}
	if e = load(); e.Secret != third || e.PreviousSecret != "" {
		t.Errorf("after the refusals: secret %q, previous %q; want them unchanged", e.Secret, e.PreviousSecret)
	}

	events, err := db.ListAudit(ctx, accessAll(), store.AuditQuery{RecordType: "partner_endpoint", RecordID: strconv.FormatInt(ep.ID, 10), Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, ev := range events {
		counts[ev.Action]++
		for _, s := range []string{first, second, third} {
			if strings.Contains(ev.Summary, s) || strings.Contains(ev.Summary, s[:12]) {
				t.Errorf("audit event %s carries a secret: %s", ev.Action, ev.Summary)
			}
		}
	}
	if counts["endpoint.rotate"] != 2 || counts["endpoint.rotate_end"] != 1 {
		t.Errorf("audit events %v, want two endpoint.rotate and one endpoint.rotate_end", counts)
	}
}
