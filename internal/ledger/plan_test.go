package ledger

import (
	"slices"
	"testing"
)

func TestPlanTouchedBuildings(t *testing.T) {
	tests := []struct {
		name string
		plan Plan
		want []int64
	}{
		{"empty", Plan{}, nil},
		{"new building only", Plan{NewBuildings: []Building{{Name: "3号楼"}}, NewUnits: []Unit{{Room: "101"}}, NewUnitBuilding: []int{0}}, nil},
		{"each once, in order", Plan{ChangedBuildings: []Building{{ID: 9}}, NewUnits: []Unit{{BuildingID: 4}, {BuildingID: 9}},
			NewUnitBuilding: []int{-1, -1}, ChangedUnits: []Unit{{ID: 1, BuildingID: 4}}}, []int64{4, 9}},
	}
	for _, tt := range tests {
		if got := tt.plan.TouchedBuildings(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: TouchedBuildings got %v, want %v", tt.name, got, tt.want)
		}
	}
}
