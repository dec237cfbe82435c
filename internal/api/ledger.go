package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/singleflight"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/store"
)

func (a *API) ledgerRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	idAndCode := append(slices.Clip(id), Param{Name: "code", In: "path", Required: true, Type: "string", Desc: "宗地代码"})
	return []Route{
		{Method: "GET", Pattern: "/api/v1/projects", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "列出项目（分页，计划交付日期在前）", Params: append([]Param{{Name: "jurisdiction", In: "query"},
				{Name: "q", In: "query", Desc: "查找：项目名称、坐落、开发企业名称或预售许可证号的一部分"},
				{Name: "show", In: "query", Desc: "permits 有待确认的规划、施工许可证；presale 有待审批的预售许可申请"}}, pageParams()...),
			Response: projectList{}, handle: a.listProjects},
		{Method: "POST", Pattern: "/api/v1/projects", Action: access.ProjectManage, Tag: "楼盘表与预售",
			Summary: "新建项目（开发企业）", Request: projectInput{}, Response: projectJSON{}, Status: 201, handle: a.createProject},
		{Method: "GET", Pattern: "/api/v1/projects/{id}", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "查看项目（宗地、许可证、幢、预售许可）", Params: id, Response: projectDetailJSON{}, handle: a.getProject},
		{Method: "PATCH", Pattern: "/api/v1/projects/{id}", Action: access.ProjectManage, Tag: "楼盘表与预售",
			Summary: "修改项目", Params: id, Request: projectInput{}, Response: projectJSON{}, handle: a.updateProject},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/parcels", Action: access.ProjectManage, Tag: "楼盘表与预售",
			Summary: "登记或更新项目的宗地（国有建设用地使用权、出让价款）", Params: id, Request: parcelJSON{}, Response: parcelJSON{}, Status: 201, handle: a.putParcel},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/parcels/{code}/confirm", Action: access.LandConfirm, Tag: "楼盘表与预售",
			Summary: "自然资源部门确认宗地的国有建设用地使用权证书与出让价款缴清（附核对的证书号与已缴价款）", Params: idAndCode,
			Request: landSeenInput{}, Response: parcelJSON{}, handle: a.confirmLand},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/permits", Action: access.ProjectManage, Tag: "楼盘表与预售",
			Summary: "登记建设工程规划许可证或建筑工程施工许可证", Params: id, Request: permitInput{}, Response: permitJSON{}, Status: 201, handle: a.addPermit},
		{Method: "POST", Pattern: "/api/v1/permits/{id}/confirm", Action: access.PermitConfirm, Tag: "楼盘表与预售",
			Summary: "住建部门确认许可证", Params: id, Response: permitJSON{}, handle: a.confirmPermit},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/ledger", Action: access.ProjectManage, Tag: "楼盘表与预售",
			Summary: "导入楼盘表工作簿（.xlsx，全部成功或全部不导入）", Params: id, Body: "xlsx", Response: importJSON{}, handle: a.importLedger},
		{Method: "GET", Pattern: "/api/v1/buildings/{id}/table", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "楼盘表：一幢的楼层×户及其状态", Params: id, Response: tableJSON{}, handle: a.buildingTable},
		{Method: "GET", Pattern: "/api/v1/units/{id}", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "查看户（不动产单元）", Params: id, Response: unitDetailJSON{}, handle: a.getUnit},
		{Method: "POST", Pattern: "/api/v1/units/{id}/lock", Action: access.UnitLock, Tag: "楼盘表与预售",
			Summary: "锁定或解锁户（须填理由）", Params: id, Request: lockInput{}, Response: unitJSON{}, handle: a.lockUnit},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/presale-applications", Action: access.PresaleApply, Tag: "楼盘表与预售",
			Summary: "申请商品房预售许可", Params: id, Request: presaleApplicationInput{}, Response: presaleApplicationJSON{}, Status: 201, handle: a.applyPresale},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/presale-check", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "核验预售许可条件（不核发）", Params: append(id, Param{Name: "buildings", In: "query", Desc: "幢ID，逗号分隔"}),
			Response: presaleCheckJSON{}, handle: a.checkPresale},
		{Method: "POST", Pattern: "/api/v1/presale/applications/{id}/issue", Action: access.PresaleDecide, Tag: "楼盘表与预售",
			Summary: "核发预售许可（全部条件满足时）", Params: id, Request: issueInput{}, Response: presalePermitJSON{}, Status: 201, handle: a.issuePresale},
		{Method: "POST", Pattern: "/api/v1/presale/applications/{id}/refuse", Action: access.PresaleDecide, Tag: "楼盘表与预售",
			Summary: "不予许可（须填理由）", Params: id, Request: reasonInput{}, Status: 204, handle: a.refusePresale},
		{Method: "GET", Pattern: "/api/v1/presale/permits", Action: access.ProjectRead, Tag: "楼盘表与预售",
			Summary: "列出预售许可", Response: presalePermitList{}, handle: a.listPresale},
		{Method: "POST", Pattern: "/api/v1/presale/permits/{id}/{action}", Action: access.PresaleDecide, Tag: "楼盘表与预售",
			Summary: "暂停（suspend）、恢复（reinstate）或撤销（revoke）预售许可",
			Params:  append(id, Param{Name: "action", In: "path", Required: true, Desc: "suspend | reinstate | revoke"}),
			Request: reasonInput{}, Response: presalePermitJSON{}, handle: a.changePresale},
		{Method: "GET", Pattern: "/api/v1/credit/restrictions", Action: access.CreditRead, Tag: "楼盘表与预售",
			Summary: "限制清单（公开，分页，新列入的在前）", Params: append([]Param{{Name: "q", In: "query", Desc: "查找：开发企业名称或统一社会信用代码的一部分"}}, pageParams()...),
			Response: restrictionList{}, handle: a.listRestrictions},
		{Method: "POST", Pattern: "/api/v1/credit/listings", Action: access.CreditManage, Tag: "楼盘表与预售",
			Summary: "将开发企业列入或移出限制清单", Request: listingInput{}, Status: 201, handle: a.putListing},
		{Method: "GET", Pattern: "/api/v1/public/projects", Action: access.PublicRead, Tag: "信息公开",
			Summary: "公开：取得预售许可的项目", Params: []Param{{Name: "jurisdiction", In: "query"}}, Response: publicProjectList{}, handle: a.publicProjects},
		{Method: "GET", Pattern: "/api/v1/public/buildings/{id}/table", Action: access.PublicRead, Tag: "信息公开",
			Summary: "公开：楼盘表（只含户的状态，不含购房人信息）", Params: id, Response: tableJSON{}, handle: a.publicTable},
	}
}

