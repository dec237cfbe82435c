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
			Params: append([]Param{{Name: "project", In: "query", Type: "integer"}, {Name: "building", In: "query", Type: "integer"},
				{Name: "state", In: "query", Desc: "draft | sent | signed | filed | withdrawn | cancelled"},
				{Name: "overdue", In: "query", Desc: "1：只列签署后逾期未备案的"},
				{Name: "q", In: "query", Desc: "查找：合同编号、幢与房号或项目名称的一部分"}}, pageParams()...),
			Response: contractList{}, handle: a.listContracts},
		{Method: "POST", Pattern: "/api/v1/contracts", Action: access.ContractDraft, Tag: tag, Summary: "起草网签合同（GF-2014-0171），自动核验",
			Request: presale.ContractForm{}, Response: contractJSON{}, Status: 201, handle: a.draftContract},
		{Method: "GET", Pattern: "/api/v1/contracts/{id}", Action: access.ContractRead, Tag: tag, Summary: "查看合同（含SM3摘要核对结果）",
			Params: id, Response: contractJSON{}, handle: a.getContract},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/send", Action: access.ContractDraft, Tag: tag, Summary: "发送给买受人确认",
			Params: id, Response: contractJSON{}, handle: a.contractStep("send")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/withdraw", Action: access.ContractDraft, Tag: tag, Summary: "撤回未签署的合同",
			Params: id, Request: reasonInput{}, Response: contractJSON{}, handle: a.contractStep("withdraw")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/confirm", Action: access.ContractConfirm, Tag: tag, Summary: "买受人在线确认（全部买受人确认后合同签署）",
			Params: id, Response: contractJSON{}, handle: a.contractStep("confirm")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/file", Action: access.ContractDraft, Tag: tag,
			Summary: "合同备案，同步办理预告登记（贷款同时办理预抵押）", Params: id, Response: contractJSON{}, handle: a.contractStep("file")},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/cancellation", Action: access.ContractCancel, Tag: tag,
			Summary: "注销备案：一方提出、双方同意，或凭法院文书", Params: id, Request: cancellationInput{}, Response: cancellationJSON{}, handle: a.cancelContract},
		{Method: "GET", Pattern: "/api/v1/units/{id}/register", Action: access.RegisterRead, Tag: tag, Summary: "户的登记簿（现势与历史）",
			Params: id, Response: registerBookJSON{}, handle: a.unitRegister},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/fund", Action: access.FundRead, Tag: "预售资金监管", Summary: "项目预售资金监管情况",
			Params: id, Response: fundJSON{}, handle: a.getFund},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/account", Action: access.FundDecide, Tag: "预售资金监管", Summary: "设立监管账户",
			Params: id, Request: fundAccountInput{}, Status: 201, handle: a.openFund},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/payments", Action: access.FundDeposit, Tag: "预售资金监管", Summary: "登记购房款入账",
			Params: id, Request: paymentInput{}, Status: 201, handle: a.recordPayment},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/fund/withdrawals", Action: access.FundWithdraw, Tag: "预售资金监管", Summary: "申请支取（注明节点与证明材料）",
			Params: id, Request: withdrawalInput{}, Response: withdrawalJSON{}, Status: 201, handle: a.requestWithdrawal},
		{Method: "POST", Pattern: "/api/v1/fund/withdrawals/{id}/decision", Action: access.FundDecide, Tag: "预售资金监管", Summary: "审批支取申请",
			Params: id, Request: withdrawalDecisionInput{}, Response: withdrawalJSON{}, handle: a.decideWithdrawal},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/milestones", Action: access.FundDecide, Tag: "预售资金监管", Summary: "记录项目节点（如主体结构验收）",
			Params: id, Request: milestoneInput{}, Status: 201, handle: a.recordMilestone},
		{Method: "GET", Pattern: "/api/v1/partners/endpoints", Action: access.PartnerManage, Tag: "信息共享", Summary: "部门接收地址",
			Response: endpointList{}, handle: a.listEndpoints},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints", Action: access.PartnerManage, Tag: "信息共享", Summary: "登记部门接收地址",
			Request: endpointInput{}, Response: endpointJSON{}, Status: 201, handle: a.createEndpoint},
		{Method: "GET", Pattern: "/api/v1/partners/deliveries", Action: access.PartnerManage, Tag: "信息共享", Summary: "投递记录",
			Params: append([]Param{{Name: "endpoint", In: "query", Type: "integer"}, {Name: "state", In: "query", Desc: "pending | delivered | dead"},
				{Name: "failed", In: "query", Desc: "1：只列待管理员处理的（死信，及最近一次投递失败、等待重试的）"},
				{Name: "q", In: "query", Desc: "查找：事件类型（代码或名称）、对象（如 unit:2092）、接收地址或接收机构名称"}}, pageParams()...),
			Response: deliveryList{}, handle: a.listDeliveries},
		{Method: "GET", Pattern: "/api/v1/partners/health", Action: access.PartnerManage, Tag: "信息共享",
			Summary: "各接收方运行状况：已送达、积压、失败、死信、最早积压时间（滞后）、最近错误", Response: partnerHealthJSON{}, handle: a.partnerHealth},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints/{id}/replay", Action: access.PartnerManage, Tag: "信息共享",
			Summary: "重新投递该接收方的死信（按原顺序）", Params: id, Response: replayJSON{}, handle: a.replayDeliveries},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints/{id}/rotate", Action: access.PartnerManage, Tag: "信息共享", Params: id,
			Summary: "轮换签名密钥：生成新密钥（只在本次应答中给出）并立即启用，原密钥在过渡期内继续有效，其间每次投递带新旧两个签名",
			Request: rotateInput{}, Response: rotationJSON{}, handle: a.rotateSecret},
		{Method: "POST", Pattern: "/api/v1/partners/endpoints/{id}/rotate/end", Action: access.PartnerManage, Tag: "信息共享",
			Summary: "结束密钥轮换：旧密钥即时失效，此后的投递只带新密钥的签名", Params: id, Response: endpointJSON{}, handle: a.endRotation},
	}
}

