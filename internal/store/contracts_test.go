package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

type saleFixture struct {
	*ledgerFixture
	building int64
	units    []int64
	bank     int64
}

// newSaleFixture: the ledger fixture with its 12-unit building imported,
// a presale permit, and the supervised fund account.
func newSaleFixture(t *testing.T) *saleFixture {
	t.Helper()
	x := &saleFixture{ledgerFixture: newLedgerFixture(t)}
	ctx := context.Background()
	x.importOK(t, workbook(t, nil))
	d, err := x.db.ProjectDetail(ctx, x.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	x.building = d.Buildings[0].Building.ID
	if _, err := x.db.IssuePresale(ctx, x.hous, x.project.ID, []int64{x.building}, "", 0); err != nil {
		t.Fatal(err)
	}
	x.bank = x.f.Orgs["652301/bank"].ID
	if err := x.db.OpenFundAccount(ctx, x.hous, presale.FundAccount{ProjectID: x.project.ID, Bank: x.bank, Number: "6523010001234567",
		Supervised: dec("1000000")}); err != nil {
		t.Fatal(err)
	}
	tab, _ := x.db.BuildingTable(ctx, x.building)
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			x.units = append(x.units, c.Unit.ID)
		}
	}
	return x
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var buyerIDs = []string{"652301199003071231", "65230120000229456X", "652300198511118883", "11010519491231002X"}

func (x *saleFixture) input(unit int64) store.ContractInput {
	return store.ContractInput{UnitID: unit, Buyers: []presale.Buyer{{Name: "张伟", IDNumber: buyerIDs[0]}},
		Ownership: presale.Sole, PriceBasis: presale.ByGross, UnitPrice: dec("6800.00"), Payment: presale.Lump,
		HomeCount: presale.FirstHome, Marital: "已婚", DeliveryDate: calendar.MustDate("2027-06-30"), RegistrationDays: 90,
		LateDeliveryRate: dec("3"), LateCertificateRate: dec("3")}
}

// sign drafts, sends and confirms a contract for the fixture's first buyer(s).
func (x *saleFixture) sign(t *testing.T, in store.ContractInput) presale.Contract {
	t.Helper()
	ctx := context.Background()
	c, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev1"].ID, in)
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	if c, err = x.db.SendContract(ctx, x.dev, c.ID); err != nil {
		t.Fatalf("send: %v", err)
	}
	for _, b := range c.Buyers {
		if c, err = x.db.ConfirmContract(ctx, audit.Actor{Name: b.Name}, c.ID, b.IDNumber); err != nil {
			t.Fatalf("confirm: %v", err)
		}
	}
	if c.State != presale.Signed {
		t.Fatalf("state after every buyer confirmed = %s", c.State)
	}
	return c
}

func rulesOf(err error) []string {
	var out []string
	for _, r := range problem.As(err).Reasons {
		out = append(out, r.Rule)
	}
	return out
}

