package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"handover/internal/store/storetest"
)

func TestMain(m *testing.M) {
	ServeChild() // the P3 server child is this test binary
	os.Exit(m.Run())
}

// The suite runs end to end with tiny windows, so that it does not rot
// between the runs that measure.
func TestRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test skipped in -short mode")
	}
	// Each scenario runs on its own engine once: the SQLite ones when the
	// suite runs on SQLite, the PostgreSQL ones when it runs on a server
	// (the suite runs on both, so every scenario runs).
	pg := os.Getenv(storetest.EnvPostgres)
	var only []string
	for _, s := range scenarios() {
		if onPostgres(s.name) == (pg != "") {
			only = append(only, s.name)
		}
	}
	// P6 offers a tenth of the page's saturation rate, not half: the smoke
	// test checks that the scenario runs and reports, not the figure, and
	// at half it keeps both cores busy for the whole batch, slowing the
	// rest of a test run that shares them.
	rep, err := Run(context.Background(), Config{Dir: t.TempDir(), Rounds: 3, Small: true, Window: 60 * time.Millisecond, Now: time.Now, Postgres: pg,
		Only: only, PageLoad: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(only) || len(only) == 0 {
		t.Fatalf("%d results, want %d", len(rep.Results), len(only))
	}
	for _, r := range rep.Results {
		if r.Skipped {
			if pg != "" {
				t.Errorf("%s skipped with a PostgreSQL server at hand: %v", r.Name, r.Notes)
			}
			continue
		}
		if r.MedianRate <= 0 || r.MedianProbe <= 0 || r.Ratio <= 0 || len(r.Windows) < 6 {
			t.Errorf("%s: rate %.1f probe %.1f ratio %.3f windows %d", r.Name, r.MedianRate, r.MedianProbe, r.Ratio, len(r.Windows))
		}
	}
	var b strings.Builder
	if err := rep.WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"ratio"`) {
		t.Errorf("report JSON: %v", err)
	}
}

// onPostgres reports whether a scenario measures PostgreSQL.
func onPostgres(name string) bool { return strings.HasSuffix(name, "_pg") }

// A run that measures both the dashboard and the lists scales one database
// and copies it for the second, instead of scaling twice.
func TestRunScalesOnce(t *testing.T) {
	if testing.Short() || os.Getenv(storetest.EnvPostgres) != "" {
		t.Skip("SQLite scenarios, skipped in -short mode")
	}
	var log bytes.Buffer
	_, err := Run(context.Background(), Config{Dir: t.TempDir(), Rounds: 3, Small: true, Window: 60 * time.Millisecond, Now: time.Now,
		Only: []string{"P7_dashboard", "L1_list_pages"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(log.String(), "scaling to"); got != 1 {
		t.Errorf("scaled %d times, want once:\n%s", got, log.String())
	}
	if got := strings.Count(log.String(), "a copy of"); got != 1 {
		t.Errorf("copied the scaled database %d times, want once (for L1):\n%s", got, log.String())
	}
}

// A selection naming no scenario is refused before anything runs: a
// misspelt name would otherwise run nothing and report every goal met.
func TestRunRefusesUnknownScenario(t *testing.T) {
	tests := []struct {
		only    []string
		wantErr string // "" for no error from the check
	}{
		{only: nil},
		{only: []string{"P1_filing", "P5_filing_pg"}},
		{only: []string{"P5_pg_filing"}, wantErr: `"P5_pg_filing"`},
		{only: []string{"P1_filing", "p4_table_json", ""}, wantErr: `"p4_table_json", ""`},
	}
	for _, tt := range tests {
		err := checkOnly(tt.only)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkOnly(%q): got %v, want no error", tt.only, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("checkOnly(%q): got %v, want an error naming %s", tt.only, err, tt.wantErr)
		}
	}
	dir := t.TempDir()
	var log bytes.Buffer
	rep, err := Run(context.Background(), Config{Dir: dir, Only: []string{"P5_pg_filing"}, Log: &log, Now: time.Now})
	if err == nil || !strings.Contains(err.Error(), "P1_filing") {
		t.Errorf("Run with an unknown scenario: got %v, want an error listing the scenarios", err)
	}
	if len(rep.Results) != 0 || rep.AllPass || log.Len() != 0 {
		t.Errorf("Run with an unknown scenario: got %d results, all pass %v, log %q; want nothing run", len(rep.Results), rep.AllPass, log.String())
	}
}