// ---- JSON shapes

type projectJSON struct {
	ID              int64         `json:"id"`
	Name            string        `json:"name"`
	Developer       int64         `json:"developer"`
	DeveloperName   string        `json:"developer_name"`
	Jurisdiction    string        `json:"jurisdiction"`
	Address         string        `json:"address"`
	PlannedDelivery calendar.Date `json:"planned_delivery"`
	TotalInvestment string        `json:"total_investment"`
	Invested        string        `json:"invested"`
	Reform          bool          `json:"reform"`
}

func toProjectJSON(p ledger.Project) projectJSON {
	return projectJSON{ID: p.ID, Name: p.Name, Developer: p.Developer, DeveloperName: p.DeveloperName, Jurisdiction: p.Jurisdiction,
		Address: p.Address, PlannedDelivery: p.PlannedDelivery, TotalInvestment: p.TotalInvestment.StringFixed(2),
		Invested: p.Invested.StringFixed(2), Reform: p.Reform}
}

type parcelJSON struct {
	Code          string        `json:"code"`
	Area          string        `json:"area"`
	Use           string        `json:"use"`
	RightNature   string        `json:"right_nature"`
	TermStart     calendar.Date `json:"term_start"`
	TermEnd       calendar.Date `json:"term_end"`
	GrantContract string        `json:"grant_contract"`
	PremiumDue    string        `json:"premium_due"`
	PremiumPaid   string        `json:"premium_paid"`
	GrantFloor    string        `json:"grant_floor_area"`
	LandCertNo    string        `json:"land_cert_no"`
	LandCertOn    calendar.Date `json:"land_cert_on"`
	// Read only: set by the natural-resources bureau (POST …/parcels/{code}/confirm), voided by a change of the land facts.
	LandConfirmed   bool       `json:"land_confirmed" doc:"自然资源部门已确认使用权证书与出让价款缴清（只读）"`
	LandConfirmedAt *time.Time `json:"land_confirmed_at,omitempty" doc:"确认时间（只读）"`
}

func toParcelJSON(p ledger.Parcel) parcelJSON {
	out := parcelJSON{Code: p.Code, Area: p.Area.StringFixed(2), Use: p.Use, RightNature: p.RightNature, TermStart: p.TermStart,
		TermEnd: p.TermEnd, GrantContract: p.GrantContract, PremiumDue: p.PremiumDue.StringFixed(2), PremiumPaid: p.PremiumPaid.StringFixed(2),
		GrantFloor: p.GrantFloor.StringFixed(2), LandCertNo: p.LandCertNo, LandCertOn: p.LandCertOn, LandConfirmed: p.LandConfirmed()}
	if p.LandConfirmed() {
		out.LandConfirmedAt = &p.LandConfirmedAt
	}
	return out
}

type permitJSON struct {
	ID        int64         `json:"id"`
	Kind      string        `json:"kind"`
	Number    string        `json:"number"`
	IssuedOn  calendar.Date `json:"issued_on"`
	Issuer    string        `json:"issuer"`
	Scope     string        `json:"scope"`
	Confirmed bool          `json:"confirmed"`
}

func toPermitJSON(p ledger.Permit) permitJSON {
	return permitJSON{ID: p.ID, Kind: string(p.Kind), Number: p.Number, IssuedOn: p.IssuedOn, Issuer: p.Issuer, Scope: p.Scope, Confirmed: p.Confirmed()}
}

