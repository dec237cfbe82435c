package ledger

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The steps of PlanImport, each on its own: which cells a row's step
// reports and what it puts in the plan.

const otherParcel = "652301004007GB00122"

// errColumns lists the reported cells as "row/column", in report order.
func errColumns(errs []RowError) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Sheet+"/"+strconv.Itoa(e.Row)+"/"+e.Column)
	}
	return strings.Join(out, " ")
}

// withBuilding is existing() holding building 4 (id 7, six floors above
// ground, one below) with floor 1 named "1" and units 1 (room 101) and 2
// (room 102, under a live contract).
func withBuilding() Existing {
	ex := existing()
	ex.Buildings = []Building{{ID: 7, ProjectID: 1, Parcel: parcel, Number: 4, Name: "4号楼", Structure: "框架",
		FloorsAbove: 6, FloorsBelow: 1, PlannedUse: "住宅"}}
	ex.Floors[7] = []Floor{{Actual: 1, Named: "1"}}
	ex.Units[7] = []Unit{{ID: 70, BuildingID: 7, Number: 1, Room: "101", Floor: 1, Purpose: "住宅"},
		{ID: 71, BuildingID: 7, Number: 2, Room: "102", Floor: 1, Purpose: "住宅"}}
	ex.Frozen[71] = true
	return ex
}

func buildingRow(edit func(v map[string]string)) Row {
	v := map[string]string{"宗地代码": parcel, "自然幢号": "3", "幢名称": "3号楼", "结构": "框架", "地上层数": "18", "地下层数": "", "规划用途": "住宅"}
	if edit != nil {
		edit(v)
	}
	return Row{Num: 2, Values: v}
}

func unitRow(edit func(v map[string]string)) Row {
	v := map[string]string{"宗地代码": "", "自然幢号": "4", "单元": "1单元", "实际层": "2", "名义层": "2", "户号": "3",
		"室号": "201", "用途": "住宅", "预测建筑面积": "112.35", "预测套内面积": "92.40", "预测分摊面积": "19.95", "分摊系数": "0.215909"}
	if edit != nil {
		edit(v)
	}
	return Row{Num: 2, Values: v}
}

func TestParseBuilding(t *testing.T) {
	tests := []struct {
		name string
		edit func(v map[string]string)
		want string // reported cells
	}{
		{"good, 地下层数 left empty", nil, ""},
		{"parcel of another project", func(v map[string]string) { v["宗地代码"] = otherParcel }, "幢/2/宗地代码"},
		{"bad parcel code", func(v map[string]string) { v["宗地代码"] = "65230100400GB00121" }, "幢/2/宗地代码"},
		{"every other cell bad, all reported in column order", func(v map[string]string) {
			v["自然幢号"], v["幢名称"], v["结构"], v["地上层数"], v["地下层数"], v["规划用途"] = "0", "", "", "201", "21", ""
		}, "幢/2/自然幢号 幢/2/幢名称 幢/2/结构 幢/2/地上层数 幢/2/地下层数 幢/2/规划用途"},
	}
	for _, tt := range tests {
		p := newPlanner(existing())
		c := p.check(SheetBuildings, buildingRow(tt.edit))
		b := p.parseBuilding(c)
		if got := errColumns(p.errs); got != tt.want {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.want)
		}
		if got, want := c.ok, tt.want == ""; got != want {
			t.Errorf("%s: ok got %v, want %v", tt.name, got, want)
		}
		if tt.want == "" && (b.Parcel != parcel || b.Number != 3 || b.FloorsAbove != 18 || b.FloorsBelow != 0 || b.ProjectID != 1) {
			t.Errorf("%s: building got %+v, want parcel %s, 3, 18 above, 0 below, project 1", tt.name, b, parcel)
		}
	}
}

func TestPlaceBuilding(t *testing.T) {
	old := withBuilding().Buildings[0]
	changed := old
	changed.Name = "4号楼甲"
	tests := []struct {
		name                           string
		rows                           []Building
		wantNew, wantChanged, wantSame int
		wantErrs                       string
	}{
		{"new", []Building{{Parcel: parcel, Number: 3}}, 1, 0, 0, ""},
		{"as in the database", []Building{old}, 0, 0, 1, ""},
		{"changed", []Building{changed}, 0, 1, 0, ""},
		{"repeated in the file", []Building{{Parcel: parcel, Number: 3}, {Parcel: parcel, Number: 3}}, 1, 0, 0, "幢/2/自然幢号"},
	}
	for _, tt := range tests {
		p := newPlanner(withBuilding())
		for _, b := range tt.rows {
			p.placeBuilding(p.check(SheetBuildings, Row{Num: 2, Values: map[string]string{}}), b)
		}
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		if got := []int{len(p.plan.NewBuildings), len(p.plan.ChangedBuildings), p.plan.Unchanged}; !slices.Equal(got, []int{tt.wantNew, tt.wantChanged, tt.wantSame}) {
			t.Errorf("%s: new, changed, unchanged got %v, want %v", tt.name, got, []int{tt.wantNew, tt.wantChanged, tt.wantSame})
		}
		if tt.wantChanged == 1 && p.plan.ChangedBuildings[0].ID != old.ID {
			t.Errorf("%s: changed building id got %d, want %d", tt.name, p.plan.ChangedBuildings[0].ID, old.ID)
		}
	}
}