// ---- JSON shapes

// Shapes that replaced maps list their fields in key order, the order the
// maps were encoded in, so that the answers stay byte for byte the same.

type buyerJSON struct {
	Name      string     `json:"name"`
	IDNumber  string     `json:"id_number" doc:"身份证号（脱敏）"`
	Share     string     `json:"share,omitempty" doc:"按份共有的份额，如1/2"`
	Confirmed *time.Time `json:"confirmed_at,omitempty" doc:"买受人在线确认的时间"`
}

type contractJSON struct {
	ID                  int64                 `json:"id"`
	Number              string                `json:"number" doc:"合同编号"`
	UnitID              int64                 `json:"unit_id"`
	ProjectID           int64                 `json:"project_id"`
	State               presale.ContractState `json:"state"`
	StateLabel          string                `json:"state_label"`
	Buyers              []buyerJSON           `json:"buyers"`
	Ownership           presale.Ownership     `json:"ownership" doc:"共有方式"`
	PriceBasis          presale.PriceBasis    `json:"price_basis" doc:"计价方式"`
	UnitPrice           string                `json:"unit_price" doc:"元/㎡，按套计价时为总价"`
	PriceArea           string                `json:"price_area" doc:"计价面积（㎡）"`
	TotalPrice          string                `json:"total_price" doc:"总价（元）"`
	Payment             presale.Payment       `json:"payment" doc:"付款方式"`
	LoanBank            int64                 `json:"loan_bank,omitempty" doc:"贷款银行机构ID"`
	LoanAmount          string                `json:"loan_amount,omitempty"`
	LoanYears           int                   `json:"loan_years,omitempty"`
	EscrowBank          string                `json:"escrow_bank" doc:"预售资金监管银行"`
	EscrowAccount       string                `json:"escrow_account" doc:"预售资金监管账户"`
	DeliveryDate        calendar.Date         `json:"delivery_date" doc:"交付日期"`
	RegistrationDays    int                   `json:"registration_days" doc:"交付后办证期限（日）"`
	LateDeliveryRate    string                `json:"late_delivery_rate" doc:"逾期交付违约金 万分之X/日"`
	LateCertificateRate string                `json:"late_certificate_rate" doc:"逾期办证违约金 万分之X/日"`
	SignedAt            *time.Time            `json:"signed_at,omitempty"`
	FilingDue           calendar.Date         `json:"filing_due,omitzero" doc:"备案期限（签署后30日）；未签署的合同没有"`
	FilingOverdue       bool                  `json:"filing_overdue"`
	FiledAt             *time.Time            `json:"filed_at,omitempty"`
	PreNoticeNo         string                `json:"prenotice_no,omitempty" doc:"预告登记不动产证明号"`
	Digest              string                `json:"sm3_digest,omitempty" doc:"备案时合同内容的SM3摘要"`
	DigestIntact        *bool                 `json:"digest_intact,omitempty" doc:"当前内容与备案摘要一致"`
}