type presalePermitJSON struct {
	ID          int64         `json:"id"`
	Number      string        `json:"number"`
	ProjectID   int64         `json:"project_id"`
	IssuedOn    calendar.Date `json:"issued_on"`
	Buildings   []int64       `json:"buildings"`
	Units       int           `json:"units"`
	Area        string        `json:"area"`
	State       string        `json:"state"`
	ExtraReview bool          `json:"extra_review"`
}

func toPresaleJSON(p presale.Permit) presalePermitJSON {
	return presalePermitJSON{ID: p.ID, Number: p.Number, ProjectID: p.ProjectID, IssuedOn: p.IssuedOn, Buildings: p.Buildings,
		Units: p.Units, Area: p.Area.StringFixed(2), State: string(p.State), ExtraReview: p.ExtraReview != ""}
}

type areasJSON struct {
	Total  string `json:"total"`
	Inner  string `json:"inner"`
	Shared string `json:"shared"`
	Ratio  string `json:"ratio"`
}

func toAreasJSON(a ledger.Areas) areasJSON {
	return areasJSON{Total: a.Total.StringFixed(2), Inner: a.Inner.StringFixed(2), Shared: a.Shared.StringFixed(2), Ratio: a.Ratio.String()}
}

type unitJSON struct {
	ID       int64      `json:"id"`
	UnitNo   string     `json:"unit_no"`
	Number   int        `json:"number"`
	Room     string     `json:"room"`
	Section  string     `json:"section,omitempty"`
	Floor    int        `json:"floor"`
	Purpose  string     `json:"purpose"`
	Forecast areasJSON  `json:"forecast"`
	Measured *areasJSON `json:"measured,omitempty"`
	State    string     `json:"state,omitempty"`
	Label    string     `json:"state_label,omitempty"`
}

func toUnitJSON(u ledger.Unit, s ledger.State) unitJSON {
	out := unitJSON{ID: u.ID, UnitNo: u.UnitNo, Number: u.Number, Room: u.Room, Section: u.Section, Floor: u.Floor, Purpose: u.Purpose,
		Forecast: toAreasJSON(u.Forecast), State: string(s), Label: s.Label()}
	if u.HasMeasured() {
		m := toAreasJSON(u.Measured)
		out.Measured = &m
	}
	return out
}

type tableUnitJSON struct {
	ID      int64    `json:"id"`
	UnitNo  string   `json:"unit_no"`
	Number  int      `json:"number"`
	Room    string   `json:"room"`
	Purpose string   `json:"purpose"`
	Area    string   `json:"area"` // 建筑面积: measured once recorded, else forecast
	State   string   `json:"state"`
	Marks   []string `json:"marks,omitempty"` // register facts beside the state (coowned, prenotice, mortgage, seal…), never the holder
}

type tableFloorJSON struct {
	Actual int             `json:"actual"`
	Named  string          `json:"named"`
	Units  []tableUnitJSON `json:"units"`
}

type tableJSON struct {
	Building struct {
		ID          int64  `json:"id"`
		ProjectID   int64  `json:"project_id"`
		Parcel      string `json:"parcel"`
		Number      int    `json:"number"`
		Name        string `json:"name"`
		FloorsAbove int    `json:"floors_above"`
		FloorsBelow int    `json:"floors_below"`
	} `json:"building"`
	States  map[string]string `json:"states"` // state code → Chinese label
	Marks   map[string]string `json:"marks"`  // mark code → Chinese label
	Floors  []tableFloorJSON  `json:"floors"`
	Counts  map[string]int    `json:"counts"`
	Total   int               `json:"total"`
	Version int64             `json:"version"`
}

// toTableJSON renders a 楼盘表 compactly: one short record per unit; the
// unit endpoint has the details. The public's has no marks: whether a
// flat is sealed or mortgaged is told to whoever queries it with an
// interest (不动产登记资料查询暂行办法 第十九条), not to anyone; the state
// (限制, 已抵押) is what the public 楼盘表 always showed.
func toTableJSON(t ledger.Table, version int64, public bool) tableJSON {
	var out tableJSON
	b := t.Building
	out.Building.ID, out.Building.ProjectID, out.Building.Parcel, out.Building.Number = b.ID, b.ProjectID, b.Parcel, b.Number
	out.Building.Name, out.Building.FloorsAbove, out.Building.FloorsBelow = b.Name, b.FloorsAbove, b.FloorsBelow
	out.States, out.Counts = map[string]string{}, map[string]int{}
	for _, s := range ledger.States {
		out.States[string(s)] = s.Label()
		out.Counts[string(s)] = t.Counts[s]
	}
	out.Marks = map[string]string{}
	for _, m := range ledger.Marks {
		if !public {
			out.Marks[string(m)] = m.Label()
		}
	}
	out.Total, out.Version = t.Total, version
	out.Floors = make([]tableFloorJSON, 0, len(t.Rows))
	for _, r := range t.Rows {
		f := tableFloorJSON{Actual: r.Floor.Actual, Named: r.Floor.Named, Units: make([]tableUnitJSON, 0, len(r.Cells))}
		for _, c := range r.Cells {
			f.Units = append(f.Units, tableUnitJSON{ID: c.Unit.ID, UnitNo: c.Unit.UnitNo, Number: c.Unit.Number, Room: c.Unit.Room,
				Purpose: c.Unit.Purpose, Area: c.Unit.Area().StringFixed(2), State: string(c.State)})
			if !public {
				f.Units[len(f.Units)-1].Marks = markCodes(c.Status.Marks())
			}
		}
		out.Floors = append(out.Floors, f)
	}
	return out
}

