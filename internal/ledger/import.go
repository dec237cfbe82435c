package ledger

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"handover/internal/code"
	"handover/internal/measure"
	"handover/internal/problem"
)

// Existing is what the database already holds for a project, as an import
// plan needs it.
type Existing struct {
	Project   Project
	Parcels   []Parcel
	Buildings []Building
	Floors    map[int64][]Floor // by building id
	Units     map[int64][]Unit  // by building id
	Frozen    map[int64]bool    // unit ids that may no longer change (a live contract)
}

// Plan is what an import will write, computed from the workbook against the
// database. Buildings and units that match the database are left alone, so
// importing the same workbook twice changes nothing.
type Plan struct {
	NewBuildings     []Building
	ChangedBuildings []Building // with ID set
	Floors           []FloorKey // floors first named by this workbook
	NewUnits         []Unit     // BuildingID is set for existing buildings
	NewUnitBuilding  []int      // for each new unit: index into NewBuildings, or -1
	ChangedUnits     []Unit     // with ID set
	Unchanged        int        // rows identical to the database
	Rows             int        // data rows read
}

// TouchedBuildings lists the existing buildings whose 楼盘表 the plan
// changes (a new building has no table yet), in id order.
func (p Plan) TouchedBuildings() []int64 {
	var ids []int64
	for _, b := range p.ChangedBuildings {
		ids = append(ids, b.ID)
	}
	for _, u := range p.NewUnits {
		if u.BuildingID != 0 {
			ids = append(ids, u.BuildingID)
		}
	}
	for _, u := range p.ChangedUnits {
		ids = append(ids, u.BuildingID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Empty reports whether the plan writes nothing.
func (p Plan) Empty() bool {
	return len(p.NewBuildings)+len(p.ChangedBuildings)+len(p.NewUnits)+len(p.ChangedUnits) == 0 && len(p.Floors) == 0
}

type buildingKey struct {
	parcel string
	number int
}

// floorKey is an actual floor of a building, by parcel and 自然幢号.
type floorKey struct {
	b      buildingKey
	actual int
}

// unitKey is a 户号 of a building, by parcel and 自然幢号.
type unitKey struct {
	b      buildingKey
	number int
}

// PlanImport checks every row of the workbook against the project and the
// database and returns the plan, or every bad row. It never returns both:
// with any error the plan is empty and nothing may be written.
func PlanImport(ex Existing, wb Workbook) (Plan, []RowError) {
	p := newPlanner(ex)
	p.plan.Rows = len(wb.Buildings) + len(wb.Units)
	for _, r := range wb.Buildings {
		p.addBuilding(r)
	}
	for _, r := range wb.Units {
		p.addUnit(r)
	}
	if len(p.errs) > 0 {
		SortErrors(p.errs)
		return Plan{}, p.errs
	}
	p.plan.Floors = p.newFloorKeys()
	return p.plan, nil
}

// planner is what PlanImport knows while it reads the rows: the database's
// buildings, floors and units by key, the rows accepted so far, the plan
// being built and every bad cell found.
type planner struct {
	ex            Existing
	parcels       map[string]bool                // the project's parcel codes
	onlyParcel    string                         // the parcel a unit row may leave out: set when the project has one
	existing      map[buildingKey]Building       // buildings in the database
	existingUnits map[unitKey]Unit               // units in the database
	existingRooms map[buildingKey]map[string]int // 室号 → 户号 in the database, per building
	inFile        map[buildingKey]Building       // buildings accepted from the buildings sheet
	newIndex      map[buildingKey]int            // index of a new building in plan.NewBuildings
	named         map[floorKey]string            // the named floor of an actual floor, database first
	newFloors     map[floorKey]bool              // floors first named by this workbook
	seenNumber    map[unitKey]int                // 户号 → the row that first used it
	seenRoom      map[buildingKey]map[string]int // 室号 → the row that first used it, per building
	plan          Plan
	errs          []RowError
}

// newPlanner indexes what the database holds by parcel and 自然幢号, the
// keys a workbook row names its building by.
func newPlanner(ex Existing) *planner {
	p := &planner{ex: ex, parcels: map[string]bool{}, existing: map[buildingKey]Building{},
		existingUnits: map[unitKey]Unit{}, existingRooms: map[buildingKey]map[string]int{},
		inFile: map[buildingKey]Building{}, newIndex: map[buildingKey]int{}, named: map[floorKey]string{},
		newFloors: map[floorKey]bool{}, seenNumber: map[unitKey]int{}, seenRoom: map[buildingKey]map[string]int{}}
	for _, pc := range ex.Parcels {
		p.parcels[pc.Code] = true
	}
	if len(ex.Parcels) == 1 {
		p.onlyParcel = ex.Parcels[0].Code
	}
	for _, b := range ex.Buildings {
		k := buildingKey{b.Parcel, b.Number}
		p.existing[k] = b
		for _, f := range ex.Floors[b.ID] {
			p.named[floorKey{k, f.Actual}] = f.Named
		}
		p.existingRooms[k] = map[string]int{}
		for _, u := range ex.Units[b.ID] {
			p.existingUnits[unitKey{k, u.Number}] = u
			p.existingRooms[k][u.Room] = u.Number
		}
	}
	return p
}

// rowCheck reports the bad cells of one row; ok stays true until the first
// is reported, so later steps know whether the row can be used.
type rowCheck struct {
	errs  *[]RowError
	sheet string
	row   Row
	ok    bool
}

// check starts the checks of one row of a sheet.
func (p *planner) check(sheet string, r Row) *rowCheck {
	return &rowCheck{errs: &p.errs, sheet: sheet, row: r, ok: true}
}

// fail reports a bad cell with the value the workbook holds, so the
// annotated workbook can point at it.
func (c *rowCheck) fail(col, format string, args ...any) {
	*c.errs = append(*c.errs, RowError{Sheet: c.sheet, Row: c.row.Num, Column: col, Value: c.row.Values[col],
		Reason: fmt.Sprintf(format, args...)})
	c.ok = false
}

// addBuilding checks one row of the buildings sheet and, when it is good,
// puts the building in the plan.
func (p *planner) addBuilding(r Row) {
	c := p.check(SheetBuildings, r)
	b := p.parseBuilding(c)
	if !c.ok {
		return
	}
	p.placeBuilding(c, b)
}

// parseBuilding reads the cells of a buildings-sheet row, reporting every bad
// cell rather than the first, so one upload shows all that needs fixing.
func (p *planner) parseBuilding(c *rowCheck) Building {
	v := c.row.Values
	b := Building{ProjectID: p.ex.Project.ID}
	pc, err := code.ParseParcelCode(v["宗地代码"])
	switch {
	case err != nil:
		c.fail("宗地代码", "%s", errMessage(err))
	case !p.parcels[pc]:
		c.fail("宗地代码", "宗地%s不属于本项目，请先在项目中登记该宗地", pc)
	}
	b.Parcel = pc
	b.Number, err = intIn(v["自然幢号"], 1, 9999)
	if err != nil {
		c.fail("自然幢号", "自然幢号应为1–9999的整数")
	}
	b.Name = v["幢名称"]
	if !nameOK(b.Name, 40) {
		c.fail("幢名称", "请填写幢名称（不超过40字）")
	}
	b.Structure = v["结构"]
	if !nameOK(b.Structure, 40) {
		c.fail("结构", "请填写结构")
	}
	if b.FloorsAbove, err = intIn(v["地上层数"], 1, 200); err != nil {
		c.fail("地上层数", "地上层数应为1–200的整数")
	}
	if b.FloorsBelow, err = intIn(orZero(v["地下层数"]), 0, 20); err != nil {
		c.fail("地下层数", "地下层数应为0–20的整数")
	}
	b.PlannedUse = v["规划用途"]
	if !nameOK(b.PlannedUse, 40) {
		c.fail("规划用途", "请填写规划用途")
	}
	return b
}

// placeBuilding puts a well-formed building in the plan: a 自然幢号 the file
// already used is refused, one the database holds is changed or left alone
// (so a re-import changes nothing), any other is new.
func (p *planner) placeBuilding(c *rowCheck, b Building) {
	k := buildingKey{b.Parcel, b.Number}
	if _, dup := p.inFile[k]; dup {
		c.fail("自然幢号", "自然幢号%d在本文件中重复", b.Number)
		return
	}
	p.inFile[k] = b
	if old, ok := p.existing[k]; ok {
		b.ID = old.ID
		if old.Name == b.Name && old.Structure == b.Structure && old.FloorsAbove == b.FloorsAbove &&
			old.FloorsBelow == b.FloorsBelow && old.PlannedUse == b.PlannedUse {
			p.plan.Unchanged++
		} else {
			p.plan.ChangedBuildings = append(p.plan.ChangedBuildings, b)
		}
		return
	}
	p.newIndex[k] = len(p.plan.NewBuildings)
	p.plan.NewBuildings = append(p.plan.NewBuildings, b)
}

// building is the building a unit row refers to: as the file has it
// (possibly changed), else as the database has it.
func (p *planner) building(k buildingKey) (Building, bool) {
	if b, ok := p.inFile[k]; ok {
		return b, true
	}
	b, ok := p.existing[k]
	return b, ok
}

// addUnit checks one row of the units sheet and, when it is good, puts the
// unit in the plan. Cells are checked in the sheet's order; the areas' sums,
// then duplicates, only once every cell reads.
func (p *planner) addUnit(r Row) {
	c := p.check(SheetUnits, r)
	bk, b, found := p.unitBuilding(c)
	u := Unit{Section: r.Values["单元"]}
	if utf8.RuneCountInString(u.Section) > 20 {
		c.fail("单元", "单元名称不超过20字")
	}
	u.Floor = p.unitFloor(c, bk, b, found)
	parseUnitCells(c, &u)
	if !c.ok {
		return
	}
	for _, msg := range u.Forecast.Check() {
		c.fail("预测建筑面积", "%s", msg)
	}
	uk := unitKey{bk, u.Number}
	p.checkUnique(c, uk, u.Room)
	if !c.ok {
		return
	}
	p.placeUnit(c, uk, b, u)
}

// unitBuilding reads a unit row's 宗地代码 (left empty, it is the project's
// only parcel) and 自然幢号, and finds that building in the file or the
// database.
func (p *planner) unitBuilding(c *rowCheck) (buildingKey, Building, bool) {
	v := c.row.Values
	pc := v["宗地代码"]
	if pc == "" && p.onlyParcel != "" {
		pc = p.onlyParcel
	}
	parcel, err := code.ParseParcelCode(pc)
	if err != nil {
		if v["宗地代码"] == "" {
			c.fail("宗地代码", "本项目有多宗地，请填写宗地代码")
		} else {
			c.fail("宗地代码", "%s", errMessage(err))
		}
	}
	number, err := intIn(v["自然幢号"], 1, 9999)
	if err != nil {
		c.fail("自然幢号", "自然幢号应为1–9999的整数")
	}
	bk := buildingKey{parcel, number}
	b, found := p.building(bk)
	if c.ok && !found {
		c.fail("自然幢号", "自然幢号%d不在“幢”表中，也不是本项目已有的幢", number)
	}
	return bk, b, found
}

// unitFloor reads 实际层 and 名义层: the floor must be one the building has,
// and an actual floor has one named floor across the file and the database.
// The first row that names it decides, even if other cells of that row are
// wrong.
func (p *planner) unitFloor(c *rowCheck, bk buildingKey, b Building, found bool) int {
	v := c.row.Values
	floor, err := strconv.Atoi(strings.TrimSpace(v["实际层"]))
	if err != nil || floor == 0 {
		c.fail("实际层", "实际层应为非零整数（地下为负数）")
	} else if found && !b.HasFloor(floor) {
		c.fail("实际层", "该幢没有第%d层（地上%d层、地下%d层）", floor, b.FloorsAbove, b.FloorsBelow)
	}
	fname := strings.TrimSpace(v["名义层"])
	if !nameOK(fname, 10) {
		c.fail("名义层", "请填写名义层（不超过10字）")
	} else if found && b.HasFloor(floor) {
		fk := floorKey{bk, floor}
		if prev, ok := p.named[fk]; !ok {
			p.named[fk] = fname
			p.newFloors[fk] = true
		} else if prev != fname {
			c.fail("名义层", "第%d层的名义层已为“%s”，同一实际层的名义层须一致", floor, prev)
		}
	}
	return floor
}

// parseUnitCells reads a unit row's 户号, 室号, 用途 and forecast areas into
// u, reporting every bad cell.
func parseUnitCells(c *rowCheck, u *Unit) {
	v := c.row.Values
	var err error
	if u.Number, err = intIn(v["户号"], 1, 9999); err != nil {
		c.fail("户号", "户号应为1–9999的整数")
	}
	u.Room = v["室号"]
	if !nameOK(u.Room, 30) {
		c.fail("室号", "请填写室号（不超过30字）")
	}
	u.Purpose = v["用途"]
	if !slices.Contains(Purposes, u.Purpose) {
		c.fail("用途", "用途应为%s之一", strings.Join(Purposes, "、"))
	}
	// In the workbook's column order, so a row's errors are reported in a
	// fixed order.
	for _, a := range []struct {
		col string
		dst *decimal.Decimal
	}{{"预测建筑面积", &u.Forecast.Total}, {"预测套内面积", &u.Forecast.Inner}, {"预测分摊面积", &u.Forecast.Shared}} {
		d, err := measure.Parse(CleanNumber(v[a.col]), a.col)
		if err != nil {
			c.fail(a.col, "%s", errMessage(err))
		}
		*a.dst = d
	}
	if u.Forecast.Ratio, err = measure.ParseRatio(CleanNumber(orZero(v["分摊系数"])), "分摊系数"); err != nil {
		c.fail("分摊系数", "%s", errMessage(err))
	}
}

// checkUnique reports a 户号 or 室号 an earlier row of the file gave the same
// building; a row with no error at all becomes the first user of both.
func (p *planner) checkUnique(c *rowCheck, uk unitKey, room string) {
	if first, dup := p.seenNumber[uk]; dup {
		c.fail("户号", "户号%d在本幢重复（另见第%d行）", uk.number, first)
	}
	if p.seenRoom[uk.b] == nil {
		p.seenRoom[uk.b] = map[string]int{}
	}
	if first, dup := p.seenRoom[uk.b][room]; dup {
		c.fail("室号", "室号“%s”在本幢重复（另见第%d行）", room, first)
	}
	if !c.ok {
		return
	}
	p.seenNumber[uk] = c.row.Num
	p.seenRoom[uk.b][room] = c.row.Num
}

// placeUnit gives a checked unit its 不动产单元号 and puts it in the plan: a
// 户号 the database holds is updated or left alone, any other is new.
func (p *planner) placeUnit(c *rowCheck, uk unitKey, b Building, u Unit) {
	no, err := code.NewHouseUnit(uk.b.parcel, uk.b.number, u.Number)
	if err != nil {
		c.fail("户号", "无法生成不动产单元号：%s", errMessage(err))
		return
	}
	u.UnitNo = no.String()
	if old, ok := p.existingUnits[uk]; ok {
		p.changeUnit(c, uk.b, old, u)
		return
	}
	if p.roomTaken(c, uk.b, u) {
		return
	}
	idx := -1
	if i, ok := p.newIndex[uk.b]; ok {
		idx = i
	} else {
		u.BuildingID = b.ID
	}
	p.plan.NewUnits = append(p.plan.NewUnits, u)
	p.plan.NewUnitBuilding = append(p.plan.NewUnitBuilding, idx)
}

// changeUnit compares a unit with the database's: the same is left alone; a
// different one is changed unless a live contract froze it, since the
// contract states its room, floor, use and area.
func (p *planner) changeUnit(c *rowCheck, bk buildingKey, old, u Unit) {
	u.ID, u.BuildingID, u.Measured = old.ID, old.BuildingID, old.Measured
	same := old.Room == u.Room && old.Section == u.Section && old.Floor == u.Floor && old.Purpose == u.Purpose && old.Forecast.Equal(u.Forecast)
	switch {
	case same:
		p.plan.Unchanged++
	case p.ex.Frozen[old.ID]:
		c.fail("户号", "户%s已网签，其室号、楼层、用途和预测面积不能通过导入修改", u.UnitNo)
	default:
		if p.roomTaken(c, bk, u) {
			return
		}
		p.plan.ChangedUnits = append(p.plan.ChangedUnits, u)
	}
}

// roomTaken reports a 室号 that another 户号 of the building holds in the
// database: two flats of one building cannot share a room number.
func (p *planner) roomTaken(c *rowCheck, bk buildingKey, u Unit) bool {
	if n, taken := p.existingRooms[bk][u.Room]; taken && n != u.Number {
		c.fail("室号", "室号“%s”已被本幢户号%d使用", u.Room, n)
		return true
	}
	return false
}

// newFloorKeys lists the floors this workbook names first, by 自然幢号 and
// actual floor, for the store to create.
func (p *planner) newFloorKeys() []FloorKey {
	var floors []FloorKey
	for fk := range p.newFloors {
		floors = append(floors, FloorKey{Parcel: fk.b.parcel, Building: fk.b.number, Actual: fk.actual, Named: p.named[fk]})
	}
	slices.SortFunc(floors, func(a, b FloorKey) int {
		if a.Building != b.Building {
			return a.Building - b.Building
		}
		return a.Actual - b.Actual
	})
	return floors
}

// FloorKey names a floor of a building by parcel and 自然幢号, so that it
// can name floors of buildings the import itself creates.
type FloorKey struct {
	Parcel   string
	Building int
	Actual   int
	Named    string
}

func errMessage(err error) string { return problem.As(err).Message }

func intIn(s string, lo, hi int) (int, error) {
	s = CleanNumber(s)
	n, err := strconv.Atoi(strings.TrimSuffix(s, ".0"))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}
