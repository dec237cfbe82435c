package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/store"
)

// Person is a demo buyer.
type Person struct {
	Name, IDNumber, Phone string
}

// People returns n distinct demo buyers with valid 身份证号, deterministic.
func People(n int) []Person {
	r := rand.New(rand.NewSource(20250314))
	surnames := []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "韩", "冯", "于", "董", "萧"}
	given := []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "婷婷", "子涵", "浩然", "雨萱", "俊杰", "欣怡", "宇航"}
	uyghur := []string{"阿依古丽·买买提", "艾力·吐尔逊", "古丽娜尔·阿不都", "买买提江·艾则孜", "努尔兰·哈力木", "热依拉·阿布都拉", "叶尔兰·别克", "阿娜尔·托合提"}
	regions := []string{"652301", "652302", "652323", "652324", "652325", "652327", "652328", "650102", "650104"}
	seen := map[string]bool{"652301199003071231": true} // the demo buyer's own
	var out []Person
	for len(out) < n {
		name := surnames[r.Intn(len(surnames))] + given[r.Intn(len(given))]
		if r.Intn(12) == 0 {
			name = uyghur[r.Intn(len(uyghur))]
		}
		birth := time.Date(1962+r.Intn(38), time.Month(1+r.Intn(12)), 1+r.Intn(28), 0, 0, 0, 0, time.UTC)
		first := fmt.Sprintf("%s%s%03d", regions[r.Intn(len(regions))], birth.Format("20060102"), 1+r.Intn(998))
		check, _ := code.IDCheckChar(first)
		id := first + string(check)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, Person{Name: name, IDNumber: id, Phone: fmt.Sprintf("1%02d%08d", 30+r.Intn(60), r.Intn(100000000))})
	}
	return out
}

// ContractsResult is what the contract part of the demo created.
type ContractsResult struct {
	Filed, Signed, Pending, Cancelled int
}

// at moves the demo clock to 10:00 China time on d plus minutes.
func at(set func(time.Time), d calendar.Date, minutes int) {
	set(d.Start().Add(10*time.Hour + time.Duration(minutes)*time.Minute))
}

// LoadContracts sells most units of the demo projects through the same
// store methods the pages use: each project's supervised account is set
// up, then contracts are drafted, sent, confirmed by the buyers and filed
// (with the pre-notice and, for loans, the pre-mortgage), with buyers'
// payments recorded in the account. A few are left unfiled past the 30
// days, a few await the buyer, two are cancelled.
func LoadContracts(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, setClock func(time.Time)) (*ContractsResult, error) {
	l := &contractsLoad{ctx: ctx, db: db, f: f, set: setClock, res: &ContractsResult{},
		housing: actorOf(f, "zhujian"), bank: actorOf(f, "yinhang"), banks: []int64{f.Orgs["652301/bank"].ID, f.Orgs["bank2"].ID},
		buyers: People(2400), r: rand.New(rand.NewSource(7))}
	for pi, p := range lr.Projects {
		if err := l.sellProject(pi, p, lr.Permits[pi]); err != nil {
			return nil, err
		}
	}
	// The demo buyer also has a contract in 庭州·花园 awaiting confirmation.
	if err := demoBuyerPending(ctx, db, f, lr, setClock); err != nil {
		return nil, err
	}
	l.res.Pending++
	return l.res, nil
}

// salesPlan is how a demo project sells: share is the portion of its
// permitted units to sell, start and end the sales period.
type salesPlan struct {
	share       float64
	start, end  string
	supervised  string
	developer   string
	bankAccount string
}

// salesPlans are the demo projects' plans, in the ledger's project order.
var salesPlans = []salesPlan{
	{0.86, "2025-03-20", "2026-06-30", "420000000.00", "kaifa", "6523010022008812345"},
	{0.62, "2025-09-25", "2026-11-20", "96000000.00", "kaifa2", "6523010022008898765"},
}

// contractsLoad is LoadContracts' state. Every random choice comes from r,
// in the same order on every load, so the demo is the same each time.
type contractsLoad struct {
	ctx           context.Context
	db            *store.DB
	f             *Foundation
	set           func(time.Time)
	res           *ContractsResult
	housing, bank audit.Actor
	banks         []int64  // the lending banks
	buyers        []Person // taken in order from next
	next          int
	r             *rand.Rand
}

// sale is one unit being sold: where it stands in its project's sales and
// the contract entered for it.
type sale struct {
	project ledger.Project
	dev     audit.Actor
	pi, i   int // the project's index and the sale's
	count   int // the project's sales
	day     calendar.Date
	unit    ledger.Unit
	in      store.ContractInput
	total   decimal.Decimal
}

