package store_test

import (
	"context"
	"net/url"
	"testing"

	"handover/internal/store"
	"handover/internal/store/storetest"
)

// The platform's PostgreSQL sessions run without JIT compilation unless
// the URL asks for it, and Analyze gives the planner the tables'
// statistics (on SQLite both are nothing).
func TestPostgresSession(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u@h/db?sslmode=disable", "off"},
		{"postgres://u@h/db", "off"},
		{"postgres://u@h/db?jit=on", "on"},
	}
	for _, tt := range tests {
		u, err := url.Parse(store.PostgresSession(tt.in))
		if err != nil || u.Query().Get("jit") != tt.want {
			t.Errorf("PostgresSession(%q) = %v (%v), want jit=%s", tt.in, u, err, tt.want)
		}
	}
	db, _ := storetest.Open(t)
	ctx := context.Background()
	if err := db.Analyze(ctx); err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if db.Engine() != store.Postgres {
		return
	}
	var jit string
	if err := db.SQLForTest().QueryRowContext(ctx, `SHOW jit`).Scan(&jit); err != nil || jit != "off" {
		t.Errorf("a session's jit: got %q (%v), want off", jit, err)
	}
	var analyzed int
	if err := db.SQLForTest().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables
		WHERE relname = 'units' AND schemaname = current_schema() AND last_analyze IS NOT NULL`).Scan(&analyzed); err != nil || analyzed != 1 {
		t.Errorf("units analysed: got %d (%v), want 1", analyzed, err)
	}
}
