package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/measure"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/tax"
)

func (a *API) registrationRoutes() []Route {
	id := []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}
	const tReg, tCert, tTax, tHand, tUtil = "不动产登记", "不动产权证书与电子证照", "契税", "交房与批量办理", "水电气联动过户"
	return []Route{
		{Method: "POST", Pattern: "/api/v1/applications", Action: access.RegistrationApply, Tag: tReg,
			Summary: "受理登记申请（一个或多个登记事项，如首次登记+转移登记+抵押权登记合并申请）", Body: "ApplicationInput", Result: "Application",
			Status: 201, handle: a.createApplication},
		{Method: "GET", Pattern: "/api/v1/applications/{id}", Action: access.RegistrationRead, Tag: tReg,
			Summary: "登记申请：各事项状态、期限、不能登簿的原因、引用的材料与办理过程", Params: id, Result: "Application", handle: a.getApplication},
		{Method: "POST", Pattern: "/api/v1/applications/{id}/steps", Action: access.RegistrationRecord, Tag: tReg,
			Summary: "办理一步：review 审核、review2 复审、return 退回补正、accept 重新受理、withdraw 撤回、record 登簿、certify 缮证、issue 发证（各步所需角色不同）",
			Params:  id, Body: "StepInput", Result: "Application", handle: a.stepApplication},
		{Method: "GET", Pattern: "/api/v1/registration-queue", Action: access.RegistrationWork, Tag: tReg, Summary: "本辖区待办（按期限排序）",
			Params: []Param{{Name: "state", In: "query", Desc: "accepted | reviewed | approved | recorded | certified | returned"}}, Result: "Queue", handle: a.queue},
		{Method: "GET", Pattern: "/api/v1/units/{id}/certificates", Action: access.CertificateRead, Tag: tCert, Summary: "户的证书与证明",
			Params: id, Result: "CertificateList", handle: a.unitCertificates},
		{Method: "GET", Pattern: "/api/v1/certificates/{id}", Action: access.CertificateRead, Tag: tCert, Summary: "证书或证明（元数据、状态、交付）",
			Params: id, Result: "Certificate", handle: a.getCertificate},
		{Method: "GET", Pattern: "/api/v1/certificates/{id}/file", Action: access.CertificateRead, Tag: tCert,
			Summary: "下载签名的电子证照文件（handover verify 可离线校验）", Params: id, Result: "CertificateFile", handle: a.certificateFile},
		{Method: "GET", Pattern: "/api/v1/verify/{licence}", Action: access.CertificateVerify, Tag: tCert,
			Summary: "公开核验电子证照：签名是否有效、现势或注销、是否抵押或查封（权利人姓名脱敏，不含身份证号）",
			Params:  []Param{{Name: "licence", In: "path", Required: true, Desc: "电子证照标识"}}, Result: "Verification", handle: a.verify},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/deed-tax", Action: access.DeedTaxManage, Tag: tTax,
			Summary: "按实测面积与成交价核定项目已备案合同的契税（已核定的不重复）", Params: id, Result: "AssessResult", handle: a.assessDeedTax},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/deed-tax", Action: access.DeedTaxRead, Tag: tTax, Summary: "项目的契税核定与完税",
			Params: id, Result: "DeedTaxList", handle: a.listDeedTax},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/deed-tax/payment", Action: access.DeedTaxManage, Tag: tTax,
			Summary: "税务部门推送完税（或工作人员登记完税凭证）", Params: id, Body: "TaxPaymentInput", Result: "DeedTax", handle: a.payDeedTax},
		{Method: "POST", Pattern: "/api/v1/parcel-restrictions", Action: access.ParcelRestrict, Tag: tReg,
			Summary: "登记宗地的查封、抵押（含在建工程抵押）或锁定：有则不能办理首次登记", Body: "ParcelRestrictionInput", Result: "Created", Status: 201,
			handle: a.restrictParcel},
		{Method: "POST", Pattern: "/api/v1/parcel-restrictions/{id}/lifting", Action: access.ParcelRestrict, Tag: tReg, Summary: "解除宗地限制",
			Params: id, Body: "NoteInput", Status: 204, handle: a.liftParcel},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/handover-events", Action: access.HandoverManage, Tag: tHand,
			Summary: "安排交房（已竣工验收备案的幢；书面通知不少于交房前10日）", Params: id, Body: "HandoverInput", Result: "HandoverEvent", Status: 201,
			handle: a.scheduleHandover},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/handover-events", Action: access.HandoverRead, Tag: tHand, Summary: "项目的交房安排",
			Params: id, Result: "HandoverEventList", handle: a.listHandovers},
		{Method: "GET", Pattern: "/api/v1/handover-events/{id}", Action: access.HandoverRead, Tag: tHand,
			Summary: "交房安排与批量办理进度、逐户结果（交房日、发证日、受阻原因）", Params: id, Result: "HandoverEvent", handle: a.getHandover},
		{Method: "POST", Pattern: "/api/v1/handover-events/{id}/run", Action: access.HandoverManage, Tag: tHand,
			Summary: "开始或继续批量办理（后台运行；中断后从停下处继续，已办结的户不重复）", Params: id, Result: "HandoverEvent", Status: 202,
			handle: a.runHandover},
		{Method: "POST", Pattern: "/api/v1/handover-events/{id}/pause", Action: access.HandoverManage, Tag: tHand, Summary: "暂停批量办理（本批次办完后停下）",
			Params: id, Status: 204, handle: a.pauseHandover},
		{Method: "PUT", Pattern: "/api/v1/handover-events/{id}/units/{unit}/receiver", Action: access.HandoverManage, Tag: tHand, Summary: "登记领取钥匙的人",
			Params: append(id, Param{Name: "unit", In: "path", Required: true, Type: "integer"}), Body: "ReceiverInput", Status: 204, handle: a.setReceiver},
		{Method: "GET", Pattern: "/api/v1/utility-requests", Action: access.UtilityRead, Tag: tUtil,
			Summary: "过户请求（公共事业单位：本单位的；其他：按户或项目）", Params: []Param{{Name: "unit", In: "query", Type: "integer"},
				{Name: "project", In: "query", Type: "integer"}}, Result: "UtilityList", handle: a.listUtilities},
		{Method: "POST", Pattern: "/api/v1/utility-requests/{id}/answer", Action: access.UtilityAnswer, Tag: tUtil, Summary: "答复过户：已办结或不予办理（理由）",
			Params: id, Body: "UtilityAnswer", Result: "Utility", handle: a.answerUtility},
		{Method: "GET", Pattern: "/api/v1/mortgages", Action: access.MortgageRead, Tag: tCert, Summary: "登记在本行名下的抵押权", Result: "MortgageList",
			handle: a.listMortgages},
	}
}

