package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/code"
	"handover/internal/exchange"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

// ---- list

// ContractListPage lists the contracts within the viewer's reach, a page
// at a time, by state or only those overdue for filing, searchable by
// contract number, flat or project.
type ContractListPage struct {
	Base
	List        store.Listed[store.ListedContract]
	Pager       Pager
	State       string
	States      []presale.ContractState
	Overdue     bool
	Q           string
	Project     int64 // the project the list is narrowed to (0: none)
	Building    int64 // the building the list is narrowed to (0: none)
	OverdueHref string
	ClearHref   string // the list narrowed to the same project and building, no other condition
}

func (s *Server) contractList(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.ContractRead)
	if err != nil {
		return err
	}
	query := r.URL.Query()
	q := store.ContractListQuery{State: presale.ContractState(query.Get("state")), Search: listSearch(r), Page: listPage(r)}
	if !slices.Contains(contractStates(), q.State) {
		q.State = ""
	}
	q.Project, _ = strconv.ParseInt(query.Get("project"), 10, 64)
	q.Building, _ = strconv.ParseInt(query.Get("building"), 10, 64)
	overdue := query.Get("overdue") == "1"
	if overdue {
		q.State, q.OverdueOn = "", s.today()
	}
	page := ContractListPage{Base: s.base(r, "网签合同"), State: string(q.State), States: contractStates(), Overdue: overdue, Q: q.Search}
	narrowed := url.Values{}
	if q.Project != 0 {
		narrowed.Set("project", strconv.FormatInt(q.Project, 10))
	}
	if q.Building != 0 {
		narrowed.Set("building", strconv.FormatInt(q.Building, 10))
	}
	page.Project, page.Building = q.Project, q.Building
	page.ClearHref = (&url.URL{Path: "/contracts", RawQuery: narrowed.Encode()}).String()
	narrowed.Set("overdue", "1")
	page.OverdueHref = (&url.URL{Path: "/contracts", RawQuery: narrowed.Encode()}).String()
	if page.List, err = s.db.ContractList(r.Context(), f, q); err != nil {
		return err
	}
	page.Pager = pagerOf(r, page.List)
	return s.render(w, 200, "contracts", page)
}

// contractStates are the states a contract list may be narrowed to.
func contractStates() []presale.ContractState {
	return []presale.ContractState{presale.Draft, presale.Sent, presale.Signed, presale.Filed, presale.Withdrawn, presale.Cancelled}
}

// ---- draft

// ContractFormPage drafts a contract for one unit.
type ContractFormPage struct {
	Base
	Ref     store.UnitRef
	Status  ledger.Status // the unit's state now: the form warns when it is not for sale
	Form    presale.ContractForm
	Banks   []identity.Org
	Errors  map[string]string
	Message string
	Reasons []problem.Reason
}

func defaultForm(unit int64, delivery calendar.Date) presale.ContractForm {
	return presale.ContractForm{UnitID: unit, Ownership: string(presale.Sole), PriceBasis: string(presale.ByGross), Payment: string(presale.Lump),
		HomeCount: string(presale.FirstHome), DeliveryDate: delivery.String(), RegistrationDays: 90, LateDeliveryRate: "3",
		LateCertificateRate: "3", Buyers: make([]presale.ContractFormBuyer, 3)}
}

func (s *Server) contractFormPage(r *http.Request, unit int64, form presale.ContractForm) (ContractFormPage, error) {
	p, err := principal(r)
	if err != nil {
		return ContractFormPage{}, err
	}
	ref, err := s.db.Unit(r.Context(), unit)
	if err != nil {
		return ContractFormPage{}, err
	}
	if err := access.Decide(p, access.ContractDraft, access.ProjectTarget(ref.Project)); err != nil {
		return ContractFormPage{}, err
	}
	banks, err := s.db.ListOrgs(r.Context(), access.Filter{All: true}, store.OrgQuery{Kind: identity.Bank})
	if err != nil {
		return ContractFormPage{}, err
	}
	for len(form.Buyers) < 3 {
		form.Buyers = append(form.Buyers, presale.ContractFormBuyer{})
	}
	st, err := s.db.UnitStatus(r.Context(), unit)
	if err != nil {
		return ContractFormPage{}, err
	}
	return ContractFormPage{Base: s.base(r, "起草网签合同"), Ref: ref, Status: st, Form: form, Banks: banks}, nil
}

