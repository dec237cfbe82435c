package api

import (
	"net/http"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

func (a *API) contractRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	tag := "网签备案与预告登记"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/contracts", Action: access.ContractRead, Tag: tag, Summary: "列出合同（按角色范围）",
			Params: []Param{{Name: "project", In: "query", Type: "integer"}, {Name: "building", In: "query", Type: "integer"},
				{Name: "state", In: "query", Desc: "draft | sent | signed | filed | withdrawn | cancelled"}},
			Result: "ContractList", handle: a.listContracts},
		{Method: "POST", Pattern: "/api/v1/contracts", Action: access.ContractDraft, Tag: tag, Summary: "起草网签合同（GF-2014-0171），自动核验",
			Body: "ContractInput", Result: "Contract", Status: 201, handle: a.draftContract},
		{Method: "GET", Pattern: "/api/v1/contracts/{id}", Action: access.ContractRead, Tag: tag, Summary: "查看合同（含SM3摘要核对结果）",
			Params: id, Result: "Contract", handle: a.getContract},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/send", Action: access.ContractDraft, Tag: tag, Summary: "发送给买受人确认",
			Params: id, Result: "Contract", handle: a.contractStep("send")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/withdraw", Action: access.ContractDraft, Tag: tag, Summary: "撤回未签署的合同",
			Params: id, Body: "ReasonInput", Result: "Contract", handle: a.contractStep("withdraw")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/confirm", Action: access.ContractConfirm, Tag: tag, Summary: "买受人在线确认（全部买受人确认后合同签署）",
			Params: id, Result: "Contract", handle: a.contractStep("confirm")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/file", Action: access.ContractDraft, Tag: tag,
			Summary: "合同备案，同步办理预告登记（贷款同时办理预抵押）", Params: id, Result: "Contract", handle: a.contractStep("file")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/cancellation", Action: access.ContractCancel, Tag: tag,
			Summary: "注销备案：一方提出、双方同意，或凭法院文书", Params: id, Body: "CancellationInput", Result: "Cancellation", handle: a.cancelContract},
		{Method: "GET", Pattern: "/api/v1/units/{id}/register", Action: access.RegisterRead, Tag: tag, Summary: "户的登记簿（现势与历史）",
			Params: id, Result: "RegisterBook", handle: a.unitRegister},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/fund", Action: access.FundRead, Tag: "预售资金监管", Summary: "项目预售资金监管情况",
			Params: id, Result: "Fund", handle: a.getFund},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/account", Action: access.FundDecide, Tag: "预售资金监管", Summary: "设立监管账户",
			Params: id, Body: "FundAccountInput", Status: 201, handle: a.openFund},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/payments", Action: access.FundDeposit, Tag: "预售资金监管", Summary: "登记购房款入账",
			Params: id, Body: "PaymentInput", Status: 201, handle: a.recordPayment},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/withdrawals", Action: access.FundWithdraw, Tag: "预售资金监管", Summary: "申请支取（注明节点与证明材料）",
			Params: id, Body: "WithdrawalInput", Result: "Withdrawal", Status: 201, handle: a.requestWithdrawal},
		{Method: "POST", Pattern: "/api/v1/fund/withdrawals/{id}/decision", Action: access.FundDecide, Tag: "预售资金监管", Summary: "审批支取申请",
			Params: id, Body: "DecisionInput", Result: "Withdrawal", handle: a.decideWithdrawal},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/milestones", Action: access.FundDecide, Tag: "预售资金监管", Summary: "记录项目节点（如主体结构验收）",
			Params: id, Body: "MilestoneInput", Status: 201, handle: a.recordMilestone},
		{Method: "GET", Pattern: "/api/v1/partners/endpoints", Action: access.PartnerManage, Tag: "信息共享", Summary: "部门接收地址",
			Result: "EndpointList", handle: a.listEndpoints},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints", Action: access.PartnerManage, Tag: "信息共享", Summary: "登记部门接收地址",
			Body: "EndpointInput", Result: "Endpoint", Status: 201, handle: a.createEndpoint},
		{Method: "GET", Pattern: "/api/v1/partners/deliveries", Action: access.PartnerManage, Tag: "信息共享", Summary: "投递记录",
			Params: []Param{{Name: "endpoint", In: "query", Type: "integer"}, {Name: "state", In: "query", Desc: "pending | delivered | dead"}},
			Result: "DeliveryList", handle: a.listDeliveries},
		{Method: "GET", Pattern: "/api/v1/partners/health", Action: access.PartnerManage, Tag: "信息共享",
			Summary: "各接收方运行状况：已送达、积压、失败、死信、最早积压时间（滞后）、最近错误", Result: "PartnerHealth", handle: a.partnerHealth},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints/{id}/replay", Action: access.PartnerManage, Tag: "信息共享",
			Summary: "重新投递该接收方的死信（按原顺序）", Params: id, Result: "Replay", handle: a.replayDeliveries},
	}
}

