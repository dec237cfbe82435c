package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
)

// Synthetic is a synthetic project: where it is, whose it is, its plan.
type Synthetic struct {
	Name         string
	Jurisdiction string // a county or park code
	Parcel       string // 19 characters, unique
	Developer    string // key into Foundation.Orgs
	LandCertNo   string // the land right's 不动产权证书号
	Delivery     calendar.Date
	Plan         []BuildingPlan
}

// SyntheticProject creates a project through the store as a developer and
// the housing bureau would: project, parcel, confirmed permits, the 楼盘表
// workbook, the presale permit of every building and the supervised
// account.
func SyntheticProject(ctx context.Context, db *store.DB, f *Foundation, s Synthetic) (ledger.Project, error) {
	devOrg := f.Orgs[s.Developer]
	dev := audit.Actor{UserID: f.Users["kaifa"].ID, Name: "吴强", OrgID: devOrg.ID}
	housing := audit.Actor{UserID: f.Users["zhujian"].ID, Name: "陈刚"}
	land := audit.Actor{UserID: f.Users["tudi"].ID, Name: "王芳"}
	d := decimal.RequireFromString
	p, err := db.CreateProject(ctx, dev, ledger.Project{Name: s.Name, Developer: devOrg.ID, Jurisdiction: s.Jurisdiction,
		Address: s.Name + "所在地", PlannedDelivery: s.Delivery, TotalInvestment: d("1000000000"), Invested: d("500000000"), Reform: true})
	if err != nil {
		return p, err
	}
	if _, err := db.PutParcel(ctx, dev, p.ID, ledger.Parcel{Code: s.Parcel, Area: d("100000"), Use: "城镇住宅用地", RightNature: "出让",
		TermStart: calendar.MustDate("2024-01-01"), TermEnd: calendar.MustDate("2094-01-01"), GrantContract: s.Name + "出让合同", PremiumDue: d("1"),
		PremiumPaid: d("1"), LandCertNo: s.LandCertNo, LandCertOn: calendar.MustDate("2024-02-01")}); err != nil {
		return p, err
	}
	if _, err := db.ConfirmLand(ctx, land, p.ID, s.Parcel, ledger.LandSeen{LandCertNo: s.LandCertNo, PremiumPaid: d("1")}); err != nil {
		return p, err
	}
	for _, k := range []ledger.PermitKind{ledger.Planning, ledger.Construction} {
		pm, err := db.AddPermit(ctx, dev, ledger.Permit{ProjectID: p.ID, Kind: k, Number: s.Name + "-" + string(k), IssuedOn: calendar.MustDate("2024-06-01"),
			Issuer: "住房和城乡建设局", Scope: "全部"})
		if err != nil {
			return p, err
		}
		if _, err := db.ConfirmPermit(ctx, housing, pm.ID); err != nil {
			return p, err
		}
	}
	bs, fl, us := ProjectPlan{Parcel: s.Parcel, Buildings: s.Plan}.Generate()
	raw, err := ledger.NewWorkbook(bs, fl, us)
	if err != nil {
		return p, err
	}
	wb, errs := ledger.ReadWorkbook(ctx, strings.NewReader(string(raw)))
	if res, err := db.ImportLedger(ctx, dev, p.ID, s.Name+".xlsx", wb, errs); err != nil || !res.OK {
		return p, fmt.Errorf("synthetic import %s: %v %v", s.Name, err, res.Errors)
	}
	detail, err := db.ProjectDetail(ctx, p.ID)
	if err != nil {
		return p, err
	}
	var buildings []int64
	for _, b := range detail.Buildings {
		buildings = append(buildings, b.Building.ID)
	}
	if _, err := db.IssuePresale(ctx, housing, p.ID, buildings, "", 0); err != nil {
		return p, err
	}
	return p, db.OpenFundAccount(ctx, housing, presale.FundAccount{ProjectID: p.ID, Bank: f.Orgs[identity.CountyOf(s.Jurisdiction)+"/bank"].ID,
		Number: "SYN" + s.Parcel[13:], Supervised: d("1000000")})
}