func (s *Server) contractForm(w http.ResponseWriter, r *http.Request) error {
	unit, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	if unit == 0 {
		return problem.New(problem.NotFound, "unit.not_found", "请从楼盘表选择要网签的户")
	}
	ref, err := s.db.Unit(r.Context(), unit)
	if err != nil {
		return err
	}
	page, err := s.contractFormPage(r, unit, defaultForm(unit, ref.Project.PlannedDelivery))
	if err != nil {
		return err
	}
	return s.render(w, 200, "contract_form", page)
}

func contractFormFrom(r *http.Request) presale.ContractForm {
	atoi := func(k string) int { n, _ := strconv.Atoi(r.PostFormValue(k)); return n }
	f := presale.ContractForm{Ownership: r.PostFormValue("ownership"), PriceBasis: r.PostFormValue("price_basis"),
		UnitPrice: r.PostFormValue("unit_price"), Payment: r.PostFormValue("payment"), LoanAmount: r.PostFormValue("loan_amount"),
		LoanYears: atoi("loan_years"), LoanNo: r.PostFormValue("loan_no"), HomeCount: r.PostFormValue("home_count"),
		Marital: r.PostFormValue("marital"), DeliveryDate: r.PostFormValue("delivery_date"), RegistrationDays: atoi("registration_days"),
		LateDeliveryRate: r.PostFormValue("late_delivery_rate"), LateCertificateRate: r.PostFormValue("late_certificate_rate")}
	f.UnitID, _ = strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
	f.LoanBank, _ = strconv.ParseInt(r.PostFormValue("loan_bank"), 10, 64)
	for _, line := range strings.Split(r.PostFormValue("conditions"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			f.DeliveryConditions = append(f.DeliveryConditions, line)
		}
	}
	r.ParseForm()
	names, ids, phones, shares := r.PostForm["buyer_name"], r.PostForm["buyer_id"], r.PostForm["buyer_phone"], r.PostForm["buyer_share"]
	for i := range names {
		b := presale.ContractFormBuyer{Name: names[i]}
		if i < len(ids) {
			b.IDNumber = ids[i]
		}
		if i < len(phones) {
			b.Phone = phones[i]
		}
		if i < len(shares) {
			b.Share = shares[i]
		}
		f.Buyers = append(f.Buyers, b)
	}
	return f
}