func TestUnitBuilding(t *testing.T) {
	twoParcels := withBuilding()
	twoParcels.Parcels = append(twoParcels.Parcels, Parcel{Code: otherParcel, ProjectID: 1})
	tests := []struct {
		name      string
		ex        Existing
		edit      func(v map[string]string)
		wantFound bool
		wantErrs  string
	}{
		{"parcel left to the project's only one", withBuilding(), nil, true, ""},
		{"parcel given", withBuilding(), func(v map[string]string) { v["宗地代码"] = parcel }, true, ""},
		{"parcel left out, two parcels", twoParcels, nil, false, "户/2/宗地代码"},
		{"bad parcel code", withBuilding(), func(v map[string]string) { v["宗地代码"] = "x" }, false, "户/2/宗地代码"},
		{"bad 自然幢号", withBuilding(), func(v map[string]string) { v["自然幢号"] = "a" }, false, "户/2/自然幢号"},
		{"no such building", withBuilding(), func(v map[string]string) { v["自然幢号"] = "9" }, false, "户/2/自然幢号"},
	}
	for _, tt := range tests {
		p := newPlanner(tt.ex)
		bk, b, found := p.unitBuilding(p.check(SheetUnits, unitRow(tt.edit)))
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		if found != tt.wantFound {
			t.Errorf("%s: found got %v, want %v", tt.name, found, tt.wantFound)
		}
		if tt.wantFound && (bk != buildingKey{parcel, 4} || b.ID != 7) {
			t.Errorf("%s: got %+v, building %d; want %s/4, building 7", tt.name, bk, b.ID, parcel)
		}
	}
}

func TestUnitFloor(t *testing.T) {
	tests := []struct {
		name          string
		floor, named  string
		found         bool
		wantErrs      string
		wantNewFloors int
	}{
		{"a floor first named here", "2", "2", true, "", 1},
		{"underground", "-1", "B1", true, "", 1},
		{"named as the database has it", "1", "1", true, "", 0},
		{"named otherwise than the database", "1", "一", true, "户/2/名义层", 0},
		{"floor 0", "0", "0", true, "户/2/实际层", 0},
		{"above the building", "7", "7", true, "户/2/实际层", 0},
		{"no name", "2", "", true, "户/2/名义层", 0},
		{"building not found: no floor is named", "2", "2", false, "", 0},
	}
	for _, tt := range tests {
		ex := withBuilding()
		p := newPlanner(ex)
		c := p.check(SheetUnits, unitRow(func(v map[string]string) { v["实际层"], v["名义层"] = tt.floor, tt.named }))
		p.unitFloor(c, buildingKey{parcel, 4}, ex.Buildings[0], tt.found)
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		if got := len(p.newFloors); got != tt.wantNewFloors {
			t.Errorf("%s: new floors got %d, want %d", tt.name, got, tt.wantNewFloors)
		}
	}
}

func TestParseUnitCells(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(v map[string]string)
		wantErrs string
	}{
		{"good", nil, ""},
		{"分摊系数 left empty reads as 0", func(v map[string]string) { v["分摊系数"] = "" }, ""},
		{"户号, 室号 and 用途 in order", func(v map[string]string) { v["户号"], v["室号"], v["用途"] = "10000", "", "别墅" }, "户/2/户号 户/2/室号 户/2/用途"},
		{"an area", func(v map[string]string) { v["预测套内面积"] = "92.401" }, "户/2/预测套内面积"},
		{"every area, in the columns' order", func(v map[string]string) {
			v["预测分摊面积"], v["预测套内面积"], v["预测建筑面积"] = "x", "y", "z"
		},
			"户/2/预测建筑面积 户/2/预测套内面积 户/2/预测分摊面积"},
		{"分摊系数", func(v map[string]string) { v["分摊系数"] = "11" }, "户/2/分摊系数"},
	}
	for _, tt := range tests {
		p := newPlanner(existing())
		var u Unit
		parseUnitCells(p.check(SheetUnits, unitRow(tt.edit)), &u)
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		if tt.wantErrs == "" && (u.Number != 3 || u.Room != "201" || u.Purpose != "住宅" || u.Forecast.Total.String() != "112.35") {
			t.Errorf("%s: unit got %+v, want 户号 3, 室号 201, 住宅, 112.35 m²", tt.name, u)
		}
	}
}