// markCodes are a unit's marks as codes (nil for none).
func markCodes(ms []ledger.Mark) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m))
	}
	return out
}

// tableCache keeps rendered 楼盘表 JSON by building, version and day: the
// version is read from the database on every request, so an entry is never
// stale, and several servers sharing a database stay correct; the day,
// because a state changes with it too (a seal lapses at the end of its
// term, with nothing written). When a version is
// new, one request renders it and the others asking at the same moment
// wait for that rendering instead of each doing it again (a batch handover
// moves a building's version every chunk while its page is being read).
type tableCache struct {
	mu      sync.Mutex
	entries map[int64]cachedTable
	render  singleflight.Group
}

type cachedTable struct {
	version int64
	day     string
	body    []byte
}

func (c *tableCache) get(building, version int64, day string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[building]
	return e.body, ok && e.version == version && e.day == day
}

func (c *tableCache) put(building, version int64, day string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= 1024 {
		c.entries = map[int64]cachedTable{} // bounded: start over rather than track use
	}
	c.entries[building] = cachedTable{version, day, body}
}

// serveTable writes the 楼盘表 JSON of a building whose head was read.
func (a *API) serveTable(w http.ResponseWriter, r *http.Request, h store.BuildingHead, public bool) error {
	day := calendar.DateOf(a.DB.Now()).String()
	cache := a.tables
	if public {
		cache = a.publicTables
	}
	body, ok := cache.get(h.Building.ID, h.Version, day)
	if !ok {
		v, err, _ := cache.render.Do(fmt.Sprintf("%d/%d/%s", h.Building.ID, h.Version, day), func() (any, error) {
			t, err := a.DB.BuildingTable(context.WithoutCancel(r.Context()), h.Building.ID)
			if err != nil {
				return nil, err
			}
			body, err := json.Marshal(toTableJSON(t, h.Version, public))
			if err == nil {
				cache.put(h.Building.ID, h.Version, day, body)
			}
			return body, err
		})
		if err != nil {
			return err
		}
		body = v.([]byte)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("ETag", fmt.Sprintf(`"b%d-v%d-%s"`, h.Building.ID, h.Version, day))
	// Its length said, the body goes out as it is: not in chunks, each
	// with its own header and write.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, err := w.Write(body)
	return err
}

// ---- projects

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.ProjectRead)
	if err != nil {
		return err
	}
	query := r.URL.Query()
	q := store.ProjectListQuery{Jurisdiction: query.Get("jurisdiction"), Search: strings.TrimSpace(query.Get("q"))}
	switch query.Get("show") {
	case "":
	case "permits":
		q.PermitsToConfirm = true
	case "presale":
		q.PresaleSubmitted = true
	default:
		return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
			Fields: map[string]string{"show": "应为 permits 或 presale"}}
	}
	if q.Page, err = queryPage(r); err != nil {
		return err
	}
	l, err := a.DB.ProjectList(r.Context(), f, q)
	if err != nil {
		return err
	}
	out := make([]projectJSON, 0, len(l.Rows))
	for _, p := range l.Rows {
		out = append(out, toProjectJSON(p.Project))
	}
	return writeJSON(w, 200, projectList{Projects: out, Total: l.Total, Page: l.Page.Number, Pages: l.Pages()})
}

type projectList struct {
	Projects []projectJSON `json:"projects" doc:"本页的项目，计划交付日期在前（未定的在后），同日按ID"`
	Total    int           `json:"total" doc:"符合条件的项目总数"`
	Page     int           `json:"page" doc:"页码，从1起"`
	Pages    int           `json:"pages" doc:"总页数"`
}

type projectInput struct {
	Name            string `json:"name"`
	Jurisdiction    string `json:"jurisdiction"`
	Address         string `json:"address"`
	PlannedDelivery string `json:"planned_delivery"`
	TotalInvestment string `json:"total_investment"`
	Invested        string `json:"invested"`
	Reform          *bool  `json:"reform"`
}

// apply copies input into a project, collecting field errors.
func (in projectInput) apply(p *ledger.Project) error {
	var f problem.Fields
	if in.Name != "" {
		p.Name = in.Name
	}
	if in.Address != "" {
		p.Address = in.Address
	}
	if in.PlannedDelivery != "" {
		d, err := calendar.ParseDate(in.PlannedDelivery)
		if err != nil {
			f.Add("planned_delivery", "日期格式应为YYYY-MM-DD")
		}
		p.PlannedDelivery = d
	}
	for _, m := range []struct {
		s, field, what string
		dst            *decimal.Decimal
	}{{in.TotalInvestment, "total_investment", "总投资", &p.TotalInvestment}, {in.Invested, "invested", "已投入资金", &p.Invested}} {
		if m.s == "" {
			continue
		}
		d, err := ledger.ParseMoneyField(m.s, m.what)
		if err != nil {
			f.Add(m.field, problem.As(err).Message)
		}
		*m.dst = d
	}
	if in.Reform != nil {
		p.Reform = *in.Reform
	}
	return f.Err("project.invalid", "项目信息有误")
}

