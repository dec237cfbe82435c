package web

import (
	"html/template"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/chart"
	"handover/internal/code"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/exchange"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
	"handover/internal/tax"
)

// samplePages returns one filled page struct per template. Adding a
// template without a sample fails TestEveryTemplateRenders.
// sampleInquiry is a court's answered register query.
var sampleInquiry = store.Inquiry{ID: 1, Number: "CX6523012026000001", Jurisdiction: "652301",
	Request: inquiry.Request{Requester: inquiry.StateOrgan, Name: "马骏", Org: "昌吉市人民法院", Purpose: "执行案件", Basis: inquiry.Letter, BasisNo: "函1",
		By: inquiry.ByUnitNo, Key: "652301004007GB00121F00080129", Channel: inquiry.Counter},
	Result: inquiry.Result{Number: "CX6523012026000001", Requester: "国家机关", Name: "马骏", Org: "昌吉市人民法院", Purpose: "执行案件", Basis: "协助查询文书（公函）",
		UnitNo: "652301004007GB00121F00080129", Location: "昌吉市 8号楼1单元2001", Sealed: true,
		Holders: []inquiry.ResultHolder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231"}},
		Rights:  []inquiry.Right{{Kind: "查封", RecordedOn: "2026-11-24", Detail: "昌吉市人民法院"}}, Authority: "昌吉市不动产登记中心", QueriedAt: "2026-11-28 11:00"}}