// ---- JSON shapes

type buyerJSON struct {
	Name      string     `json:"name"`
	IDNumber  string     `json:"id_number"` // masked
	Share     string     `json:"share,omitempty"`
	Confirmed *time.Time `json:"confirmed_at,omitempty"`
}

type contractJSON struct {
	ID                  int64         `json:"id"`
	Number              string        `json:"number"`
	UnitID              int64         `json:"unit_id"`
	ProjectID           int64         `json:"project_id"`
	State               string        `json:"state"`
	StateLabel          string        `json:"state_label"`
	Buyers              []buyerJSON   `json:"buyers"`
	Ownership           string        `json:"ownership"`
	PriceBasis          string        `json:"price_basis"`
	UnitPrice           string        `json:"unit_price"`
	PriceArea           string        `json:"price_area"`
	TotalPrice          string        `json:"total_price"`
	Payment             string        `json:"payment"`
	LoanBank            int64         `json:"loan_bank,omitempty"`
	LoanAmount          string        `json:"loan_amount,omitempty"`
	LoanYears           int           `json:"loan_years,omitempty"`
	EscrowBank          string        `json:"escrow_bank"`
	EscrowAccount       string        `json:"escrow_account"`
	DeliveryDate        calendar.Date `json:"delivery_date"`
	RegistrationDays    int           `json:"registration_days"`
	LateDeliveryRate    string        `json:"late_delivery_rate"`
	LateCertificateRate string        `json:"late_certificate_rate"`
	SignedAt            *time.Time    `json:"signed_at,omitempty"`
	FilingDue           calendar.Date `json:"filing_due,omitempty"`
	FilingOverdue       bool          `json:"filing_overdue"`
	FiledAt             *time.Time    `json:"filed_at,omitempty"`
	PreNoticeNo         string        `json:"prenotice_no,omitempty"`
	Digest              string        `json:"sm3_digest,omitempty"`
	DigestIntact        *bool         `json:"digest_intact,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toContractJSON(c presale.Contract, today calendar.Date) contractJSON {
	out := contractJSON{ID: c.ID, Number: c.Number, UnitID: c.UnitID, ProjectID: c.ProjectID, State: string(c.State), StateLabel: c.State.Label(),
		Ownership: string(c.Ownership), PriceBasis: string(c.PriceBasis), UnitPrice: c.UnitPrice.StringFixed(2), PriceArea: c.PriceArea.StringFixed(2),
		TotalPrice: c.TotalPrice.StringFixed(2), Payment: string(c.Payment), EscrowBank: c.EscrowBank, EscrowAccount: c.EscrowAcct,
		DeliveryDate: c.DeliveryDate, RegistrationDays: c.RegistrationDays, LateDeliveryRate: c.LateDeliveryRate.String(),
		LateCertificateRate: c.LateCertificateRate.String(), SignedAt: timePtr(c.SignedAt), FilingDue: c.FilingDue(),
		FilingOverdue: c.FilingOverdue(today), FiledAt: timePtr(c.FiledAt), PreNoticeNo: c.PreNoticeNo, Digest: c.Digest, Buyers: []buyerJSON{}}
	if c.Payment.Loan() {
		out.LoanBank, out.LoanAmount, out.LoanYears = c.LoanBank, c.LoanAmount.StringFixed(2), c.LoanYears
	}
	for _, b := range c.Buyers {
		bj := buyerJSON{Name: b.Name, IDNumber: code.MaskIDCard(b.IDNumber), Confirmed: timePtr(b.Confirmed)}
		if b.ShareDen != 0 {
			bj.Share = b.ShareLabel()
		}
		out.Buyers = append(out.Buyers, bj)
	}
	return out
}

func (a *API) today() calendar.Date { return calendar.DateOf(a.Now()) }

// ---- contracts

func (a *API) listContracts(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.ContractRead)
	if err != nil {
		return err
	}
	q := store.ContractQuery{State: presale.ContractState(r.URL.Query().Get("state"))}
	if q.ProjectID, err = queryInt(r, "project", 0); err != nil {
		return err
	}
	if q.BuildingID, err = queryInt(r, "building", 0); err != nil {
		return err
	}
	cs, err := a.DB.ListContracts(r.Context(), f, q)
	if err != nil {
		return err
	}
	out := make([]contractJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toContractJSON(c, a.today()))
	}
	return writeJSON(w, 200, map[string]any{"contracts": out})
}

func (a *API) draftContract(w http.ResponseWriter, r *http.Request) error {
	var in presale.ContractForm
	if err := decode(r, &in); err != nil {
		return err
	}
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	ref, err := a.DB.Unit(r.Context(), in.UnitID)
	if problem.KindOf(err) == problem.NotFound {
		return &problem.Error{Kind: problem.Invalid, Code: "contract.invalid", Message: "合同信息有误", Fields: map[string]string{"unit_id": "户不存在"}}
	}
	if err != nil {
		return err
	}
	if err := decide(r, access.ContractDraft, store.ProjectTarget(ref.Project)); err != nil {
		return err
	}
	ci, err := in.Input()
	if err != nil {
		return err
	}
	c, err := a.DB.DraftContract(r.Context(), identity.ActorFrom(r.Context()), p.Org.ID, store.ContractInput(ci))
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toContractJSON(c, a.today()))
}

func (a *API) loadContract(r *http.Request, act access.Action) (presale.Contract, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return presale.Contract{}, err
	}
	c, err := a.DB.Contract(r.Context(), id)
	if err != nil {
		return c, err
	}
	return c, decide(r, act, store.ContractTarget(c))
}

func (a *API) getContract(w http.ResponseWriter, r *http.Request) error {
	c, err := a.loadContract(r, access.ContractRead)
	if err != nil {
		return err
	}
	if err := a.viewedPersonalData(r, "contract", c.ID, c.BuyerIDs()); err != nil {
		return err
	}
	out := toContractJSON(c, a.today())
	if c.Digest != "" {
		ref, err := a.DB.Unit(r.Context(), c.UnitID)
		if err != nil {
			return err
		}
		intact := c.ComputeDigest(ref.Unit) == c.Digest
		out.DigestIntact = &intact
	}
	return writeJSON(w, 200, out)
}

// viewedPersonalData logs a view of a record holding buyers' personal data,
// unless the viewer is one of those buyers (个人信息保护法).
func (a *API) viewedPersonalData(r *http.Request, recordType string, id int64, buyers []string) error {
	p := principal(r)
	if p != nil && p.User.IDNumber != "" {
		for _, b := range buyers {
			if b == p.User.IDNumber {
				return nil
			}
		}
	}
	return a.DB.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "personal.view", recordType, id, map[string]string{"via": "api"})
}

// contractStep runs one step of a contract's life on the path's contract.
func (a *API) contractStep(step string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength > 0 {
			if err := decode(r, &in); err != nil {
				return err
			}
		}
		act := access.ContractDraft
		if step == "confirm" {
			act = access.ContractConfirm
		}
		c, err := a.loadContract(r, act)
		if err != nil {
			return err
		}
		actor := identity.ActorFrom(r.Context())
		switch step {
		case "send":
			c, err = a.DB.SendContract(r.Context(), actor, c.ID)
		case "withdraw":
			c, err = a.DB.WithdrawContract(r.Context(), actor, c.ID, in.Reason)
		case "confirm":
			c, err = a.DB.ConfirmContract(r.Context(), actor, c.ID, principal(r).User.IDNumber)
		case "file":
			c, err = a.DB.FileContract(r.Context(), actor, c.ID)
		}
		if err != nil {
			return err
		}
		return writeJSON(w, 200, toContractJSON(c, a.today()))
	}
}

func (a *API) cancelContract(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason   string `json:"reason"`
		CourtDoc string `json:"court_doc"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := a.loadContract(r, access.ContractCancel)
	if err != nil {
		return err
	}
	party, err := store.CancelPartyOf(principal(r), c, in.CourtDoc)
	if err != nil {
		return err
	}
	x, err := a.DB.AgreeCancellation(r.Context(), identity.ActorFrom(r.Context()), c.ID, party, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"id": x.ID, "contract_id": x.ContractID, "state": x.State, "reason": x.Reason,
		"developer_agreed": x.DeveloperOK, "buyers_agreed": len(x.BuyersOK), "court_doc": x.CourtDoc})
}