func (a *API) createProject(w http.ResponseWriter, r *http.Request) error {
	var in projectInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p := ledger.Project{Jurisdiction: in.Jurisdiction, Reform: true}
	if pr := principal(r); pr != nil {
		p.Developer = pr.Org.ID
	}
	// the body's bad fields are told only to whoever may create the project
	bad := in.apply(&p)
	p, err := a.DB.CreateProject(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), p)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toProjectJSON(p))
}

// loadProject loads the path's project and checks act on it.
func (a *API) loadProject(r *http.Request, act access.Action) (ledger.Project, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return ledger.Project{}, err
	}
	p, err := a.DB.Project(r.Context(), id)
	if err != nil {
		return p, err
	}
	return p, decide(r, act, access.ProjectTarget(p))
}

// projectDetailJSON is a project with its parcels, permits, buildings and
// presale permits.
type projectDetailJSON struct {
	Buildings      []buildingSummaryJSON `json:"buildings"`
	Parcels        []parcelJSON          `json:"parcels"`
	Permits        []permitJSON          `json:"permits"`
	PresalePermits []presalePermitJSON   `json:"presale_permits"`
	Project        projectJSON           `json:"project"`
	Restricted     bool                  `json:"restricted" doc:"开发企业在限制清单中"`
}

type buildingSummaryJSON struct {
	Area          string `json:"area" doc:"预测建筑面积"`
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Number        int    `json:"number" doc:"自然幢号"`
	Parcel        string `json:"parcel" doc:"宗地代码"`
	PresalePermit string `json:"presale_permit" doc:"有效或暂停的预售许可证号"`
	Units         int    `json:"units"`
}

func (a *API) getProject(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.ProjectRead)
	if err != nil {
		return err
	}
	d, err := a.DB.ProjectDetail(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := projectDetailJSON{Project: toProjectJSON(d.Project), Restricted: d.Listed}
	var parcels []parcelJSON
	for _, x := range d.Parcels {
		parcels = append(parcels, toParcelJSON(x))
	}
	var permits []permitJSON
	for _, x := range d.Permits {
		permits = append(permits, toPermitJSON(x))
	}
	var buildings []buildingSummaryJSON
	for _, b := range d.Buildings {
		buildings = append(buildings, buildingSummaryJSON{ID: b.Building.ID, Parcel: b.Building.Parcel, Number: b.Building.Number,
			Name: b.Building.Name, Units: b.Units, Area: b.Area.StringFixed(2), PresalePermit: b.Permit})
	}
	var ps []presalePermitJSON
	for _, x := range d.Presale {
		ps = append(ps, toPresaleJSON(x))
	}
	out.Parcels, out.Permits, out.Buildings, out.PresalePermits = parcels, permits, buildings, ps
	return writeJSON(w, 200, out)
}

func (a *API) updateProject(w http.ResponseWriter, r *http.Request) error {
	var in projectInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.DB.UpdateProject(r.Context(), identity.ActorFrom(r.Context()), id, func(p *ledger.Project) error { return in.apply(p) })
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toProjectJSON(p))
}

func (a *API) putParcel(w http.ResponseWriter, r *http.Request) error {
	var in parcelJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// a parcel that does not read is refused after access is decided
	parcel, bad := ledger.ParseParcel(map[string]string{"code": in.Code, "area": in.Area, "use": in.Use, "right_nature": in.RightNature,
		"term_start": in.TermStart.String(), "term_end": in.TermEnd.String(), "grant_contract": in.GrantContract,
		"premium_due": in.PremiumDue, "premium_paid": in.PremiumPaid, "grant_floor_area": in.GrantFloor, "land_cert_no": in.LandCertNo, "land_cert_on": in.LandCertOn.String()})
	parcel, err = a.DB.PutParcel(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, parcel)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toParcelJSON(parcel))
}

// landSeenInput is what the land department checked: the confirmation is
// refused when the parcel now declares something else.
type landSeenInput struct {
	LandCertNo  string `json:"land_cert_no" doc:"核对的国有建设用地使用权证书号"`
	PremiumPaid string `json:"premium_paid" doc:"核对的已缴出让价款（元）"`
}

func (a *API) confirmLand(w http.ResponseWriter, r *http.Request) error {
	var in landSeenInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	paid, perr := decimal.NewFromString(strings.TrimSpace(in.PremiumPaid))
	var bad error
	if perr != nil {
		var f problem.Fields
		f.Add("premium_paid", "请填写核对的已缴出让价款（元）")
		bad = f.Err("parcel.seen", "请填写核对的证书号与已缴价款")
	}
	p, err := a.DB.ConfirmLand(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, r.PathValue("code"),
		ledger.LandSeen{LandCertNo: in.LandCertNo, PremiumPaid: paid})
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toParcelJSON(p))
}