// ---- applications

// ApplicationInput is an application as the window or a partner submits it.
type ApplicationInput struct {
	Applicants []string       `json:"applicants"`
	Agent      string         `json:"agent"`
	Services   []serviceInput `json:"services"`
}

type serviceInput struct {
	Kind       string                 `json:"kind"`
	UnitID     int64                  `json:"unit_id"`
	BuildingID int64                  `json:"building_id"`
	ContractID int64                  `json:"contract_id"`
	EntryID    int64                  `json:"entry_id"`
	Holders    []registry.HolderInput `json:"holders"`
	Details    map[string]string      `json:"details"`
}

func (in ApplicationInput) store(source string) (store.ApplicationInput, error) {
	out := store.ApplicationInput{Applicants: in.Applicants, Agent: in.Agent, Source: source}
	for _, s := range in.Services {
		hs, err := registry.ParseHolders(s.Holders)
		if err != nil {
			return out, err
		}
		out.Services = append(out.Services, store.ServiceInput{Kind: registry.ServiceKind(s.Kind), UnitID: s.UnitID, BuildingID: s.BuildingID,
			ContractID: s.ContractID, EntryID: s.EntryID, Holders: hs, Details: s.Details})
	}
	return out, nil
}

func (a *API) createApplication(w http.ResponseWriter, r *http.Request) error {
	var in ApplicationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	// The window takes applications of its own jurisdiction: the store
	// refuses units of another one.
	if err := decide(r, access.RegistrationApply, access.Target{Jurisdiction: p.Jurisdiction.Code}); err != nil {
		return err
	}
	si, err := in.store("api")
	if err != nil {
		return err
	}
	if !p.PrefectureWide() {
		si.Window = p.Jurisdiction.Code
	}
	app, err := a.DB.CreateApplication(r.Context(), identity.ActorFrom(r.Context()), a.calendar(), si)
	if err != nil {
		return err
	}
	return a.writeApplication(w, r, app, 201)
}