func (s *Server) contractCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	form := contractFormFrom(r)
	in, err := form.Input()
	var c presale.Contract
	if err == nil {
		c, err = s.db.DraftContract(r.Context(), identity.ActorFrom(r.Context()), p.Org.ID, store.ContractInput(in))
	}
	if err != nil {
		e, err := shown(err)
		if err != nil {
			return err
		}
		page, err := s.contractFormPage(r, form.UnitID, form)
		if err != nil {
			return err
		}
		page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
		return s.render(w, http.StatusUnprocessableEntity, "contract_form", page)
	}
	s.flash(r, "已起草合同 "+c.Number+"，核验通过；请核对后发送买受人确认")
	http.Redirect(w, r, "/contracts/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

// ---- one contract

// ContractPage shows a contract and the steps the viewer may take.
type ContractPage struct {
	Base
	C             presale.Contract
	Ref           store.UnitRef
	Cancel        *store.Cancellation
	Book          []registry.Entry
	Statuses      map[int64]registry.Status
	MaskIDs       bool
	CanDraft      bool             // the developer's steps
	CanConfirm    bool             // the viewer is a buyer who has not confirmed, and the contract may be signed
	Unsignable    []problem.Reason // why a contract awaiting the viewer's confirmation cannot be signed now
	CanCancel     bool
	CancelAs      string // developer, buyer, court
	CanAgree      bool   // an open cancellation awaits this party
	Today         calendar.Date
	DigestIntact  bool
	Area          *store.AreaRow // the area reconciliation, once measured
	CanDecideArea bool
	Detail        *store.ProjectDetail // for the printable contract
	Developer     identity.Org
	Errors        map[string]string
	Message       string
	Reasons       []problem.Reason
}

// loadContractPage loads the path's contract, decides act on it, and fills
// the page with what the principal may see and do there; a view by anyone
// but a buyer is audited as a view of personal data.
func (s *Server) loadContractPage(r *http.Request, act access.Action) (ContractPage, error) {
	p, c, t, err := s.contractFor(r, act)
	if err != nil {
		return ContractPage{}, err
	}
	ref, err := s.db.Unit(r.Context(), c.UnitID)
	if err != nil {
		return ContractPage{}, err
	}
	page := ContractPage{Base: s.base(r, "合同 "+c.Number), C: c, Ref: ref, Today: s.today(), MaskIDs: !c.HasBuyer(p.User.IDNumber),
		CanDraft: access.Allowed(p, access.ContractDraft, t)}
	page.CanConfirm = awaitsConfirmation(p, c)
	if page.CanConfirm {
		// A buyer is not asked to confirm what the signing would refuse.
		if page.Unsignable, err = s.db.SaleBlocks(r.Context(), c.ID); err != nil {
			return page, err
		}
		page.CanConfirm = len(page.Unsignable) == 0
	}
	if c.Digest != "" {
		page.DigestIntact = c.ComputeDigest(ref.Unit) == c.Digest
	}
	if x, err := s.db.CancellationOf(r.Context(), c.ID); err == nil {
		page.Cancel = &x
	} else if problem.KindOf(err) != problem.NotFound {
		return page, err
	}
	if (c.State == presale.Signed || c.State == presale.Filed) && access.Allowed(p, access.ContractCancel, t) {
		page.cancelParty(p, c)
	}
	if err := s.contractArea(r, p, c, t, ref, &page); err != nil {
		return page, err
	}
	if err := s.contractBook(r, p, c, ref, &page); err != nil {
		return page, err
	}
	if !c.HasBuyer(p.User.IDNumber) {
		if err := s.db.RecordAudit(r.Context(), identity.ActorFrom(r.Context()), "personal.view", "contract", c.ID,
			map[string]string{"via": "page"}); err != nil {
			return page, err
		}
	}
	return page, nil
}

// contractFor loads the path's contract and decides act on it, so that
// nothing of the contract is read further for a principal refused it.
func (s *Server) contractFor(r *http.Request, act access.Action) (*identity.Principal, presale.Contract, access.Target, error) {
	p, err := principal(r)
	if err != nil {
		return nil, presale.Contract{}, access.Target{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, presale.Contract{}, access.Target{}, err
	}
	c, err := s.db.Contract(r.Context(), id)
	if err != nil {
		return nil, presale.Contract{}, access.Target{}, err
	}
	t := store.ContractTarget(c)
	if err := access.Decide(p, act, t); err != nil {
		return nil, presale.Contract{}, access.Target{}, err
	}
	return p, c, t, nil
}

// awaitsConfirmation says whether the principal is a buyer of a sent
// contract who has not confirmed it yet: only they are offered 确认.
func awaitsConfirmation(p *identity.Principal, c presale.Contract) bool {
	if !c.HasBuyer(p.User.IDNumber) || c.State != presale.Sent {
		return false
	}
	for _, b := range c.Buyers {
		if b.IDNumber == p.User.IDNumber && b.Confirmed.IsZero() {
			return true
		}
	}
	return false
}

// cancelParty offers the cancellation to the principal as the party they
// are (developer, buyer or court) and says whether their agreement is still
// awaited; a principal who is no party is offered nothing.
func (page *ContractPage) cancelParty(p *identity.Principal, c presale.Contract) {
	party, err := presale.CancelPartyOf(p, c, "court")
	if err != nil {
		return
	}
	page.CanCancel = true
	switch {
	case party.Developer:
		page.CancelAs = "developer"
		page.CanAgree = page.Cancel == nil || page.Cancel.State != "open" || !page.Cancel.DeveloperOK
	case party.Buyer != "":
		page.CancelAs = "buyer"
		page.CanAgree = page.Cancel == nil || page.Cancel.State != "open" || !slices.Contains(page.Cancel.BuyersOK, party.Buyer)
	default:
		page.CancelAs = "court"
		page.CanAgree = true
	}
}

// contractArea adds the unit's area reconciliation once it is measured, to
// a principal who may read it, and whether they may decide on it now.
func (s *Server) contractArea(r *http.Request, p *identity.Principal, c presale.Contract, t access.Target, ref store.UnitRef, page *ContractPage) error {
	if !access.Allowed(p, access.AreaRead, t) || !ref.Unit.HasMeasured() {
		return nil
	}
	rows, err := s.db.Reconciliation(r.Context(), c.ProjectID, c.ID)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		page.Area = &rows[0]
		page.CanDecideArea = rows[0].Settlement.MayRescind && rows[0].Decision == "" && access.Allowed(p, access.AreaDecide, t)
	}
	return nil
}

// contractBook adds the unit's register book and its statuses, to a
// principal who may read the register or is a buyer of the contract.
func (s *Server) contractBook(r *http.Request, p *identity.Principal, c presale.Contract, ref store.UnitRef, page *ContractPage) error {
	book, err := s.db.UnitBook(r.Context(), c.UnitID)
	if err != nil {
		return err
	}
	if !access.Allowed(p, access.RegisterRead, access.BookTarget(ref.Project, book)) && !c.HasBuyer(p.User.IDNumber) {
		return nil
	}
	page.Book, page.Statuses = book, registry.Statuses(book)
	return nil
}

func (s *Server) contractPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadContractPage(r, access.ContractRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "contract", page)
}

