package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/problem"
)

// zhang is an applicant with a valid 身份证号.
var zhang = Applicant{Name: "张伟", IDNumber: "652301199003071231"}

func TestTake(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		in       ApplicationInput
		wantCode string
		check    func(t *testing.T, a Application)
	}{
		{"no services", ApplicationInput{Applicants: []Applicant{zhang}}, "application.services", nil},
		{"blank applicants", ApplicationInput{Applicants: Named(" ", ""), Services: []ServiceInput{{Kind: Transfer, UnitID: 1}}}, "application.applicants", nil},
		{"unknown kind", ApplicationInput{Applicants: []Applicant{zhang}, Services: []ServiceInput{{Kind: "gift", UnitID: 1}}}, "application.kind", nil},
		{"a counter applicant without a document", ApplicationInput{Applicants: Named("张伟"), Services: []ServiceInput{{Kind: Transfer, UnitID: 1}}},
			"application.applicants", nil},
		{"a batch's applicant by name", ApplicationInput{Applicants: Named("张伟"), Source: "batch", Services: []ServiceInput{{Kind: Transfer, UnitID: 1}}}, "", nil},
		{"every fault at once", ApplicationInput{Applicants: []Applicant{{Name: "张伟", IDNumber: "652301199003071232"}, {Name: "李娜"},
			{Name: "天山房地产", IDNumber: "91652301MA78XKQ12A"}}, Services: []ServiceInput{{Kind: Transfer, UnitID: 1}, {Kind: "gift", UnitID: 1}, {Kind: "loan", UnitID: 1}}},
			"application.applicants", func(t *testing.T, a Application) {
				_, err := Take(ApplicationInput{Applicants: []Applicant{{Name: "张伟", IDNumber: "652301199003071232"}, {Name: "李娜"},
					{Name: "天山房地产", IDNumber: "91652301MA78XKQ12A"}}, Services: []ServiceInput{{Kind: Transfer, UnitID: 1}, {Kind: "gift", UnitID: 1},
					{Kind: "loan", UnitID: 1}}}, 7, at)
				fields := problem.As(err).Fields
				for _, want := range []string{"第1位申请人“张伟”：身份证号校验码错误：第18位应为1", "第2位申请人“李娜”缺少证件号码", "第3位申请人“天山房地产”：统一社会信用代码"} {
					if !strings.Contains(fields["applicants"], want) {
						t.Errorf("applicants: got %q, want it to say %q", fields["applicants"], want)
					}
				}
				if fields["services[1].kind"] == "" || fields["services[2].kind"] == "" || fields["services[0].kind"] != "" {
					t.Errorf("got fields %v, want the second and third services' kinds named, not the first's", fields)
				}
			}},
		{"accepted in order", ApplicationInput{Applicants: []Applicant{{Name: " 张伟 ", IDNumber: "652301199003071231"}, {Name: "李娜", IDNumber: "11010519491231002x"}},
			Agent: " 开发企业 ", Services: []ServiceInput{
				{Kind: First, UnitID: 1}, {Kind: Transfer, UnitID: 1, Holders: []Holder{{Name: "张伟"}}, Details: map[string]string{"price": "1"}}}}, "",
			func(t *testing.T, a Application) {
				if a.Source != "counter" || a.Agent != "开发企业" || len(a.Applicants) != 2 || a.Applicants[0].Name != "张伟" {
					t.Errorf("got source %q agent %q applicants %q, want counter, 开发企业, [张伟 李娜]", a.Source, a.Agent, a.Applicants)
				}
				if want := (Applicant{Name: "李娜", IDKind: IDCardKind, IDNumber: "11010519491231002X"}); a.Applicants[1] != want {
					t.Errorf("got %+v, want %+v (the check character upper-case, the kind named)", a.Applicants[1], want)
				}
				if len(a.Services) != 2 || a.Services[1].Seq != 2 || a.Services[1].State != Accepted || a.Services[1].AcceptedBy != 7 {
					t.Fatalf("got services %+v, want two accepted by 7 in order", a.Services)
				}
				if got := a.Services[1].Details["holders"]; got == "" || a.Services[1].Details["price"] != "1" {
					t.Errorf("got details %v, want the holders and the price kept", a.Services[1].Details)
				}
				if a.Services[0].Details == nil {
					t.Errorf("got nil details, want an empty map")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Take(tt.in, 7, at)
			if got := problem.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Take: got code %q, want %q (%v)", got, tt.wantCode, err)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name     string
		first    int64 // the project already joined (0: none)
		project  int64
		window   string
		wantCode string
	}{
		{"first service", 0, 5, "", ""},
		{"same project", 5, 5, "652301", ""},
		{"other project", 5, 6, "", "application.project"},
		{"other county's window", 0, 5, "652302", "registration.jurisdiction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Application{ProjectID: tt.first}
			err := a.Join(tt.project, "652301", tt.window)
			if got := problem.CodeOf(err); got != tt.wantCode {
				t.Fatalf("Join: got code %q, want %q", got, tt.wantCode)
			}
			if err == nil && (a.ProjectID != tt.project || a.Jurisdiction != "652301") {
				t.Errorf("got project %d jurisdiction %q, want %d 652301", a.ProjectID, a.Jurisdiction, tt.project)
			}
		})
	}
}

func TestCheckDetails(t *testing.T) {
	tests := []struct {
		name      string
		s         Service
		saleLoan  bool
		wantField string // the field named, "" when accepted
	}{
		{"loan mortgage needs nothing", Service{Kind: MortgageReg}, true, ""},
		{"own mortgage needs the bank", Service{Kind: MortgageReg, Details: map[string]string{"amount": "1"}}, false, "bank"},
		{"own mortgage needs the amount", Service{Kind: MortgageReg, Details: map[string]string{"bank": "3"}}, false, "amount"},
		{"seal needs the authority", Service{Kind: SealReg, Details: map[string]string{"doc_no": "x"}}, false, "authority"},
		{"seal needs the order", Service{Kind: SealReg, Details: map[string]string{"authority": "法院"}}, false, "doc_no"},
		{"objection needs a reason", Service{Kind: ObjectReg, Details: map[string]string{"reason": "  "}}, false, "reason"},
		{"correction needs a reason", Service{Kind: Correct}, false, "reason"},
		{"cancellation with a reason", Service{Kind: Cancel, Details: map[string]string{"reason": "清偿"}}, false, ""},
		{"transfer needs nothing here", Service{Kind: Transfer}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.CheckDetails(tt.saleLoan)
			var e *problem.Error
			got := ""
			if errors.As(err, &e) {
				for k := range e.Fields {
					got = k
				}
			}
			if got != tt.wantField {
				t.Errorf("CheckDetails: got field %q, want %q (%v)", got, tt.wantField, err)
			}
		})
	}
}

