package demo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/ledger"
	"handover/internal/store"
)

// ProjectPlan describes a demo project and how its 楼盘表 is generated.
type ProjectPlan struct {
	Name, Address string
	Developer     string // key into Foundation.Orgs
	Jurisdiction  string
	Parcel        string
	ParcelArea    string
	Premium       string
	Total         string // total investment
	Invested      string
	Delivery      calendar.Date
	Buildings     []BuildingPlan
	PresaleOf     []int // 自然幢号 covered by the presale permit
}

// BuildingPlan is one demo building: floors × (sections × units per section).
type BuildingPlan struct {
	Number, Floors, Sections, PerSection int
	Ratio                                string // 分摊系数
	ShopsOnGround                        bool   // ground floor units are shops
}

// named returns the displayed floor of an actual floor, skipping 4, 13
// and 14 as many developers in the region do.
func named(actual int) string {
	n := 0
	for a := 1; a <= actual; a++ {
		n++
		for n == 4 || n == 13 || n == 14 {
			n++
		}
	}
	return strconv.Itoa(n)
}

// Generate builds the buildings, floors and units of a project plan, as
// the developer's own system would export them.
func (pl ProjectPlan) Generate() ([]ledger.Building, map[int64][]ledger.Floor, map[int64][]ledger.Unit) {
	// 套内建筑面积 of the flat types by position in a section: two end flats
	// larger than the middle ones.
	unitInners := []string{"118.46", "76.12", "92.38", "104.55"}
	var bs []ledger.Building
	floors := map[int64][]ledger.Floor{}
	units := map[int64][]ledger.Unit{}
	for i, bp := range pl.Buildings {
		b := ledger.Building{ID: int64(i + 1), Parcel: pl.Parcel, Number: bp.Number, Name: fmt.Sprintf("%d号楼", bp.Number),
			Structure: "钢筋混凝土剪力墙结构", FloorsAbove: bp.Floors, FloorsBelow: 1, PlannedUse: "住宅"}
		bs = append(bs, b)
		ratio := decimal.RequireFromString(bp.Ratio)
		n := 0
		for f := 1; f <= bp.Floors; f++ {
			floors[b.ID] = append(floors[b.ID], ledger.Floor{Actual: f, Named: named(f)})
			for s := 1; s <= bp.Sections; s++ {
				for k := 1; k <= bp.PerSection; k++ {
					n++
					inner := decimal.RequireFromString(unitInners[(k-1)%len(unitInners)])
					if bp.Number%2 == 0 && k == 1 {
						inner = inner.Add(decimal.RequireFromString("1.20")) // mirrored plan, slightly larger
					}
					shared := inner.Mul(ratio).Round(2)
					purpose := "住宅"
					if bp.ShopsOnGround && f == 1 {
						purpose = "商业"
					}
					units[b.ID] = append(units[b.ID], ledger.Unit{Number: n, Floor: f, Section: fmt.Sprintf("%d单元", s),
						Room: fmt.Sprintf("%d单元%s%02d", s, named(f), k), Purpose: purpose,
						Forecast: ledger.Areas{Total: inner.Add(shared), Inner: inner, Shared: shared, Ratio: ratio}})
				}
			}
		}
	}
	return bs, floors, units
}

// Plans are the two demo projects of 昌吉市: 天山·悦府 (2,016 units,
// including a 40-storey building) and 庭州·花园 (288 units).
func Plans() []ProjectPlan {
	return []ProjectPlan{
		{
			Name: "天山·悦府", Address: "昌吉市北京南路以东、延安北路以北", Developer: "dev1", Jurisdiction: "652301",
			Parcel: "652301004007GB00121", ParcelArea: "68520.36", Premium: "186000000.00", Total: "1320000000.00", Invested: "745000000.00",
			Delivery: calendar.MustDate("2026-12-18"),
			Buildings: []BuildingPlan{
				{1, 32, 2, 4, "0.186900", false}, {2, 32, 2, 4, "0.186900", false}, {3, 32, 2, 4, "0.187400", false},
				{4, 32, 2, 4, "0.187400", false}, {5, 32, 2, 4, "0.191200", false}, {6, 32, 2, 4, "0.191200", false},
				{7, 40, 2, 4, "0.203500", false}, {8, 20, 2, 4, "0.168000", true},
			},
			PresaleOf: []int{1, 2, 3, 4, 5, 6, 7, 8},
		},
		{
			Name: "庭州·花园", Address: "昌吉市屯河路与乌伊东路交汇处西南", Developer: "dev2", Jurisdiction: "652301",
			Parcel: "652301006002GB00088", ParcelArea: "21033.10", Premium: "52400000.00", Total: "398000000.00", Invested: "126000000.00",
			Delivery: calendar.MustDate("2027-09-30"),
			Buildings: []BuildingPlan{
				{1, 18, 1, 4, "0.165300", false}, {2, 18, 1, 4, "0.165300", false}, {3, 18, 1, 4, "0.171000", false}, {4, 18, 1, 4, "0.171000", false},
			},
			PresaleOf: []int{1, 2},
		},
	}
}

// LedgerResult is what the ledger part of the demo created.
type LedgerResult struct {
	Projects []ledger.Project
	Permits  []int64 // presale permit ids
}