// contractDocument is the printable electronic contract.
func (s *Server) contractDocument(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadContractPage(r, access.ContractRead)
	if err != nil {
		return err
	}
	page.Title = "商品房买卖合同（预售） " + page.C.Number
	d, err := s.db.ProjectDetail(r.Context(), page.C.ProjectID)
	if err != nil {
		return err
	}
	page.Detail = &d
	if page.Developer, err = s.db.Org(r.Context(), page.C.Developer); err != nil {
		return err
	}
	return s.render(w, 200, "contract_doc", page)
}

// contractRefused shows the contract again with why the action was
// refused.
func (s *Server) contractRefused(w http.ResponseWriter, r *http.Request, err error) error {
	e, err := shown(err)
	if err != nil {
		return err
	}
	page, err := s.loadContractPage(r, access.ContractRead)
	if err != nil {
		return err
	}
	page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
	return s.render(w, http.StatusUnprocessableEntity, "contract", page)
}

// contractDone shows the contract with what was done.
func (s *Server) contractDone(w http.ResponseWriter, r *http.Request, id int64, msg string) error {
	return s.done(w, r, msg, "/contracts/"+strconv.FormatInt(id, 10))
}

// sendContract sends the developer's draft to the buyers to confirm.
func (s *Server) sendContract(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.SendContract(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return s.contractRefused(w, r, err)
	}
	return s.contractDone(w, r, id, "已发送买受人确认")
}

// withdrawContract withdraws a draft or sent contract; the unit is for
// sale again.
func (s *Server) withdrawContract(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.WithdrawContract(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("reason")); err != nil {
		return s.contractRefused(w, r, err)
	}
	return s.contractDone(w, r, id, "已撤回合同，该户恢复可售")
}

// signContract is a buyer's confirmation (the online signature); the last
// buyer's signs the contract.
func (s *Server) signContract(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.ConfirmContract(r.Context(), identity.ActorFrom(r.Context()), id, p.User.IDNumber)
	if err != nil {
		return s.contractRefused(w, r, err)
	}
	if c.State == presale.Signed {
		return s.contractDone(w, r, c.ID, "已确认，合同已签署；开发企业将在30日内办理备案与预告登记")
	}
	return s.contractDone(w, r, c.ID, "已确认")
}

// fileContract files a signed contract, with its pre-notice registration.
func (s *Server) fileContract(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.FileContract(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return s.contractRefused(w, r, err)
	}
	return s.contractDone(w, r, c.ID, "已备案，同步完成预告登记："+c.PreNoticeNo)
}

// cancelContract records one party's agreement to cancel the filing (or a
// court's document); when all agree the filing and the pre-notice end.
func (s *Server) cancelContract(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.db.AgreeCancellationOf(r.Context(), identity.ActorFrom(r.Context()), id, r.PostFormValue("court_doc"), r.PostFormValue("reason"))
	if err != nil {
		return s.contractRefused(w, r, err)
	}
	if x.State == "executed" {
		return s.contractDone(w, r, id, "合同已注销备案，预告登记同步注销")
	}
	return s.contractDone(w, r, id, "已记录您同意注销，待另一方同意")
}

// ---- funds

