package completion

import (
	"slices"
	"strings"
	"testing"

	"handover/internal/guide"
)

// The joint acceptance's guide states exactly the conditions
// CheckApplication applies, and names the configured departments and days.
func TestAcceptanceGuideMatchesCheck(t *testing.T) {
	err := CheckApplication([]AppliedBuilding{{Name: "1号楼", InCase: true}}, []string{"fire", "archives"}, map[string]bool{"fire": true})
	g := AcceptanceGuide([]string{"fire", "archives"}, 7)
	if got, want := guide.RulesOf(err), slices.Sorted(slices.Values(g.Rules())); !slices.Equal(got, want) {
		t.Errorf("CheckApplication refuses with %v, the guide states %v", got, want)
	}
	if !strings.Contains(g.Limit, "7个工作日") || !strings.Contains(g.Steps[1].Who, "消防、城建档案") {
		t.Errorf("guide limit %q, inspectors %q: want 7 working days and 消防、城建档案", g.Limit, g.Steps[1].Who)
	}
	if err := CheckApplication([]AppliedBuilding{{Name: "1号楼", Surveyed: true}}, []string{"fire"}, map[string]bool{"fire": true}); err != nil {
		t.Errorf("a surveyed building with its departments: %v", err)
	}
}