// SignInBulk writes signed contracts of units straight into the tables (60
// % with a loan at the county's bank, one buyer each) and returns their
// ids: the sales a synthetic project needs before its filings, which then
// go through the store. It is for benchmarks and scaled demos only.
func SignInBulk(ctx context.Context, db *store.DB, tx *sql.Tx, p ledger.Project, f *Foundation, units []int64, signed time.Time) ([]int64, error) {
	bank := f.Orgs[identity.CountyOf(p.Jurisdiction)+"/bank"].ID
	cols := []string{"number", "unit_id", "project_id", "developer_org", "jurisdiction", "state", "ownership", "price_basis", "unit_price", "price_area",
		"total_price", "payment", "loan_bank", "loan_amount", "loan_years", "loan_no", "home_count", "marital", "escrow_bank", "escrow_acct",
		"delivery_date", "delivery_conditions", "area_clause", "registration_days", "late_delivery_rate", "late_certificate_rate", "created_by",
		"created_at", "sent_at", "signed_at"}
	rows := make([][]any, len(units))
	for i, unit := range units {
		payment, loanBank, loan, years, loanNo := "lump", any(nil), int64(0), 0, ""
		if i%10 < 6 {
			payment, loanBank, loan, years, loanNo = "commercial", bank, 46000000, 25, fmt.Sprint("JK", p.ID, "-", i)
		}
		rows[i] = []any{fmt.Sprintf("SYN%d-%07d", p.ID, i), unit, p.ID, p.Developer, p.Jurisdiction, "signed", "sole", "gross", 600000, 11000,
			66000000, payment, loanBank, loan, years, loanNo, "first", "已婚", "中国建设银行", "1", p.PlannedDelivery.String(), "[]", true, 60, "3", "3", 0,
			signed, signed, signed}
	}
	byUnit := make(map[int64]int64, len(units))
	if err := db.InsertRows(ctx, tx, "contracts", cols, rows, "id, unit_id", func(r *sql.Rows) error {
		var id, unit int64
		err := r.Scan(&id, &unit)
		byUnit[unit] = id
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]int64, len(units))
	buyers := make([][]any, len(units))
	for i, unit := range units {
		out[i] = byUnit[unit]
		body := fmt.Sprintf("%s%s%03d", identity.CountyOf(p.Jurisdiction), time.Date(1960+i%40, 1, 1+i%28, 0, 0, 0, 0, time.UTC).Format("20060102"), 1+int(p.ID*31+int64(i))%997)
		check, _ := code.IDCheckChar(body)
		row, err := store.SealedBuyer(db.Keyring(), out[i], 1, fmt.Sprint("买受人", p.ID, "-", i), body+string(check))
		if err != nil {
			return nil, err
		}
		buyers[i] = row
	}
	return out, db.InsertRows(ctx, tx, "contract_buyers", store.BuyerColumns, buyers, "", nil)
}

// CompleteProject takes a sold synthetic project through completion as the
// departments would: each building surveyed as forecast and accepted, the
// joint acceptance passed, the accounting cleared, the maintenance fund
// paid, the completion filing on filedOn, the deed tax assessed and paid
// (except the contracts in unpaid). It returns the filed buildings.
func CompleteProject(ctx context.Context, db *store.DB, f *Foundation, p ledger.Project, contracts []int64, filedOn calendar.Date, unpaid map[int64]bool) ([]int64, error) {
	return completeProject(ctx, db, f, p, contracts, filedOn, unpaid, func(string) func() { return func() {} })
}

// completeProject is CompleteProject with its steps timed by phase.
func completeProject(ctx context.Context, db *store.DB, f *Foundation, p ledger.Project, contracts []int64, filedOn calendar.Date, unpaid map[int64]bool,
	phase func(string) func()) ([]int64, error) {
	j := p.Jurisdiction
	c := completer{db: db, f: f, p: p,
		dev:     audit.Actor{UserID: f.Users["kaifa"].ID, Name: "吴强", OrgID: p.Developer},
		housing: audit.Actor{UserID: f.Users["zhujian"].ID, Name: "陈刚", OrgID: f.Orgs[j+"/housing"].ID},
		taxes:   audit.Actor{UserID: f.Users["shuiwu"].ID, Name: "韩梅", OrgID: f.Orgs[j+"/tax"].ID}}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	done := phase("survey")
	built, err := c.survey(ctx)
	done()
	if err != nil {
		return nil, err
	}
	done = phase("acceptance")
	err = c.accept(ctx, cal, built)
	done()
	if err != nil {
		return nil, err
	}
	done = phase("accounting")
	err = c.account(ctx)
	done()
	if err != nil {
		return nil, err
	}
	done = phase("filing")
	defer func() { done() }()
	if _, err := db.RecordFiling(ctx, c.housing, cal, completion.Filing{ProjectID: p.ID, Buildings: built, Number: fmt.Sprintf("竣备〔%d〕%d号", filedOn.Year(), p.ID),
		FiledOn: filedOn}, nil); err != nil {
		return nil, err
	}
	done()
	done = phase("deed_tax")
	return built, c.payDeedTax(ctx, contracts, unpaid)
}

