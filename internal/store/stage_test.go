package store

import (
	"strings"
	"testing"
)

// The view that defines a unit's stage (migrations 0039, 0040) is SQL the Go code
// cannot build, so it repeats the store's one definition of a handover and
// of a certified unit; this holds the copies equal.
func TestUnitStagesDefinition(t *testing.T) {
	b, err := migrationFiles.ReadFile("migrations/0040_unit_stage_probes.sql")
	if err != nil {
		t.Fatal(err)
	}
	view := string(b)
	for _, want := range []string{
		strings.ReplaceAll(handedOverSQL, "h.", "h.unit_id = u.id AND h."),
		"c.unit_id = u.id AND " + CertifiedSQL("c"),
	} {
		if !strings.Contains(view, want) {
			t.Errorf("the view unit_stages does not hold %q", want)
		}
	}
	// The handover tallies count the handovers the dashboard counts.
	b, err = migrationFiles.ReadFile("migrations/0041_handover_tallies.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "WHERE "+handedOverSQL+"\n") {
		t.Errorf("the view handover_tally_facts does not take %q", handedOverSQL)
	}
	// The triggers fire on a row whose handover or certificate changed by
	// the same definitions.
	for _, file := range []string{"0039_unit_stage.postgres.sql", "0040_unit_stage_probes.sqlite.sql"} {
		b, err := migrationFiles.ReadFile("migrations/" + file)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range []string{"NEW", "OLD"} {
			for _, want := range []string{strings.ReplaceAll(handedOverSQL, "h.", row+"."), CertifiedSQL(row)} {
				if !strings.Contains(string(b), want) {
					t.Errorf("the triggers of %s do not hold %q", file, want)
				}
			}
		}
	}
}