// ---- the register book

type entryJSON struct {
	ID         int64        `json:"id"`
	Kind       string       `json:"kind"`
	KindLabel  string       `json:"kind_label"`
	RegType    int          `json:"reg_type"`
	RightType  int          `json:"right_type,omitempty"`
	PreNotice  int          `json:"prenotice_kind,omitempty"`
	Status     string       `json:"status"`
	StatusLbl  string       `json:"status_label"`
	CertNo     string       `json:"cert_no,omitempty"`
	Holders    []holderJSON `json:"holders,omitempty"`
	Obligor    string       `json:"obligor,omitempty"`
	Amount     string       `json:"amount,omitempty"`
	Ends       int64        `json:"ends,omitempty"`
	Note       string       `json:"note,omitempty"`
	RecordedAt time.Time    `json:"recorded_at"`
	Detail     *detailJSON  `json:"detail,omitempty"`
}

type detailJSON struct {
	TermStart  string `json:"term_start,omitempty"`
	TermEnd    string `json:"term_end,omitempty"`
	Rank       int    `json:"rank,omitempty"`
	NoTransfer bool   `json:"no_transfer,omitempty"`
	Authority  string `json:"authority,omitempty"`
	DocNo      string `json:"doc_no,omitempty"`
	SealKind   string `json:"seal_kind,omitempty"`
	Waiting    bool   `json:"waiting,omitempty"`
}