// FundPage shows a project's supervised presale funds.
type FundPage struct {
	Base
	Project     ledger.Project
	Facts       *presale.FundFacts
	Withdrawals []presale.Withdrawal
	Refused     []store.RefusedWithdrawal // attempts a rule refused: no request was made
	Banks       []identity.Org
	Nodes       []presale.Node
	Milestones  []string
	CanDecide   bool
	CanDeposit  bool
	CanWithdraw bool
	Errors      map[string]string
	Message     string
	Reasons     []problem.Reason
}

// NodeName names a withdrawal's node for the page (its code is data).
func (p FundPage) NodeName(code string) string { return presale.NodeName(p.Nodes, code) }

func (s *Server) loadFundPage(r *http.Request, act access.Action) (FundPage, error) {
	p, err := principal(r)
	if err != nil {
		return FundPage{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return FundPage{}, err
	}
	proj, err := s.db.Project(r.Context(), id)
	if err != nil {
		return FundPage{}, err
	}
	t := access.ProjectTarget(proj)
	page := FundPage{Base: s.base(r, "预售资金监管："+proj.Name), Project: proj,
		Milestones: []string{presale.MilestoneStructure, presale.MilestoneCompleted, presale.MilestoneFiled, presale.MilestoneFirstReg}}
	f, err := s.db.FundFacts(r.Context(), id)
	switch {
	case err == nil:
		page.Facts = &f
		t.Org = f.Account.Bank
		page.Nodes = f.Nodes
	case problem.KindOf(err) == problem.NotFound:
		page.Nodes = presale.DefaultNodes()
	default:
		return page, err
	}
	if err := access.Decide(p, act, t); err != nil {
		return page, err
	}
	page.CanDecide, page.CanDeposit, page.CanWithdraw = access.Allowed(p, access.FundDecide, t), access.Allowed(p, access.FundDeposit, t),
		access.Allowed(p, access.FundWithdraw, t)
	if page.Withdrawals, err = s.db.Withdrawals(r.Context(), id); err != nil {
		return page, err
	}
	if page.Refused, err = s.db.RefusedWithdrawals(r.Context(), id); err != nil {
		return page, err
	}
	if page.Banks, err = s.db.ListOrgs(r.Context(), access.Filter{All: true}, store.OrgQuery{Kind: identity.Bank}); err != nil {
		return page, err
	}
	return page, nil
}

func (s *Server) fundPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadFundPage(r, access.FundRead)
	if err != nil {
		return err
	}
	return s.render(w, 200, "fund", page)
}