func samplePages() map[string]any {
	p := &identity.Principal{
		User:         identity.User{ID: 1, Username: "shouli", Name: "李娜", Roles: []identity.Role{identity.RoleAcceptor, identity.RoleAdmin}},
		Org:          identity.Org{ID: 2, Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301"},
		Jurisdiction: identity.Jurisdiction{Code: "652301", Name: "昌吉市", Kind: identity.County},
	}
	b := Base{Title: "标题", P: p, Nav: nav(p, "/"), Flash: "已保存", Today: calendar.MustDate("2026-03-10"), Path: "/"}
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	user := identity.User{ID: 5, Username: "wangfang", Name: "王芳", OrgID: 2, Roles: []identity.Role{identity.RoleBuyer},
		IDNumber: "440524188001010014", LockedUntil: now.Add(time.Hour), CreatedAt: now}
	org := identity.Org{ID: 2, Name: "昌吉市不动产登记中心", Kind: identity.Registry, Jurisdiction: "652301", USCC: "914403001922038216"}
	notice, _ := calendar.ParseNotice("范围 650000 新疆\n年度 2026\n标题 t\n休 2026-03-20 至 2026-03-22 肉孜节\n")
	check, _ := code.Check("unit", "652301001002GB00123F00030012", nil)
	proj := ledger.Project{ID: 1, Name: "天山·悦府", DeveloperName: "天山", Jurisdiction: "652301", Address: "a",
		PlannedDelivery: calendar.MustDate("2026-12-18"), Reform: true, TotalInvestment: decimal.RequireFromString("100"), Invested: decimal.RequireFromString("30")}
	building := ledger.Building{ID: 7, ProjectID: 1, Parcel: "652301004007GB00121", Number: 1, Name: "1号楼", FloorsAbove: 2, FloorsBelow: 1}
	unit := ledger.Unit{ID: 9, BuildingID: 7, Number: 1, UnitNo: "652301004007GB00121F00010001", Room: "1单元101", Floor: 1, Purpose: "住宅",
		Forecast: ledger.Areas{Total: decimal.RequireFromString("112.35"), Inner: decimal.RequireFromString("92.40"), Shared: decimal.RequireFromString("19.95"), Ratio: decimal.RequireFromString("0.215909")}}
	measured := unit
	measured.ID, measured.Number, measured.Measured = 10, 2, unit.Forecast
	table := ledger.BuildTable(building, []ledger.Floor{{Actual: 1, Named: "1"}, {Actual: 2, Named: "2"}},
		[]ledger.TableCell{{Unit: unit, Status: ledger.Status{Permit: "valid"}}, {Unit: measured, Status: ledger.Status{Locked: true}}})
	contract := presale.Contract{ID: 5, Number: "652301YS20260000001", UnitID: 9, State: presale.Filed, Ownership: presale.Shares, PriceBasis: presale.ByGross,
		UnitPrice: decimal.RequireFromString("6800"), PriceArea: decimal.RequireFromString("112.35"), TotalPrice: decimal.RequireFromString("763980"),
		Payment: presale.Commercial, LoanAmount: decimal.RequireFromString("500000"), LoanYears: 25, LoanNo: "L1", HomeCount: presale.FirstHome, Marital: "已婚",
		EscrowBank: "建行", EscrowAcct: "1", DeliveryDate: calendar.MustDate("2027-01-01"), AreaClause: true, RegistrationDays: 90,
		LateDeliveryRate: decimal.RequireFromString("3"), LateCertificateRate: decimal.RequireFromString("3"), SignedAt: now, FiledAt: now,
		Digest: "ab", PreNoticeNo: "新(2026)昌吉市不动产证明第0000001号", EndReason: "r",
		Buyers: []presale.Buyer{{Name: "张伟", IDNumber: "652301199003071231", ShareNum: 1, ShareDen: 2, Confirmed: now}, {Name: "李娜", IDNumber: "65230120000229456X", ShareNum: 1, ShareDen: 2}}}
	dl := calendar.Deadline{Start: calendar.MustDate("2025-03-27"), Workdays: 5, Due: calendar.MustDate("2025-04-07"),
		Skipped: []calendar.DayInfo{{Date: calendar.MustDate("2025-03-29"), Name: "肉孜节"}}, Warnings: []string{"w"}}
	out := map[string]any{
		"error": ErrorPage{Base: b, Status: 422, Code: "x.y", Message: "拒绝", Ref: "abcd",
			Reasons: []problem.Reason{{Rule: "r", Subject: "652301001002GB00123F00030012", Message: "m", Basis: "b", Fixer: "f"}}},
		"login":     LoginPage{Base: b, Username: "u", Next: "/", Error: "用户名或密码错误"},
		"home":      HomePage{Base: b, Roles: p.User.Roles, Cards: []HomeCard{{Title: "t", Count: 3, Unit: "件", Href: "/", Note: "n", Warn: true}}, Links: b.Nav},
		"orgs":      OrgListPage{Base: b, Orgs: []identity.Org{org}, JNames: map[string]string{"652301": "昌吉市"}, Kinds: identity.OrgKinds, Kind: "registry", CanManage: true},
		"org_form":  OrgFormPage{Base: b, Form: OrgForm{Name: "n", Kind: "utility", Service: "water"}, Errors: map[string]string{"uscc": "bad"}, Message: "m", Kinds: identity.OrgKinds, Services: identity.Services, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}},
		"users":     UserListPage{Base: b, Users: []identity.User{user}, Orgs: map[int64]identity.Org{2: org}, CanManage: true},
		"user_form": UserFormPage{Base: b, Form: UserForm{OrgID: 2, Roles: map[identity.Role]bool{identity.RoleAcceptor: true}}, Errors: map[string]string{"roles": "x"}, Orgs: []identity.Org{org}, Roles: identity.Roles},
		"user": UserDetailPage{Base: b, User: user, Org: org, Locked: true, Allowed: identity.RolesFor(identity.Registry),
			Has: map[identity.Role]bool{identity.RoleAcceptor: true}, NewToken: "hov_x", CanManage: true,
			Tokens: []store.Token{{ID: 1, Name: "n", Prefix: "hov_abcdef", CreatedAt: now}, {ID: 2, Name: "m", Prefix: "hov_123456", CreatedAt: now, RevokedAt: now}}},
		"calendar": CalendarPage{Base: b, Notices: []calendar.Notice{notice}, Text: "x", Preview: &notice, Errors: map[string]string{"line 1": "x"}, Message: "m"},
		"audit": AuditPage{Base: b, NextPage: "/audit?before=1", Before: 9, NewestPage: "/audit", Pager: Pager{Total: 10000, More: true, First: 9951, Last: 10000, Number: 200, Pages: 200, Prev: "/audit?page=199"}, Kinds: audit.RecordKinds(), ActionNames: actionNames(), Matched: []string{"新建用户"}, ShowRaw: true,
			Events: []AuditRow{{Event: audit.Event{ID: 1, At: now, Action: "user.create", RecordType: "user", RecordID: "5",
				Actor: audit.Actor{Name: "a", OrgName: "o", Addr: "127.0.0.1"}, Summary: `{"after":{"name":"张三"}}`}, Label: "新建用户", Record: "用户 张三（#5）",
				Details: []AuditDetail{{"名称", "张三"}}}}},
		"tools":     ToolsPage{Base: b, Kind: "unit", Value: "652301001002GB00123F00030012", Kinds: code.Kinds, Check: &check, Start: "2025-03-27", Workdays: "5", Region: "650000", Deadline: &dl},
		"apidocs":   APIDocsPage{Base: b},
		"eventdocs": EventDocsPage{Base: b, Events: []EventDoc{{Type: exchange.EventTypes()[0], Fields: exchange.Payload(exchange.ContractFiled), Schema: "{}"}}, Snippets: Snippets{Go: "g", Java: "j", Python: "p"}},

		"projects": ProjectListPage{Base: b, List: store.Listed[store.ListedProject]{Rows: []store.ListedProject{{Project: proj, PermitsToConfirm: 2, PresaleSubmitted: true}, {Project: ledger.Project{ID: 2}}}, Total: 2, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 2, First: 1, Last: 2, Number: 1, Pages: 1}, JNames: map[string]string{"652301": "昌吉市"}, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}, Jurisdiction: "652301",
			Show: "permits", Tabs: []ListTab{{Label: "全部", Href: "/projects"}, {Show: "permits", Label: "待确认许可证", Href: "/projects?show=permits"}}, Q: "悦府", ClearHref: "/projects?show=permits", CanCreate: true},
		"project_form": ProjectFormPage{Base: b, Form: projectFormOf(proj), Errors: map[string]string{"name": "x"}, Message: "m", Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}},
		"project":      projectSample(b, proj, now),
		"building":     BuildingPage{Base: b, Project: proj, Table: table, States: ledger.States, Others: []store.BuildingSummary{{Building: building}, {Building: ledger.Building{ID: 8, Name: "2号楼"}}}},
		"unit": UnitPage{Base: b, Refusals: []store.Refusal{{Action: "contract.draft", Rules: "contract.unit_taken", At: now}}, Ref: store.UnitRef{Unit: unit, Building: building, Project: proj}, Status: ledger.Status{Locked: true}, State: ledger.Restricted,
			CanLock: true, CanDraft: true, Contracts: []presale.Contract{contract}, Book: bookSample(now), Statuses: registry.Statuses(bookSample(now)), Errors: map[string]string{"reason": "x"}},
		"presale": PresaleQueuePage{Base: b, Queue: []store.PresaleApplication{{ID: 1, ProjectID: 1, ProjectName: "p", SubmittedAt: now}}, Permits: []PermitRow{{Number: "n", Project: "p", State: "有效"}}},
		"credit": CreditPage{Base: b, Current: store.Listed[credit.Listing]{Rows: []credit.Listing{{Name: "dev", Reason: "r", At: now}}, Total: 1, Page: store.Page{Number: 1, Size: 50}},
			CurrentPager: Pager{Total: 1, First: 1, Last: 1, Number: 1, Pages: 1},
			History:      store.Listed[credit.Listing]{Rows: []credit.Listing{{Name: "dev", Listed: true, At: now}}, Total: 51, Page: store.Page{Number: 2, Size: 50}},
			HistoryPager: Pager{Total: 51, First: 51, Last: 51, Number: 2, Pages: 2, Prev: "/credit?hpage=1", Start: "/credit?hpage=1"},
			Developers: store.Listed[store.CreditDeveloper]{Rows: []store.CreditDeveloper{{Org: org, Listed: true, Appeals: 2, Assessment: credit.Assessment{Score: 85, Level: credit.LevelB}}},
				Total: 1, Page: store.Page{Number: 1, Size: 50}}, Pager: Pager{Total: 1, First: 1, Last: 1, Number: 1, Pages: 1},
			Show: "appeals", Tabs: []ListTab{{Label: "全部", Href: "/credit"}, {Show: "appeals", Label: "有待复核申诉的", Href: "/credit?show=appeals"}}, Q: "x",
			Keep: ListState{Show: "appeals", Q: "x", Page: 1}, ClearHref: "/credit?show=appeals", CanManage: true, Message: "m",
			Errors: map[string]string{"reason": "x"}, Form: credit.Listing{Developer: org.ID, Listed: true, Reason: "r"}},
		"creditrecord": CreditRecordPage{Base: b, Record: store.CreditRecord{Developer: 3, Name: "dev", Listed: true, Events: creditEventsSample(now),
			Assessment: credit.Assessment{Score: 55, Level: credit.LevelD, At: now}},
			Events: store.Listed[credit.Event]{Rows: creditEventsSample(now), Total: 53, Page: store.Page{Number: 1, Size: 50}},
			Pager:  Pager{Total: 53, First: 1, Last: 3, Number: 1, Pages: 2, Next: "/credit/developers/3?page=2", End: "/credit/developers/3?page=2"}, Keep: ListState{Page: 2},
			Kinds: credit.EventKinds, Levels: []credit.Level{credit.LevelA, credit.LevelD}, CanAppeal: true, CanManage: true, Message: "m",
			Errors: map[string]string{"points": "x"}, Form: map[string]string{"points": "40"}},
		"settings": SettingsPage{Base: b, Scheduled: []store.ScheduledSetting{{Key: "alert.delivery_days", Value: "25", EffectiveOn: "2026-03-11", Reason: "通知", SetBy: "管理员"}}, Change: SettingChangeForm{Reason: "r"}, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}, Current: "652301", Values: map[string]string{credit.PresalePermit: "review"}, Keys: settingKeys(),
			Thresholds: supervision.ThresholdSettings, Errors: map[string]string{supervision.SettingClockDays: "应为1至20之间的整数"}, Message: "预警阈值有误"},
		"contracts": ContractListPage{Base: b, List: store.Listed[store.ListedContract]{Rows: []store.ListedContract{{Contract: contract, Room: "1号楼 1单元101", Project: "p"}}, Total: 1, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 1, First: 1, Last: 1, Number: 1, Pages: 1}, States: []presale.ContractState{presale.Draft}, State: "draft", Q: "101", Project: 1, OverdueHref: "/contracts?overdue=1&project=1", ClearHref: "/contracts?project=1"},
		"contract_form": ContractFormPage{Base: b, Ref: store.UnitRef{Unit: unit, Building: building, Project: proj}, Form: defaultForm(9, calendar.MustDate("2027-01-01")), Banks: []identity.Org{org}, Errors: map[string]string{"unit_price": "x"}, Message: "m", Reasons: []problem.Reason{{Message: "r"}}},
		"contract":      contractSample(b, contract, unit, building, proj, now),
		"contract_doc":  contractDocSample(b, contract, unit, building, proj, now),
		"fund": FundPage{Base: b, Project: proj, Facts: &presale.FundFacts{Account: presale.FundAccount{BankName: "建行", Number: "1", Supervised: decimal.RequireFromString("100")}, Nodes: presale.DefaultNodes(), Milestones: map[string]calendar.Date{presale.MilestoneStructure: calendar.MustDate("2026-01-01")}}, Nodes: presale.DefaultNodes(), Milestones: []string{presale.MilestoneStructure}, CanDecide: true, CanDeposit: true, CanWithdraw: true, Withdrawals: []presale.Withdrawal{{ID: 1, Node: "structure", Amount: decimal.RequireFromString("1"), State: "requested", RequestedAt: now, ExtraReview: true}}, Message: "m", Reasons: []problem.Reason{{Message: "r"}},
			Refused: []store.RefusedWithdrawal{{Node: "completion", Amount: "8000000.00", Rules: []string{"fund.milestone", "fund.cap"}, At: now}}},
		"partners": PartnersPage{Base: b, Endpoints: []exchange.Endpoint{{Name: "n", URL: "https://x", Events: []string{"contract.filed"}, Active: true},
			{ID: 2, Name: "m", URL: "https://y", Events: []string{"contract.filed"}, PreviousSecret: "p", PreviousUntil: now.Add(time.Hour)}}, Now: now,
			Rotated: exchange.Endpoint{ID: 2, Name: "m", PreviousUntil: now.Add(time.Hour)}, Deliveries: store.Listed[store.Delivery]{Rows: []store.Delivery{{ID: 1, State: "pending", Attempts: 2, LastStatus: 503, LastError: "e", NextAt: now}}, Total: 1, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 1, First: 1, Last: 1, Number: 1, Pages: 1}, Keep: ListState{Show: "failed", Q: "备案", Page: 1}, Endpoint: 1, Orgs: []identity.Org{org}, Events: exchange.EventTypes(), Secret: "s", Message: "m",
			Health: []store.EndpointHealth{{Endpoint: exchange.Endpoint{ID: 1, Name: "n"}, Delivered: 3, Backlog: 2, Failing: 1, Dead: 1, OldestPending: now, LastError: "503"}}, MaxAttempts: 16},
		"public": PublicPage{Base: b, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}, Projects: []store.ProjectDetail{projectSample(b, proj, now).D}},
		"publicproject": PublicProjectPage{Base: b, Detail: projectSample(b, proj, now).D, Ready: 3, Sold: 4, HandedOver: 4, SameDay: 4, Meets: true, UnitCounts: []UnitConditionCount{{Label: "契税尚未缴纳", Units: 1}},
			Conditions: []handover.Condition{{Reason: problem.Reason{Rule: "x", Message: "尚未办理竣工验收备案", Subject: "1号楼", Basis: "b"}, SubjectKind: "building"}},
			Events:     []handover.Event{{HeldOn: calendar.MustDate("2026-11-27"), Place: "售楼部", Done: 4}}},
		"guide": func() GuidePage {
			ms := handover.Guides(handover.GuideSettings{Registration: registry.Policy{Days: 5, SecondReview: true, AutoReview: []registry.ServiceKind{registry.Transfer},
				Fees: map[registry.ServiceKind]int64{registry.Transfer: 8000}}, PresaleEffect: credit.Review, Departments: []string{"fire"}, AcceptanceDays: 5})
			return GuidePage{Base: b, Jurisdictions: []identity.Jurisdiction{p.Jurisdiction}, Current: "652301", Name: "昌吉市", Matters: ms,
				Guide: &ms[0], Flow: flowChart(ms[0])}
		}(),
	}
	for k, v := range completionSamples(b, proj, building, unit, measured, contract, now) {
		out[k] = v
	}
	for k, v := range registrationSamples(b, proj, building, unit, now) {
		out[k] = v
	}
	for k, v := range paperSamples(b, now) {
		out[k] = v
	}
	return out
}

