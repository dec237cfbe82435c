package ledger

import (
	"fmt"
	"slices"
	"sort"

	"github.com/shopspring/decimal"
)

// Building is a 自然幢: a physical building on a parcel, keyed by the
// parcel's code and its 自然幢号.
type Building struct {
	ID          int64
	ProjectID   int64
	Parcel      string // 宗地代码
	Number      int    // 自然幢号 1–9999
	Name        string // e.g. 3号楼
	Structure   string // 钢筋混凝土结构 …
	FloorsAbove int
	FloorsBelow int
	PlannedUse  string
}

// HasFloor reports whether an actual floor exists in the building: 1 to
// FloorsAbove above ground, -1 to -FloorsBelow below (there is no floor 0).
func (b Building) HasFloor(actual int) bool {
	return (actual >= 1 && actual <= b.FloorsAbove) || (actual <= -1 && actual >= -b.FloorsBelow)
}

// Floor is one storey: its actual sequence (实际层, negative underground)
// and the floor name shown to people (名义层), which may skip 4, 13 or 14.
type Floor struct {
	BuildingID int64
	Actual     int
	Named      string
}

// Purposes a unit may have.
var Purposes = []string{"住宅", "商业", "办公", "车库", "储藏", "其他"}

// Areas is one set of a unit's areas in m²: 建筑面积 = 套内建筑面积 + 分摊建筑面积,
// with the building's 分摊系数 (分摊 = 套内 × 系数).
type Areas struct {
	Total  decimal.Decimal // 建筑面积
	Inner  decimal.Decimal // 套内建筑面积
	Shared decimal.Decimal // 分摊建筑面积
	Ratio  decimal.Decimal // 分摊系数
}

var cent = decimal.New(1, -2)

// Check returns the violated area identities (empty when consistent):
// 建筑 = 套内 + 分摊 exactly to the cent, and 分摊 = 套内 × 系数 within a
// cent of rounding.
func (a Areas) Check() []string {
	var out []string
	if !a.Total.IsPositive() {
		out = append(out, "建筑面积应大于0")
	}
	if sum := a.Inner.Add(a.Shared); !sum.Equal(a.Total) {
		out = append(out, fmt.Sprintf("建筑面积%s ≠ 套内%s + 分摊%s（相差%s）", a.Total.StringFixed(2), a.Inner.StringFixed(2),
			a.Shared.StringFixed(2), a.Total.Sub(sum).StringFixed(2)))
	}
	if want := a.Inner.Mul(a.Ratio).Round(2); want.Sub(a.Shared).Abs().GreaterThan(cent) {
		out = append(out, fmt.Sprintf("分摊面积%s与套内面积×分摊系数（%s×%s=%s）不符", a.Shared.StringFixed(2),
			a.Inner.StringFixed(2), a.Ratio.String(), want.StringFixed(2)))
	}
	return out
}

// Equal reports whether two area sets are the same.
func (a Areas) Equal(b Areas) bool {
	return a.Total.Equal(b.Total) && a.Inner.Equal(b.Inner) && a.Shared.Equal(b.Shared) && a.Ratio.Equal(b.Ratio)
}

// Unit is one 户: a flat, shop, garage or storeroom.
type Unit struct {
	ID         int64
	BuildingID int64
	Number     int    // 户号, 1–9999, within the building
	UnitNo     string // 不动产单元号 (28)
	Room       string // 室号部位, e.g. 3单元1502
	Section    string // 单元 (logical entrance), e.g. 3单元; may be ""
	Floor      int    // actual floor
	Purpose    string
	Forecast   Areas // 预测: from the presale survey, drives the contract
	Measured   Areas // 实测: from the accepted completion survey (zero until then)
	// CommonPart names the 业主共有部分 the unit is (物业服务用房), as the
	// accepted completion survey marks it; "" for a unit that can be sold.
	CommonPart string
}

// HasMeasured reports whether measured areas are recorded.
func (u Unit) HasMeasured() bool { return u.Measured.Total.IsPositive() }

// Area is the area that counts now: measured once recorded, else forecast.
func (u Unit) Area() decimal.Decimal {
	if u.HasMeasured() {
		return u.Measured.Total
	}
	return u.Forecast.Total
}

// State is a unit's state as the 楼盘表 shows it.
type State string