// fundAction runs one fund form and shows the page again on a form error;
// the store decides access on the project's fund.
func (s *Server) fundAction(w http.ResponseWriter, r *http.Request) error {
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	done, err := s.fundOp(r, pid)
	if err != nil {
		e := problem.As(err)
		if e.Kind == problem.Internal || e.Kind == problem.Forbidden || e.Kind == problem.Unauthenticated || e.Code == "request.op" {
			return err
		}
		page, err2 := s.loadFundPage(r, access.FundRead)
		if err2 != nil {
			return err2
		}
		page.Errors, page.Message, page.Reasons = e.Fields, e.Message, e.Reasons
		return s.render(w, http.StatusUnprocessableEntity, "fund", page)
	}
	s.flash(r, done)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

// fundOp runs the form's operation on project pid's fund and says what it
// did; an amount that is not one is refused after access is decided.
func (s *Server) fundOp(r *http.Request, pid int64) (string, error) {
	ctx, actor := r.Context(), identity.ActorFrom(r.Context())
	switch r.PostFormValue("op") {
	case "open":
		amount, bad := parseMoney(r.PostFormValue("supervised"), "重点监管额度", "supervised")
		bank, _ := strconv.ParseInt(r.PostFormValue("bank"), 10, 64)
		return "已设立监管账户", s.db.OpenFundAccount(store.AfterAccess(ctx, bad), actor, presale.FundAccount{ProjectID: pid, Bank: bank,
			Number: r.PostFormValue("number"), Supervised: amount})
	case "milestone":
		on, _ := calendar.ParseDate(r.PostFormValue("reached_on"))
		return "已记录节点", s.db.RecordMilestone(ctx, actor, pid, r.PostFormValue("milestone"), on, r.PostFormValue("evidence"))
	case "deposit":
		amount, bad := parseMoney(r.PostFormValue("amount"), "金额", "amount")
		on, _ := calendar.ParseDate(r.PostFormValue("paid_on"))
		contract, _ := strconv.ParseInt(r.PostFormValue("contract"), 10, 64)
		return "已登记入账", s.db.RecordPayment(store.AfterAccess(ctx, bad), actor, pid, contract, amount, on, r.PostFormValue("note"))
	case "withdraw":
		amount, bad := parseMoney(r.PostFormValue("amount"), "金额", "amount")
		_, err := s.db.RequestWithdrawal(store.AfterAccess(ctx, bad), actor, presale.Withdrawal{ProjectID: pid, Node: r.PostFormValue("node"),
			Amount: amount, Evidence: r.PostFormValue("evidence")})
		return "已提交支取申请", err
	case "decide":
		id, _ := strconv.ParseInt(r.PostFormValue("withdrawal"), 10, 64)
		approve := r.PostFormValue("approve") == "1"
		_, err := s.db.DecideProjectWithdrawal(ctx, actor, pid, id, approve, r.PostFormValue("decision"))
		return map[bool]string{true: "已批准支取", false: "已作出不予支取决定"}[approve], err
	}
	return "", problem.New(problem.Invalid, "request.op", "未知操作")
}

func parseMoney(s, what, field string) (d decimal.Decimal, err error) {
	d, err = ledger.ParseMoneyField(s, what)
	if err != nil {
		return d, &problem.Error{Kind: problem.Invalid, Code: "request.money", Message: "金额有误", Fields: map[string]string{field: problem.As(err).Message}}
	}
	return d, nil
}

// ---- partners

// PartnersPage manages partner endpoints and shows deliveries.
type PartnersPage struct {
	Base
	Health      []store.EndpointHealth
	MaxAttempts int
	Endpoints   []exchange.Endpoint
	// Deliveries is a page of the 投递记录: all of them or only the
	// failed ones (Keep.Show "failed"), searched (Keep.Q), to one endpoint
	// when Endpoint is set (the failing-partner alert's link).
	Deliveries store.Listed[store.Delivery]
	Pager      Pager
	Keep       ListState
	Endpoint   int64
	Orgs       []identity.Org
	Events     []exchange.EventType
	Secret     string // a newly generated secret, shown once
	Errors     map[string]string
	Message    string
	ShowRaw    bool              // administrators may open a failure's error as recorded
	JNames     JNames            // jurisdictions' names by code
	Subjects   map[string]string // what the deliveries' events are about (unit:2092), named

	// Rotated is the endpoint whose secret was just rotated (Secret is
	// its new one); zero after registering an endpoint.
	Rotated exchange.Endpoint
	Now     time.Time // whether an endpoint is in a changeover is asked at Now
}

// JName names an endpoint's jurisdiction; "" (every jurisdiction) is 全部.
func (p PartnersPage) JName(code string) string {
	if code == "" {
		return "全部"
	}
	return p.JNames.Name(code)
}

// InChangeover reports whether an endpoint's previous secret still signs
// its deliveries, beside the current one.
func (p PartnersPage) InChangeover(e exchange.Endpoint) bool { return e.InChangeover(p.Now) }

// ChangeoverDays is the choice of a rotation's window, in days.
type ChangeoverDays struct{ Default, Min, Max int }

// Window is the rotation form's choice of window: its default and bounds.
func (p PartnersPage) Window() ChangeoverDays {
	return ChangeoverDays{exchange.DefaultChangeoverDays, exchange.MinChangeoverDays, exchange.MaxChangeoverDays}
}

// DeliveriesHref is the delivery list shown as show ("failed" or all),
// keeping its search and endpoint.
func (p PartnersPage) DeliveriesHref(show string) string {
	v := url.Values{}
	if show != "" {
		v.Set("show", show)
	}
	if p.Keep.Q != "" {
		v.Set("q", p.Keep.Q)
	}
	if p.Endpoint != 0 {
		v.Set("endpoint", strconv.FormatInt(p.Endpoint, 10))
	}
	return (&url.URL{Path: "/admin/partners", RawQuery: v.Encode(), Fragment: "deliveries"}).String()
}

// Subject names what an event is about: 户 天山·悦府 7号楼 1单元4104（#2092）.
func (p PartnersPage) Subject(aggregate string) string {
	if n := p.Subjects[aggregate]; n != "" {
		return n
	}
	return aggregate
}

// Failure is a failed delivery's error for the page: summarised in
// Chinese, the recorded text behind a toggle for administrators.
type Failure struct {
	Status  int
	Text    string
	ShowRaw bool
}

// Failure pairs a delivery's status and error with the page's permission
// to show the error as recorded.
func (p PartnersPage) Failure(status int, text string) Failure {
	return Failure{Status: status, Text: text, ShowRaw: p.ShowRaw}
}

// subjects names the records the deliveries' events are about.
func (s *Server) subjects(r *http.Request, ds []store.Delivery) (map[string]string, error) {
	var refs []store.RecordRef
	for _, d := range ds {
		if kind, id, ok := exchange.ParseAggregate(d.Event.Aggregate); ok {
			refs = append(refs, store.RecordRef{Kind: kind, ID: id})
		}
	}
	names, err := s.db.RecordNames(r.Context(), refs)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ref := range refs {
		out[ref.Kind+":"+ref.ID] = audit.RecordName(ref.Kind, ref.ID, names[ref])
	}
	return out, nil
}

func (s *Server) partnersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPartners(w, r, 200, PartnersPage{})
}