// creditEventsSample are a developer's records: appealed, a staff
// finding, and one whose appeal was granted.
func creditEventsSample(now time.Time) []credit.Event {
	return []credit.Event{{ID: 1, Kind: credit.LateDelivery, Points: 10, OccurredAt: now, Appeal: &credit.Appeal{EventID: 1, Reason: "不可抗力"}},
		{ID: 2, Kind: credit.StaffFinding, Points: 5, Source: "staff", Evidence: "检查记录", OccurredAt: now},
		{ID: 3, Kind: credit.CommitmentBreach, Points: 5, OccurredAt: now, Appeal: &credit.Appeal{EventID: 3, Decision: credit.Granted, Note: "n"}}}
}

// registrationSamples fill the registration, certificate and handover pages.
func registrationSamples(b Base, proj ledger.Project, building ledger.Building, unit ledger.Unit, now time.Time) map[string]any {
	d := decimal.RequireFromString
	svc := registry.Service{ID: 1, Seq: 1, Kind: registry.Transfer, UnitID: 9, ContractID: 5, State: registry.Approved, Fee: 8000,
		DueOn: calendar.MustDate("2026-04-21"), AutoReview: true, Details: map[string]string{"bank": "3"}, ReturnReason: "r"}
	app := registry.Application{ID: 1, Number: "652301-2026-000001", Jurisdiction: "652301", ProjectID: 1, Applicants: []registry.Applicant{{Name: "张伟", IDNumber: "652301199003071231"}}, Agent: "a",
		Source: "counter", State: "open", CreatedAt: now, Services: []registry.Service{svc}}
	cert := store.Certificate{ID: 1, Kind: certificate.Title, Number: "新(2026)昌吉市不动产权第0000001号", LicenceID: "1.2.156.3005.2.x", UnitID: 9,
		Holder: "张伟", Signature: []byte{1}, State: "cancelled", CancelReason: "转移", PaperSerial: "65000001", Delivery: "mail", TrackingNo: "SF1", DeliveredAt: now}
	payload := certificate.Payload{Kind: certificate.Title, Number: cert.Number, Holders: []certificate.Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231", Share: "1/2"}},
		Ownership: "按份共有", UnitNo: unit.UnitNo, Location: "昌吉市", RightType: "国有建设用地使用权/房屋所有权", RightKind: "出让/市场化商品房", Use: "住宅",
		Area: "112.35㎡", Term: "至2086-01-01", Notes: "n", Authority: "昌吉市不动产登记中心", IssuedOn: "2026-03-10"}
	proof := payload
	proof.Kind, proof.Matter, proof.Obligor, proof.Amount = certificate.Proof, "抵押权", "张伟", "500000.00"
	ver := certificate.VerificationJSON{LicenceID: cert.LicenceID, SignatureValid: true, State: "现势", Status: []string{"现势", "已抵押"}, Holders: []string{"张*"},
		CancelReason: "c", CheckedAt: now}
	ev := handover.Event{ID: 1, ProjectID: 1, Buildings: []int64{7}, HeldOn: calendar.MustDate("2026-03-20"), Place: "售楼部", Mode: handover.OnSite,
		NoticeOn: calendar.MustDate("2026-03-05"), State: "running", Total: 3, Done: 1, Blocked: 1}
	units := []handover.UnitOutcome{{UnitID: 9, Room: "1单元101", State: handover.HandedOver, ApplicationID: 1, HandedOverOn: ev.HeldOn, CertifiedOn: ev.HeldOn, Receiver: "张伟"},
		{UnitID: 10, Room: "1单元102", State: handover.UnitBlocked, Reasons: []string{"契税尚未缴纳（税务局）"}}}
	assessment := tax.Assessment{ContractID: 5, UnitID: 9, Base: d("763980"), Area: d("112.35"), Home: presale.FirstHome, Rate: d("0.015"), Amount: d("11459.70"), Voucher: "v"}
	paid := assessment
	paid.PaidAt = now
	util := store.UtilityRequest{ID: 1, UnitID: 9, Room: "1号楼 1单元101", OrgName: "供水公司", Service: "water", Holder: "张伟", State: "requested"}
	refused := util
	refused.State, refused.Reason = "refused", "欠费"
	mort := registry.Entry{ID: 3, Kind: registry.Mortgage, Amount: d("500000"), Obligor: registry.Holder{Name: "张伟"}, CertNo: "c",
		Detail: registry.Detail{Rank: 1, TermStart: "2026-03-10", TermEnd: "2051-03-10", NoTransfer: true}}
	book := append(bookSample(now), registry.Entry{ID: 4, Kind: registry.Seal, RegType: registry.RegSeal, Detail: registry.Detail{SealKind: "轮候查封", Authority: "法院", DocNo: "执1号", Waiting: true}, RecordedAt: now}, mort)
	return map[string]any{
		"registration": RegistrationPage{Base: b, Tabs: queueTabs, State: registry.Accepted, CanApply: true, CanRestrict: true, Errors: map[string]string{"parcel": "x"}, Message: "m",
			Lines: []QueueLine{{QueueRow: store.QueueRow{Application: app, Service: svc, Room: "1号楼 1单元101", Project: "p"}, Left: 3}, {QueueRow: store.QueueRow{Application: app, Service: svc}, Overdue: true}}},
		"application_form": NewApplicationPage{Base: b, Applicants: "张伟", Lines: []ServiceForm{{Kind: "transfer", UnitNo: unit.UnitNo}, {}}, Kinds: registry.ServiceKinds,
			Banks: []identity.Org{{ID: 3, Name: "建行"}}, Errors: map[string]string{"unit_no_0": "x", "details": "y"}, Message: "m", Reasons: []problem.Reason{{Message: "r"}}},
		"application": ApplicationPage{Base: b, App: app, Lines: []ServiceLine{{Service: svc, Place: "1号楼 1单元101", Left: -1}}, Next: registry.StepRecord, CanStep: true, CanWithdraw: true,
			Blocks: []problem.Reason{{Rule: "transfer.deed_tax", Message: "契税尚未缴纳", Basis: "b", Fixer: "f"}}, Materials: [][3]string{{"合同备案", "652301YS1", "n"}},
			History: []HistoryLine{{StepRecord: store.StepRecord{Step: registry.StepAccept, ByName: "李娜", At: now, Note: "n"}, Services: []string{"首次登记", "转移登记"}}}, Certificates: []store.Certificate{cert},
			Errors: map[string]string{"reason": "x"}, Message: "m", Reasons: []problem.Reason{{Message: "r"}}},
		"certificate": CertificatePage{Base: b, Cert: cert, Content: payload, VerifyURL: "http://x/verify/1", CanDownload: true, Current: ver,
			Seal: template.HTML(certificate.Seal("昌吉市不动产登记中心", certificate.SealPurpose))},
		"verify": VerifyPage{Base: b, Query: cert.LicenceID, Result: &ver, Message: "m"},
		"handovers": HandoverListPage{Base: b, Project: proj, Events: []handover.Event{ev}, Buildings: []ledger.Building{building}, CanManage: true,
			Ready: handover.Report{Units: 3, ReadyUnits: 1}, Form: handover.Input{Buildings: []int64{7}, Mode: "onsite"}, Errors: map[string]string{"notice_on": "x"},
			Message: "m", Reasons: []problem.Reason{{Message: "r"}}},
		"handover": HandoverPage{Base: b, Project: proj, Event: ev, List: store.Listed[handover.UnitOutcome]{Rows: units, Total: len(units), Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: len(units), First: 1, Last: len(units), Number: 1, Pages: 1}, Tally: store.HandoverTally{Pending: 1, SameDay: 1}, Show: handover.UnitBlocked,
			Keep: ListState{Show: "blocked", Q: "1号楼", Page: 2}, CanManage: true, Message: "m",
			HasRehearsal: true, Rehearsal: store.Rehearsal{ID: 1, Total: 3, Ready: 1, Blocked: 2, Problems: []string{"签名密钥未解锁"},
				Units: []store.RehearsalUnit{{UnitID: 1, Room: "1号楼 101", Reasons: []string{"契税未缴（税务局、买受人）"}, Owners: []handover.Party{{Name: "税务局、买受人"}}}}},
			Comparison: store.RehearsalComparison{Rehearsed: true, Blocked: 2, Foreseen: 1, Unforeseen: units[:1]}},
		"handover_index": HandoverIndexPage{Base: b, Rows: []HandoverIndexRow{{Project: proj, Events: []handover.Event{ev}}, {Project: proj}}},
		"deedtaxes": DeedTaxesPage{Base: b, List: store.Listed[store.ListedDeedTax]{Rows: []store.ListedDeedTax{{Assessment: assessment, Room: "1号楼 1单元101", ProjectID: 1, ProjectName: "p"}, {Assessment: paid}}, Total: 2, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 2, First: 1, Last: 2, Number: 1, Pages: 1}, Show: "unpaid", Keep: ListState{Show: "unpaid"}, CanManage: true},
		"deedtax": DeedTaxPage{Base: b, Project: proj, List: store.Listed[store.ListedDeedTax]{Rows: []store.ListedDeedTax{{Assessment: assessment, Room: "1号楼 1单元101"}, {Assessment: paid}}, Total: 2, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 2, First: 1, Last: 2, Number: 1, Pages: 1}, Assessed: 2, Paid: 1, Show: "unpaid", Keep: ListState{Show: "unpaid"}, CanManage: true, Message: "m"},
		"my": MyPage{Base: b, Applications: []registry.Application{app}, Units: []MyUnit{{Ref: store.UnitRef{Unit: unit, Building: building, Project: proj},
			Handover: &units[0], Tax: &paid, Certificates: []store.Certificate{cert}, Utilities: []store.UtilityRequest{util, refused}, Book: book, Statuses: registry.Statuses(book)}, {}}},
		"inquiries": InquiriesPage{Base: b, Form: inquiry.Request{Requester: inquiry.Interested, By: inquiry.ByUnitNo}, Requesters: inquiry.Requesters,
			Bys: inquiry.Bys, Recent: []store.Inquiry{sampleInquiry}, Errors: map[string]string{"basis": "须提交合同"}, Message: "查询申请填写有误"},
		"inquiry":        InquiryPage{Base: b, Inquiry: sampleInquiry, VerifyURL: "http://x/verify/inquiry/CX6523012026000001?token=t"},
		"inquiry_verify": InquiryVerifyPage{Base: b, Number: "CX6523012026000001", Check: &store.InquiryCheck{Inquiry: sampleInquiry, SignatureValid: true, Full: true}},
		"mortgages": MortgagesPage{Base: b, List: store.Listed[store.MortgageRow]{Rows: []store.MortgageRow{{Entry: mort, Room: "1单元101", Project: "p", Status: registry.Current,
			Proof: store.Certificate{ID: 1, Kind: certificate.Proof, Number: mort.CertNo, Signature: []byte{1}, State: "live"}}, {Entry: mort, Room: "1单元102", Project: "p"}},
			Total: 2, Page: store.Page{Number: 1, Size: 50}}, Pager: Pager{Total: 2, First: 1, Last: 2, Number: 1, Pages: 1}, Q: "1单元", Current: 1, All: 2},
		"utilities": UtilitiesPage{Base: b, List: store.Listed[store.UtilityRequest]{Rows: []store.UtilityRequest{util, refused}, Total: 2, Page: store.Page{Number: 1, Size: 50}},
			Pager: Pager{Total: 2, First: 1, Last: 2, Number: 1, Pages: 1}, Waiting: 1, Show: "waiting", Keep: ListState{Show: "waiting"}, Message: "m", Chosen: map[int64]bool{util.ID: true}},
	}
}