// Every refusal reason of docs/domain.md §5.3 comes back from the store.
func TestContractRefusals(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	dev := x.f.Orgs["dev1"].ID
	tests := []struct {
		name  string
		setup func(in *store.ContractInput)
		rule  string
	}{
		{"invalid buyer ID", func(in *store.ContractInput) { in.Buyers[0].IDNumber = "110105194912310021" }, "contract.buyer_id"},
		{"shares not summing to 1", func(in *store.ContractInput) {
			in.Ownership = presale.Shares
			in.Buyers = []presale.Buyer{{Name: "甲", IDNumber: buyerIDs[0], ShareNum: 1, ShareDen: 2}, {Name: "乙", IDNumber: buyerIDs[1], ShareNum: 1, ShareDen: 3}}
		}, "contract.shares"},
		{"joint with one buyer", func(in *store.ContractInput) { in.Ownership = presale.Joint }, "contract.ownership"},
		{"loan without bank", func(in *store.ContractInput) {
			in.Payment, in.LoanAmount, in.LoanYears = presale.Commercial, dec("100000"), 20
		}, "contract.loan_bank"},
		{"loan above price", func(in *store.ContractInput) {
			in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears = presale.Commercial, x.bank, dec("99999999"), 20
		}, "contract.loan_amount"},
		{"no delivery date", func(in *store.ContractInput) { in.DeliveryDate = calendar.Date{} }, "contract.delivery_date"},
		{"no registration deadline", func(in *store.ContractInput) { in.RegistrationDays = 0 }, "contract.registration_days"},
		{"no penalty", func(in *store.ContractInput) { in.LateCertificateRate = decimal.Zero }, "contract.penalty"},
		{"no household statement", func(in *store.ContractInput) { in.HomeCount = "" }, "contract.household"},
		{"no price", func(in *store.ContractInput) { in.UnitPrice = decimal.Zero }, "contract.price"},
	}
	for _, tt := range tests {
		in := x.input(x.units[0])
		tt.setup(&in)
		_, err := x.db.DraftContract(ctx, x.dev, dev, in)
		if !slices.Contains(rulesOf(err), tt.rule) {
			t.Errorf("%s: %v (rules %v), want %s", tt.name, err, rulesOf(err), tt.rule)
		}
	}
	// The unit's own state.
	if err := x.db.LockUnit(ctx, x.hous, x.units[1], true, "司法协助"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.DraftContract(ctx, x.dev, dev, x.input(x.units[1])); !slices.Contains(rulesOf(err), "contract.unit_locked") {
		t.Errorf("locked unit: %v", err)
	}
	x.sign(t, x.input(x.units[2]))
	if _, err := x.db.DraftContract(ctx, x.dev, dev, x.input(x.units[2])); !slices.Contains(rulesOf(err), "contract.unit_taken") {
		t.Errorf("unit with a live contract: %v", err)
	}
	// A restricted developer (default effect: refuse).
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev, Listed: true, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.DraftContract(ctx, x.dev, dev, x.input(x.units[3])); !slices.Contains(rulesOf(err), "contract.credit_restricted") {
		t.Errorf("restricted developer: %v", err)
	}
	x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev, Listed: false, Reason: "解除"})
	// A unit without a valid permit.
	d, _ := x.db.ProjectDetail(ctx, x.project.ID)
	if _, err := x.db.ChangePresale(ctx, x.hous, d.Presale[0].ID, "suspended", "检查"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.DraftContract(ctx, x.dev, dev, x.input(x.units[4])); !slices.Contains(rulesOf(err), "contract.permit") {
		t.Errorf("suspended permit: %v", err)
	}
	// Another developer may not sell this project's units.
	if _, err := x.db.DraftContract(ctx, x.dev, x.f.Orgs["dev2"].ID, x.input(x.units[5])); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("other developer: %v", err)
	}
}

// One unit has at most one live contract: 32 concurrent signers on 4 units.
func TestOneLiveContractConcurrent(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	dev := x.f.Orgs["dev1"].ID
	units := x.units[:4]
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int64]int{}
	errs := map[string]int{}
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			in := x.input(units[i%len(units)])
			in.Buyers[0] = presale.Buyer{Name: fmt.Sprintf("买受人%d", i), IDNumber: buyerIDs[i%len(buyerIDs)]}
			c, err := x.db.DraftContract(ctx, x.dev, dev, in)
			if err == nil {
				if _, err = x.db.SendContract(ctx, x.dev, c.ID); err == nil {
					_, err = x.db.ConfirmContract(ctx, audit.Actor{}, c.ID, c.Buyers[0].IDNumber)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[strings.Join(rulesOf(err), ",")+problem.CodeOf(err)]++
				return
			}
			won[in.UnitID]++
		}(i)
	}
	wg.Wait()
	for _, u := range units {
		if won[u] != 1 {
			t.Errorf("unit %d: %d signers succeeded, want exactly 1", u, won[u])
		}
	}
	for e, n := range errs {
		if !strings.Contains(e, "contract.unit_taken") {
			t.Errorf("%d failures other than unit_taken: %s", n, e)
		}
	}
	for _, u := range units {
		cs, _ := x.db.ListContracts(ctx, accessAll(), store.ContractQuery{UnitID: u})
		live := 0
		for _, c := range cs {
			if c.State.Live() {
				live++
			}
		}
		if live != 1 {
			t.Errorf("unit %d has %d live contracts in the database", u, live)
		}
	}
}

