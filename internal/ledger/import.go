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

// PlanImport checks every row of the workbook against the project and the
// database and returns the plan, or every bad row. It never returns both:
// with any error the plan is empty and nothing may be written.
func PlanImport(ex Existing, wb Workbook) (Plan, []RowError) {
	var errs []RowError
	bad := func(sheet string, row int, col, val, format string, args ...any) {
		errs = append(errs, RowError{Sheet: sheet, Row: row, Column: col, Value: val, Reason: fmt.Sprintf(format, args...)})
	}
	parcels := map[string]bool{}
	for _, p := range ex.Parcels {
		parcels[p.Code] = true
	}
	onlyParcel := ""
	if len(ex.Parcels) == 1 {
		onlyParcel = ex.Parcels[0].Code
	}
	existing := map[buildingKey]Building{}
	for _, b := range ex.Buildings {
		existing[buildingKey{b.Parcel, b.Number}] = b
	}
	plan := Plan{Rows: len(wb.Buildings) + len(wb.Units)}

	// Buildings sheet.
	inFile := map[buildingKey]Building{}
	newIndex := map[buildingKey]int{}
	for _, r := range wb.Buildings {
		v := r.Values
		b := Building{ProjectID: ex.Project.ID}
		rowOK := true
		fail := func(col, format string, args ...any) {
			bad(SheetBuildings, r.Num, col, v[col], format, args...)
			rowOK = false
		}
		pc, err := code.ParseParcelCode(v["宗地代码"])
		switch {
		case err != nil:
			fail("宗地代码", "%s", errMessage(err))
		case !parcels[pc]:
			fail("宗地代码", "宗地%s不属于本项目，请先在项目中登记该宗地", pc)
		}
		b.Parcel = pc
		b.Number, err = intIn(v["自然幢号"], 1, 9999)
		if err != nil {
			fail("自然幢号", "自然幢号应为1–9999的整数")
		}
		b.Name = v["幢名称"]
		if !nameOK(b.Name, 40) {
			fail("幢名称", "请填写幢名称（不超过40字）")
		}
		b.Structure = v["结构"]
		if !nameOK(b.Structure, 40) {
			fail("结构", "请填写结构")
		}
		if b.FloorsAbove, err = intIn(v["地上层数"], 1, 200); err != nil {
			fail("地上层数", "地上层数应为1–200的整数")
		}
		if b.FloorsBelow, err = intIn(orZero(v["地下层数"]), 0, 20); err != nil {
			fail("地下层数", "地下层数应为0–20的整数")
		}
		b.PlannedUse = v["规划用途"]
		if !nameOK(b.PlannedUse, 40) {
			fail("规划用途", "请填写规划用途")
		}
		if !rowOK {
			continue
		}
		k := buildingKey{b.Parcel, b.Number}
		if _, dup := inFile[k]; dup {
			bad(SheetBuildings, r.Num, "自然幢号", v["自然幢号"], "自然幢号%d在本文件中重复", b.Number)
			continue
		}
		inFile[k] = b
		if old, ok := existing[k]; ok {
			b.ID = old.ID
			if old.Name == b.Name && old.Structure == b.Structure && old.FloorsAbove == b.FloorsAbove &&
				old.FloorsBelow == b.FloorsBelow && old.PlannedUse == b.PlannedUse {
				plan.Unchanged++
			} else {
				plan.ChangedBuildings = append(plan.ChangedBuildings, b)
			}
			continue
		}
		newIndex[k] = len(plan.NewBuildings)
		plan.NewBuildings = append(plan.NewBuildings, b)
	}
	// The building a unit row refers to: in the file (possibly changed) or in the database.
	lookup := func(k buildingKey) (Building, bool) {
		if b, ok := inFile[k]; ok {
			return b, true
		}
		b, ok := existing[k]
		return b, ok
	}

	// Units sheet.
	type floorKey struct {
		b      buildingKey
		actual int
	}
	named := map[floorKey]string{}
	for _, b := range ex.Buildings {
		for _, f := range ex.Floors[b.ID] {
			named[floorKey{buildingKey{b.Parcel, b.Number}, f.Actual}] = f.Named
		}
	}
	newFloors := map[floorKey]bool{}
	type unitKey struct {
		b      buildingKey
		number int
	}
	seenNumber := map[unitKey]int{}
	seenRoom := map[buildingKey]map[string]int{}
	existingUnits := map[unitKey]Unit{}
	existingRooms := map[buildingKey]map[string]int{}
	for _, b := range ex.Buildings {
		k := buildingKey{b.Parcel, b.Number}
		existingRooms[k] = map[string]int{}
		for _, u := range ex.Units[b.ID] {
			existingUnits[unitKey{k, u.Number}] = u
			existingRooms[k][u.Room] = u.Number
		}
	}
	for _, r := range wb.Units {
		v := r.Values
		u := Unit{}
		rowOK := true
		fail := func(col, format string, args ...any) {
			bad(SheetUnits, r.Num, col, v[col], format, args...)
			rowOK = false
		}
		pc := v["宗地代码"]
		if pc == "" && onlyParcel != "" {
			pc = onlyParcel
		}
		parcel, err := code.ParseParcelCode(pc)
		if err != nil {
			if v["宗地代码"] == "" {
				fail("宗地代码", "本项目有多宗地，请填写宗地代码")
			} else {
				fail("宗地代码", "%s", errMessage(err))
			}
		}
		number, err := intIn(v["自然幢号"], 1, 9999)
		if err != nil {
			fail("自然幢号", "自然幢号应为1–9999的整数")
		}
		bk := buildingKey{parcel, number}
		b, found := lookup(bk)
		if rowOK && !found {
			fail("自然幢号", "自然幢号%d不在“幢”表中，也不是本项目已有的幢", number)
		}
		u.Section = v["单元"]
		if utf8.RuneCountInString(u.Section) > 20 {
			fail("单元", "单元名称不超过20字")
		}
		if u.Floor, err = strconv.Atoi(strings.TrimSpace(v["实际层"])); err != nil || u.Floor == 0 {
			fail("实际层", "实际层应为非零整数（地下为负数）")
		} else if found && !b.HasFloor(u.Floor) {
			fail("实际层", "该幢没有第%d层（地上%d层、地下%d层）", u.Floor, b.FloorsAbove, b.FloorsBelow)
		}
		fname := strings.TrimSpace(v["名义层"])
		if !nameOK(fname, 10) {
			fail("名义层", "请填写名义层（不超过10字）")
		} else if found && b.HasFloor(u.Floor) {
			// The named floor of an actual floor is one, in the file and the
			// database; the first row that names it decides, even if other
			// cells of that row are wrong.
			fk := floorKey{bk, u.Floor}
			if prev, ok := named[fk]; !ok {
				named[fk] = fname
				newFloors[fk] = true
			} else if prev != fname {
				fail("名义层", "第%d层的名义层已为“%s”，同一实际层的名义层须一致", u.Floor, prev)
			}
		}
		if u.Number, err = intIn(v["户号"], 1, 9999); err != nil {
			fail("户号", "户号应为1–9999的整数")
		}
		u.Room = v["室号"]
		if !nameOK(u.Room, 30) {
			fail("室号", "请填写室号（不超过30字）")
		}
		u.Purpose = v["用途"]
		if !slices.Contains(Purposes, u.Purpose) {
			fail("用途", "用途应为%s之一", strings.Join(Purposes, "、"))
		}
		for col, dst := range map[string]*decimal.Decimal{"预测建筑面积": &u.Forecast.Total, "预测套内面积": &u.Forecast.Inner, "预测分摊面积": &u.Forecast.Shared} {
			d, err := measure.Parse(CleanNumber(v[col]), col)
			if err != nil {
				fail(col, "%s", errMessage(err))
			}
			*dst = d
		}
		if u.Forecast.Ratio, err = measure.ParseRatio(CleanNumber(orZero(v["分摊系数"])), "分摊系数"); err != nil {
			fail("分摊系数", "%s", errMessage(err))
		}
		if !rowOK {
			continue
		}
		for _, msg := range u.Forecast.Check() {
			fail("预测建筑面积", "%s", msg)
		}
		// Duplicates within the file.
		uk := unitKey{bk, u.Number}
		if first, dup := seenNumber[uk]; dup {
			fail("户号", "户号%d在本幢重复（另见第%d行）", u.Number, first)
		}
		if seenRoom[bk] == nil {
			seenRoom[bk] = map[string]int{}
		}
		if first, dup := seenRoom[bk][u.Room]; dup {
			fail("室号", "室号“%s”在本幢重复（另见第%d行）", u.Room, first)
		}
		if !rowOK {
			continue
		}
		seenNumber[uk] = r.Num
		seenRoom[bk][u.Room] = r.Num
		no, err := code.NewHouseUnit(parcel, number, u.Number)
		if err != nil {
			fail("户号", "无法生成不动产单元号：%s", errMessage(err))
			continue
		}
		u.UnitNo = no.String()
		// Against the database: the same unit is updated or left alone.
		if old, ok := existingUnits[uk]; ok {
			u.ID, u.BuildingID, u.Measured = old.ID, old.BuildingID, old.Measured
			same := old.Room == u.Room && old.Section == u.Section && old.Floor == u.Floor && old.Purpose == u.Purpose && old.Forecast.Equal(u.Forecast)
			switch {
			case same:
				plan.Unchanged++
			case ex.Frozen[old.ID]:
				fail("户号", "户%s已网签，其室号、楼层、用途和预测面积不能通过导入修改", u.UnitNo)
			default:
				if n, taken := existingRooms[bk][u.Room]; taken && n != u.Number {
					fail("室号", "室号“%s”已被本幢户号%d使用", u.Room, n)
					continue
				}
				plan.ChangedUnits = append(plan.ChangedUnits, u)
			}
			continue
		}
		if n, taken := existingRooms[bk][u.Room]; taken && n != u.Number {
			fail("室号", "室号“%s”已被本幢户号%d使用", u.Room, n)
			continue
		}
		idx := -1
		if i, ok := newIndex[bk]; ok {
			idx = i
		} else {
			u.BuildingID = b.ID
		}
		plan.NewUnits = append(plan.NewUnits, u)
		plan.NewUnitBuilding = append(plan.NewUnitBuilding, idx)
	}
	if len(errs) > 0 {
		SortErrors(errs)
		return Plan{}, errs
	}
	for fk := range newFloors {
		plan.Floors = append(plan.Floors, FloorKey{Parcel: fk.b.parcel, Building: fk.b.number, Actual: fk.actual, Named: named[fk]})
	}
	slices.SortFunc(plan.Floors, func(a, b FloorKey) int {
		if a.Building != b.Building {
			return a.Building - b.Building
		}
		return a.Actual - b.Actual
	})
	return plan, nil
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