type contractList struct {
	Contracts []contractJSON `json:"contracts" doc:"本页的合同，新签在前"`
	Total     int            `json:"total" doc:"符合条件的合同总数"`
	Page      int            `json:"page" doc:"页码，从1起"`
	Pages     int            `json:"pages" doc:"总页数"`
}

type cancellationInput struct {
	Reason   string `json:"reason,omitempty" doc:"注销理由（首次提出时必填）"`
	CourtDoc string `json:"court_doc,omitempty" doc:"法院或仲裁文书编号（住建部门凭文书注销时必填）"`
}

type cancellationJSON struct {
	BuyersOK    int    `json:"buyers_agreed" doc:"已同意的买受人数"`
	ContractID  int64  `json:"contract_id"`
	CourtDoc    string `json:"court_doc"`
	DeveloperOK bool   `json:"developer_agreed" doc:"开发企业已同意"`
	ID          int64  `json:"id"`
	Reason      string `json:"reason"`
	State       string `json:"state" enum:"open,executed" doc:"open 待对方同意，executed 已注销"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toContractJSON(c presale.Contract, today calendar.Date) contractJSON {
	out := contractJSON{ID: c.ID, Number: c.Number, UnitID: c.UnitID, ProjectID: c.ProjectID, State: c.State, StateLabel: c.State.Label(),
		Ownership: c.Ownership, PriceBasis: c.PriceBasis, UnitPrice: c.UnitPrice.StringFixed(2), PriceArea: c.PriceArea.StringFixed(2),
		TotalPrice: c.TotalPrice.StringFixed(2), Payment: c.Payment, EscrowBank: c.EscrowBank, EscrowAccount: c.EscrowAcct,
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
	q := store.ContractListQuery{State: presale.ContractState(r.URL.Query().Get("state")), Search: strings.TrimSpace(r.URL.Query().Get("q"))}
	if q.Project, err = queryInt(r, "project", 0); err != nil {
		return err
	}
	if q.Building, err = queryInt(r, "building", 0); err != nil {
		return err
	}
	if r.URL.Query().Get("overdue") == "1" {
		q.OverdueOn = a.today()
	}
	if q.Page, err = queryPage(r); err != nil {
		return err
	}
	l, err := a.DB.ContractList(r.Context(), f, q)
	if err != nil {
		return err
	}
	out := make([]contractJSON, 0, len(l.Rows))
	for _, c := range l.Rows {
		out = append(out, toContractJSON(c.Contract, a.today()))
	}
	return writeJSON(w, 200, contractList{Contracts: out, Total: l.Total, Page: l.Page.Number, Pages: l.Pages()})
}

// draftContract drafts a contract for the developer signed in; the store
// decides access on the unit's project.
func (a *API) draftContract(w http.ResponseWriter, r *http.Request) error {
	var in presale.ContractForm
	if err := decode(r, &in); err != nil {
		return err
	}
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	ci, err := in.Input()
	if err != nil {
		return err
	}
	c, err := a.DB.DraftContract(r.Context(), identity.ActorFrom(r.Context()), p.Org.ID, store.ContractInput(ci))
	if problem.CodeOf(err) == "unit.not_found" {
		return &problem.Error{Kind: problem.Invalid, Code: "contract.invalid", Message: "合同信息有误", Fields: map[string]string{"unit_id": "户不存在"}}
	}
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

// contractStep runs one step of a contract's life on the path's contract;
// the store decides access on the contract it locks.
func (a *API) contractStep(step string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in reasonInput
		if r.ContentLength > 0 {
			if err := decode(r, &in); err != nil {
				return err
			}
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		ctx, actor := r.Context(), identity.ActorFrom(r.Context())
		var c presale.Contract
		switch step {
		case "send":
			c, err = a.DB.SendContract(ctx, actor, id)
		case "withdraw":
			c, err = a.DB.WithdrawContract(ctx, actor, id, in.Reason)
		case "confirm":
			var idNumber string
			if p := principal(r); p != nil {
				idNumber = p.User.IDNumber
			}
			c, err = a.DB.ConfirmContract(ctx, actor, id, idNumber)
		case "file":
			c, err = a.DB.FileContract(ctx, actor, id)
		}
		if err != nil {
			return err
		}
		return writeJSON(w, 200, toContractJSON(c, a.today()))
	}
}

// cancelContract records the principal's agreement to cancel; the store
// decides access and works out the party on the contract it locks.
func (a *API) cancelContract(w http.ResponseWriter, r *http.Request) error {
	var in cancellationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := a.DB.AgreeCancellationOf(r.Context(), identity.ActorFrom(r.Context()), id, in.CourtDoc, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, cancellationJSON{ID: x.ID, ContractID: x.ContractID, State: x.State, Reason: x.Reason,
		DeveloperOK: x.DeveloperOK, BuyersOK: len(x.BuyersOK), CourtDoc: x.CourtDoc})
}

// ---- the register book

type entryJSON struct {
	ID         int64             `json:"id"`
	Kind       registry.Kind     `json:"kind"`
	KindLabel  string            `json:"kind_label"`
	RegType    int               `json:"reg_type" doc:"登记类型"`
	RightType  int               `json:"right_type,omitempty" doc:"权利类型"`
	PreNotice  int               `json:"prenotice_kind,omitempty" doc:"预告登记种类"`
	Status     registry.Status   `json:"status"`
	StatusLbl  string            `json:"status_label" doc:"现势 | 历史 | 终止 | 临时"`
	CertNo     string            `json:"cert_no,omitempty" doc:"不动产权证书号或证明号"`
	Holders    []entryHolderJSON `json:"holders,omitempty" doc:"权利人"`
	Obligor    string            `json:"obligor,omitempty" doc:"义务人"`
	Amount     string            `json:"amount,omitempty" doc:"取得价格或被担保主债权数额（元）"`
	Ends       int64             `json:"ends,omitempty" doc:"结束的登记"`
	Note       string            `json:"note,omitempty" doc:"附记"`
	RecordedAt time.Time         `json:"recorded_at"`
	Detail     *detailJSON       `json:"detail,omitempty" doc:"抵押、查封或异议的详情"`
}

type detailJSON struct {
	TermStart  string `json:"term_start,omitempty" doc:"债务履行期限或查封期限起"`
	TermEnd    string `json:"term_end,omitempty" doc:"止"`
	Rank       int    `json:"rank,omitempty" doc:"抵押顺位"`
	NoTransfer bool   `json:"no_transfer,omitempty" doc:"约定抵押期间不得转让"`
	Authority  string `json:"authority,omitempty" doc:"查封机关或异议申请人"`
	DocNo      string `json:"doc_no,omitempty" doc:"法律文书编号"`
	SealKind   string `json:"seal_kind,omitempty" doc:"查封 | 预查封 | 轮候查封"`
	Waiting    bool   `json:"waiting,omitempty" doc:"轮候：前序查封解除后生效"`
}

type entryHolderJSON struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number" doc:"证件号（身份证号脱敏）"`
	Share    string `json:"share,omitempty" doc:"按份共有的份额，如1/2"`
}