// loadRegistration reads the path's registration application and decides act on it.
func (a *API) loadRegistration(r *http.Request, act access.Action) (registry.Application, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return registry.Application{}, err
	}
	app, err := a.DB.Application(r.Context(), id)
	if err != nil {
		return app, err
	}
	t, err := a.DB.ApplicationTarget(r.Context(), app)
	if err != nil {
		return app, err
	}
	return app, decide(r, act, t)
}

func (a *API) getApplication(w http.ResponseWriter, r *http.Request) error {
	app, err := a.loadRegistration(r, access.RegistrationRead)
	if err != nil {
		return err
	}
	return a.writeApplication(w, r, app, 200)
}

func (a *API) stepApplication(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Step         string   `json:"step"`
		Reason       string   `json:"reason"`
		Delivery     string   `json:"delivery"`
		TrackingNo   string   `json:"tracking_no"`
		PaperSerial  string   `json:"paper_serial"`
		PaperSerials []string `json:"paper_serials"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.PaperSerials) > 0 {
		if strings.TrimSpace(in.PaperSerial) != "" {
			return &problem.Error{Kind: problem.Invalid, Code: "request.body", Message: "paper_serial 与 paper_serials 只填其一",
				Fields: map[string]string{"paper_serial": "只填其一"}}
		}
		in.PaperSerial = certificate.JoinSerials(in.PaperSerials)
	}
	step := registry.Step(in.Step)
	app, err := a.loadRegistration(r, access.StepAction(step))
	if err != nil {
		return err
	}
	app, err = a.DB.Step(r.Context(), identity.ActorFrom(r.Context()), app.ID, step,
		store.StepOptions{Reason: in.Reason, Delivery: in.Delivery, TrackingNo: in.TrackingNo, PaperSerial: in.PaperSerial}, a.Keys)
	if err != nil {
		return err
	}
	return a.writeApplication(w, r, app, 200)
}

type serviceJSON struct {
	ID           int64             `json:"id"`
	Seq          int               `json:"seq"`
	Kind         string            `json:"kind"`
	KindLabel    string            `json:"kind_label"`
	UnitID       int64             `json:"unit_id,omitempty"`
	BuildingID   int64             `json:"building_id,omitempty"`
	ContractID   int64             `json:"contract_id,omitempty"`
	EntryID      int64             `json:"entry_id,omitempty"`
	State        string            `json:"state"`
	StateLabel   string            `json:"state_label"`
	Fee          string            `json:"fee"`
	DueOn        string            `json:"due_on"`
	AutoReview   bool              `json:"auto_review"`
	Details      map[string]string `json:"details,omitempty"`
	ReturnReason string            `json:"return_reason,omitempty"`
}

type applicationJSON struct {
	ID           int64            `json:"id"`
	Number       string           `json:"number"`
	Jurisdiction string           `json:"jurisdiction"`
	ProjectID    int64            `json:"project_id,omitempty"`
	Applicants   []string         `json:"applicants"`
	Agent        string           `json:"agent,omitempty"`
	Source       string           `json:"source"`
	State        string           `json:"state"`
	NextStep     string           `json:"next_step,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	Services     []serviceJSON    `json:"services"`
	Blocks       []problem.Reason `json:"blocks"`
	Materials    []materialJSON   `json:"materials"`
	History      []stepJSON       `json:"history"`
	Certificates []certListJSON   `json:"certificates"`
}

type materialJSON struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	Note string `json:"note"`
}