func (s *Server) renderPartners(w http.ResponseWriter, r *http.Request, status int, page PartnersPage) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.PartnerManage)
	if err != nil {
		return err
	}
	page.Base = s.base(r, "部门接口")
	page.Now = s.now()
	page.Events = exchange.EventTypes()
	orgs, err := s.db.ListOrgs(r.Context(), f, store.OrgQuery{})
	if err != nil {
		return err
	}
	allowed := map[int64]bool{}
	for _, o := range orgs {
		switch o.Kind {
		case identity.Registry, identity.Tax, identity.Bank, identity.Utility, identity.Centre:
			page.Orgs = append(page.Orgs, o)
		}
		allowed[o.ID] = true
	}
	es, err := s.db.Endpoints(r.Context(), 0)
	if err != nil {
		return err
	}
	for _, e := range es {
		if allowed[e.OrgID] {
			page.Endpoints = append(page.Endpoints, e)
		}
	}
	health, err := s.db.PartnerHealth(r.Context())
	if err != nil {
		return err
	}
	for _, h := range health {
		if allowed[h.Endpoint.OrgID] {
			page.Health = append(page.Health, h)
		}
	}
	if page.MaxAttempts, err = s.db.MaxAttempts(r.Context()); err != nil {
		return err
	}
	q := store.DeliveryListQuery{Failed: r.URL.Query().Get("show") == "failed", Search: listSearch(r), Page: listPage(r)}
	q.EndpointID, _ = strconv.ParseInt(r.URL.Query().Get("endpoint"), 10, 64)
	page.Keep = ListState{Q: q.Search, Page: q.Page.Number}
	if q.Failed {
		page.Keep.Show = "failed"
	}
	page.Endpoint = q.EndpointID
	if page.Deliveries, err = s.db.DeliveryList(r.Context(), f, q); err != nil {
		return err
	}
	page.Keep.Page = page.Deliveries.Page.Number
	page.Pager = pagerOf(r, page.Deliveries)
	if page.Subjects, err = s.subjects(r, page.Deliveries.Rows); err != nil {
		return err
	}
	if page.JNames, _, err = s.jurisdictionNames(r); err != nil {
		return err
	}
	page.ShowRaw = p.Has(identity.RoleAdmin)
	return s.render(w, status, "partners", page)
}

// partnerCreate registers a partner's endpoint; the store decides access on
// the receiving organisation's jurisdiction.
func (s *Server) partnerCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	org, _ := strconv.ParseInt(r.PostFormValue("org"), 10, 64)
	secret := exchange.NewSecret()
	_, err := s.db.PutEndpoint(r.Context(), identity.ActorFrom(r.Context()), exchange.Endpoint{OrgID: org, Name: r.PostFormValue("name"),
		URL: r.PostFormValue("url"), Secret: secret, Events: r.PostForm["events"], Jurisdiction: r.PostFormValue("jurisdiction"), Active: true})
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	asPartners(r)
	if msg != "" {
		return s.renderPartners(w, r, http.StatusUnprocessableEntity, PartnersPage{Errors: errs, Message: msg})
	}
	return s.renderPartners(w, r, 200, PartnersPage{Secret: secret})
}