// completionSamples fill the completion stage's pages.
func completionSamples(b Base, proj ledger.Project, building ledger.Building, unit, measured ledger.Unit, contract presale.Contract, now time.Time) map[string]any {
	d := decimal.RequireFromString
	survey := completion.Survey{ID: 3, ProjectID: 1, BuildingID: 7, SurveyorName: "测绘院", ReportNo: "CJCH-2026-031", BuildingTotal: d("300"), LandArea: d("1"),
		FloorArea: d("2"), State: completion.Submitted, Source: "api", SubmittedAt: now, DecidedAt: now, Note: "n",
		Units: []completion.UnitMeasure{{UnitID: 9, UnitNo: unit.UnitNo, Room: unit.Room, Areas: unit.Forecast, Reason: "r"}}}
	task := completion.Task{ID: 1, CaseID: 2, Round: 1, Department: "fire", OrgName: "消防救援大队", StartedOn: calendar.MustDate("2026-03-02"),
		DueOn: calendar.MustDate("2026-03-09"), Result: completion.Fail, Reasons: "消防车道", DecidedAt: now, Attachments: []completion.Attachment{{ID: 1, Name: "a.jpg", SM3: "ab"}}}
	open := task
	open.Result, open.Round = completion.Pending, 2
	acase := completion.Case{ID: 2, ProjectID: 1, Buildings: []int64{7}, State: completion.Rejected, Round: 2, AppliedAt: now, OpinionNo: "652301LHYS20260001",
		OpinionAt: now, Tasks: []completion.Task{task, open}}
	item := completion.Item{ID: 4, ProjectID: 1, Kind: completion.Infrastructure, Due: d("128000"), Paid: d("100000"), Evidence: "e", Note: "n"}
	cleared := item
	cleared.Kind, cleared.Paid, cleared.ClearedAt = completion.LandPremium, d("128000"), now
	maint := completion.Item{ID: 5, UnitID: 9, Kind: completion.Maintenance, Due: d("13482"), Note: "n"}
	filing := completion.Filing{ID: 1, Buildings: []int64{7}, Number: "昌建竣备〔2026〕1号", FiledOn: calendar.MustDate("2026-03-02"), DueOn: calendar.MustDate("2026-03-30")}
	clock := &handover.Clock{FilingID: 1, FiledOn: filing.FiledOn, DueOn: filing.DueOn, WorkdaysLeft: 14}
	cond := handover.Condition{Reason: problem.Reason{Rule: "handover.deed_tax", Message: "契税尚未缴纳", Subject: "1单元101", Basis: "契税法", Fixer: "税务局"},
		SubjectKind: "unit", SubjectID: 9, Responsible: handover.Party{Name: "税务局"}, Clock: clock}
	report := handover.Report{Target: handover.Delivery, At: now, Conditions: []handover.Condition{cond}, Clocks: map[int64]*handover.Clock{7: clock}, Units: 2, ReadyUnits: 1,
		Warnings: []string{"w"}}
	settlement := completion.Reconcile(presale.ByGross, d("6800"), d("763980"), unit.Forecast, ledger.Areas{Total: d("117"), Inner: d("96"), Shared: d("21")})
	area := store.AreaRow{Contract: contract, Unit: measured, Settlement: settlement, Decision: "keep"}
	cpage := contractSample(b, contract, unit, building, proj, now)
	cpage.Area, cpage.CanDecideArea = &area, true
	return map[string]any{
		"completion": CompletionPage{Base: b, Project: proj, SurveyorName: "测绘院", Surveyors: []identity.Org{{ID: 1, Name: "测绘院"}},
			Buildings: []CompletionBuilding{{Building: building, Units: 2, Survey: &survey, Accepted: true, InCase: true}, {Building: ledger.Building{ID: 8, Name: "2号楼"}, Filed: true}},
			Cases:     []completion.Case{acase}, Items: []completion.Item{item, cleared}, Maintenance: [2]int{1, 2}, Filings: []completion.Filing{filing},
			Commitments: []completion.Commitment{{ID: 1, Title: "竣工结算备案", DueOn: calendar.MustDate("2026-01-01")}, {ID: 2, Title: "t", DueOn: calendar.MustDate("2027-01-01"), FulfilledAt: now, Evidence: "e"}},
			FilingCheck: report, BuildingName: map[int64]string{7: "1号楼", 8: "2号楼"}, CanManage: true, CanAccount: true, CanFulfil: true,
			Errors: map[string]string{"number": "x"}, Message: "m", Reasons: []problem.Reason{{Message: "r"}}},
		"maintenance":   MaintenancePage{Base: b, Project: proj, Rows: []MaintenanceRow{{Item: maint, Room: "1号楼 1单元101", No: unit.UnitNo, Area: "112.35"}}, CanPay: true, Message: "m"},
		"surveys":       SurveysPage{Base: b, Surveys: []SurveyRow{{S: survey, Building: "1号楼", Project: "p"}}, Pending: true},
		"survey_upload": SurveyUploadPage{Base: b, Project: proj, Building: building, History: []completion.Survey{survey}, Errors: []ledger.RowError{{Sheet: "实测户", Row: 3, Reason: "r"}}, ImportID: 1, Message: "m", CanSubmit: true},
		"survey": SurveyPage{Base: b, S: survey, Project: proj, Building: building, CanReview: true, Beyond: 1, Crossing: 1, Message: "m", Errors: map[string]string{"note": "x"},
			Lines: []SurveyLine{{M: survey.Units[0], Forecast: unit.Forecast, GrossRatio: "4.13", Beyond: true, Crosses140: true}}},
		"reconciliation": ReconciliationPage{Base: b, Project: proj, Rows: []store.AreaRow{area}, Filter: "beyond", Totals: completion.Totals{Contracts: 1, Beyond: 1, Refund: d("3"), DoubleRefund: d("4")}},
		"tasks":          TasksPage{Base: b, Tasks: []store.TaskRow{{Task: task, ProjectName: "p", Developer: "d", Buildings: "1号楼"}, {Task: open}}, Open: true, Overdue: 1},
		"case":           CasePage{Base: b, C: acase, Project: proj, Buildings: []string{"1号楼"}, Rounds: [][]completion.Task{{task}, {open}}, MyTask: &open, CanReinspect: true, Message: "m", Errors: map[string]string{"reasons": "x"}},
		"readiness": ReadinessPage{Base: b, Project: proj, Target: handover.Delivery, Targets: []handover.Target{handover.Filing, handover.Delivery}, Report: report,
			Clocks: []ClockLine{{Clock: *clock, Buildings: "1号楼", DeadlineMS: 1}}, Groups: []ConditionGroup{{Subject: "1单元101", Kind: "unit", Conditions: []handover.Condition{cond}}},
			Building: 7, Buildings: []ledger.Building{building}},
		"dashboard": func() DashboardPage {
			d := supervision.Dashboard{Projects: 2, Units: 10, HandedOver: 4, SameDay: 3, ProjectsHanded: 1, From: calendar.MustDate("2026-01-01"), To: calendar.MustDate("2026-11-29"),
				UnitsByStage: map[supervision.UnitStage]int{supervision.HandedOver: 4, supervision.Unsold: 6}, ProjectsByStage: map[supervision.ProjectStage]int{supervision.Handed: 1},
				Spans: []supervision.Span{{Workdays: 8, Units: 4}}, Trend: []supervision.Month{{Month: "2026-11", HandedOver: 4, SameDay: 3, Filings: 1}},
				Overdue: []supervision.OverdueLine{{OrgName: "人防办", Kind: supervision.AcceptanceOverdue, Count: 1}}}
			return DashboardPage{Base: b, Jurisdictions: []identity.Jurisdiction{{Code: "652301", Name: "昌吉市"}}, Prefecture: true, D: d, Name: "昌吉市", Median: 8, P90: 8, HasSpans: true,
				Query: store.DashboardQuery{Jurisdiction: "652301", From: d.From, To: d.To}, UnitStages: supervision.UnitStages, ProjectStages: supervision.ProjectStages,
				StageChart: chart.HBars("t", []chart.Bar{{Label: "<已交房>", Value: 4, Href: "/x?a=1&b=2"}}), TrendChart: chart.Pairs("t", "交房", "交房当日发证", []chart.Pair{{Label: "11月", Name: "2026-11", A: 4, B: 3}})}
		}(),
		"dashboardunits": DashboardUnitsPage{Base: b, Title: "t", List: store.Listed[store.DashboardUnit]{Rows: []store.DashboardUnit{{UnitID: 1, ProjectID: 1, Project: "p", Building: "1号楼", Room: "101",
			UnitNo: "652301004007GB00121F00030001", DueOn: "2026-12-31"}}, Total: 3, Page: store.Page{Number: 1, Size: 50}}, Pager: Pager{Total: 3, First: 1, Last: 1, Number: 1, Pages: 1},
			Q: "101", Carry: url.Values{"stage": {"sold"}, "from": {"2026-01-01"}}, ClearHref: "/dashboard/units?stage=sold", Back: "/dashboard"},
		"dashboardprojects": DashboardProjectsPage{Base: b, Title: "t", Projects: []store.DashboardProject{{ID: 1, Name: "p", Stage: supervision.Handed, HandedOver: 2}}, Back: "/dashboard"},
		"report": ReportPage{Base: b, R: supervision.Report{Title: "通报", D: supervision.Dashboard{HandedOver: 2, SameDay: 1}, Projects: []supervision.ReportProject{{Name: "p"}},
			Units: []supervision.ReportUnit{{Project: "p", Room: "1幢101"}}, UnitsAll: 600, Alerts: []supervision.Alert{{Kind: supervision.ClockRunningOut, RaisedAt: now}}},
			Median: 8, P90: 9, HasSpans: true, Q: "from=2026-01-01"},
		"alerts": AlertsPage{Base: b, List: store.AlertListed{Listed: store.Listed[supervision.Alert]{Rows: []supervision.Alert{{Kind: supervision.CommitmentOverdue, Severity: supervision.Warning, State: supervision.Open,
			ProjectID: 1, Message: "m", RaisedAt: now, Occurrences: 2}}, Total: 1, Page: store.Page{Number: 1, Size: 50}}, Severities: map[supervision.Severity]int{supervision.Warning: 1}},
			Pager: Pager{Total: 1, First: 1, Last: 1, Number: 1, Pages: 1}, State: "open", Kinds: supervision.AlertKinds, Tabs: []AlertTab{{"open", "待处理", "/alerts?state=open"}},
			Overdue: true, Juris: "652301", JName: "昌吉市", Org: 3, OrgName: "o", Q: "1号楼"},
		"alert": AlertPage{Base: b, Alert: supervision.Alert{ID: 3, Kind: supervision.ClockRunningOut, Severity: supervision.Critical, State: supervision.Acknowledged,
			Message: "m", Link: "/projects/1/readiness", Occurrences: 2, RaisedAt: now, AssigneeName: "张三", Assignee: 4}, CanHandle: true,
			History: []supervision.Action{{Action: "raise", At: now}, {Action: "assign", ByName: "李四", Note: "请核查", At: now}},
			Users:   []identity.User{{ID: 4, Name: "张三"}}, Message: "m", Fields: map[string]string{"note": "请填写"}},
		"contract": cpage, // with the area reconciliation and the buyer's choice
	}
}