type registerBookJSON struct {
	Entries []entryJSON `json:"entries"`
	UnitID  int64       `json:"unit_id"`
	UnitNo  string      `json:"unit_no" doc:"不动产单元号"`
}

// ToEntryJSON renders an entry with persons' ID numbers masked.
func ToEntryJSON(e registry.Entry, st registry.Status) entryJSON {
	out := entryJSON{ID: e.ID, Kind: e.Kind, KindLabel: e.Kind.Label(), RegType: e.RegType, RightType: e.RightType, PreNotice: e.PreNoticeKind,
		Status: st, StatusLbl: st.Label(), CertNo: e.CertNo, Obligor: e.Obligor.Name, Ends: e.Ends, Note: e.Note, RecordedAt: e.RecordedAt}
	if e.Amount.IsPositive() {
		out.Amount = e.Amount.StringFixed(2)
	}
	if d := e.Detail; d != (registry.Detail{}) {
		out.Detail = &detailJSON{TermStart: d.TermStart, TermEnd: d.TermEnd, Rank: d.Rank, NoTransfer: d.NoTransfer, Authority: d.Authority,
			DocNo: d.DocNo, SealKind: d.SealKind, Waiting: d.Waiting}
	}
	for _, h := range e.Holders {
		hj := entryHolderJSON{Name: h.Name, IDNumber: h.IDNumber}
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
	t := access.BookTarget(ref.Project, book)
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
	return writeJSON(w, 200, registerBookJSON{UnitID: id, UnitNo: ref.Unit.UnitNo, Entries: out})
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
	t := access.ProjectTarget(p)
	if acct, err := a.DB.FundAccount(r.Context(), id); err == nil {
		t.Org = acct.Bank
	}
	return id, t, decide(r, act, t)
}

// fundJSON is a project's supervised presale fund.
type fundJSON struct {
	Account             string                   `json:"account" doc:"监管账户"`
	Balance             string                   `json:"balance" doc:"账户余额（元）"`
	Bank                string                   `json:"bank" doc:"监管银行"`
	Deposits            string                   `json:"deposits" doc:"已入账购房款（元）"`
	Milestones          map[string]calendar.Date `json:"milestones" doc:"已达到的项目节点：节点代码 → 日期"`
	Supervised          string                   `json:"supervised" doc:"重点监管额度（元）"`
	Withdrawals         []withdrawalJSON         `json:"withdrawals"`
	WithdrawnFree       string                   `json:"withdrawn_free" doc:"已支取的超出监管额度的资金（元）"`
	WithdrawnSupervised string                   `json:"withdrawn_supervised" doc:"已支取的重点监管资金（元）"`
}

type withdrawalJSON struct {
	Amount      string     `json:"amount"`
	DecidedAt   *time.Time `json:"decided_at" doc:"审批时间；未审批时为null"`
	Decision    string     `json:"decision" doc:"审批意见"`
	Evidence    string     `json:"evidence" doc:"证明材料"`
	ExtraReview bool       `json:"extra_review" doc:"经加强审查"`
	ID          int64      `json:"id"`
	Node        string     `json:"node" doc:"节点代码或free"`
	RequestedAt time.Time  `json:"requested_at"`
	State       string     `json:"state" enum:"requested,approved,refused"`
}

type fundAccountInput struct {
	Bank       int64  `json:"bank" doc:"监管银行机构ID"`
	Account    string `json:"account" doc:"监管账户"`
	Supervised string `json:"supervised" doc:"重点监管额度（元）"`
}

type paymentInput struct {
	ContractID int64  `json:"contract_id,omitempty" doc:"所付的合同"`
	Amount     string `json:"amount" doc:"金额（元）"`
	PaidOn     string `json:"paid_on" doc:"入账日期 YYYY-MM-DD"`
	Note       string `json:"note,omitempty"`
}

type withdrawalInput struct {
	Node     string `json:"node" doc:"节点代码（本辖区的资金支取节点，如 structure | completion | filing | first_registration），超出监管额度的为 free"`
	Amount   string `json:"amount" doc:"金额（元）"`
	Evidence string `json:"evidence" doc:"证明材料"`
}

type withdrawalDecisionInput struct {
	Approve  bool   `json:"approve" doc:"准予支取"`
	Decision string `json:"decision,omitempty" doc:"意见（不予支取或加强审查时必填）"`
}

type milestoneInput struct {
	Milestone string `json:"milestone" enum:"structure_accepted,completed,filed,first_registered" doc:"主体结构验收、竣工验收、竣工验收备案、不动产首次登记"`
	ReachedOn string `json:"reached_on" doc:"达到日期 YYYY-MM-DD"`
	Evidence  string `json:"evidence" doc:"证明材料"`
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
	out := make([]withdrawalJSON, 0, len(ws))
	for _, x := range ws {
		out = append(out, toWithdrawalJSON(x))
	}
	ms := map[string]calendar.Date{}
	for k, v := range f.Milestones {
		ms[k] = v
	}
	return writeJSON(w, 200, fundJSON{Bank: f.Account.BankName, Account: f.Account.Number,
		Supervised: f.Account.Supervised.StringFixed(2), Deposits: f.Deposits.StringFixed(2),
		WithdrawnSupervised: f.Supervised.StringFixed(2), WithdrawnFree: f.Free.StringFixed(2),
		Balance: f.Deposits.Sub(f.Supervised).Sub(f.Free).StringFixed(2), Milestones: ms, Withdrawals: out})
}

func toWithdrawalJSON(x presale.Withdrawal) withdrawalJSON {
	return withdrawalJSON{ID: x.ID, Node: x.Node, Amount: x.Amount.StringFixed(2), Evidence: x.Evidence, State: x.State,
		RequestedAt: x.RequestedAt, DecidedAt: timePtr(x.DecidedAt), Decision: x.Decision, ExtraReview: x.ExtraReview}
}

func (a *API) openFund(w http.ResponseWriter, r *http.Request) error {
	var in fundAccountInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var bad error // refused once the store has decided access
	amount, err := measure.Parse(in.Supervised, "重点监管额度")
	if err != nil {
		bad = &problem.Error{Kind: problem.Invalid, Code: "fund.invalid", Message: "监管账户信息有误", Fields: map[string]string{"supervised": problem.As(err).Message}}
	}
	if err := a.DB.OpenFundAccount(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), presale.FundAccount{ProjectID: id, Bank: in.Bank,
		Number: in.Account, Supervised: amount}); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

func (a *API) recordPayment(w http.ResponseWriter, r *http.Request) error {
	var in paymentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f problem.Fields // refused once the store has decided access
	amount, err := measure.Parse(in.Amount, "金额")
	if err != nil {
		f.Add("amount", problem.As(err).Message)
	}
	on, err := calendar.ParseDate(in.PaidOn)
	if err != nil {
		f.Add("paid_on", "日期格式应为YYYY-MM-DD")
	}
	ctx := store.AfterAccess(r.Context(), f.Err("fund.payment", "入账信息有误"))
	if err := a.DB.RecordPayment(ctx, identity.ActorFrom(r.Context()), id, in.ContractID, amount, on, in.Note); err != nil {
		return err
	}
	w.WriteHeader(201)
	return nil
}

func (a *API) requestWithdrawal(w http.ResponseWriter, r *http.Request) error {
	var in withdrawalInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var bad error // refused once the store has decided access
	amount, err := measure.Parse(in.Amount, "金额")
	if err != nil {
		bad = &problem.Error{Kind: problem.Invalid, Code: "fund.invalid", Message: "支取申请有误", Fields: map[string]string{"amount": problem.As(err).Message}}
	}
	x, err := a.DB.RequestWithdrawal(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), presale.Withdrawal{ProjectID: id, Node: in.Node, Amount: amount, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toWithdrawalJSON(x))
}

func (a *API) decideWithdrawal(w http.ResponseWriter, r *http.Request) error {
	var in withdrawalDecisionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := a.DB.DecideWithdrawal(r.Context(), identity.ActorFrom(r.Context()), id, in.Approve, in.Decision)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toWithdrawalJSON(x))
}

