package handover

import (
	"errors"
	"handover/internal/identity"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/problem"
	"handover/internal/registry"
)

func TestCheckSchedule(t *testing.T) {
	b := func(name string, filed bool, open int64) ScheduledBuilding {
		return ScheduledBuilding{Project: 1, Name: name, Filed: filed, OpenEvent: open, OpenOn: "2026-12-20"}
	}
	tests := []struct {
		name      string
		buildings []ScheduledBuilding
		want      []string // rule@subject of the refusal's reasons, or the code of another error
	}{
		{"filed and free", []ScheduledBuilding{b("1号楼", true, 0)}, nil},
		{"not filed", []ScheduledBuilding{b("1号楼", false, 0), b("2号楼", true, 0)}, []string{"handover.filing@1号楼"}},
		{"taken by another event", []ScheduledBuilding{b("2号楼", true, 3)}, []string{"handover.overlap@2号楼"}},
		{"both, every building", []ScheduledBuilding{b("1号楼", false, 3), b("2号楼", false, 0)},
			[]string{"handover.filing@1号楼", "handover.overlap@1号楼", "handover.filing@2号楼"}},
		{"another project's building", []ScheduledBuilding{b("1号楼", false, 0), {Project: 2, Name: "9号楼", Filed: true}}, []string{"handover.buildings"}},
		{"no such building", []ScheduledBuilding{{}}, []string{"handover.buildings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSchedule(1, tt.buildings)
			var got []string
			var e *problem.Error
			if errors.As(err, &e) {
				for _, r := range e.Reasons {
					if r.Basis == "" || r.Fixer == "" {
						t.Errorf("reason %s lacks its basis or fixer", r.Rule)
					}
					got = append(got, r.Rule+"@"+r.Subject)
				}
				if len(e.Reasons) == 0 {
					got = append(got, e.Code)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("CheckSchedule: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventRunAndDelivery(t *testing.T) {
	tests := []struct {
		ev           Event
		wantCode     string
		wantDelivery string
	}{
		{Event{State: "planned", Mode: OnSite}, "", "hand"},
		{Event{State: "done", Blocked: 2, Mode: Entrusted}, "", "developer"},
		{Event{State: "done"}, "handover.done", "hand"},
	}
	for _, tt := range tests {
		if got := problem.CodeOf(tt.ev.CheckRun()); tt.wantCode != "" && got != tt.wantCode || tt.wantCode == "" && tt.ev.CheckRun() != nil {
			t.Errorf("%+v: CheckRun got %q, want %q", tt.ev, got, tt.wantCode)
		}
		if got := tt.ev.Delivery(); got != tt.wantDelivery {
			t.Errorf("%+v: Delivery got %q, want %q", tt.ev, got, tt.wantDelivery)
		}
	}
}

// readyUnit makes unit 11 of the fixture ready for delivery but for the
// registration the batch does.
func readyUnit(f *Facts) *UnitFacts {
	done(f, 0)
	f.Filings = []completion.Filing{{ID: 1, Buildings: []int64{1}, FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-30")}}
	u := &f.Buildings[0].Units[0]
	u.DeedTaxPaid = true
	u.Maintenance = completion.Item{ID: 5, Kind: completion.Maintenance, Due: decimal.NewFromInt(12480), Paid: decimal.NewFromInt(12480), ClearedAt: now}
	return u
}

func TestPlanUnit(t *testing.T) {
	cal := testCalendar(t)
	devOwn := registry.Entry{ID: 1, Kind: registry.Ownership, RegType: registry.RegFirst}
	buyersOwn := registry.Entry{ID: 2, Kind: registry.Ownership, RegType: registry.RegTransfer, Ends: 1, EndKind: registry.Superseded, ContractID: 11, ServiceID: 40}
	preMortgage := registry.Entry{ID: 3, Kind: registry.PreNotice, PreNoticeKind: registry.PreNoticeMortgage, ContractID: 11}
	sale := BatchSale{ContractID: 11, Buyers: []registry.Applicant{{Name: "张伟", IDNumber: "652301199003071231"}}}
	loan := BatchSale{ContractID: 11, Buyers: []registry.Applicant{{Name: "张伟", IDNumber: "652301199003071231"}}, Loan: true}
	tests := []struct {
		name         string
		setup        func(u *UnitFacts)
		sale         BatchSale
		wantKinds    []registry.ServiceKind
		wantTakeOver int64
		wantBlocked  string // a phrase of the first reason
	}{
		{"first registration still due", func(u *UnitFacts) {}, sale, []registry.ServiceKind{registry.First, registry.Transfer}, 0, ""},
		{"first done, loan", func(u *UnitFacts) { u.Book = []registry.Entry{devOwn} }, loan, []registry.ServiceKind{registry.Transfer, registry.MortgageReg}, 0, ""},
		{"deed tax unpaid", func(u *UnitFacts) { u.DeedTaxPaid = false }, sale, nil, 0, "契税"},
		{"registered at the counter", func(u *UnitFacts) { u.Book = []registry.Entry{devOwn, buyersOwn} }, sale, nil, 40, ""},
		// A rule of the combined application's own services, which the
		// delivery conditions do not ask: the loan's mortgage is in already.
		{"loan's mortgage already registered", func(u *UnitFacts) {
			u.Book = []registry.Entry{devOwn, {ID: 4, Kind: registry.Mortgage, ContractID: 11}}
		}, loan, nil, 0, "按揭抵押权已经登记"},
		{"registered without its loan's mortgage", func(u *UnitFacts) { u.Book = []registry.Entry{devOwn, preMortgage, buyersOwn} }, loan, nil, 0, "预抵押"},
		{"registered outside the platform", func(u *UnitFacts) {
			e := buyersOwn
			e.ServiceID = 0
			u.Book = []registry.Entry{devOwn, e}
		}, sale, nil, 0, "没有本平台的登记申请"},
		{"registered, maintenance fund unpaid", func(u *UnitFacts) {
			u.Book = []registry.Entry{devOwn, buyersOwn}
			u.Maintenance = completion.Item{}
		}, sale, nil, 0, "维修资金"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture()
			tt.setup(readyUnit(f))
			p := PlanUnit(f, cal, 11, tt.sale, now)
			var kinds []registry.ServiceKind
			for _, s := range p.Application.Services {
				kinds = append(kinds, s.Kind)
			}
			if !slices.Equal(kinds, tt.wantKinds) || p.TakeOver != tt.wantTakeOver {
				t.Errorf("PlanUnit: got services %v take over %d (blocked %v), want %v and %d", kinds, p.TakeOver, p.Blocked, tt.wantKinds, tt.wantTakeOver)
			}
			if got := strings.Join(p.Blocked, "；"); (tt.wantBlocked == "") != (got == "") || !strings.Contains(got, tt.wantBlocked) {
				t.Errorf("PlanUnit: got blocked %q, want one naming %q", got, tt.wantBlocked)
			}
			if len(p.Owners) != len(p.Blocked) {
				t.Errorf("PlanUnit: %d owners for %d reasons, want one each", len(p.Owners), len(p.Blocked))
			}
			if tt.wantKinds != nil && (p.Application.Source != "batch" || p.Application.Agent != "天山房地产" || p.Application.Applicants[0].Name != "张伟") {
				t.Errorf("PlanUnit: got application %+v, want the buyers' batch application through the developer", p.Application)
			}
		})
	}
}

// Each reason a flat waits names who must act on it, in the text and in
// Owners, in the same order.
func TestBlockBy(t *testing.T) {
	var p UnitPlan
	p.BlockBy([]problem.Reason{{Message: "该户已被查封", Fixer: "人民法院"}, {Message: "契税未缴", Fixer: "税务部门、买受人"}})
	if want := []string{"该户已被查封（人民法院）", "契税未缴（税务部门、买受人）"}; !slices.Equal(p.Blocked, want) {
		t.Errorf("Blocked: got %v, want %v", p.Blocked, want)
	}
	var owners []string
	for _, o := range p.Owners {
		owners = append(owners, o.Name)
	}
	if want := []string{"人民法院", "税务部门、买受人"}; !slices.Equal(owners, want) {
		t.Errorf("Owners: got %v, want %v", owners, want)
	}
}

func TestAnswerUtility(t *testing.T) {
	tests := []struct {
		name        string
		state, prev string
		org         int64
		done        bool
		reason      string
		wantState   string
		wantAgain   bool
		wantCode    string
	}{
		{"done", "requested", "", 7, true, "", "done", false, ""},
		{"refused with a reason", "requested", "", 7, false, " 欠费未清 ", "refused", false, ""},
		{"refused without a reason", "requested", "", 7, false, " ", "", false, "utility.reason"},
		{"another provider", "requested", "", 8, true, "", "", false, "access.denied"},
		{"the platform answers", "requested", "", 0, true, "", "done", false, ""},
		{"the same answer again", "refused", "欠费未清", 7, false, "欠费未清", "refused", true, ""},
		{"a different answer", "done", "", 7, false, "欠费未清", "", false, "utility.answered"},
		// A reason typed for a refusal and sent with 办结 is not kept: the
		// request is done, and sending 办结 again is the same answer.
		{"done with a stray reason", "requested", "", 7, true, "户主未到场", "done", false, ""},
		{"done again with a stray reason", "done", "", 7, true, "户主未到场", "done", true, ""},
	}
	for _, tt := range tests {
		a, again, err := AnswerUtility(tt.state, tt.prev, 7, tt.org, tt.done, tt.reason)
		got := ""
		if err != nil {
			got = problem.CodeOf(err)
		}
		if got != tt.wantCode || again != tt.wantAgain || (err == nil && a.State != tt.wantState) || (a.State == "done" && a.Reason != "") {
			t.Errorf("%s: got %+v again %v code %q, want state %q again %v code %q", tt.name, a, again, got, tt.wantState, tt.wantAgain, tt.wantCode)
		}
	}
}

func TestCheckReceiverAndAutoReview(t *testing.T) {
	if r, err := CheckReceiver("  张伟 "); err != nil || r != "张伟" {
		t.Errorf("CheckReceiver: got %q %v, want 张伟", r, err)
	}
	if _, err := CheckReceiver(" "); problem.CodeOf(err) != "handover.receiver" {
		t.Errorf("CheckReceiver of blank: got %v, want handover.receiver", err)
	}
	all := registry.Policy{AutoReview: []registry.ServiceKind{registry.First, registry.Transfer, registry.MortgageReg}}
	if err := CheckAutoReview(all); err != nil {
		t.Errorf("CheckAutoReview of every batch matter: got %v, want nil", err)
	}
	if err := CheckAutoReview(registry.Policy{AutoReview: []registry.ServiceKind{registry.Transfer}}); problem.CodeOf(err) != "handover.auto_review" {
		t.Errorf("CheckAutoReview without first registration: got %v, want handover.auto_review", err)
	}
}

func TestFixerParty(t *testing.T) {
	tests := []struct {
		fixer string
		want  identity.OrgKind
	}{
		{"开发企业（申请首次登记，可合并申请）", identity.Developer},
		{"买受人（申请转移登记，可一并申请）", identity.Individual},
		{"住建部门或登记机构（解锁）", identity.Housing},
		{"登记机构（核对登记簿）", identity.Registry},
		{"受理人员（核对登记簿）", identity.Registry},
		{"作出查封的人民法院或机关", ""},
		{"抵押权人（同意转让或注销抵押）", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FixerParty(tt.fixer); got.Kind != tt.want || got.Name != tt.fixer || got.OrgID != 0 {
			t.Errorf("FixerParty(%q) = %+v, want kind %q with the fixer as its name", tt.fixer, got, tt.want)
		}
	}
}