func bookSample(now time.Time) []registry.Entry {
	return []registry.Entry{{ID: 1, Kind: registry.PreNotice, RegType: registry.RegPreNotice, PreNoticeKind: 1, CertNo: "新(2026)昌吉市不动产证明第0000001号",
		Holders: []registry.Holder{{Name: "张伟", IDKind: "身份证", IDNumber: "652301199003071231", ShareNum: 1, ShareDen: 2}}, Obligor: registry.Holder{Name: "天山"},
		Amount: decimal.RequireFromString("100"), RecordedAt: now}, {ID: 2, Kind: registry.Cancellation, RegType: registry.RegCancel, Ends: 1, Note: "n", RecordedAt: now}}
}

func contractSample(b Base, c presale.Contract, u ledger.Unit, bl ledger.Building, p ledger.Project, now time.Time) ContractPage {
	book := bookSample(now)
	return ContractPage{Base: b, C: c, Ref: store.UnitRef{Unit: u, Building: bl, Project: p}, Book: book, Statuses: registry.Statuses(book),
		Cancel: &store.Cancellation{State: "open", Reason: "r", RequestedAt: now}, MaskIDs: true, CanDraft: true, CanConfirm: true, CanCancel: true,
		CancelAs: "court", CanAgree: true, Today: calendar.MustDate("2026-03-10"), DigestIntact: true, Message: "m", Errors: map[string]string{"court_doc": "x"}}
}