func TestCheckUnique(t *testing.T) {
	uk := unitKey{buildingKey{parcel, 4}, 3}
	tests := []struct {
		name     string
		second   unitKey
		room     string
		wantErrs string
	}{
		{"another 户号 and 室号", unitKey{uk.b, 4}, "202", ""},
		{"the same 户号", uk, "202", "户/3/户号"},
		{"the same 室号", unitKey{uk.b, 4}, "201", "户/3/室号"},
		{"both", uk, "201", "户/3/户号 户/3/室号"},
		{"the same in another building", unitKey{buildingKey{parcel, 5}, 3}, "201", ""},
	}
	for _, tt := range tests {
		p := newPlanner(existing())
		p.checkUnique(p.check(SheetUnits, Row{Num: 2}), uk, "201")
		p.checkUnique(p.check(SheetUnits, Row{Num: 3}), tt.second, tt.room)
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		want := 1 // a row with an error is not recorded
		if tt.wantErrs == "" {
			want = 2
		}
		if got := len(p.seenNumber); got != want {
			t.Errorf("%s: rows recorded got %d, want %d", tt.name, got, want)
		}
	}
}

func TestPlaceUnit(t *testing.T) {
	bk := buildingKey{parcel, 4}
	same := withBuilding().Units[7][0]
	moved := same
	moved.Floor = 2
	tests := []struct {
		name                                string
		u                                   Unit
		inNewBuilding                       bool
		wantErrs                            string
		wantNew, wantChanged, wantUnchanged int
		wantBuildingID                      int64
		wantIndex                           int
	}{
		{"new in an existing building", Unit{Number: 3, Room: "201"}, false, "", 1, 0, 0, 7, -1},
		{"new in a new building", Unit{Number: 3, Room: "201"}, true, "", 1, 0, 0, 0, 0},
		{"new, 室号 of another 户号", Unit{Number: 3, Room: "101"}, false, "户/2/室号", 0, 0, 0, 0, 0},
		{"as in the database", same, false, "", 0, 0, 1, 0, 0},
		{"changed", moved, false, "", 0, 1, 0, 7, 0},
		{"changed to the 室号 of another 户号", Unit{Number: 1, Room: "102", Floor: 1, Purpose: "住宅"}, false, "户/2/室号", 0, 0, 0, 0, 0},
		{"changed under a live contract", Unit{Number: 2, Room: "102", Floor: 2, Purpose: "住宅"}, false, "户/2/户号", 0, 0, 0, 0, 0},
		{"no 不动产单元号", Unit{Number: 0, Room: "1"}, false, "户/2/户号", 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		ex := withBuilding()
		p := newPlanner(ex)
		if tt.inNewBuilding {
			p.newIndex[bk] = 0
		}
		p.placeUnit(p.check(SheetUnits, Row{Num: 2}), unitKey{bk, tt.u.Number}, ex.Buildings[0], tt.u)
		if got := errColumns(p.errs); got != tt.wantErrs {
			t.Errorf("%s: reported %q, want %q", tt.name, got, tt.wantErrs)
		}
		got := []int{len(p.plan.NewUnits), len(p.plan.ChangedUnits), p.plan.Unchanged}
		if want := []int{tt.wantNew, tt.wantChanged, tt.wantUnchanged}; !slices.Equal(got, want) {
			t.Errorf("%s: new, changed, unchanged got %v, want %v", tt.name, got, want)
		}
		if tt.wantNew == 1 {
			if u, idx := p.plan.NewUnits[0], p.plan.NewUnitBuilding[0]; u.BuildingID != tt.wantBuildingID || idx != tt.wantIndex || u.UnitNo != parcel+"F00040003" {
				t.Errorf("%s: got building %d, index %d, %s; want %d, %d, %sF00040003", tt.name, u.BuildingID, idx, u.UnitNo, tt.wantBuildingID, tt.wantIndex, parcel)
			}
		}
		if tt.wantChanged == 1 {
			if u := p.plan.ChangedUnits[0]; u.ID != 70 || u.BuildingID != tt.wantBuildingID {
				t.Errorf("%s: changed unit got id %d, building %d; want 70, %d", tt.name, u.ID, u.BuildingID, tt.wantBuildingID)
			}
		}
	}
}

func TestNewFloorKeys(t *testing.T) {
	p := newPlanner(existing())
	for _, fk := range []floorKey{{buildingKey{parcel, 5}, 1}, {buildingKey{parcel, 3}, 2}, {buildingKey{parcel, 3}, -1}} {
		p.newFloors[fk] = true
		p.named[fk] = strconv.Itoa(fk.actual)
	}
	p.named[floorKey{buildingKey{parcel, 9}, 1}] = "1" // named by the database: not new
	var got []int
	for _, f := range p.newFloorKeys() {
		got = append(got, f.Building, f.Actual)
	}
	if want := []int{3, -1, 3, 2, 5, 1}; !slices.Equal(got, want) {
		t.Errorf("floors got %v, want %v", got, want)
	}
}