// completer takes a synthetic project through completion as its
// developer, the housing bureau and the tax bureau.
type completer struct {
	db                  *store.DB
	f                   *Foundation
	p                   ledger.Project
	dev, housing, taxes audit.Actor
}

// survey commissions the surveyor and has each building's survey, with
// every unit measured as forecast, submitted and approved; it returns the
// buildings surveyed.
func (c completer) survey(ctx context.Context) ([]int64, error) {
	if err := c.db.CommissionSurveyor(ctx, c.dev, c.p.ID, c.f.Orgs["surveyor"].ID); err != nil {
		return nil, err
	}
	d, err := c.db.ProjectDetail(ctx, c.p.ID)
	if err != nil {
		return nil, err
	}
	var built []int64
	for _, b := range d.Buildings {
		tab, err := c.db.BuildingTable(ctx, b.Building.ID)
		if err != nil {
			return nil, err
		}
		s := completion.Survey{ReportNo: fmt.Sprintf("SYN-%d-%d", c.p.ID, b.Building.Number), LandArea: decimal.NewFromInt(100000), FloorArea: decimal.NewFromInt(250000)}
		sum := decimal.Zero
		for i, u := range tab.Units() {
			s.Units = append(s.Units, completion.UnitMeasure{Row: i + 2, UnitNo: u.UnitNo, Room: u.Room, Areas: u.Forecast})
			sum = sum.Add(u.Forecast.Total)
		}
		s.BuildingTotal = sum.Add(decimal.NewFromInt(300))
		res, err := c.db.SubmitSurvey(ctx, audit.Actor{UserID: c.f.Users["cehui"].ID, Name: "测绘", OrgID: c.f.Orgs["surveyor"].ID}, b.Building.ID, s, nil, nil)
		if err != nil || len(res.Errors) > 0 {
			return nil, fmt.Errorf("synthetic survey: %v %v", err, res.Errors)
		}
		if _, err := c.db.DecideSurvey(ctx, c.housing, res.Survey.ID, true, nil, ""); err != nil {
			return nil, err
		}
		built = append(built, b.Building.ID)
	}
	return built, nil
}