const (
	Unpermitted State = "unpermitted" // no valid presale permit covers it
	Suspended   State = "suspended"   // its presale permit is suspended
	Available   State = "available"   // 未售
	Pending     State = "pending"     // 网签中: a contract drafted or awaiting the buyer
	Signed      State = "signed"      // 已网签 (contract signed, not yet filed)
	Filed       State = "filed"       // 已备案 (filed; no live pre-notice)
	PreNoticed  State = "prenoticed"  // 已预告: a live 预告登记 (of the sale or of a mortgage)
	Registered  State = "registered"  // 已登记: the buyers' ownership is in the register book
	Mortgaged   State = "mortgaged"   // 已抵押: a live 抵押权 on the unit
	Restricted  State = "restricted"  // 限制: locked, sealed (查封 or 轮候查封) or under an objection
)

// States lists the states in legend order.
var States = []State{Unpermitted, Suspended, Available, Pending, Signed, Filed, PreNoticed, Registered, Mortgaged, Restricted}

// Label is the state's Chinese name.
func (s State) Label() string {
	switch s {
	case Unpermitted:
		return "未取得预售许可"
	case Suspended:
		return "预售许可暂停"
	case Available:
		return "未售"
	case Pending:
		return "网签中"
	case Signed:
		return "已网签"
	case Filed:
		return "已备案"
	case PreNoticed:
		return "已预告"
	case Registered:
		return "已登记"
	case Mortgaged:
		return "已抵押"
	case Restricted:
		return "限制"
	}
	return string(s)
}

// Register is what the register book says of a unit now: its current
// (现势) entries, summarised. registry.Standing is the one function that
// computes it from the book; nothing else decides these facts.
type Register struct {
	DeveloperOwns bool   // the developer's ownership (首次登记) is current
	Registered    bool   // a later owner's ownership (转移登记 or a correction of it) is current
	CoOwned       bool   // the current ownership is held in common (共同共有 or 按份共有)
	OwnerContract int64  // the sale contract the current ownership carried out (0: none or not a sale)
	OwnershipID   int64  // the current ownership entry (0 when none)
	PreNotice     bool   // a current 预售商品房买卖预告登记
	PreMortgage   bool   // a current 预售商品房抵押权预告登记 (预抵押)
	Mortgaged     bool   // a current 抵押权
	Sealed        bool   // a current 查封 (an effective seal)
	WaitingSeal   bool   // a 轮候查封 waiting behind an effective seal
	Objection     bool   // a current 异议登记
	SealAuthority string // the authority of the effective seal, for messages
}

// Status gathers everything that decides a unit's state: the presale
// permit, the live contract, the staff lock, the register book, the
// handover and the certificate. It is loaded by one store loader for a
// unit or a whole building, and every question "is this flat sold, filed,
// registered, mortgaged, sealed, handed over, certified" is asked of it.
type Status struct {
	Permit      string // "valid", "suspended" or "" (none)
	Contract    string // the live contract's state: draft, sent, signed, filed; "" for none
	ContractID  int64  // the live contract (0 for none)
	DeedTaxPaid bool   // the live contract's 契税 is paid
	Locked      bool   // 单元锁定 by staff
	Register    Register
	HandedOver  bool // handed over with its transfer registered at a handover event (a blocked flat has its keys but not its registration, so the rules still apply to it)
	Certified   bool // a live, signed 不动产权证书 of the current ownership exists
}

// Sealed reports whether a seal stands on the unit (查封, or a waiting
// 轮候查封 behind one): no sale, transfer or mortgage while it does.
func (s Status) Sealed() bool { return s.Register.Sealed || s.Register.WaitingSeal }

// State derives the 楼盘表 state: a restriction shows first, then the
// register book (mortgage, ownership, pre-notice), then the furthest step
// of the sale, then the permit.
func (s Status) State() State {
	r := s.Register
	switch {
	case s.Locked || s.Sealed() || r.Objection:
		return Restricted
	case r.Mortgaged:
		return Mortgaged
	case r.Registered:
		return Registered
	case r.PreNotice || r.PreMortgage:
		return PreNoticed
	case s.Contract == "filed":
		return Filed
	case s.Contract == "signed":
		return Signed
	case s.Contract == "draft" || s.Contract == "sent":
		return Pending
	case s.Permit == "valid":
		return Available
	case s.Permit == "suspended":
		return Suspended
	}
	return Unpermitted
}

// Mark is a fact of the register book shown on a unit beside its state:
// what a prospective buyer may know of any flat (whether it is co-owned,
// pre-noticed, mortgaged, sealed; 不动产登记资料查询暂行办法 第十九条),
// never who holds the right.
type Mark string

