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

// people returns n distinct demo buyers with valid 身份证号, deterministic.
func people(n int) []Person {
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
	res := &ContractsResult{}
	housing := actorOf(f, "zhujian")
	bankActor := actorOf(f, "yinhang")
	banks := []int64{f.Orgs["652301/bank"].ID, f.Orgs["bank2"].ID}
	buyers := people(2400)
	next := 0
	r := rand.New(rand.NewSource(7))
	// share: the portion of each project's permitted units to sell; starts
	// and ends: the sales period.
	plans := []struct {
		share       float64
		start, end  string
		supervised  string
		developer   string
		bankAccount string
	}{
		{0.86, "2025-03-20", "2026-06-30", "420000000.00", "kaifa", "6523010022008812345"},
		{0.62, "2025-09-25", "2026-11-20", "96000000.00", "kaifa2", "6523010022008898765"},
	}
	for pi, p := range lr.Projects {
		pl := plans[pi]
		dev := actorOf(f, pl.developer)
		d, err := db.ProjectDetail(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		permit, err := db.PresalePermit(ctx, lr.Permits[pi])
		if err != nil {
			return nil, err
		}
		at(setClock, permit.IssuedOn, 120)
		if err := db.OpenFundAccount(ctx, housing, presale.FundAccount{ProjectID: p.ID, Bank: banks[0], Number: pl.bankAccount,
			Supervised: decimal.RequireFromString(pl.supervised)}); err != nil {
			return nil, err
		}
		var units []ledger.Unit
		for _, b := range d.Buildings {
			covered := false
			for _, id := range permit.Buildings {
				covered = covered || id == b.Building.ID
			}
			if !covered {
				continue
			}
			tab, err := db.BuildingTable(ctx, b.Building.ID)
			if err != nil {
				return nil, err
			}
			for _, row := range tab.Rows {
				for _, c := range row.Cells {
					units = append(units, c.Unit)
				}
			}
		}
		r.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
		sell := int(float64(len(units)) * pl.share)
		start, end := calendar.MustDate(pl.start), calendar.MustDate(pl.end)
		span := start.DaysUntil(end)
		for i, u := range units[:sell] {
			day := start.AddDays(i * span / sell)
			var who []Person
			if pi == 0 && i == 0 {
				who = []Person{{Name: "张伟", IDNumber: "652301199003071231", Phone: "13899900001"}}
			} else {
				who = []Person{buyers[next]}
				next++
				if r.Intn(4) == 0 { // a married couple buying together
					who = append(who, buyers[next])
					next++
				}
			}
			in := store.ContractInput{UnitID: u.ID, Ownership: presale.Sole, PriceBasis: presale.ByGross,
				UnitPrice: decimal.NewFromInt(int64(5600 + 100*r.Intn(14) + 40*u.Floor)), Payment: presale.Lump,
				HomeCount: presale.FirstHome, Marital: "已婚", DeliveryDate: p.PlannedDelivery, RegistrationDays: 60,
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
			if r.Intn(10) < 6 || (pi == 0 && i == 0) { // 60 % with a mortgage loan
				in.Payment = presale.Commercial
				if r.Intn(4) == 0 {
					in.Payment = presale.Fund
				}
				in.LoanBank = banks[r.Intn(len(banks))]
				in.LoanAmount = total.Mul(decimal.NewFromFloat(0.7)).Div(decimal.NewFromInt(10000)).Floor().Mul(decimal.NewFromInt(10000))
				in.LoanYears = 20 + 5*r.Intn(3)
				in.LoanNo = fmt.Sprintf("JK%s%06d", day.String()[:4], 100000+next)
			}
			at(setClock, day, 30)
			c, err := db.DraftContract(ctx, dev, p.Developer, in)
			if err != nil {
				return nil, fmt.Errorf("demo contract for %s: %w", u.UnitNo, err)
			}
			at(setClock, day, 40)
			if c, err = db.SendContract(ctx, dev, c.ID); err != nil {
				return nil, err
			}
			// The newest sales of the second project still await the buyer.
			if pi == 1 && i >= sell-4 {
				res.Pending++
				continue
			}
			for k, b := range c.Buyers {
				at(setClock, day, 90+k*15)
				if c, err = db.ConfirmContract(ctx, audit.Actor{Name: b.Name, Addr: "demo"}, c.ID, b.IDNumber); err != nil {
					return nil, err
				}
			}
			down := total
			if in.Payment.Loan() {
				down = total.Sub(in.LoanAmount)
			}
			at(setClock, day, 200)
			if err := db.RecordPayment(ctx, bankActor, p.ID, c.ID, down, day, "首付款"); err != nil {
				return nil, err
			}
			// A few are left unfiled past the 30 days (the platform flags them).
			if i%97 == 13 {
				res.Signed++
				continue
			}
			fileDay := day.AddDays(2 + r.Intn(8))
			at(setClock, fileDay, 60)
			if c, err = db.FileContract(ctx, dev, c.ID); err != nil {
				return nil, fmt.Errorf("demo filing of %s: %w", c.Number, err)
			}
			if in.Payment.Loan() {
				at(setClock, fileDay.AddDays(10), 0)
				if err := db.RecordPayment(ctx, bankActor, p.ID, c.ID, in.LoanAmount, fileDay.AddDays(10), "按揭贷款放款"); err != nil {
					return nil, err
				}
			}
			res.Filed++
			// Two buyers and the developer agreed to cancel.
			if pi == 0 && (i == 40 || i == 400) {
				at(setClock, fileDay.AddDays(20), 0)
				if _, err := db.AgreeCancellation(ctx, dev, c.ID, store.CancelParty{Developer: true}, "买受人因工作调动申请解除，双方协商一致"); err != nil {
					return nil, err
				}
				for _, b := range c.Buyers {
					if _, err := db.AgreeCancellation(ctx, audit.Actor{Name: b.Name}, c.ID, store.CancelParty{Buyer: b.IDNumber}, ""); err != nil {
						return nil, err
					}
				}
				res.Cancelled++
				res.Filed--
			}
		}
	}
	// The demo buyer also has a contract in 庭州·花园 awaiting confirmation.
	if err := demoBuyerPending(ctx, db, f, lr, setClock); err != nil {
		return nil, err
	}
	res.Pending++
	return res, nil
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