type stepJSON struct {
	ServiceID int64     `json:"service_id"`
	Step      string    `json:"step"`
	StepLabel string    `json:"step_label"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
}

// ToServiceJSON renders a service.
func ToServiceJSON(s registry.Service) serviceJSON {
	return serviceJSON{ID: s.ID, Seq: s.Seq, Kind: string(s.Kind), KindLabel: s.Kind.Label(), UnitID: s.UnitID, BuildingID: s.BuildingID,
		ContractID: s.ContractID, EntryID: s.EntryID, State: string(s.State), StateLabel: s.State.Label(), Fee: measure.FromCents(s.Fee).StringFixed(2),
		DueOn: s.DueOn.String(), AutoReview: s.AutoReview, Details: s.Details, ReturnReason: s.ReturnReason}
}

func (a *API) writeApplication(w http.ResponseWriter, r *http.Request, app registry.Application, status int) error {
	ctx := r.Context()
	out := applicationJSON{ID: app.ID, Number: app.Number, Jurisdiction: app.Jurisdiction, ProjectID: app.ProjectID, Applicants: app.Applicants,
		Agent: app.Agent, Source: app.Source, State: app.State, NextStep: string(app.Next()), CreatedAt: app.CreatedAt,
		Blocks: []problem.Reason{}, Materials: []materialJSON{}, History: []stepJSON{}, Certificates: []certListJSON{}}
	for _, s := range app.Services {
		out.Services = append(out.Services, ToServiceJSON(s))
		cs, err := a.DB.CertificatesOfService(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, c := range cs {
			out.Certificates = append(out.Certificates, toCertList(c))
		}
	}
	if app.State == "open" {
		blocks, err := a.DB.ApplicationBlocks(ctx, app.ID)
		if err != nil {
			return err
		}
		out.Blocks = append(out.Blocks, blocks...)
	}
	ms, err := a.DB.ApplicationMaterials(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		out.Materials = append(out.Materials, materialJSON{Kind: m[0], Ref: m[1], Note: m[2]})
	}
	hist, err := a.DB.ApplicationHistory(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, h := range hist {
		out.History = append(out.History, stepJSON{ServiceID: h.ServiceID, Step: string(h.Step), StepLabel: h.Step.Label(), By: h.ByName, At: h.At, Note: h.Note})
	}
	return writeJSON(w, status, out)
}

func (a *API) queue(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	jurisdiction := p.Jurisdiction.Code
	if p.PrefectureWide() {
		jurisdiction = ""
	}
	if err := decide(r, access.RegistrationWork, access.Target{Jurisdiction: p.Jurisdiction.Code}); err != nil {
		return err
	}
	rows, err := a.DB.Queue(r.Context(), jurisdiction, registry.ServiceState(r.URL.Query().Get("state")))
	if err != nil {
		return err
	}
	today, region := a.today(), p.Jurisdiction.Region
	type rowJSON struct {
		ApplicationID int64       `json:"application_id"`
		Number        string      `json:"number"`
		Applicants    []string    `json:"applicants"`
		Project       string      `json:"project"`
		Room          string      `json:"room"`
		Service       serviceJSON `json:"service"`
		WorkdaysLeft  int         `json:"workdays_left"`
	}
	out := []rowJSON{}
	cal := a.calendar()
	for _, q := range rows {
		left, _, err := cal.WorkdaysBetween(today, q.Service.DueOn, region)
		if err != nil {
			return err
		}
		out = append(out, rowJSON{ApplicationID: q.Application.ID, Number: q.Application.Number, Applicants: q.Application.Applicants,
			Project: q.Project, Room: q.Room, Service: ToServiceJSON(q.Service), WorkdaysLeft: left})
	}
	return writeJSON(w, 200, map[string]any{"queue": out})
}

// ---- certificates

type certListJSON struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Number    string `json:"number"`
	LicenceID string `json:"licence_id"`
	UnitID    int64  `json:"unit_id"`
	State     string `json:"state"`
	Holder    string `json:"holder"` // masked names
	Signed    bool   `json:"signed"`
	Delivery  string `json:"delivery,omitempty"`
}

func toCertList(c store.Certificate) certListJSON {
	var names []string
	for _, n := range strings.Split(c.Holder, "、") {
		names = append(names, code.MaskName(n))
	}
	return certListJSON{ID: c.ID, Kind: string(c.Kind), KindLabel: c.Kind.Label(), Number: c.Number, LicenceID: c.LicenceID, UnitID: c.UnitID,
		State: c.StateLabel(), Holder: strings.Join(names, "、"), Signed: len(c.Signature) > 0, Delivery: certificate.DeliveryLabel(c.Delivery)}
}

func (a *API) unitCertificates(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cs, err := a.DB.CertificatesOfUnit(r.Context(), id)
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
	// Who may read the unit's register reads its certificates' list.
	t := access.RegisterTarget(ref.Project, book)
	if p := principal(r); p != nil && p.Org.Kind == identity.Bank {
		t.Org = a.bankOnBook(r, p, book)
	}
	if err := decide(r, access.CertificateRead, t); err != nil {
		return err
	}
	out := []certListJSON{}
	for _, c := range cs {
		out = append(out, toCertList(c))
	}
	return writeJSON(w, 200, map[string]any{"certificates": out})
}

func (a *API) getCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, t, err := a.DB.CertificateFor(r.Context(), principal(r), id, access.CertificateRead)
	if err != nil {
		return err
	}
	var p certificate.Payload
	if err := json.Unmarshal(c.Payload, &p); err != nil {
		return err
	}
	if err := a.viewedPersonalData(r, "certificate", c.ID, t.Buyers); err != nil {
		return err
	}
	for i := range p.Holders {
		if p.Holders[i].IDKind == "身份证" {
			p.Holders[i].IDNumber = code.MaskIDCard(p.Holders[i].IDNumber)
		}
	}
	return writeJSON(w, 200, map[string]any{"certificate": toCertList(c), "content": p, "issued_at": c.IssuedAt, "signed_at": c.SignedAt,
		"cancelled_at": nullTime(c.CancelledAt), "cancel_reason": c.CancelReason, "paper_serial": c.PaperSerial, "tracking_no": c.TrackingNo,
		"verify_url": a.VerifyURL(c.LicenceID)})
}

// VerifyURL is the public verification address the QR code carries.
func (a *API) VerifyURL(licence string) string {
	return strings.TrimRight(a.BaseURL, "/") + "/verify/" + licence
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (a *API) certificateFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, t, err := a.DB.CertificateFor(r.Context(), principal(r), id, access.CertificateRead)
	if err != nil {
		return err
	}
	if !access.MayDownload(principal(r), t) {
		return problem.New(problem.Forbidden, "certificate.download", "电子证照文件含权利人身份证号，仅权利人、抵押权人和登记机构可下载")
	}
	file, err := a.DB.CertificateFile(r.Context(), c)
	if err != nil {
		return err
	}
	if err := a.viewedPersonalData(r, "certificate_file", c.ID, t.Buyers); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="certificate-%d.json"`, c.ID))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(file)
	return err
}