type holderJSON struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"` // masked for persons
	Share    string `json:"share,omitempty"`
}

// ToEntryJSON renders an entry with persons' ID numbers masked.
func ToEntryJSON(e registry.Entry, st registry.Status) entryJSON {
	out := entryJSON{ID: e.ID, Kind: string(e.Kind), KindLabel: e.Kind.Label(), RegType: e.RegType, RightType: e.RightType, PreNotice: e.PreNoticeKind,
		Status: string(st), StatusLbl: st.Label(), CertNo: e.CertNo, Obligor: e.Obligor.Name, Ends: e.Ends, Note: e.Note, RecordedAt: e.RecordedAt}
	if e.Amount.IsPositive() {
		out.Amount = e.Amount.StringFixed(2)
	}
	if d := e.Detail; d != (registry.Detail{}) {
		out.Detail = &detailJSON{TermStart: d.TermStart, TermEnd: d.TermEnd, Rank: d.Rank, NoTransfer: d.NoTransfer, Authority: d.Authority,
			DocNo: d.DocNo, SealKind: d.SealKind, Waiting: d.Waiting}
	}
	for _, h := range e.Holders {
		hj := holderJSON{Name: h.Name, IDNumber: h.IDNumber}
		if h.IDKind == "身份证" {
			hj.IDNumber = code.MaskIDCard(h.IDNumber)
		}
		if r := h.Share(); r != nil {
			hj.Share = r.RatString()
		}
		out.Holders = append(out.Holders, hj)
	}
	return out
}