const (
	CoOwnedMark     Mark = "coowned"     // 共有
	PreNoticeMark   Mark = "prenotice"   // 预告登记
	PreMortgageMark Mark = "premortgage" // 预抵押（抵押权预告登记）
	MortgageMark    Mark = "mortgage"    // 抵押
	SealMark        Mark = "seal"        // 查封（含轮候查封）
	ObjectionMark   Mark = "objection"   // 异议登记
	LockMark        Mark = "lock"        // 单元锁定
)

// Marks lists the marks in legend order.
var Marks = []Mark{CoOwnedMark, PreNoticeMark, PreMortgageMark, MortgageMark, SealMark, ObjectionMark, LockMark}

// Label is the mark's Chinese name.
func (m Mark) Label() string {
	switch m {
	case CoOwnedMark:
		return "共有"
	case PreNoticeMark:
		return "预告登记"
	case PreMortgageMark:
		return "预抵押"
	case MortgageMark:
		return "抵押"
	case SealMark:
		return "查封"
	case ObjectionMark:
		return "异议登记"
	case LockMark:
		return "单元锁定"
	}
	return string(m)
}

// Short is the one character the 楼盘表 cell shows.
func (m Mark) Short() string {
	switch m {
	case CoOwnedMark:
		return "共"
	case PreNoticeMark:
		return "预"
	case PreMortgageMark:
		return "预押"
	case MortgageMark:
		return "押"
	case SealMark:
		return "封"
	case ObjectionMark:
		return "异"
	case LockMark:
		return "锁"
	}
	return ""
}

// Marks lists the unit's marks now, in legend order: every restriction
// and right a single state hides (a sealed flat shows 限制 whether or not
// it is also mortgaged).
func (s Status) Marks() []Mark {
	r := s.Register
	var out []Mark
	for _, m := range []struct {
		on   bool
		mark Mark
	}{{r.CoOwned && (r.Registered || r.DeveloperOwns), CoOwnedMark}, {r.PreNotice, PreNoticeMark}, {r.PreMortgage, PreMortgageMark},
		{r.Mortgaged, MortgageMark}, {s.Sealed(), SealMark}, {r.Objection, ObjectionMark}, {s.Locked, LockMark}} {
		if m.on {
			out = append(out, m.mark)
		}
	}
	return out
}

// TableCell is one unit in the 楼盘表 grid.
type TableCell struct {
	Unit   Unit
	Status Status
	State  State
}

// TableRow is one floor of the grid, units in 户号 order.
type TableRow struct {
	Floor Floor
	Cells []TableCell
}

// Table is the 楼盘表 of one building: floors from the top down.
type Table struct {
	Building Building
	Rows     []TableRow
	Counts   map[State]int
	Marked   map[Mark]int // units with each mark
	Total    int
	Columns  int // the widest floor's unit count
}

// BuildTable arranges units by floor (top down) and 户号, and counts states.
func BuildTable(b Building, floors []Floor, cells []TableCell) Table {
	t := Table{Building: b, Counts: map[State]int{}, Marked: map[Mark]int{}}
	byFloor := map[int][]TableCell{}
	named := map[int]string{}
	for _, f := range floors {
		named[f.Actual] = f.Named
	}
	for _, c := range cells {
		c.State = c.Status.State()
		byFloor[c.Unit.Floor] = append(byFloor[c.Unit.Floor], c)
		t.Counts[c.State]++
		for _, m := range c.Status.Marks() {
			t.Marked[m]++
		}
		t.Total++
	}
	var actuals []int
	for a := range byFloor {
		actuals = append(actuals, a)
	}
	for _, f := range floors {
		if _, ok := byFloor[f.Actual]; !ok {
			actuals = append(actuals, f.Actual)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(actuals)))
	actuals = slices.Compact(actuals)
	for _, a := range actuals {
		row := byFloor[a]
		sort.Slice(row, func(i, j int) bool { return row[i].Unit.Number < row[j].Unit.Number })
		n := named[a]
		if n == "" {
			n = fmt.Sprint(a)
		}
		t.Rows = append(t.Rows, TableRow{Floor: Floor{BuildingID: b.ID, Actual: a, Named: n}, Cells: row})
		t.Columns = max(t.Columns, len(row))
	}
	return t
}

// Units returns the table's units in 户号 order.
func (t Table) Units() []Unit {
	var out []Unit
	for _, row := range t.Rows {
		for _, c := range row.Cells {
			out = append(out, c.Unit)
		}
	}
	slices.SortFunc(out, func(a, b Unit) int { return a.Number - b.Number })
	return out
}