func TestSameMatterAndDuplicate(t *testing.T) {
	tests := []struct {
		name string
		s, o Service
		want bool
	}{
		{"same transfer", Service{Kind: Transfer, UnitID: 1}, Service{Kind: Transfer, UnitID: 1}, true},
		{"other unit", Service{Kind: Transfer, UnitID: 1}, Service{Kind: Transfer, UnitID: 2}, false},
		{"other kind", Service{Kind: Transfer, UnitID: 1}, Service{Kind: First, UnitID: 1}, false},
		{"same loan mortgage", Service{Kind: MortgageReg, UnitID: 1, ContractID: 9}, Service{Kind: MortgageReg, UnitID: 1, ContractID: 9}, true},
		{"another mortgage", Service{Kind: MortgageReg, UnitID: 1, ContractID: 9}, Service{Kind: MortgageReg, UnitID: 1, ContractID: 0}, false},
		{"seals may queue", Service{Kind: SealReg, UnitID: 1}, Service{Kind: SealReg, UnitID: 1}, false},
	}
	for _, tt := range tests {
		if got := tt.s.SameMatter(tt.o); got != tt.want {
			t.Errorf("%s: SameMatter got %v, want %v", tt.name, got, tt.want)
		}
	}
	err := Duplicate(Service{Kind: Transfer}, "652301-2026-000001")
	var e *problem.Error
	if !errors.As(err, &e) || e.Code != RuleDuplicate || len(e.Reasons) != 1 || e.Reasons[0].Basis == "" || e.Reasons[0].Fixer == "" {
		t.Fatalf("Duplicate: got %#v, want a refusal %s with its basis and fixer", err, RuleDuplicate)
	}
}

func TestPolicySchedule(t *testing.T) {
	p := Policy{Fees: map[ServiceKind]int64{Transfer: 8000}, AutoReview: []ServiceKind{Transfer}}
	due, today := calendar.MustDate("2026-12-18"), calendar.MustDate("2026-12-04")
	a := Application{Services: []Service{{Kind: Transfer}, {Kind: SealReg}}}
	p.Schedule(&a, due, today)
	if a.Services[0].DueOn != due || a.Services[0].Fee != 8000 || a.Services[1].DueOn != today {
		t.Errorf("Schedule: got %+v, want the transfer due %s with its fee and the seal due today", a.Services, due)
	}
	if p.AutoReviews(a) {
		t.Errorf("AutoReviews: got true for a seal, want false")
	}
	if !p.AutoReviews(Application{Services: []Service{{Kind: Transfer}}}) || p.AutoReviews(Application{}) {
		t.Errorf("AutoReviews: want true for transfers only, false for none")
	}
}