// sellProject opens the project's supervised account when its permit is
// issued and sells its plan's share of the permitted units, in a shuffled
// order, spread evenly over the sales period.
func (l *contractsLoad) sellProject(pi int, p ledger.Project, permitID int64) error {
	pl := salesPlans[pi]
	dev := actorOf(l.f, pl.developer)
	d, err := l.db.ProjectDetail(l.ctx, p.ID)
	if err != nil {
		return err
	}
	permit, err := l.db.PresalePermit(l.ctx, permitID)
	if err != nil {
		return err
	}
	at(l.set, permit.IssuedOn, 120)
	if err := l.db.OpenFundAccount(l.ctx, l.housing, presale.FundAccount{ProjectID: p.ID, Bank: l.banks[0], Number: pl.bankAccount,
		Supervised: decimal.RequireFromString(pl.supervised)}); err != nil {
		return err
	}
	units, err := l.permittedUnits(d, permit.Buildings)
	if err != nil {
		return err
	}
	l.r.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	sell := int(float64(len(units)) * pl.share)
	start, end := calendar.MustDate(pl.start), calendar.MustDate(pl.end)
	span := start.DaysUntil(end)
	for i, u := range units[:sell] {
		s := &sale{project: p, dev: dev, pi: pi, i: i, count: sell, day: start.AddDays(i * span / sell), unit: u}
		if err := l.sell(s); err != nil {
			return err
		}
	}
	return nil
}

// permittedUnits lists the units of the buildings the permit covers, in
// the project's and the tables' order.
func (l *contractsLoad) permittedUnits(d store.ProjectDetail, permitted []int64) ([]ledger.Unit, error) {
	var units []ledger.Unit
	for _, b := range d.Buildings {
		covered := false
		for _, id := range permitted {
			covered = covered || id == b.Building.ID
		}
		if !covered {
			continue
		}
		tab, err := l.db.BuildingTable(l.ctx, b.Building.ID)
		if err != nil {
			return nil, err
		}
		for _, row := range tab.Rows {
			for _, c := range row.Cells {
				units = append(units, c.Unit)
			}
		}
	}
	return units, nil
}

// sell takes one sale as far as its place in the story says: the newest
// of the second project await the buyer, a few are signed and left
// unfiled past the 30 days (the platform flags them), the rest are filed,
// and two of the first project are cancelled by agreement.
func (l *contractsLoad) sell(s *sale) error {
	s.in, s.total = l.contractInput(s)
	at(l.set, s.day, 30)
	c, err := l.db.DraftContract(l.ctx, s.dev, s.project.Developer, s.in)
	if err != nil {
		return fmt.Errorf("demo contract for %s: %w", s.unit.UnitNo, err)
	}
	at(l.set, s.day, 40)
	if c, err = l.db.SendContract(l.ctx, s.dev, c.ID); err != nil {
		return err
	}
	if s.pi == 1 && s.i >= s.count-4 {
		l.res.Pending++
		return nil
	}
	if c, err = l.sign(s, c); err != nil {
		return err
	}
	if s.i%97 == 13 {
		l.res.Signed++
		return nil
	}
	fileDay := s.day.AddDays(2 + l.r.Intn(8))
	if c, err = l.file(s, c, fileDay); err != nil {
		return err
	}
	l.res.Filed++
	if s.pi == 0 && (s.i == 40 || s.i == 400) {
		return l.cancel(s, c, fileDay)
	}
	return nil
}

// contractInput draws the sale's buyers (the demo buyer first; a quarter
// are married couples), price, household and payment (60 % with a
// mortgage loan) and returns the contract as the developer enters it, with
// its total price.
func (l *contractsLoad) contractInput(s *sale) (store.ContractInput, decimal.Decimal) {
	r, u := l.r, s.unit
	var who []Person
	if s.pi == 0 && s.i == 0 {
		who = []Person{{Name: "张伟", IDNumber: "652301199003071231", Phone: "13899900001"}}
	} else {
		who = []Person{l.buyers[l.next]}
		l.next++
		if r.Intn(4) == 0 { // a married couple buying together
			who = append(who, l.buyers[l.next])
			l.next++
		}
	}
	in := store.ContractInput{UnitID: u.ID, Ownership: presale.Sole, PriceBasis: presale.ByGross,
		UnitPrice: decimal.NewFromInt(int64(5600 + 100*r.Intn(14) + 40*u.Floor)), Payment: presale.Lump,
		HomeCount: presale.FirstHome, Marital: "已婚", DeliveryDate: s.project.PlannedDelivery, RegistrationDays: 60,
		LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3),
		DeliveryConditions: []string{"供水、排水、供电、供暖已接通"}}
	if u.Purpose == "商业" {
		in.Marital, in.HomeCount = "未婚", presale.MoreHomes
	}
	if r.Intn(5) == 0 {
		in.HomeCount = presale.SecondHome
	}
	for _, w := range who {
		in.Buyers = append(in.Buyers, presale.Buyer{Name: w.Name, IDNumber: w.IDNumber, Phone: w.Phone})
	}
	if len(who) == 2 {
		in.Ownership = presale.Joint
		if r.Intn(3) == 0 {
			in.Ownership = presale.Shares
			in.Buyers[0].ShareNum, in.Buyers[0].ShareDen = 1, 2
			in.Buyers[1].ShareNum, in.Buyers[1].ShareDen = 1, 2
		}
	}
	_, total := presale.Price(in.PriceBasis, in.UnitPrice, u)
	if r.Intn(10) < 6 || (s.pi == 0 && s.i == 0) {
		in.Payment = presale.Commercial
		if r.Intn(4) == 0 {
			in.Payment = presale.Fund
		}
		in.LoanBank = l.banks[r.Intn(len(l.banks))]
		in.LoanAmount = total.Mul(decimal.NewFromFloat(0.7)).Div(decimal.NewFromInt(10000)).Floor().Mul(decimal.NewFromInt(10000))
		in.LoanYears = 20 + 5*r.Intn(3)
		in.LoanNo = fmt.Sprintf("JK%s%06d", s.day.String()[:4], 100000+l.next)
	}
	return in, total
}