func (a *API) unitRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ref, err := a.DB.Unit(r.Context(), id)
	if err != nil {
		return err
	}
	book, err := a.DB.UnitBook(r.Context(), id)
	if err != nil {
		return err
	}
	t := access.RegisterTarget(ref.Project, book)
	if p := principal(r); p != nil && p.Org.Kind == identity.Bank {
		t.Org = a.bankOnBook(r, p, book)
	}
	if err := decide(r, access.RegisterRead, t); err != nil {
		return err
	}
	if err := a.viewedPersonalData(r, "unit_register", id, t.Buyers); err != nil {
		return err
	}
	st := registry.Statuses(book)
	out := make([]entryJSON, 0, len(book))
	for _, e := range book {
		out = append(out, ToEntryJSON(e, st[e.ID]))
	}
	return writeJSON(w, 200, map[string]any{"unit_id": id, "unit_no": ref.Unit.UnitNo, "entries": out})
}

// bankOnBook returns the principal's organisation when it holds an entry
// of the book (a mortgage or pre-mortgage), else 0.
func (a *API) bankOnBook(r *http.Request, p *identity.Principal, book []registry.Entry) int64 {
	for _, e := range book {
		for _, h := range e.Holders {
			if h.IDNumber != "" && h.IDNumber == p.Org.USCC {
				return p.Org.ID
			}
		}
	}
	return 0
}

// ---- funds

func (a *API) fundTarget(r *http.Request, act access.Action) (int64, access.Target, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, access.Target{}, err
	}
	p, err := a.DB.Project(r.Context(), id)
	if err != nil {
		return 0, access.Target{}, err
	}
	t := store.ProjectTarget(p)
	if acct, err := a.DB.FundAccount(r.Context(), id); err == nil {
		t.Org = acct.Bank
	}
	return id, t, decide(r, act, t)
}

func (a *API) getFund(w http.ResponseWriter, r *http.Request) error {
	id, _, err := a.fundTarget(r, access.FundRead)
	if err != nil {
		return err
	}
	f, err := a.DB.FundFacts(r.Context(), id)
	if err != nil {
		return err
	}
	ws, err := a.DB.Withdrawals(r.Context(), id)
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, x := range ws {
		out = append(out, withdrawalJSON(x))
	}
	ms := map[string]calendar.Date{}
	for k, v := range f.Milestones {
		ms[k] = v
	}
	return writeJSON(w, 200, map[string]any{"bank": f.Account.BankName, "account": f.Account.Number,
		"supervised": f.Account.Supervised.StringFixed(2), "deposits": f.Deposits.StringFixed(2),
		"withdrawn_supervised": f.Supervised.StringFixed(2), "withdrawn_free": f.Free.StringFixed(2),
		"balance": f.Deposits.Sub(f.Supervised).Sub(f.Free).StringFixed(2), "milestones": ms, "withdrawals": out})
}

func withdrawalJSON(x presale.Withdrawal) map[string]any {
	return map[string]any{"id": x.ID, "node": x.Node, "amount": x.Amount.StringFixed(2), "evidence": x.Evidence, "state": x.State,
		"requested_at": x.RequestedAt, "decided_at": timePtr(x.DecidedAt), "decision": x.Decision, "extra_review": x.ExtraReview}
}