func contractDocSample(b Base, c presale.Contract, u ledger.Unit, bl ledger.Building, p ledger.Project, now time.Time) ContractPage {
	page := contractSample(b, c, u, bl, p, now)
	d := projectSample(b, p, now).D
	page.Detail = &d
	page.Developer = identity.Org{Name: "天山", USCC: "914403001922038216"}
	return page
}

func projectSample(b Base, proj ledger.Project, now time.Time) ProjectPage {
	d := decimal.RequireFromString
	app := store.PresaleApplication{ID: 3, Buildings: []int64{7}, State: "submitted", SubmittedAt: now, Note: "n"}
	return ProjectPage{Base: b, JName: "昌吉市", Form: projectFormOf(proj), CanManage: true, CanConfirm: true, CanApply: true, CanDecide: true,
		NeedsReview: true, Open: &app, Section: "parcels", Errors: map[string]string{"code": "x"}, Message: "m", PermitKinds: []ledger.PermitKind{ledger.Planning},
		BuildingNames: map[int64]string{7: "1号楼"},
		Check:         []problem.Reason{{Rule: "r", Message: "m", Basis: "b", Fixer: "f"}},
		LastImport:    &store.LedgerImport{ID: 1, At: now, FileName: "f.xlsx", Annotated: true, Errors: []ledger.RowError{{Sheet: "户", Row: 3, Column: "户号", Value: "x", Reason: "r"}}},
		D: store.ProjectDetail{Project: proj, Listed: true,
			Parcels:   []ledger.Parcel{{Code: "652301004007GB00121", Area: d("1"), PremiumDue: d("2"), PremiumPaid: d("1")}},
			Permits:   []ledger.Permit{{ID: 1, Kind: ledger.Planning, Number: "n"}, {ID: 2, Kind: ledger.Construction, ConfirmedBy: 1, ConfirmedAt: now}},
			Buildings: []store.BuildingSummary{{Building: ledger.Building{ID: 7, Name: "1号楼"}, Units: 3, Area: d("300"), Permit: "n"}, {Building: ledger.Building{ID: 8, Name: "2号楼"}}},
			Presale: []presale.Permit{{ID: 1, Number: "n", Buildings: []int64{7}, State: presale.Valid, Area: d("1"), ExtraReview: "x",
				Events: []presale.Event{{Kind: "issued", ByName: "陈刚", At: now}}}, {ID: 2, Number: "m", State: presale.SuspendedState, Area: d("1")}},
			Applications: []store.PresaleApplication{app},
		},
	}
}