func (a *API) recordMilestone(w http.ResponseWriter, r *http.Request) error {
	var in milestoneInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
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

type endpointJSON struct {
	Active       bool     `json:"active"`
	Events       []string `json:"events" doc:"订阅的事件类型"`
	ID           int64    `json:"id"`
	Jurisdiction string   `json:"jurisdiction" doc:"只接收该辖区的事件；空为全部"`
	Name         string   `json:"name"`
	Org          string   `json:"org"`
	OrgID        int64    `json:"org_id" doc:"接收机构"`
	// PreviousUntil is set during a changeover only: the old secret is
	// never shown, not even masked.
	PreviousUntil *time.Time `json:"previous_until" doc:"密钥轮换中：旧密钥有效至（此前每次投递带新旧两个签名）；不在轮换中时为null"`
	Secret        string     `json:"secret" doc:"HMAC-SM3 密钥（脱敏）"`
	URL           string     `json:"url"`
}

type rotateInput struct {
	Days int `json:"days,omitempty" doc:"过渡期天数（1至30，默认7）：原密钥在此期间继续有效" example:"7"`
}

type rotationJSON struct {
	Endpoint      int64     `json:"endpoint"`
	PreviousUntil time.Time `json:"previous_until" doc:"旧密钥有效至"`
	Secret        string    `json:"secret" doc:"新的签名密钥：只在这一次应答中给出，此后只显示脱敏值；请立即交给对方系统保存"`
}

type endpointList struct {
	Endpoints []endpointJSON `json:"endpoints"`
}

type endpointInput struct {
	OrgID        int64    `json:"org_id" doc:"接收机构"`
	Name         string   `json:"name"`
	URL          string   `json:"url"`
	Secret       string   `json:"secret" doc:"HMAC-SM3 密钥，至少16字符"`
	Events       []string `json:"events" doc:"事件类型"`
	Jurisdiction string   `json:"jurisdiction,omitempty" doc:"只接收该辖区的事件；空为全部"`
}

type deliveryJSON struct {
	Aggregate   string     `json:"aggregate" doc:"事件所涉对象，如 unit:123（同一对象的事件按序投递）"`
	Attempts    int        `json:"attempts"`
	DeliveredAt *time.Time `json:"delivered_at" doc:"送达时间；未送达时为null"`
	Endpoint    int64      `json:"endpoint"`
	EventID     int64      `json:"event_id"`
	ID          int64      `json:"id"`
	LastError   string     `json:"last_error"`
	LastStatus  int        `json:"last_status" doc:"最近一次投递的HTTP状态"`
	NextAt      time.Time  `json:"next_at" doc:"下次投递时间"`
	State       string     `json:"state" enum:"pending,delivered,dead"`
	Type        string     `json:"type" doc:"事件类型"`
}

type deliveryList struct {
	Deliveries []deliveryJSON `json:"deliveries" doc:"本页的投递记录，新的在前"`
	Total      int            `json:"total" doc:"符合条件的投递记录总数"`
	Page       int            `json:"page" doc:"页码，从1起"`
	Pages      int            `json:"pages" doc:"总页数"`
}

type endpointHealthJSON struct {
	Backlog       int          `json:"backlog" doc:"待投递"`
	Dead          int          `json:"dead" doc:"死信"`
	Delivered     int          `json:"delivered"`
	Endpoint      endpointJSON `json:"endpoint"`
	Failing       int          `json:"failing" doc:"已失败待重试"`
	Healthy       bool         `json:"healthy"`
	LagSeconds    int          `json:"lag_seconds" doc:"最早积压事件已等待的秒数"`
	LastDelivered *time.Time   `json:"last_delivered" doc:"最近送达时间；从未送达时为null"`
	LastError     string       `json:"last_error"`
	OldestPending *time.Time   `json:"oldest_pending" doc:"最早积压事件的时间；没有积压时为null"`
}

type partnerHealthJSON struct {
	Endpoints   []endpointHealthJSON `json:"endpoints"`
	MaxAttempts int                  `json:"max_attempts" doc:"重试次数上限，超过即为死信"`
}

type replayJSON struct {
	Endpoint int64 `json:"endpoint"`
	Replayed int   `json:"replayed" doc:"重新投递的条数"`
}

// toEndpointJSON shows e at now: its secret masked, and the end of its
// changeover when one is under way.
func toEndpointJSON(e exchange.Endpoint, now time.Time) endpointJSON {
	out := endpointJSON{ID: e.ID, OrgID: e.OrgID, Org: e.OrgName, Name: e.Name, URL: e.URL, Events: e.Events,
		Jurisdiction: e.Jurisdiction, Active: e.Active, Secret: maskSecret(e.Secret)}
	if e.InChangeover(now) {
		out.PreviousUntil = &e.PreviousUntil
	}
	return out
}

func maskSecret(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:4] + strings.Repeat("*", 8)
}