type permitInput struct {
	Kind     string `json:"kind"`
	Number   string `json:"number"`
	IssuedOn string `json:"issued_on"`
	Issuer   string `json:"issuer"`
	Scope    string `json:"scope"`
}

func (a *API) addPermit(w http.ResponseWriter, r *http.Request) error {
	var in permitInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var bad error
	on, err := calendar.ParseDate(in.IssuedOn)
	if err != nil {
		bad = &problem.Error{Kind: problem.Invalid, Code: "permit.invalid", Message: "许可证信息有误", Fields: map[string]string{"issued_on": "日期格式应为YYYY-MM-DD"}}
	}
	pm, err := a.DB.AddPermit(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), ledger.Permit{ProjectID: id, Kind: ledger.PermitKind(in.Kind),
		Number: in.Number, IssuedOn: on, Issuer: in.Issuer, Scope: in.Scope})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toPermitJSON(pm))
}

func (a *API) confirmPermit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pm, err := a.DB.ConfirmPermit(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toPermitJSON(pm))
}

type importJSON struct {
	ID               int64             `json:"id"`
	OK               bool              `json:"ok"`
	Code             string            `json:"code,omitempty"` // a refusal's: ledger.import_refused
	Rows             int               `json:"rows"`
	NewBuildings     int               `json:"new_buildings"`
	ChangedBuildings int               `json:"changed_buildings"`
	NewUnits         int               `json:"new_units"`
	ChangedUnits     int               `json:"changed_units"`
	Unchanged        int               `json:"unchanged"`
	Errors           []ledger.RowError `json:"errors,omitempty"`
	Annotated        string            `json:"annotated_workbook,omitempty"`
}

func (a *API) importLedger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := r.Header.Get("X-File-Name")
	if name == "" {
		name = "api.xlsx"
	}
	// the name is stored with the import: one that is not text is refused
	// after access is decided, and the workbook is not read
	var wb ledger.Workbook
	var readErrs []ledger.RowError
	bad := problem.CheckText("X-File-Name", name)
	if bad == nil {
		wb, readErrs = ledger.ReadWorkbook(r.Context(), io.LimitReader(r.Body, 32<<20))
	}
	res, err := a.DB.ImportLedger(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, name, wb, readErrs)
	if err != nil {
		return err
	}
	out := importJSON{ID: res.ID, OK: res.OK, Rows: res.Rows, NewBuildings: res.NewBuildings, ChangedBuildings: res.ChangedBuildings,
		NewUnits: res.NewUnits, ChangedUnits: res.ChangedUnits, Unchanged: res.Unchanged, Errors: res.Errors}
	if res.HasAnnotated {
		out.Annotated = "/imports/" + strconv.FormatInt(res.ID, 10) + "/annotated.xlsx"
	}
	status := 200
	if !res.OK {
		status, out.Code = 422, "ledger.import_refused"
	}
	return writeJSON(w, status, out)
}

func (a *API) buildingTable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := a.DB.BuildingHead(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decide(r, access.ProjectRead, access.ProjectTarget(h.Project)); err != nil {
		return err
	}
	return a.serveTable(w, r, h, false)
}

func (a *API) loadUnit(r *http.Request, act access.Action) (store.UnitRef, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.UnitRef{}, err
	}
	ref, err := a.DB.Unit(r.Context(), id)
	if err != nil {
		return ref, err
	}
	return ref, decide(r, act, access.ProjectTarget(ref.Project))
}

// unitDetailJSON is a unit with where it is and what decides its state.
type unitDetailJSON struct {
	Building  string     `json:"building"`
	Locked    bool       `json:"locked"`
	Project   string     `json:"project"`
	ProjectID int64      `json:"project_id"`
	Status    statusJSON `json:"status"`
	Unit      unitJSON   `json:"unit"`
}

type lockInput struct {
	Locked bool   `json:"locked"`
	Reason string `json:"reason" doc:"锁定或解锁的理由（必填）"`
}

func (a *API) getUnit(w http.ResponseWriter, r *http.Request) error {
	ref, err := a.loadUnit(r, access.ProjectRead)
	if err != nil {
		return err
	}
	st, err := a.DB.UnitStatus(r.Context(), ref.Unit.ID)
	if err != nil {
		return err
	}
	out := toUnitJSON(ref.Unit, st.State())
	return writeJSON(w, 200, unitDetailJSON{Unit: out, Building: ref.Building.Name, Project: ref.Project.Name,
		ProjectID: ref.Project.ID, Locked: st.Locked, Status: toStatusJSON(st)})
}

// statusJSON is what decides a unit's state, as the one derivation reads
// it: partners ask it instead of working it out from the register book.
type statusJSON struct {
	Permit        string `json:"permit"`
	Contract      string `json:"contract"`
	ContractID    int64  `json:"contract_id,omitempty"`
	Locked        bool   `json:"locked"`
	DeveloperOwns bool   `json:"developer_owns"`
	Registered    bool   `json:"registered"`
	CoOwned       bool   `json:"co_owned"`
	PreNotice     bool   `json:"prenotice"`
	PreMortgage   bool   `json:"premortgage"`
	Mortgaged     bool   `json:"mortgaged"`
	Sealed        bool   `json:"sealed"`
	Objection     bool   `json:"objection"`
	HandedOver    bool   `json:"handed_over"`
	Certified     bool   `json:"certified"`
}