func TestEveryTemplateRenders(t *testing.T) {
	ps, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	samples := samplePages()
	s := &Server{pages: ps}
	for _, name := range ps.Names() {
		page, ok := samples[name]
		if !ok {
			t.Errorf("template %s has no sample page in samplePages", name)
			continue
		}
		w := httptest.NewRecorder()
		if err := s.render(w, 200, name, page); err != nil {
			t.Errorf("render %s: %v", name, err)
			continue
		}
		body, _ := io.ReadAll(w.Result().Body)
		if len(body) < 200 {
			t.Errorf("render %s: only %d bytes", name, len(body))
		}
	}
	// A verified-audit page and an anonymous page render too.
	anon := Base{Title: "t", Today: calendar.MustDate("2026-03-10")}
	for _, v := range []struct {
		name string
		page any
	}{
		{"audit", AuditPage{Base: anon, Verified: &AuditVerification{Count: 3, Intact: false, Break: audit.Break{EventID: 2, Reason: "r"}}}},
		{"tools", ToolsPage{Base: anon, Error: "e"}},
		{"verify", VerifyPage{Base: anon}},
		{"verify", VerifyPage{Base: anon, Query: "新(2026)昌吉市不动产权第0000001号", Result: &certificate.VerificationJSON{Number: "新(2026)昌吉市不动产权第0000001号",
			Kind: "title", State: "注销", Status: []string{"注销"}, Limited: true}}},
		{"certificate", CertificatePage{Base: anon, Content: certificate.Payload{Kind: certificate.Proof, Matter: "抵押权", Amount: "1"}}},
	} {
		if err := s.render(httptest.NewRecorder(), 200, v.name, v.page); err != nil {
			t.Errorf("render %s (variant): %v", v.name, err)
		}
	}
}