// Co-buyers who confirm a contract at the same moment both count: the
// contract is signed once the last of them confirms, whichever transaction
// waited for the other. On PostgreSQL the one that waits must read the
// buyers after the other's commit (lockContract reads them in a statement
// of its own after the lock), or it finds its co-buyer unconfirmed and the
// contract stays sent with every buyer confirmed.
func TestCoBuyersConfirmAtOnce(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	dev := x.f.Orgs["dev1"].ID
	for i, unit := range x.units[:12] {
		in := x.input(unit)
		in.Ownership = presale.Shares
		in.Buyers = []presale.Buyer{{Name: "张伟", IDNumber: buyerIDs[0], ShareNum: 1, ShareDen: 2}, {Name: "李娜", IDNumber: buyerIDs[1], ShareNum: 1, ShareDen: 2}}
		c, err := x.db.DraftContract(ctx, x.dev, dev, in)
		if err == nil {
			c, err = x.db.SendContract(ctx, x.dev, c.ID)
		}
		if err != nil {
			t.Fatalf("contract %d: %v", i, err)
		}
		start := make(chan struct{})
		errs := make([]error, len(c.Buyers))
		var wg sync.WaitGroup
		for j, b := range c.Buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = x.db.ConfirmContract(ctx, audit.Actor{Name: b.Name}, c.ID, b.IDNumber)
			}()
		}
		close(start)
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				t.Errorf("contract %d: buyer %d's confirmation: got %v, want it taken", i, j+1, err)
			}
		}
		got, err := x.db.Contract(ctx, c.ID)
		if err != nil || got.State != presale.Signed {
			t.Errorf("contract %d after both buyers confirmed at once: state %s (%v), want %s", i, got.State, err, presale.Signed)
		}
	}
}