func toStatusJSON(st ledger.Status) statusJSON {
	r := st.Register
	return statusJSON{Permit: st.Permit, Contract: st.Contract, ContractID: st.ContractID, Locked: st.Locked, DeveloperOwns: r.DeveloperOwns,
		Registered: r.Registered, CoOwned: r.CoOwned, PreNotice: r.PreNotice, PreMortgage: r.PreMortgage, Mortgaged: r.Mortgaged, Sealed: st.Sealed(),
		Objection: r.Objection, HandedOver: st.HandedOver, Certified: st.Certified}
}

func (a *API) lockUnit(w http.ResponseWriter, r *http.Request) error {
	var in lockInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.LockUnit(r.Context(), identity.ActorFrom(r.Context()), id, in.Locked, in.Reason); err != nil {
		return err
	}
	ref, err := a.DB.Unit(r.Context(), id)
	if err != nil {
		return err
	}
	st, err := a.DB.UnitStatus(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toUnitJSON(ref.Unit, st.State()))
}

// ---- presale

func parseIDs(s string) ([]int64, error) {
	var out []int64
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, &problem.Error{Kind: problem.Invalid, Code: "request.ids", Message: "幢ID应为正整数列表", Fields: map[string]string{"buildings": "格式有误"}}
		}
		out = append(out, id)
	}
	return out, nil
}

type presaleApplicationInput struct {
	Buildings []int64 `json:"buildings" doc:"申请预售的幢ID"`
	Note      string  `json:"note"`
}

type presaleApplicationJSON struct {
	Buildings []int64 `json:"buildings"`
	ID        int64   `json:"id"`
	ProjectID int64   `json:"project_id"`
	State     string  `json:"state"`
}

// presaleCheckJSON says whether the buildings may be permitted now; the
// reasons are there only when not.
type presaleCheckJSON struct {
	Eligible    bool             `json:"eligible"`
	ExtraReview bool             `json:"extra_review" doc:"须加强审查"`
	Reasons     []problem.Reason `json:"reasons,omitempty"`
}

type issueInput struct {
	ExtraReview string `json:"extra_review" doc:"加强审查的意见（需要时）"`
}

type reasonInput struct {
	Reason string `json:"reason" doc:"理由"`
}

type presalePermitList struct {
	Permits []presalePermitJSON `json:"permits"`
}

func (a *API) applyPresale(w http.ResponseWriter, r *http.Request) error {
	var in presaleApplicationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	app, err := a.DB.ApplyPresale(r.Context(), identity.ActorFrom(r.Context()), id, in.Buildings, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, presaleApplicationJSON{ID: app.ID, ProjectID: app.ProjectID, Buildings: app.Buildings, State: app.State})
}

func (a *API) checkPresale(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.ProjectRead)
	if err != nil {
		return err
	}
	ids, err := parseIDs(r.URL.Query().Get("buildings"))
	if err != nil {
		return err
	}
	review, err := a.DB.CheckPresale(r.Context(), p.ID, ids)
	out := presaleCheckJSON{Eligible: err == nil, ExtraReview: review}
	if err != nil {
		e := problem.As(err)
		if e.Kind != problem.Refused {
			return err
		}
		out.Reasons = e.Reasons
	}
	return writeJSON(w, 200, out)
}

// application reads the path's presale application (presale.application_not_found
// when there is none); the store decides access on its project.
func (a *API) application(r *http.Request) (store.PresaleApplication, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.PresaleApplication{}, err
	}
	return a.DB.PresaleApplication(r.Context(), id)
}

func (a *API) issuePresale(w http.ResponseWriter, r *http.Request) error {
	var in issueInput
	if err := decode(r, &in); err != nil {
		return err
	}
	app, err := a.application(r)
	if err != nil {
		return err
	}
	pm, err := a.DB.IssuePresale(r.Context(), identity.ActorFrom(r.Context()), app.ProjectID, app.Buildings, in.ExtraReview, app.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toPresaleJSON(pm))
}

func (a *API) refusePresale(w http.ResponseWriter, r *http.Request) error {
	var in reasonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	app, err := a.application(r)
	if err != nil {
		return err
	}
	if err := a.DB.RefusePresale(r.Context(), identity.ActorFrom(r.Context()), app.ID, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) listPresale(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.ProjectRead)
	if err != nil {
		return err
	}
	ps, err := a.DB.PresalePermits(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]presalePermitJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, toPresaleJSON(p))
	}
	return writeJSON(w, 200, presalePermitList{Permits: out})
}

// permitEvent maps the API's action names to permit events.
func permitEvent(action string) (string, bool) {
	switch action {
	case "suspend":
		return "suspended", true
	case "reinstate":
		return "reinstated", true
	case "revoke":
		return "revoked", true
	}
	return "", false
}