func (a *API) openFund(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Bank       int64  `json:"bank"`
		Account    string `json:"account"`
		Supervised string `json:"supervised"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, _, err := a.fundTarget(r, access.FundDecide)
	if err != nil {
		return err
	}
	amount, err := measure.Parse(in.Supervised, "重点监管额度")
	if err != nil {
		return &problem.Error{Kind: problem.Invalid, Code: "fund.invalid", Message: "监管账户信息有误", Fields: map[string]string{"supervised": problem.As(err).Message}}
	}
	if err := a.DB.OpenFundAccount(r.Context(), identity.ActorFrom(r.Context()), presale.FundAccount{ProjectID: id, Bank: in.Bank,
		Number: in.Account, Supervised: amount}); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

func (a *API) recordPayment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ContractID int64  `json:"contract_id"`
		Amount     string `json:"amount"`
		PaidOn     string `json:"paid_on"`
		Note       string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, _, err := a.fundTarget(r, access.FundDeposit)
	if err != nil {
		return err
	}
	var f problem.Fields
	amount, err := measure.Parse(in.Amount, "金额")
	if err != nil {
		f.Add("amount", problem.As(err).Message)
	}
	on, err := calendar.ParseDate(in.PaidOn)
	if err != nil {
		f.Add("paid_on", "日期格式应为YYYY-MM-DD")
	}
	if err := f.Err("fund.payment", "入账信息有误"); err != nil {
		return err
	}
	if err := a.DB.RecordPayment(r.Context(), identity.ActorFrom(r.Context()), id, in.ContractID, amount, on, in.Note); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

func (a *API) requestWithdrawal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Node     string `json:"node"`
		Amount   string `json:"amount"`
		Evidence string `json:"evidence"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, _, err := a.fundTarget(r, access.FundWithdraw)
	if err != nil {
		return err
	}
	amount, err := measure.Parse(in.Amount, "金额")
	if err != nil {
		return &problem.Error{Kind: problem.Invalid, Code: "fund.invalid", Message: "支取申请有误", Fields: map[string]string{"amount": problem.As(err).Message}}
	}
	x, err := a.DB.RequestWithdrawal(r.Context(), identity.ActorFrom(r.Context()), presale.Withdrawal{ProjectID: id, Node: in.Node, Amount: amount, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, withdrawalJSON(x))
}

func (a *API) decideWithdrawal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Approve  bool   `json:"approve"`
		Decision string `json:"decision"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := a.DB.Withdrawal(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := a.DB.Project(r.Context(), x.ProjectID)
	if err != nil {
		return err
	}
	if err := decide(r, access.FundDecide, store.ProjectTarget(p)); err != nil {
		return err
	}
	if x, err = a.DB.DecideWithdrawal(r.Context(), identity.ActorFrom(r.Context()), id, in.Approve, in.Decision); err != nil {
		return err
	}
	return writeJSON(w, 200, withdrawalJSON(x))
}

func (a *API) recordMilestone(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Milestone string `json:"milestone"`
		ReachedOn string `json:"reached_on"`
		Evidence  string `json:"evidence"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, _, err := a.fundTarget(r, access.FundDecide)
	if err != nil {
		return err
	}
	on, _ := calendar.ParseDate(in.ReachedOn)
	if err := a.DB.RecordMilestone(r.Context(), identity.ActorFrom(r.Context()), id, in.Milestone, on, in.Evidence); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

// ---- partners

func endpointJSON(e exchange.Endpoint) map[string]any {
	return map[string]any{"id": e.ID, "org_id": e.OrgID, "org": e.OrgName, "name": e.Name, "url": e.URL, "events": e.Events,
		"jurisdiction": e.Jurisdiction, "active": e.Active, "secret": maskSecret(e.Secret)}
}

func maskSecret(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:4] + strings.Repeat("*", 8)
}

// partnerOrgs are the organisations whose endpoints p may manage.
func (a *API) endpointAllowed(r *http.Request, e exchange.Endpoint) bool {
	o, err := a.DB.Org(r.Context(), e.OrgID)
	return err == nil && access.Allowed(principal(r), access.PartnerManage, access.Target{Jurisdiction: o.Jurisdiction})
}