func TestFileContractWithPreNotices(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	in := x.input(x.units[0])
	in.Ownership = presale.Shares
	in.Buyers = []presale.Buyer{{Name: "张伟", IDNumber: buyerIDs[0], ShareNum: 1, ShareDen: 3}, {Name: "李娜", IDNumber: buyerIDs[1], ShareNum: 2, ShareDen: 3}}
	in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("500000"), 25, "JK2026-001"
	c := x.sign(t, in)
	c, err := x.db.FileContract(ctx, x.dev, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != presale.Filed || len(c.Digest) != 64 || !strings.HasPrefix(c.PreNoticeNo, "新(2026)昌吉市不动产证明第000000") {
		t.Errorf("filed contract = %s digest %q pre-notice %q", c.State, c.Digest, c.PreNoticeNo)
	}
	book, _ := x.db.UnitBook(ctx, x.units[0])
	live := registry.Live(book, registry.PreNotice)
	if len(live) != 2 || live[0].PreNoticeKind != registry.PreNoticeSale || live[1].PreNoticeKind != registry.PreNoticeMortgage ||
		len(live[0].Holders) != 2 || live[1].Holders[0].Name != "中国建设银行昌吉市支行" || !live[1].Amount.Equal(dec("500000")) {
		t.Errorf("live pre-notices = %+v", live)
	}
	if live[0].CertNo == live[1].CertNo {
		t.Errorf("the two proofs share a number")
	}
	m, _ := x.db.Materials(ctx, c.ID)
	for _, k := range []string{"identity", "household", "loan_contract"} {
		if len(m[k]) == 0 {
			t.Errorf("filing material %s missing", k)
		}
	}
	if tab, _ := x.db.BuildingTable(ctx, x.building); tab.Counts["prenoticed"] != 1 {
		t.Errorf("楼盘表 counts = %v, want one prenoticed", tab.Counts)
	}
	events, _ := x.db.Outbox(ctx, 10)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	slices.Sort(types)
	if strings.Join(types, ",") != "contract.filed,premortgage.registered,prenotice.registered" {
		t.Errorf("outbox = %v", types)
	}
	// The digest detects a later change of the stored contract.
	ref, _ := x.db.Unit(ctx, c.UnitID)
	if c.ComputeDigest(ref.Unit) != c.Digest {
		t.Errorf("recomputed digest differs from the stored one")
	}
	c.TotalPrice = c.TotalPrice.Add(dec("1"))
	if c.ComputeDigest(ref.Unit) == c.Digest {
		t.Errorf("a changed price keeps the digest")
	}
}

// A failure in any part of filing leaves nothing behind: the database is
// made to refuse one of the filing transaction's writes — early, in the
// middle, the outbox written at commit, and the audit trail written last,
// inserts and updates, on PostgreSQL most of them in the pipeline sent at
// the flush — and the number the failed attempt drew is not used up.
func TestFilingIsAtomic(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	in := x.input(x.units[0])
	in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("500000"), 25, "JK2026-001"
	c := x.sign(t, in)
	// The bank subscribes to the filing, so that the filing writes its
	// deliveries.
	if _, err := x.db.PutEndpoint(ctx, x.hous, exchange.Endpoint{OrgID: x.bank, Name: "贷款系统", URL: "https://bank.example/hook",
		Secret: "0123456789abcdef0123", Events: []string{exchange.ContractFiled}, Active: true}); err != nil {
		t.Fatal(err)
	}
	raw := x.db.SQLForTest()
	count := func(table string) int {
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
		return n
	}
	tables := []string{"register_entries", "register_holders", "proofs_due", "filing_materials", "outbox", "deliveries",
		"building_versions", "audit_events"}
	failures := []struct{ table, op string }{
		{"register_entries", "INSERT"}, {"register_holders", "INSERT"}, {"proofs_due", "INSERT"},
		{"filing_materials", "INSERT"}, {"contracts", "UPDATE"}, {"outbox", "INSERT"}, {"deliveries", "INSERT"},
		{"building_versions", "INSERT"}, {"audit_heads", "UPDATE"}, {"audit_events", "INSERT"},
	}
	for _, f := range failures {
		t.Run(f.table+"/"+f.op, func(t *testing.T) {
			if x.db.Engine() == store.Postgres {
				exec(t, x.db, `CREATE FUNCTION fail_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END; $$`)
				exec(t, x.db, `CREATE TRIGGER fail_write BEFORE `+f.op+` ON `+f.table+` FOR EACH ROW EXECUTE FUNCTION fail_write()`)
				defer exec(t, x.db, `DROP FUNCTION fail_write() CASCADE`)
			} else {
				exec(t, x.db, `CREATE TRIGGER fail_write BEFORE `+f.op+` ON `+f.table+` BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
				defer exec(t, x.db, `DROP TRIGGER fail_write`)
			}
			before := map[string]int{}
			for _, tbl := range tables {
				before[tbl] = count(tbl)
			}
			if _, err := x.db.FileContract(ctx, x.dev, c.ID); err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("filing with a failing write: got %v, want the injected failure", err)
			}
			for tbl, n := range before {
				if got := count(tbl); got != n {
					t.Errorf("%s: got %d rows after the failed filing, want %d", tbl, got, n)
				}
			}
			if got, _ := x.db.Contract(ctx, c.ID); got.State != presale.Signed || got.PreNoticeNo != "" {
				t.Errorf("contract after the failed filing: got %s %q, want signed with no pre-notice", got.State, got.PreNoticeNo)
			}
		})
	}
	c, err := x.db.FileContract(ctx, x.dev, c.ID)
	if err != nil || !strings.HasSuffix(c.PreNoticeNo, "第0000001号") {
		t.Errorf("filing after removing the failure: %v, number %q (a failed attempt must not use a number)", err, c.PreNoticeNo)
	}
}

// A filing is one durable commit of a bounded number of statements,
// whatever the number of buyers and subscribed endpoints. (The first
// filing of a year also fills the proof numbers' pool: it is not counted.)
func TestFilingStatementBound(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	var cs []presale.Contract
	for _, u := range x.units[:2] {
		in := x.input(u)
		in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears, in.LoanNo = presale.Commercial, x.bank, dec("500000"), 25, "JK2026-001"
		cs = append(cs, x.sign(t, in))
	}
	if _, err := x.db.FileContract(ctx, x.dev, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	// This handle last moved the head of every audit lane, as a server
	// that is the only writer has: the filing's events are chained from the
	// head it remembers, without reading it.
	for i, warm := 0, map[int]bool{}; len(warm) < audit.Lanes; i++ {
		if lane := audit.LaneOf("contract", fmt.Sprint(-i)); !warm[lane] {
			warm[lane] = true
			if err := x.db.RecordAudit(ctx, audit.System(), "contract.view", "contract", -i, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := cs[1]
	commits0, stmts0 := x.db.WriteStats()
	trips0 := x.db.RoundTrips()
	if _, err := x.db.FileContract(ctx, x.dev, c.ID); err != nil {
		t.Fatal(err)
	}
	commits, stmts := x.db.WriteStats()
	trips := x.db.RoundTrips() - trips0
	if commits-commits0 != 1 {
		t.Errorf("filing made %d commits, want 1", commits-commits0)
	}
	// 23 on SQLite: the contract and its buyers, the unit with its building
	// and project, the permit, the unit's status (locks, contract, handover,
	// book), the parties with the listing and its effect in one; two
	// numbers, two entries and their holders, the two proofs due (one
	// statement), the materials, the contract; the outbox and its
	// deliveries, the building's version, the audit lane's events and its
	// head moved (not read). PostgreSQL also takes the unit's row lock.
	bound := int64(23)
	if x.db.Engine() == store.Postgres {
		bound = 24
	}
	if n := stmts - stmts0; n > bound {
		t.Errorf("filing with a loan ran %d statements, want at most %d", n, bound)
	}
	// On PostgreSQL the writes whose results the filing does not read go
	// in one pipeline with the audit head's move: the proofs due, the
	// materials, the contract, the holders, the outbox with its
	// deliveries, the building's version. Its events then follow alone.
	// The rest — ten reads, the two numbers drawn and the two entries,
	// whose ids the filing uses — take a round trip each: 16 in all, where
	// each statement took one.
	wantTrips := stmts - stmts0
	if x.db.Engine() == store.Postgres {
		wantTrips = 16
	}
	if trips > wantTrips {
		t.Errorf("filing with a loan took %d round trips, want at most %d", trips, wantTrips)
	}
}

func TestCancellation(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	in := x.input(x.units[0])
	in.Payment, in.LoanBank, in.LoanAmount, in.LoanYears = presale.Fund, x.bank, dec("300000"), 20
	c := x.sign(t, in)
	c, _ = x.db.FileContract(ctx, x.dev, c.ID)
	if _, err := x.db.AgreeCancellation(ctx, x.dev, c.ID, store.CancelParty{Developer: true}, ""); problem.CodeOf(err) != "cancellation.reason" {
		t.Errorf("cancellation without reason: %v", err)
	}
	xc, err := x.db.AgreeCancellation(ctx, x.dev, c.ID, store.CancelParty{Developer: true}, "购房人资金困难，双方协商解除")
	if err != nil || xc.State != "open" {
		t.Fatalf("developer's agreement: %v %+v", err, xc)
	}
	if _, err := x.db.AgreeCancellation(ctx, x.dev, c.ID, store.CancelParty{Buyer: buyerIDs[2]}, ""); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("a stranger's agreement: %v", err)
	}
	xc, err = x.db.AgreeCancellation(ctx, audit.Actor{}, c.ID, store.CancelParty{Buyer: buyerIDs[0]}, "")
	if err != nil || xc.State != "executed" {
		t.Fatalf("buyer's agreement: %v %+v", err, xc)
	}
	got, _ := x.db.Contract(ctx, c.ID)
	if got.State != presale.Cancelled {
		t.Errorf("contract state = %s", got.State)
	}
	book, _ := x.db.UnitBook(ctx, x.units[0])
	st := registry.Statuses(book)
	ended := 0
	for _, e := range book {
		if e.Kind == registry.PreNotice && st[e.ID] == registry.Terminated {
			ended++
		}
	}
	if ended != 2 || len(registry.Live(book, registry.PreNotice)) != 0 || len(book) != 4 {
		t.Errorf("book after cancellation: %d entries, %d pre-notices terminated", len(book), ended)
	}
	// The unit is free again; a court document cancels without the parties.
	c2 := x.sign(t, x.input(x.units[0]))
	c2, _ = x.db.FileContract(ctx, x.dev, c2.ID)
	xc, err = x.db.AgreeCancellation(ctx, x.hous, c2.ID, store.CancelParty{CourtDoc: "（2026）新2301民初123号"}, "人民法院判决解除合同")
	if err != nil || xc.State != "executed" {
		t.Fatalf("court cancellation: %v %+v", err, xc)
	}
	// The append-only book refuses an edit.
	if _, err := x.db.SQLForTest().Exec(`UPDATE register_entries SET note = 'x'`); err == nil {
		t.Errorf("the register book accepted an UPDATE")
	}
}

func TestFundReleaseCaps(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	pid := x.project.ID
	bank := audit.Actor{UserID: x.f.Users["yinhang"].ID, Name: "冯静"}
	if err := x.db.RecordPayment(ctx, bank, pid, 0, dec("1500000"), calendar.MustDate("2026-03-01"), "首付款"); err != nil {
		t.Fatal(err)
	}
	req := func(node, amount string) error {
		_, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: pid, Node: node, Amount: dec(amount), Evidence: "证明"})
		return err
	}
	// Before the structure milestone, no node withdrawal.
	if err := req("structure", "100000"); !slices.Contains(rulesOf(err), "fund.milestone") {
		t.Errorf("before the milestone: %v", err)
	}
	// Money above the supervised amount (1,500,000 − 1,000,000) is free.
	if err := req(presale.FreeNode, "500000.01"); !slices.Contains(rulesOf(err), "fund.free") {
		t.Errorf("free money above the excess: %v", err)
	}
	if err := req(presale.FreeNode, "500000"); err != nil {
		t.Errorf("free money: %v", err)
	}
	x.db.RecordMilestone(ctx, x.hous, pid, presale.MilestoneStructure, calendar.MustDate("2026-03-05"), "主体结构验收记录")
	if err := req("structure", "500000.01"); !slices.Contains(rulesOf(err), "fund.cap") {
		t.Errorf("over the 50%% cap: %v", err)
	}
	w, err := x.db.RequestWithdrawal(ctx, x.dev, presale.Withdrawal{ProjectID: pid, Node: "structure", Amount: dec("500000"), Evidence: "主体结构验收记录"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.DecideWithdrawal(ctx, x.hous, w.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	// The cap is cumulative.
	if err := req("structure", "0.01"); !slices.Contains(rulesOf(err), "fund.cap") {
		t.Errorf("cumulative cap: %v", err)
	}
	// The last release only after first registration, recorded as a fact.
	for _, m := range []string{presale.MilestoneCompleted, presale.MilestoneFiled} {
		x.db.RecordMilestone(ctx, x.hous, pid, m, calendar.MustDate("2026-03-06"), "记录")
	}
	if err := req("filing", "490000"); err != nil {
		t.Errorf("up to 99%%: %v", err)
	}
	if err := req("first_registration", "10000"); !slices.Contains(rulesOf(err), "fund.milestone") {
		t.Errorf("last 1%% before first registration: %v", err)
	}
	x.db.RecordMilestone(ctx, x.hous, pid, presale.MilestoneFirstReg, calendar.MustDate("2026-03-07"), "首次登记")
	if err := req("first_registration", "10000"); err != nil {
		t.Errorf("last 1%% after first registration: %v", err)
	}
}

func accessAll() access.Filter { return access.Filter{All: true} }

// A contract sent to its buyer before the developer was put on the
// restriction list cannot be signed: SaleBlocks names the rule the signing
// would refuse it by, writes nothing, and names none once the developer is
// off the list again.
func TestSaleBlocks(t *testing.T) {
	x := newSaleFixture(t)
	ctx := context.Background()
	dev := x.f.Orgs["dev1"].ID
	c, err := x.db.DraftContract(ctx, x.dev, dev, x.input(x.units[5]))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = x.db.SendContract(ctx, x.dev, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := x.db.SaleBlocks(ctx, c.ID); err != nil || len(got) != 0 {
		t.Fatalf("a contract that may be signed: got %v %+v, want no blocks", err, got)
	}
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev, Listed: true, Reason: "测试"}); err != nil {
		t.Fatal(err)
	}
	commits, _ := x.db.WriteStats()
	got, err := x.db.SaleBlocks(ctx, c.ID)
	if err != nil || len(got) != 1 || got[0].Rule != "contract.credit_restricted" {
		t.Errorf("restricted developer: got %v %+v, want contract.credit_restricted", err, got)
	}
	if after, _ := x.db.WriteStats(); after != commits {
		t.Errorf("SaleBlocks committed %d transactions, want none", after-commits)
	}
	if rs, _ := x.db.RefusalsOf(ctx, c.UnitID); len(rs) != 0 {
		t.Errorf("SaleBlocks recorded refusals %+v, want none", rs)
	}
	if err := x.db.ListDeveloper(ctx, x.hous, credit.Listing{Developer: dev, Listed: false, Reason: "解除"}); err != nil {
		t.Fatal(err)
	}
	if got, err := x.db.SaleBlocks(ctx, c.ID); err != nil || len(got) != 0 {
		t.Errorf("off the list again: got %v %+v, want no blocks", err, got)
	}
}