// actorOf is the audit actor of a demo user.
func actorOf(f *Foundation, username string) audit.Actor {
	u := f.Users[username]
	return audit.Actor{UserID: u.ID, Name: u.Name, OrgID: u.OrgID, OrgName: f.orgName(u.OrgID), Addr: "demo"}
}

func (f *Foundation) orgName(id int64) string {
	for _, o := range f.Orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// LoadLedger creates the demo projects through the same store methods the
// pages use: project, parcel, permits (confirmed by housing staff), the
// 楼盘表 imported from a generated workbook, and the presale permit.
func LoadLedger(ctx context.Context, db *store.DB, f *Foundation, setClock func(time.Time)) (*LedgerResult, error) {
	res := &LedgerResult{}
	starts := []string{"2025-02-10", "2025-08-18"}
	for i, pl := range Plans() {
		start := calendar.MustDate(starts[i])
		at := func(days int) { setClock(start.AddDays(days).Start().Add(10 * time.Hour)) }
		devUser := map[string]string{"dev1": "kaifa", "dev2": "kaifa2"}[pl.Developer]
		dev := actorOf(f, devUser)
		housing, land := actorOf(f, "zhujian"), actorOf(f, "tudi")
		at(0)
		p, err := db.CreateProject(ctx, dev, ledger.Project{Name: pl.Name, Developer: f.Orgs[pl.Developer].ID, Jurisdiction: pl.Jurisdiction,
			Address: pl.Address, PlannedDelivery: pl.Delivery, TotalInvestment: decimal.RequireFromString(pl.Total),
			Invested: decimal.RequireFromString(pl.Invested), Reform: true})
		if err != nil {
			return nil, fmt.Errorf("demo project %s: %w", pl.Name, err)
		}
		premium := decimal.RequireFromString(pl.Premium)
		landCert := fmt.Sprintf("新(%d)昌吉市不动产权第%07d号", start.Year()-1, 31245+i*877)
		if _, err := db.PutParcel(ctx, dev, p.ID, ledger.Parcel{Code: pl.Parcel, Area: decimal.RequireFromString(pl.ParcelArea),
			Use: "城镇住宅用地", RightNature: "出让", TermStart: start.AddDays(-400), TermEnd: start.AddDays(-400).AddDays(70*365 + 17),
			GrantContract: fmt.Sprintf("昌市出让〔%d〕%03d号", start.Year()-1, 17+i*9), PremiumDue: premium, PremiumPaid: premium,
			LandCertNo: landCert, LandCertOn: start.AddDays(-300)}); err != nil {
			return nil, fmt.Errorf("demo parcel: %w", err)
		}
		at(2)
		if _, err := db.ConfirmLand(ctx, land, p.ID, pl.Parcel, ledger.LandSeen{LandCertNo: landCert, PremiumPaid: premium}); err != nil {
			return nil, fmt.Errorf("demo land confirmation: %w", err)
		}
		for k, kind := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
			num := map[ledger.PermitKind]string{ledger.Planning: "建字第652301%d%05d号", ledger.Construction: "652301%d%08d0101"}[kind]
			issuer := map[ledger.PermitKind]string{ledger.Planning: "昌吉市自然资源局", ledger.Construction: "昌吉市住房和城乡建设局"}[kind]
			pm, err := db.AddPermit(ctx, dev, ledger.Permit{ProjectID: p.ID, Kind: kind, Number: fmt.Sprintf(num, start.Year()-1, 301+i*40+k),
				IssuedOn: start.AddDays(-200 + 60*k), Issuer: issuer, Scope: pl.Name + "全部" + strconv.Itoa(len(pl.Buildings)) + "幢住宅及地下车库"})
			if err != nil {
				return nil, fmt.Errorf("demo permit: %w", err)
			}
			at(3)
			if _, err := db.ConfirmPermit(ctx, housing, pm.ID); err != nil {
				return nil, err
			}
		}
		at(10)
		bs, floors, units := pl.Generate()
		raw, err := ledger.NewWorkbook(bs, floors, units)
		if err != nil {
			return nil, err
		}
		wb, readErrs := ledger.ReadWorkbook(ctx, bytes.NewReader(raw))
		imp, err := db.ImportLedger(ctx, dev, p.ID, pl.Name+"楼盘表.xlsx", wb, readErrs)
		if err != nil {
			return nil, err
		}
		if !imp.OK {
			return nil, fmt.Errorf("demo import of %s refused: %v", pl.Name, imp.Errors)
		}
		detail, err := db.ProjectDetail(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		var ids []int64
		for _, b := range detail.Buildings {
			for _, n := range pl.PresaleOf {
				if b.Building.Number == n {
					ids = append(ids, b.Building.ID)
				}
			}
		}
		at(20)
		app, err := db.ApplyPresale(ctx, dev, p.ID, ids, "首期预售")
		if err != nil {
			return nil, err
		}
		at(32)
		permit, err := db.IssuePresale(ctx, housing, p.ID, ids, "", app.ID)
		if err != nil {
			return nil, fmt.Errorf("demo presale permit of %s: %w", pl.Name, err)
		}
		res.Projects = append(res.Projects, p)
		res.Permits = append(res.Permits, permit.ID)
	}
	return res, nil
}