func (a *API) verify(w http.ResponseWriter, r *http.Request) error {
	licence := r.PathValue("licence")
	if _, err := code.ParseLicenceID(licence); err != nil {
		return problem.New(problem.NotFound, "certificate.not_found", "查无此证照：电子证照标识格式有误")
	}
	v, err := a.DB.Verify(r.Context(), licence)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v.Public())
}

// ---- deed tax

type deedTaxJSON struct {
	ContractID int64      `json:"contract_id"`
	UnitID     int64      `json:"unit_id"`
	Purpose    string     `json:"purpose"`
	Base       string     `json:"base"`
	Area       string     `json:"area"`
	Home       string     `json:"home"`
	Rate       string     `json:"rate"`
	RateLabel  string     `json:"rate_label"`
	Reason     string     `json:"reason"`
	Amount     string     `json:"amount"`
	Paid       bool       `json:"paid"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	Voucher    string     `json:"voucher,omitempty"`
	Source     string     `json:"source,omitempty"`
}

// ToDeedTaxJSON renders an assessment.
func ToDeedTaxJSON(t tax.Assessment) deedTaxJSON {
	out := deedTaxJSON{ContractID: t.ContractID, UnitID: t.UnitID, Purpose: t.Purpose, Base: t.Base.StringFixed(2), Area: t.Area.StringFixed(2),
		Home: t.Home.Label(), Rate: t.Rate.String(), RateLabel: t.Label(), Reason: t.Reason(), Amount: t.Amount.StringFixed(2), Paid: t.Paid(),
		Voucher: t.Voucher, Source: t.Source}
	if t.Paid() {
		p := t.PaidAt
		out.PaidAt = &p
	}
	return out
}

func (a *API) assessDeedTax(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.DeedTaxManage)
	if err != nil {
		return err
	}
	n, err := a.DB.AssessDeedTax(r.Context(), identity.ActorFrom(r.Context()), p.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]int{"assessed": n})
}

func (a *API) listDeedTax(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.DeedTaxRead)
	if err != nil {
		return err
	}
	list, err := a.DB.DeedTaxes(r.Context(), p.ID)
	if err != nil {
		return err
	}
	rule, err := a.DB.DeedTaxRule(r.Context(), p.Jurisdiction)
	if err != nil {
		return err
	}
	out := []deedTaxJSON{}
	for _, t := range list {
		out = append(out, ToDeedTaxJSON(t))
	}
	return writeJSON(w, 200, map[string]any{"deed_taxes": out, "rule": rule})
}

func (a *API) payDeedTax(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Voucher string `json:"voucher"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := a.loadContract(r, access.DeedTaxManage)
	if err != nil {
		return err
	}
	t, err := a.DB.PayDeedTax(r.Context(), identity.ActorFrom(r.Context()), c.ID, in.Voucher, "api")
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ToDeedTaxJSON(t))
}