func TestPlanRecording(t *testing.T) {
	today := calendar.MustDate("2026-12-04")
	dev := Holder{Name: "开发企业", IDKind: "统一社会信用代码", IDNumber: "91652301"}
	devOwn := Entry{ID: 10, UnitID: 1, Kind: Ownership, RegType: RegFirst, Holders: []Holder{dev}}
	preSale := Entry{ID: 11, UnitID: 1, Kind: PreNotice, PreNoticeKind: PreNoticeSale, ContractID: 5, CertNo: "证明1"}
	preMortgage := Entry{ID: 12, UnitID: 1, Kind: PreNotice, PreNoticeKind: PreNoticeMortgage, ContractID: 5}
	buyer := Holder{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}
	sale := Sale{ContractID: 5, Buyers: []Holder{buyer}, Ownership: "单独所有", Price: decimal.NewFromInt(500000), Loan: true,
		LoanAmount: decimal.NewFromInt(300000), LoanYears: 20}
	bank := Holder{Name: "建设银行", IDKind: "统一社会信用代码"}
	f := RecordingFacts{Developer: dev, Sale: sale, Bank: bank, Today: today}
	app := Application{Applicants: Named("王五")}
	tests := []struct {
		name     string
		s        Service
		book     []Entry
		f        RecordingFacts
		wantCode string
		check    func(t *testing.T, r Recording)
	}{
		{"first", Service{Kind: First}, nil, f, "", func(t *testing.T, r Recording) {
			if r.Entry.Kind != Ownership || r.Entry.Holders[0] != dev || r.CertKind != 0 {
				t.Errorf("got %+v cert %v, want the developer's ownership without a certificate", r.Entry, r.CertKind)
			}
		}},
		{"first skips a registered unit", Service{Kind: First}, []Entry{devOwn}, f, "", func(t *testing.T, r Recording) {
			if !r.Skip {
				t.Errorf("got %+v, want Skip", r)
			}
		}},
		{"transfer without ownership", Service{Kind: Transfer, ContractID: 5}, nil, f, RuleOwnership, nil},
		{"transfer converts the pre-notice", Service{ID: 3, Kind: Transfer, ContractID: 5}, []Entry{devOwn, preSale}, f, "", func(t *testing.T, r Recording) {
			if r.Entry.Ends != 10 || r.Entry.Holders[0] != buyer || !r.Entry.Amount.Equal(sale.Price) || r.CertKind != code.Title {
				t.Errorf("got %+v, want the buyer's ownership ending entry 10 at the sale price with a title", r.Entry)
			}
			if len(r.Converts) != 1 || r.Converts[0].Ends != 11 || r.Converts[0].EndKind != Converted {
				t.Errorf("got converts %+v, want the sale pre-notice 11 converted", r.Converts)
			}
			if len(r.Cancels) != 1 || r.Cancels[0].Entry != 10 {
				t.Errorf("got cancels %+v, want the developer's certificate cancelled", r.Cancels)
			}
		}},
		{"resale needs transferees", Service{Kind: Transfer, Details: map[string]string{"holders": "[]"}}, []Entry{devOwn}, f, "application.holders", nil},
		{"loan of a sale paid in full", Service{Kind: MortgageReg, ContractID: 5}, []Entry{devOwn}, RecordingFacts{Sale: Sale{ContractID: 5}, Today: today}, "mortgage.no_loan", nil},
		{"loan mortgage converts the pre-mortgage", Service{Kind: MortgageReg, ContractID: 5}, []Entry{devOwn, preMortgage}, f, "", func(t *testing.T, r Recording) {
			e := r.Entry
			if e.Kind != Mortgage || e.Holders[0] != bank || !e.Amount.Equal(sale.LoanAmount) || e.Detail.TermEnd != "2046-12-04" || e.Obligor.IDNumber != buyer.IDNumber {
				t.Errorf("got %+v, want the bank's mortgage of the loan until 2046-12-04 owed by the buyer", e)
			}
			if len(r.Converts) != 1 || r.Converts[0].Ends != 12 || len(r.Cancels) != 1 || r.Cancels[0].Entry != 12 {
				t.Errorf("got converts %+v cancels %+v, want pre-mortgage 12 converted and its proof cancelled", r.Converts, r.Cancels)
			}
		}},
		{"own mortgage with a bad amount", Service{Kind: MortgageReg, Details: map[string]string{"bank": "3", "amount": "-1"}}, []Entry{devOwn}, f, "application.amount", nil},
		{"second seal waits", Service{Kind: SealReg, Details: map[string]string{"authority": "法院", "doc_no": "(2026)1号"}},
			[]Entry{devOwn, {ID: 13, Kind: Seal}}, f, "", func(t *testing.T, r Recording) {
				if !r.Entry.Detail.Waiting || r.Entry.Detail.SealKind != "轮候查封" {
					t.Errorf("got %+v, want a 轮候查封", r.Entry.Detail)
				}
			}},
		{"correction of a titled ownership", Service{ID: 4, Kind: Correct, EntryID: 14, Details: map[string]string{"reason": "姓名有误"}},
			[]Entry{{ID: 14, Kind: Ownership, CertNo: "证1", Holders: []Holder{buyer}}}, f, "", func(t *testing.T, r Recording) {
				if r.Entry.Ends != 14 || r.Entry.RegType != RegCorrection || r.Entry.CertNo != "" || r.CertKind != code.Title || r.Cancels[0].Entry != 14 {
					t.Errorf("got %+v cert %v, want a correction superseding 14 with a new title", r.Entry, r.CertKind)
				}
			}},
		{"correction of an untitled ownership", Service{Kind: Correct, EntryID: 10}, []Entry{devOwn}, f, "", func(t *testing.T, r Recording) {
			if r.CertKind != 0 {
				t.Errorf("got cert %v, want none: the first registration had no certificate", r.CertKind)
			}
		}},
		{"correction of an entry not on the book", Service{Kind: Correct, EntryID: 99}, []Entry{devOwn}, f, "application.entry", nil},
		{"objection", Service{Kind: ObjectReg, Details: map[string]string{"reason": "权属争议"}}, []Entry{devOwn}, f, "", func(t *testing.T, r Recording) {
			if r.Entry.Kind != Objection || r.Entry.Holders[0].Name != "王五" || r.CertKind != code.Proof {
				t.Errorf("got %+v, want an objection of 王五 with a proof", r.Entry)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := PlanRecording(app, tt.s, 1, tt.book, tt.f)
			if got := problem.CodeOf(err); got != tt.wantCode {
				t.Fatalf("PlanRecording: got code %q, want %q (%v)", got, tt.wantCode, err)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestResolveSale(t *testing.T) {
	tests := []struct {
		name         string
		s            Service
		filed        int64
		wantCode     string
		wantContract int64
	}{
		{"named is the filed sale", Service{Kind: Transfer, ContractID: 5}, 5, "", 5},
		{"named is another", Service{Kind: Transfer, ContractID: 6}, 5, "application.contract", 6},
		{"named, none filed", Service{Kind: MortgageReg, ContractID: 6}, 0, "application.contract", 6},
		{"unnamed takes the filed sale", Service{Kind: MortgageReg}, 5, "", 5},
		{"resale names its transferees", Service{Kind: Transfer, Details: map[string]string{"holders": "[]"}}, 0, "", 0},
		{"own mortgagee", Service{Kind: MortgageReg, Details: map[string]string{"bank": "3"}}, 0, "", 0},
		{"no sale and no transferees", Service{Kind: Transfer}, 0, "application.contract", 0},
		{"a seal has no sale", Service{Kind: SealReg}, 0, "", 0},
	}
	for _, tt := range tests {
		s := tt.s
		if got := problem.CodeOf(s.ResolveSale(tt.filed)); got != tt.wantCode || s.ContractID != tt.wantContract {
			t.Errorf("%s: ResolveSale got %q contract %d, want %q %d", tt.name, got, s.ContractID, tt.wantCode, tt.wantContract)
		}
	}
}

func TestCheckEntryAndMortgagee(t *testing.T) {
	s := Service{Kind: Cancel, UnitID: 4, EntryID: 9}
	for _, tt := range []struct {
		entryUnit int64
		wantCode  string
	}{{4, ""}, {5, "application.entry"}, {0, "application.entry"}} {
		if got := problem.CodeOf(s.CheckEntry(tt.entryUnit)); got != tt.wantCode {
			t.Errorf("CheckEntry(%d): got %q, want %q", tt.entryUnit, got, tt.wantCode)
		}
	}
	if h, err := Mortgagee("建设银行", "91650000", true); err != nil || h.IDKind != "统一社会信用代码" || h.IDNumber != "91650000" {
		t.Errorf("Mortgagee of a bank: got %+v %v", h, err)
	}
	if _, err := Mortgagee("某公司", "9165", false); problem.CodeOf(err) != "application.bank" {
		t.Errorf("Mortgagee of another organisation: got %v, want application.bank", err)
	}
}