func (a *API) changePresale(w http.ResponseWriter, r *http.Request) error {
	var in reasonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	kind, ok := permitEvent(r.PathValue("action"))
	if !ok {
		return problem.New(problem.Invalid, "presale.action", "操作应为 suspend、reinstate 或 revoke")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pm, err := a.DB.ChangePresale(r.Context(), identity.ActorFrom(r.Context()), id, kind, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toPresaleJSON(pm))
}

// ---- credit

type listingJSON struct {
	Developer     int64     `json:"developer"`
	DeveloperName string    `json:"developer_name"`
	Reason        string    `json:"reason"`
	Basis         string    `json:"basis,omitempty"`
	At            time.Time `json:"listed_at"`
}

type restrictionList struct {
	Restrictions []listingJSON `json:"restrictions" doc:"本页列入限制清单的开发企业，新列入的在前"`
	Total        int           `json:"total" doc:"符合条件的开发企业总数"`
	Page         int           `json:"page" doc:"页码，从1起"`
	Pages        int           `json:"pages" doc:"总页数"`
}

type listingInput struct {
	Developer int64  `json:"developer" doc:"开发企业机构ID"`
	Listed    bool   `json:"listed" doc:"列入（true）或移出（false）"`
	Reason    string `json:"reason"`
	Basis     string `json:"basis"`
}

func (a *API) listRestrictions(w http.ResponseWriter, r *http.Request) error {
	q := store.CreditListQuery{Search: strings.TrimSpace(r.URL.Query().Get("q"))}
	var err error
	if q.Page, err = queryPage(r); err != nil {
		return err
	}
	ls, err := a.DB.Restrictions(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]listingJSON, 0, len(ls.Rows))
	for _, l := range ls.Rows {
		out = append(out, listingJSON{Developer: l.Developer, DeveloperName: l.Name, Reason: l.Reason, Basis: l.Basis, At: l.At})
	}
	return writeJSON(w, 200, restrictionList{Restrictions: out, Total: ls.Total, Page: ls.Page.Number, Pages: ls.Pages()})
}

func (a *API) putListing(w http.ResponseWriter, r *http.Request) error {
	var in listingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.DB.ListDeveloper(r.Context(), identity.ActorFrom(r.Context()), credit.Listing{Developer: in.Developer, Listed: in.Listed,
		Reason: in.Reason, Basis: in.Basis}); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

// ---- public disclosure

func (a *API) publicProjects(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.DB.ListProjects(r.Context(), access.Filter{All: true}, store.ProjectQuery{Jurisdiction: r.URL.Query().Get("jurisdiction"), Permitted: true})
	if err != nil {
		return err
	}
	var out []publicProjectJSON
	for _, p := range ps {
		d, err := a.DB.ProjectDetail(r.Context(), p.ID)
		if err != nil {
			return err
		}
		var permits []publicPermitJSON
		for _, pm := range d.Presale {
			if pm.State == presale.Revoked {
				continue
			}
			permits = append(permits, publicPermitJSON{Number: pm.Number, IssuedOn: pm.IssuedOn, State: pm.State,
				Units: pm.Units, Area: pm.Area.StringFixed(2), Buildings: pm.Buildings})
		}
		var buildings []publicBuildingJSON
		for _, b := range d.Buildings {
			buildings = append(buildings, publicBuildingJSON{ID: b.Building.ID, Name: b.Building.Name, Units: b.Units})
		}
		out = append(out, publicProjectJSON{ID: p.ID, Name: p.Name, Developer: p.DeveloperName, Jurisdiction: p.Jurisdiction,
			Address: p.Address, PlannedDelivery: p.PlannedDelivery, Reform: p.Reform, PresalePermits: permits, Buildings: buildings})
	}
	return writeJSON(w, 200, publicProjectList{Projects: out})
}

// publicProjectList is what the public may see of the permitted projects.
type publicProjectList struct {
	Projects []publicProjectJSON `json:"projects"`
}

type publicProjectJSON struct {
	Address         string               `json:"address"`
	Buildings       []publicBuildingJSON `json:"buildings"`
	Developer       string               `json:"developer" doc:"开发企业名称"`
	ID              int64                `json:"id"`
	Jurisdiction    string               `json:"jurisdiction"`
	Name            string               `json:"name"`
	PlannedDelivery calendar.Date        `json:"planned_delivery"`
	PresalePermits  []publicPermitJSON   `json:"presale_permits"`
	Reform          bool                 `json:"reform" doc:"实行交房即交证"`
}

type publicPermitJSON struct {
	Area      string              `json:"area"`
	Buildings []int64             `json:"buildings"`
	IssuedOn  calendar.Date       `json:"issued_on"`
	Number    string              `json:"number"`
	State     presale.PermitState `json:"state"`
	Units     int                 `json:"units"`
}

type publicBuildingJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Units int    `json:"units"`
}

func (a *API) publicTable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.DB.PublicTable(r.Context(), id); err != nil {
		return err
	}
	h, err := a.DB.BuildingHead(r.Context(), id)
	if err != nil {
		return err
	}
	return a.serveTable(w, r, h, true)
}