// ---- parcels

func (a *API) restrictParcel(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Parcel    string `json:"parcel"`
		Kind      string `json:"kind"`
		Authority string `json:"authority"`
		DocNo     string `json:"doc_no"`
		Note      string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	j, err := a.DB.ParcelJurisdiction(r.Context(), in.Parcel)
	if err != nil {
		return err
	}
	if err := decide(r, access.ParcelRestrict, access.Target{Jurisdiction: j}); err != nil {
		return err
	}
	id, err := a.DB.RestrictParcel(r.Context(), identity.ActorFrom(r.Context()), in.Parcel, in.Kind, in.Authority, in.DocNo, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, map[string]int64{"id": id})
}

func (a *API) liftParcel(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	parcel, err := a.DB.RestrictionParcel(r.Context(), id)
	if err != nil {
		return err
	}
	j, err := a.DB.ParcelJurisdiction(r.Context(), parcel)
	if err != nil {
		return err
	}
	if err := decide(r, access.ParcelRestrict, access.Target{Jurisdiction: j}); err != nil {
		return err
	}
	if err := a.DB.LiftParcelRestriction(r.Context(), identity.ActorFrom(r.Context()), id, in.Note); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// ---- handover events

type handoverJSON struct {
	ID         int64          `json:"id"`
	ProjectID  int64          `json:"project_id"`
	Buildings  []int64        `json:"buildings"`
	HeldOn     string         `json:"held_on"`
	Place      string         `json:"place"`
	Mode       string         `json:"mode"`
	ModeLabel  string         `json:"mode_label"`
	NoticeOn   string         `json:"notice_on"`
	State      string         `json:"state"`
	Total      int            `json:"total"`
	Done       int            `json:"done"`
	Blocked    int            `json:"blocked"`
	SameDay    int            `json:"same_day"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Units      []handoverUnit `json:"units,omitempty"`
}

type handoverUnit struct {
	UnitID        int64    `json:"unit_id"`
	Room          string   `json:"room"`
	State         string   `json:"state"`
	Reasons       []string `json:"reasons,omitempty"`
	ApplicationID int64    `json:"application_id,omitempty"`
	HandedOverOn  string   `json:"handed_over_on,omitempty"`
	Receiver      string   `json:"receiver,omitempty"`
	CertifiedOn   string   `json:"certified_on,omitempty"`
	SameDay       bool     `json:"same_day"`
}

// ToHandoverJSON renders an event with, when given, its units.
func ToHandoverJSON(e handover.Event, units []handover.UnitOutcome) handoverJSON {
	out := handoverJSON{ID: e.ID, ProjectID: e.ProjectID, Buildings: e.Buildings, HeldOn: e.HeldOn.String(), Place: e.Place, Mode: string(e.Mode),
		ModeLabel: e.Mode.Label(), NoticeOn: e.NoticeOn.String(), State: e.State, Total: e.Total, Done: e.Done, Blocked: e.Blocked, SameDay: e.SameDay,
		StartedAt: timePtr(e.StartedAt), FinishedAt: timePtr(e.FinishedAt)}
	for _, u := range units {
		hu := handoverUnit{UnitID: u.UnitID, Room: u.Room, State: string(u.State), Reasons: u.Reasons, ApplicationID: u.ApplicationID,
			Receiver: u.Receiver, SameDay: u.SameDay()}
		if !u.HandedOverOn.IsZero() {
			hu.HandedOverOn = u.HandedOverOn.String()
		}
		if !u.CertifiedOn.IsZero() {
			hu.CertifiedOn = u.CertifiedOn.String()
		}
		out.Units = append(out.Units, hu)
	}
	return out
}

func (a *API) scheduleHandover(w http.ResponseWriter, r *http.Request) error {
	var in handover.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.loadProject(r, access.HandoverManage)
	if err != nil {
		return err
	}
	e, err := in.Event(p.ID)
	if err != nil {
		return err
	}
	if e, err = a.DB.ScheduleHandover(r.Context(), identity.ActorFrom(r.Context()), e); err != nil {
		return err
	}
	return writeJSON(w, 201, ToHandoverJSON(e, nil))
}

func (a *API) listHandovers(w http.ResponseWriter, r *http.Request) error {
	p, err := a.loadProject(r, access.HandoverRead)
	if err != nil {
		return err
	}
	evs, err := a.DB.HandoverEvents(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := []handoverJSON{}
	for _, e := range evs {
		out = append(out, ToHandoverJSON(e, nil))
	}
	return writeJSON(w, 200, map[string]any{"events": out})
}

func (a *API) handoverFromPath(r *http.Request, act access.Action) (handover.Event, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return handover.Event{}, err
	}
	return a.DB.HandoverFor(r.Context(), principal(r), id, act)
}

func (a *API) getHandover(w http.ResponseWriter, r *http.Request) error {
	e, err := a.handoverFromPath(r, access.HandoverRead)
	if err != nil {
		return err
	}
	units, err := a.DB.HandoverUnits(r.Context(), e.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ToHandoverJSON(e, units))
}

func (a *API) runHandover(w http.ResponseWriter, r *http.Request) error {
	e, err := a.handoverFromPath(r, access.HandoverManage)
	if err != nil {
		return err
	}
	if err := a.DB.QueueHandover(r.Context(), identity.ActorFrom(r.Context()), e.ID); err != nil {
		return err
	}
	if a.Wake != nil {
		a.Wake()
	}
	if e, err = a.DB.HandoverEvent(r.Context(), e.ID); err != nil {
		return err
	}
	return writeJSON(w, 202, ToHandoverJSON(e, nil))
}

func (a *API) pauseHandover(w http.ResponseWriter, r *http.Request) error {
	e, err := a.handoverFromPath(r, access.HandoverManage)
	if err != nil {
		return err
	}
	if err := a.DB.PauseHandover(r.Context(), identity.ActorFrom(r.Context()), e.ID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) setReceiver(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Receiver string `json:"receiver"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := a.handoverFromPath(r, access.HandoverManage)
	if err != nil {
		return err
	}
	unit, err := pathID(r, "unit")
	if err != nil {
		return err
	}
	if err := a.DB.SetReceiver(r.Context(), identity.ActorFrom(r.Context()), e.ID, unit, in.Receiver); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// ---- utilities

type utilityJSON struct {
	ID          int64      `json:"id"`
	UnitID      int64      `json:"unit_id"`
	OrgID       int64      `json:"org_id"`
	Provider    string     `json:"provider"`
	Service     string     `json:"service"`
	Holder      string     `json:"holder"`
	State       string     `json:"state"`
	Reason      string     `json:"reason,omitempty"`
	RequestedAt *time.Time `json:"requested_at,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// ToUtilityJSON renders a request; the holder's name is masked unless the
// viewer is the provider, who needs it to open the account.
func ToUtilityJSON(u store.UtilityRequest, provider bool) utilityJSON {
	out := utilityJSON{ID: u.ID, UnitID: u.UnitID, OrgID: u.OrgID, Provider: u.OrgName, Service: u.Service, Holder: u.Holder, State: u.State,
		Reason: u.Reason, RequestedAt: timePtr(u.RequestedAt.Time), AnsweredAt: timePtr(u.AnsweredAt.Time)}
	if !provider {
		var names []string
		for _, n := range strings.Split(u.Holder, "、") {
			names = append(names, code.MaskName(n))
		}
		out.Holder = strings.Join(names, "、")
	}
	return out
}

func (a *API) listUtilities(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	unit, err := queryInt(r, "unit", 0)
	if err != nil {
		return err
	}
	project, err := queryInt(r, "project", 0)
	if err != nil {
		return err
	}
	var list []store.UtilityRequest
	provider := p.Org.Kind == identity.Utility
	switch {
	case provider:
		if err := decide(r, access.UtilityRead, access.Target{Org: p.Org.ID}); err != nil {
			return err
		}
		list, err = a.DB.UtilityRequests(r.Context(), unit, p.Org.ID, project)
	case unit != 0:
		ref, err := a.DB.Unit(r.Context(), unit)
		if err != nil {
			return err
		}
		book, err := a.DB.UnitBook(r.Context(), unit)
		if err != nil {
			return err
		}
		if err := decide(r, access.UtilityRead, access.RegisterTarget(ref.Project, book)); err != nil {
			return err
		}
		list, err = a.DB.UtilityRequests(r.Context(), unit, 0, 0)
		if err != nil {
			return err
		}
	case project != 0:
		pr, err := a.DB.Project(r.Context(), project)
		if err != nil {
			return err
		}
		if err := decide(r, access.UtilityRead, store.ProjectTarget(pr)); err != nil {
			return err
		}
		list, err = a.DB.UtilityRequests(r.Context(), 0, 0, project)
		if err != nil {
			return err
		}
	default:
		return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "请指定户（unit）或项目（project）",
			Fields: map[string]string{"unit": "必填其一"}}
	}
	if err != nil {
		return err
	}
	out := []utilityJSON{}
	for _, u := range list {
		out = append(out, ToUtilityJSON(u, provider))
	}
	return writeJSON(w, 200, map[string]any{"requests": out})
}

func (a *API) answerUtility(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Done   bool   `json:"done"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	// The store refuses an answer from another provider than the one asked.
	if err := decide(r, access.UtilityAnswer, access.Target{Org: p.Org.ID}); err != nil {
		return err
	}
	u, err := a.DB.AnswerUtility(r.Context(), identity.ActorFrom(r.Context()), id, in.Done, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ToUtilityJSON(u, true))
}

// ---- mortgages

func (a *API) listMortgages(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p == nil {
		return problem.New(problem.Unauthenticated, "auth.required", "请先登录")
	}
	if err := decide(r, access.MortgageRead, access.Target{Org: p.Org.ID}); err != nil {
		return err
	}
	rows, err := a.DB.MortgagesOf(r.Context(), p.Org.USCC)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, m := range rows {
		e := ToEntryJSON(m.Entry, m.Status)
		out = append(out, map[string]any{"entry": e, "room": m.Room, "project": m.Project, "obligor": code.MaskName(m.Entry.Obligor.Name)})
	}
	return writeJSON(w, 200, map[string]any{"mortgages": out})
}