// partnerReplay replays an endpoint's dead deliveries; the store decides
// access on the endpoint's organisation.
func (s *Server) partnerReplay(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.New(problem.NotFound, "endpoint.not_found", "部门接收地址不存在")
	}
	n, err := s.db.ReplayDeliveries(r.Context(), identity.ActorFrom(r.Context()), id)
	if _, msg, err := formErrors(err); err != nil {
		return err
	} else if msg != "" {
		asPartners(r)
		return s.renderPartners(w, r, http.StatusConflict, PartnersPage{Message: msg})
	}
	if s.cfg.Wake != nil {
		s.cfg.Wake()
	}
	s.flash(r, fmt.Sprintf("已安排重新投递 %d 条事件", n))
	http.Redirect(w, r, partnersBack(r)+"#health", http.StatusSeeOther)
	return nil
}

// partnerRotate rotates an endpoint's secret (the page asked for a
// confirmation): the new one is shown once, on the page this answers
// with; the old one keeps signing deliveries for the days chosen (1–30,
// 7 when left empty). The store decides access as for editing the
// endpoint.
func (s *Server) partnerRotate(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.New(problem.NotFound, "endpoint.not_found", "部门接收地址不存在")
	}
	r.ParseForm()
	var days int
	var bad error
	if v := strings.TrimSpace(r.PostFormValue("days")); v != "" {
		if days, err = strconv.Atoi(v); err != nil {
			bad = &problem.Error{Kind: problem.Invalid, Code: "endpoint.rotation_invalid", Message: "密钥轮换的设置有误",
				Fields: map[string]string{"days": "过渡期应为1至30的整数天数"}}
		}
	}
	secret := exchange.NewSecret()
	e, err := s.db.RotateEndpointSecret(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), id, secret, days)
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	asPartners(r)
	if msg != "" {
		if d := errs["days"]; d != "" {
			msg += "：" + d
		}
		return s.renderPartners(w, r, http.StatusUnprocessableEntity, PartnersPage{Message: msg})
	}
	return s.renderPartners(w, r, 200, PartnersPage{Secret: secret, Rotated: e})
}

// partnerEndRotation ends an endpoint's changeover now (the page asked
// for a confirmation): its old secret stops signing at once.
func (s *Server) partnerEndRotation(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.New(problem.NotFound, "endpoint.not_found", "部门接收地址不存在")
	}
	e, err := s.db.EndEndpointChangeover(r.Context(), identity.ActorFrom(r.Context()), id)
	if _, msg, err := formErrors(err); err != nil {
		return err
	} else if msg != "" {
		asPartners(r)
		return s.renderPartners(w, r, http.StatusConflict, PartnersPage{Message: msg})
	}
	s.flash(r, fmt.Sprintf("已结束“%s”的密钥轮换：旧密钥即时失效，此后的投递只带新密钥的签名", e.Name))
	http.Redirect(w, r, partnersBack(r)+"#endpoints", http.StatusSeeOther)
	return nil
}

// partnersBack is the partners page at the delivery list's place its form
// carried: filter, search and page (the keep partial), and the endpoint.
func partnersBack(r *http.Request) string {
	back := listBack(r, "/admin/partners")
	if ep, err := strconv.ParseInt(r.PostFormValue("endpoint"), 10, 64); err == nil && ep > 0 {
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		back += sep + "endpoint=" + strconv.FormatInt(ep, 10)
	}
	return back
}

// asPartners makes r read as the partners page at the place its form was
// sent from, for the page shown again after an action.
func asPartners(r *http.Request) {
	back := partnersBack(r)
	r.URL.Path, r.URL.RawPath = "/admin/partners", ""
	_, r.URL.RawQuery, _ = strings.Cut(back, "?")
}

// ---- unit page additions

// unitBookFor returns the unit's register book when the viewer may see it.
func (s *Server) unitBookFor(r *http.Request, ref store.UnitRef) ([]registry.Entry, map[int64]registry.Status, error) {
	p := identity.PrincipalFrom(r.Context())
	book, err := s.db.UnitBook(r.Context(), ref.Unit.ID)
	if err != nil {
		return nil, nil, err
	}
	if !access.Allowed(p, access.RegisterRead, access.BookTarget(ref.Project, book)) {
		return nil, nil, nil
	}
	return book, registry.Statuses(book), nil
}

// maskIf masks an ID number when mask is set.
func maskIf(mask bool, id string) string {
	if mask {
		return code.MaskIDCard(id)
	}
	return id
}