// endpointAllowed reports whether the request's principal may manage the
// endpoint: a partner endpoint is managed in its organisation's jurisdiction.
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
	out := []endpointHealthJSON{}
	now := a.Now()
	for _, h := range hs {
		if !a.endpointAllowed(r, h.Endpoint) {
			continue
		}
		out = append(out, endpointHealthJSON{Endpoint: toEndpointJSON(h.Endpoint, now), Delivered: h.Delivered, Backlog: h.Backlog, Failing: h.Failing,
			Dead: h.Dead, OldestPending: timePtr(h.OldestPending), LagSeconds: int(h.Lag(now).Seconds()), LastDelivered: timePtr(h.LastDelivered),
			LastError: h.LastError, Healthy: h.Healthy()})
	}
	return writeJSON(w, 200, partnerHealthJSON{MaxAttempts: max, Endpoints: out})
}

func (a *API) replayDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := a.DB.ReplayDeliveries(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, replayJSON{Endpoint: id, Replayed: n})
}

func (a *API) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	if _, err := filter(r, access.PartnerManage); err != nil {
		return err
	}
	es, err := a.DB.Endpoints(r.Context(), 0)
	if err != nil {
		return err
	}
	out := []endpointJSON{}
	now := a.Now()
	for _, e := range es {
		if a.endpointAllowed(r, e) {
			out = append(out, toEndpointJSON(e, now))
		}
	}
	return writeJSON(w, 200, endpointList{Endpoints: out})
}