// sign has each buyer confirm the contract and the bank record the down
// payment (the whole price without a loan).
func (l *contractsLoad) sign(s *sale, c presale.Contract) (presale.Contract, error) {
	var err error
	for k, b := range c.Buyers {
		at(l.set, s.day, 90+k*15)
		if c, err = l.db.ConfirmContract(l.ctx, audit.Actor{Name: b.Name, Addr: "demo"}, c.ID, b.IDNumber); err != nil {
			return c, err
		}
	}
	down := s.total
	if s.in.Payment.Loan() {
		down = s.total.Sub(s.in.LoanAmount)
	}
	at(l.set, s.day, 200)
	return c, l.db.RecordPayment(l.ctx, l.bank, s.project.ID, c.ID, down, s.day, "首付款")
}

// file files the contract on fileDay and, for a loan, records the loan
// paid into the account ten days later.
func (l *contractsLoad) file(s *sale, c presale.Contract, fileDay calendar.Date) (presale.Contract, error) {
	at(l.set, fileDay, 60)
	var err error
	if c, err = l.db.FileContract(l.ctx, s.dev, c.ID); err != nil {
		return c, fmt.Errorf("demo filing of %s: %w", c.Number, err)
	}
	if s.in.Payment.Loan() {
		at(l.set, fileDay.AddDays(10), 0)
		if err := l.db.RecordPayment(l.ctx, l.bank, s.project.ID, c.ID, s.in.LoanAmount, fileDay.AddDays(10), "按揭贷款放款"); err != nil {
			return c, err
		}
	}
	return c, nil
}

// cancel has the developer and every buyer agree to cancel a filed
// contract twenty days after its filing.
func (l *contractsLoad) cancel(s *sale, c presale.Contract, fileDay calendar.Date) error {
	at(l.set, fileDay.AddDays(20), 0)
	if _, err := l.db.AgreeCancellation(l.ctx, s.dev, c.ID, store.CancelParty{Developer: true}, "买受人因工作调动申请解除，双方协商一致"); err != nil {
		return err
	}
	for _, b := range c.Buyers {
		if _, err := l.db.AgreeCancellation(l.ctx, audit.Actor{Name: b.Name}, c.ID, store.CancelParty{Buyer: b.IDNumber}, ""); err != nil {
			return err
		}
	}
	l.res.Cancelled++
	l.res.Filed--
	return nil
}

func demoBuyerPending(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, setClock func(time.Time)) error {
	p := lr.Projects[1]
	permit, err := db.PresalePermit(ctx, lr.Permits[1])
	if err != nil {
		return err
	}
	tab, err := db.BuildingTable(ctx, permit.Buildings[0])
	if err != nil {
		return err
	}
	for _, row := range tab.Rows {
		for _, cell := range row.Cells {
			if cell.State != ledger.Available {
				continue
			}
			at(setClock, calendar.MustDate("2026-11-24"), 0)
			dev := actorOf(f, "kaifa2")
			c, err := db.DraftContract(ctx, dev, p.Developer, store.ContractInput{UnitID: cell.Unit.ID, Ownership: presale.Sole, PriceBasis: presale.ByGross,
				UnitPrice: decimal.NewFromInt(6200), Payment: presale.Lump, HomeCount: presale.SecondHome, Marital: "已婚",
				DeliveryDate: p.PlannedDelivery, RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3),
				Buyers: []presale.Buyer{{Name: "张伟", IDNumber: "652301199003071231", Phone: "13899900001"}}})
			if err != nil {
				return err
			}
			_, err = db.SendContract(ctx, dev, c.ID)
			return err
		}
	}
	return nil
}
