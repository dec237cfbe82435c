package store

import (
	"strings"
	"testing"
)

// The view that defines a unit's stage (migration 0039) is SQL the Go code
// cannot build, so it repeats the store's one definition of a handover and
// of a certified unit; this holds the copies equal.
func TestUnitStagesDefinition(t *testing.T) {
	b, err := migrationFiles.ReadFile("migrations/0039_unit_stage.sql")
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
}