func (a *API) partnerHealth(w http.ResponseWriter, r *http.Request) error {
	if _, err := filter(r, access.PartnerManage); err != nil {
		return err
	}
	hs, err := a.DB.PartnerHealth(r.Context())
	if err != nil {
		return err
	}
	max, err := a.DB.MaxAttempts(r.Context())
	if err != nil {
		return err
	}
	out := []map[string]any{}
	now := a.Now()
	for _, h := range hs {
		if !a.endpointAllowed(r, h.Endpoint) {
			continue
		}
		out = append(out, map[string]any{"endpoint": endpointJSON(h.Endpoint), "delivered": h.Delivered, "backlog": h.Backlog, "failing": h.Failing,
			"dead": h.Dead, "oldest_pending": timePtr(h.OldestPending), "lag_seconds": int(h.Lag(now).Seconds()), "last_delivered": timePtr(h.LastDelivered),
			"last_error": h.LastError, "healthy": h.Healthy()})
	}
	return writeJSON(w, 200, map[string]any{"max_attempts": max, "endpoints": out})
}

func (a *API) replayDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := a.DB.Endpoint(r.Context(), id)
	if err != nil {
		return err
	}
	o, err := a.DB.Org(r.Context(), e.OrgID)
	if err != nil {
		return err
	}
	if err := decide(r, access.PartnerManage, access.Target{Jurisdiction: o.Jurisdiction}); err != nil {
		return err
	}
	n, err := a.DB.ReplayDeliveries(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"endpoint": id, "replayed": n})
}

func (a *API) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	if _, err := filter(r, access.PartnerManage); err != nil {
		return err
	}
	es, err := a.DB.Endpoints(r.Context(), 0)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, e := range es {
		if a.endpointAllowed(r, e) {
			out = append(out, endpointJSON(e))
		}
	}
	return writeJSON(w, 200, map[string]any{"endpoints": out})
}

func (a *API) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		OrgID        int64    `json:"org_id"`
		Name         string   `json:"name"`
		URL          string   `json:"url"`
		Secret       string   `json:"secret"`
		Events       []string `json:"events"`
		Jurisdiction string   `json:"jurisdiction"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.DB.Org(r.Context(), in.OrgID)
	if problem.KindOf(err) == problem.NotFound {
		return &problem.Error{Kind: problem.Invalid, Code: "endpoint.invalid", Message: "接收地址配置有误", Fields: map[string]string{"org": "机构不存在"}}
	}
	if err != nil {
		return err
	}
	if err := decide(r, access.PartnerManage, access.Target{Jurisdiction: o.Jurisdiction}); err != nil {
		return err
	}
	e, err := a.DB.PutEndpoint(r.Context(), identity.ActorFrom(r.Context()), exchange.Endpoint{OrgID: in.OrgID, Name: in.Name, URL: in.URL,
		Secret: in.Secret, Events: in.Events, Jurisdiction: in.Jurisdiction, Active: true})
	if err != nil {
		return err
	}
	e.OrgName = o.Name
	return writeJSON(w, 201, endpointJSON(e))
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	if _, err := filter(r, access.PartnerManage); err != nil {
		return err
	}
	ep, err := queryInt(r, "endpoint", 0)
	if err != nil {
		return err
	}
	ds, err := a.DB.Deliveries(r.Context(), store.DeliveryQuery{EndpointID: ep, State: r.URL.Query().Get("state")})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, d := range ds {
		if !a.endpointAllowed(r, d.Endpoint) {
			continue
		}
		out = append(out, map[string]any{"id": d.ID, "event_id": d.Event.ID, "type": d.Event.Type, "aggregate": d.Event.Aggregate,
			"endpoint": d.Endpoint.ID, "state": d.State, "attempts": d.Attempts, "last_status": d.LastStatus, "last_error": d.LastError,
			"next_at": d.NextAt, "delivered_at": timePtr(d.DeliveredAt)})
	}
	return writeJSON(w, 200, map[string]any{"deliveries": out})
}