// accept applies for the joint acceptance of the buildings and has every
// department pass them.
func (c completer) accept(ctx context.Context, cal *calendar.Calendar, built []int64) error {
	ac, err := c.db.ApplyAcceptance(ctx, c.dev, cal, c.p.ID, built)
	if err != nil {
		return err
	}
	for _, t := range ac.Tasks {
		if _, err := c.db.RecordOpinion(ctx, audit.Actor{Name: t.OrgName + "验收组", OrgID: t.OrgID}, ac.ID, t.Department, completion.Pass, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// account prepares the accounting list and has every item paid and
// cleared, the maintenance funds paid.
func (c completer) account(ctx context.Context) error {
	if _, err := c.db.PrepareAccounting(ctx, c.housing, c.p.ID); err != nil {
		return err
	}
	for _, maint := range []bool{false, true} {
		items, err := c.db.AccountingItems(ctx, c.p.ID, maint)
		if err != nil {
			return err
		}
		err = atOnce(ctx, items, func(ctx context.Context, it completion.Item) error {
			if maint {
				_, err := c.db.PayMaintenance(ctx, c.housing, it.ID, fmt.Sprint("WX", it.ID))
				return err
			}
			if _, err := c.db.RecordItem(ctx, c.housing, it.ID, it.Due, it.Due, "缴款凭证", "补充协议"); err != nil {
				return err
			}
			_, err := c.db.ClearItem(ctx, c.housing, it.ID)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// payDeedTax assesses the deed tax and has it paid for every contract but
// the unpaid ones.
func (c completer) payDeedTax(ctx context.Context, contracts []int64, unpaid map[int64]bool) error {
	if _, err := c.db.AssessDeedTax(ctx, c.taxes, c.p.ID); err != nil {
		return err
	}
	return atOnce(ctx, contracts, func(ctx context.Context, id int64) error {
		if unpaid[id] {
			return nil
		}
		_, err := c.db.PayDeedTax(ctx, c.taxes, id, fmt.Sprint("完税", id), "api")
		return err
	})
}

// ScaleResult says what Scale added.
type ScaleResult struct {
	Projects, Units, Sold, HandedOver int
	// Phases is the wall time spent in each phase of building the
	// projects, by phase name, for finding what a scaled load waits on.
	Phases map[string]time.Duration
}

// ScaleOptions configure Scale.
type ScaleOptions struct {
	// Units is about how many units the platform should hold at the end.
	Units int
	// Clock moves the database clock to a moment of a project's history; a
	// zero time returns it to real time. Required.
	Clock func(time.Time)
	// Out receives a line per project (nil: none).
	Out io.Writer
	// Plan is every project's buildings (nil: 8 buildings × 25 floors × 2
	// sections × 4 = 1,600 units).
	Plan []BuildingPlan
	// Wall is the real clock the phases are timed with (nil: not timed).
	Wall func() time.Time
	// Workers build projects side by side, each on its own handle on the
	// database (from OpenWorker) with its own clock, since every project
	// replays its own history. It pays on PostgreSQL; SQLite runs one
	// write transaction at a time whatever the handles.
	Workers int
	// OpenWorker opens a handle on the database with the clock now for
	// each worker (nil: one worker, on db and Clock). Required when
	// Workers > 1.
	OpenWorker func(now func() time.Time) (*store.DB, error)
}

// Scale adds synthetic projects across the counties and parks until the
// platform holds about opts.Units units: a fifth on sale, a fifth completed
// and filed, the rest handed over on dates spread over the last twelve
// months (some a day before their certificates). Sales are written in bulk;
// filings, completion, taxes, registration and certificates go through the
// store as in the demo. Phases are summed over the workers.
func Scale(ctx context.Context, db *store.DB, f *Foundation, opts ScaleOptions) (ScaleResult, error) {
	l := &scaleLoad{ctx: ctx, db: db, f: f, set: opts.Clock, wall: opts.Wall, plan: opts.Plan}
	var err error
	if l.cal, err = db.Calendar(ctx); err != nil {
		return l.res, err
	}
	existing, err := db.Dashboard(ctx, l.cal, store.DashboardQuery{From: calendar.MustDate("2000-01-01"), To: calendar.MustDate("2100-01-01")})
	if err != nil {
		return l.res, err
	}
	if err := l.jurisdictions(); err != nil {
		return l.res, err
	}
	l.today = calendar.DateOf(db.Now())
	if err := l.prepareKeys(); err != nil {
		return l.res, err
	}
	if l.plan == nil {
		for b := 1; b <= 8; b++ { // 8 × 25 floors × 2 sections × 4 = 1,600 units
			l.plan = append(l.plan, BuildingPlan{Number: b, Floors: 25, Sections: 2, PerSection: 4, Ratio: "0.190000"})
		}
	}
	_, _, byBuilding := ProjectPlan{Parcel: "000000000000GB00000", Buildings: l.plan}.Generate()
	per := 0
	for _, us := range byBuilding {
		per += len(us)
	}
	projects := 0
	if missing := opts.Units - existing.Units; missing > 0 && per > 0 {
		projects = (missing + per - 1) / per
	}
	workers := max(1, min(opts.Workers, projects))
	if opts.OpenWorker == nil {
		workers = 1
	}
	builders := make([]*scaleLoad, workers)
	for w := range builders {
		b := *l
		builders[w] = &b
		if opts.OpenWorker != nil {
			clock := NewClock(db.Now)
			if b.db, err = opts.OpenWorker(clock.Now); err != nil {
				return l.res, err
			}
			defer b.db.Close()
			b.set = clock.Set
		}
	}
	defer opts.Clock(time.Time{})
	var (
		mu    sync.Mutex
		total = existing.Units
		errs  = make([]error, workers)
		wg    sync.WaitGroup
	)
	for w, b := range builders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < projects; k += workers {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				s, units, sold, err := b.project(k)
				if err != nil {
					errs[w] = fmt.Errorf("%s: %w", s.Name, err)
					return
				}
				mu.Lock()
				total += units
				if opts.Out != nil {
					fmt.Fprintf(opts.Out, "  %s（%s）：%d户，已售%d户；累计%d户\n", s.Name, s.Jurisdiction, units, sold, total)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var res ScaleResult
	for _, b := range builders {
		res.Projects += b.res.Projects
		res.Units += b.res.Units
		res.Sold += b.res.Sold
		res.HandedOver += b.res.HandedOver
		for n, d := range b.res.Phases {
			if res.Phases == nil {
				res.Phases = map[string]time.Duration{}
			}
			res.Phases[n] += d
		}
	}
	return res, errors.Join(errs...)
}

// scaleLoad is Scale's state: the jurisdictions projects are spread over,
// their unlocked keys, the building plan every project shares; and, for
// each worker, its handle on the database, its clock and its counts.
type scaleLoad struct {
	ctx       context.Context
	db        *store.DB
	f         *Foundation
	set       func(time.Time)
	wall      func() time.Time
	cal       *calendar.Calendar
	places    []string          // the counties and parks, in the database's order
	certPlace map[string]string // a jurisdiction's name on certificates
	keys      *certificate.Keyring
	plan      []BuildingPlan
	today     calendar.Date
	res       ScaleResult
}

// phase starts timing a phase of the load; calling what it returns adds
// the time spent to the phase's total.
func (l *scaleLoad) phase(name string) func() {
	if l.wall == nil {
		return func() {}
	}
	start := l.wall()
	return func() {
		if l.res.Phases == nil {
			l.res.Phases = map[string]time.Duration{}
		}
		l.res.Phases[name] += l.wall().Sub(start)
	}
}

// jurisdictions lists the jurisdictions below the prefecture, where
// projects are registered in turn.
func (l *scaleLoad) jurisdictions() error {
	js, err := l.db.Jurisdictions(l.ctx)
	if err != nil {
		return err
	}
	l.certPlace = map[string]string{}
	for _, j := range js {
		if j.Kind != identity.Prefecture {
			l.places = append(l.places, j.Code)
			l.certPlace[j.Code] = j.CertPlace
		}
	}
	return nil
}

// prepareKeys gives every jurisdiction a signing key (unless it has one)
// and automatic review of standard cases, then unlocks the keys for the
// handover batches.
func (l *scaleLoad) prepareKeys() error {
	admin := actorOf(l.f, "admin")
	// The synthetic projects' stories begin up to about two years back:
	// the keys and settings are in force from before the first of them
	// (a setting takes effect from the day it is made).
	at(l.set, l.today.AddDays(-800), 0)
	have, err := l.db.Keys(l.ctx)
	if err != nil {
		return err
	}
	keyed := map[string]bool{}
	for _, k := range have {
		keyed[k.Jurisdiction] = true
	}
	for _, j := range l.places {
		if !keyed[j] {
			if _, err := l.db.CreateAuthorityKey(l.ctx, admin, j, []byte(KeyPassphrase)); err != nil {
				return err
			}
		}
		if err := l.db.PutSetting(l.ctx, admin, j, registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
			return err
		}
	}
	l.keys, err = l.db.UnlockKeys(l.ctx, []byte(KeyPassphrase))
	return err
}

// project creates synthetic project k and takes it to its stage (k mod 5):
// stage 0 sells 60 % and stops; 1 sells 95 % and completes, delivery ahead;
// 2–4 are also handed over, on a day within the last 330. It returns the
// project, its units and the contracts sold.
func (l *scaleLoad) project(k int) (Synthetic, int, int, error) {
	j := l.places[k%len(l.places)]
	s := Synthetic{Name: fmt.Sprintf("规模测试%03d号项目", k+1), Jurisdiction: j, Parcel: fmt.Sprintf("%s%03d%03dGB%05d", identity.CountyOf(j), 900+k/1000, k%1000, k+1),
		Developer: "dev1", Plan: l.plan, LandCertNo: fmt.Sprintf("新(2024)%s不动产权第%07d号", l.certPlace[j], 9000000+k)}
	stage := k % 5
	held := l.today.AddDays(-((k*23)%330 + 1))
	filed := held.AddDays(-14)
	s.Delivery = held
	if stage == 0 || stage == 1 {
		s.Delivery = l.today.AddDays(60 + k%200)
		filed = l.today.AddDays(-(k % 15) - 1)
	}
	at(l.set, filed.AddDays(-400), 0)
	done := l.phase("project")
	p, err := SyntheticProject(l.ctx, l.db, l.f, s)
	done()
	if err != nil {
		return s, 0, 0, err
	}
	done = l.phase("units")
	ids, err := projectUnits(l.ctx, l.db, p.ID)
	done()
	if err != nil {
		return s, 0, 0, err
	}
	l.res.Projects++
	l.res.Units += len(ids)
	sold := ids[:len(ids)*95/100]
	if stage == 0 {
		sold = ids[:len(ids)*60/100]
	}
	contracts, err := l.sell(p, sold, filed)
	if err != nil || stage == 0 {
		return s, len(ids), len(contracts), err
	}
	return s, len(ids), len(contracts), l.complete(k, s, p, contracts, filed, held)
}

// sell signs the units in bulk 300 days before the filing and files each
// contract ten days later, as the developer.
func (l *scaleLoad) sell(p ledger.Project, units []int64, filed calendar.Date) ([]int64, error) {
	at(l.set, filed.AddDays(-300), 0)
	var contracts []int64
	done := l.phase("sign")
	if err := l.db.Synthetic(l.ctx, actorOf(l.f, "kaifa"), "contracts", func(tx *sql.Tx) error {
		var err error
		contracts, err = SignInBulk(l.ctx, l.db, tx, p, l.f, units, l.db.Now())
		return err
	}); err != nil {
		return contracts, err
	}
	done()
	l.res.Sold += len(contracts)
	at(l.set, filed.AddDays(-290), 0)
	defer l.phase("file")()
	dev := l.developer(p)
	return contracts, atOnce(l.ctx, contracts, func(ctx context.Context, c int64) error {
		_, err := l.db.FileContract(ctx, dev, c)
		return err
	})
}

// atOnce does do for every item, fileAtOnce of them at a time, as a sales
// office files contracts and a bureau's interface records payments: the
// store commits what waits together (group commit on SQLite), so that a
// scaled load is not bound by one durable commit per item. It returns the
// first error, and starts no item after it.
func atOnce[T any](ctx context.Context, items []T, do func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(fileAtOnce)
	for _, it := range items {
		g.Go(func() error { return do(ctx, it) })
	}
	return g.Wait()
}

// fileAtOnce is how many items atOnce does at a time.
const fileAtOnce = 16

// developer is the demo developer's clerk acting for the project's developer.
func (l *scaleLoad) developer(p ledger.Project) audit.Actor {
	return audit.Actor{UserID: l.f.Users["kaifa"].ID, Name: "吴强", OrgID: p.Developer}
}

// complete files the project's completion (every 97th buyer has not paid
// the deed tax by the handover) and, from stage 2, holds the handover and
// runs its batch, on the day or (k mod 7 = 3) the day after.
func (l *scaleLoad) complete(k int, s Synthetic, p ledger.Project, contracts []int64, filed, held calendar.Date) error {
	at(l.set, filed, 0)
	unpaid := map[int64]bool{}
	for i, c := range contracts {
		if i%97 == 0 {
			unpaid[c] = true
		}
	}
	built, err := completeProject(l.ctx, l.db, l.f, p, contracts, filed, unpaid, l.phase)
	if err != nil || k%5 < 2 {
		return err
	}
	defer l.phase("handover")()
	dev := l.developer(p)
	ev, err := l.db.ScheduleHandover(l.ctx, dev, handover.Event{ProjectID: p.ID, Buildings: built, HeldOn: held, Place: s.Name + "交付大厅",
		Mode: handover.OnSite, NoticeOn: filed})
	if err != nil {
		return err
	}
	run := held
	if k%7 == 3 {
		run = held.AddDays(1)
	}
	at(l.set, run, 0)
	if ev, err = l.db.RunHandover(l.ctx, dev, l.cal, ev.ID, l.keys, nil); err != nil {
		return err
	}
	l.res.HandedOver += ev.HandedOver()
	return nil
}

// projectUnits lists the units of a project, building by building.
func projectUnits(ctx context.Context, db *store.DB, project int64) ([]int64, error) {
	d, err := db.ProjectDetail(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, b := range d.Buildings {
		tab, err := db.BuildingTable(ctx, b.Building.ID)
		if err != nil {
			return nil, err
		}
		for _, u := range tab.Units() {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