func (a *API) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	var in endpointInput
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := a.DB.PutEndpoint(r.Context(), identity.ActorFrom(r.Context()), exchange.Endpoint{OrgID: in.OrgID, Name: in.Name, URL: in.URL,
		Secret: in.Secret, Events: in.Events, Jurisdiction: in.Jurisdiction, Active: true})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toEndpointJSON(e, a.Now()))
}

// rotateSecret rotates an endpoint's secret: the new one is generated
// here and given in this answer only. The store decides access as for
// editing the endpoint.
func (a *API) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in rotateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	secret := exchange.NewSecret()
	e, err := a.DB.RotateEndpointSecret(r.Context(), identity.ActorFrom(r.Context()), id, secret, in.Days)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, rotationJSON{Endpoint: e.ID, Secret: secret, PreviousUntil: e.PreviousUntil})
}

// endRotation ends an endpoint's changeover now.
func (a *API) endRotation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := a.DB.EndEndpointChangeover(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, toEndpointJSON(e, a.Now()))
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	f, err := filter(r, access.PartnerManage)
	if err != nil {
		return err
	}
	q := store.DeliveryListQuery{State: r.URL.Query().Get("state"), Failed: r.URL.Query().Get("failed") == "1",
		Search: strings.TrimSpace(r.URL.Query().Get("q"))}
	if q.EndpointID, err = queryInt(r, "endpoint", 0); err != nil {
		return err
	}
	if q.Page, err = queryPage(r); err != nil {
		return err
	}
	l, err := a.DB.DeliveryList(r.Context(), f, q)
	if err != nil {
		return err
	}
	out := []deliveryJSON{}
	for _, d := range l.Rows {
		out = append(out, deliveryJSON{ID: d.ID, EventID: d.Event.ID, Type: d.Event.Type, Aggregate: d.Event.Aggregate,
			Endpoint: d.Endpoint.ID, State: d.State, Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError,
			NextAt: d.NextAt, DeliveredAt: timePtr(d.DeliveredAt)})
	}
	return writeJSON(w, 200, deliveryList{Deliveries: out, Total: l.Total, Page: l.Page.Number, Pages: l.Pages()})
}
