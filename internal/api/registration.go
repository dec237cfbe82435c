package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
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
			Summary: "受理登记申请（一个或多个登记事项，如首次登记+转移登记+抵押权登记合并申请）", Request: ApplicationInput{}, Response: applicationJSON{},
			Status: 201, handle: a.createApplication},
		{Method: "GET", Pattern: "/api/v1/applications/{id}", Action: access.RegistrationRead, Tag: tReg,
			Summary: "登记申请：各事项状态、期限、不能登簿的原因、引用的材料与办理过程", Params: id, Response: applicationJSON{}, handle: a.getApplication},
		{Method: "POST", Pattern: "/api/v1/applications/{id}/steps", Action: access.RegistrationRecord, Tag: tReg,
			Summary: "办理一步：review 审核、review2 复审、return 退回补正、accept 重新受理、withdraw 撤回、record 登簿、certify 缮证、issue 发证（各步所需角色不同）",
			Params:  id, Request: stepInput{}, Response: applicationJSON{}, handle: a.stepApplication},
		{Method: "GET", Pattern: "/api/v1/registration-queue", Action: access.RegistrationWork, Tag: tReg, Summary: "本辖区待办（按期限排序）",
			Params: append([]Param{{Name: "state", In: "query", Desc: "accepted | reviewed | approved | recorded | certified | returned"},
				{Name: "q", In: "query", Desc: "查找：受理号、幢与房号、不动产单元号、项目名称或申请人姓名的一部分"}}, pageParams()...),
			Response: queueJSON{}, handle: a.queue},
		{Method: "GET", Pattern: "/api/v1/units/{id}/certificates", Action: access.CertificateRead, Tag: tCert, Summary: "户的证书与证明",
			Params: id, Response: certificateList{}, handle: a.unitCertificates},
		{Method: "GET", Pattern: "/api/v1/certificates/{id}", Action: access.CertificateRead, Tag: tCert, Summary: "证书或证明（元数据、状态、交付）",
			Params: id, Response: certificateJSON{}, handle: a.getCertificate},
		{Method: "GET", Pattern: "/api/v1/certificates/{id}/file", Action: access.CertificateRead, Tag: tCert,
			Summary: "下载签名的电子证照文件（handover verify 可离线校验）", Params: id, Response: certificate.File{}, handle: a.certificateFile},
		{Method: "GET", Pattern: "/api/v1/verify/{licence}", Action: access.CertificateVerify, Tag: tCert,
			Summary: "公开核验电子证照。只给出电子证照标识或证书号时，只答复证照是否存在、种类、签名是否有效、现势或注销、登记机构与登簿日期（limited）；" +
				"按电子证照标识核验并给出二维码中的 token 或证书号、按证书号核验并给出一位权利人的全名时，另答复权利人（姓名脱敏，不含身份证号）、坐落、面积及是否抵押或查封。" +
				"第二要素不相符时答复与未给出时相同；给出第二要素的核验（二维码 token 相符的除外）与每次按证书号核验均记入审计",
			Params: []Param{{Name: "licence", In: "path", Required: true, Desc: "电子证照标识，或不动产权证书号/不动产登记证明号（如 新(2026)昌吉市不动产权第0000123号，URL编码）"},
				{Name: "token", In: "query", Desc: "按电子证照标识核验时：证书二维码地址中的 token（第二要素）"},
				{Name: "number", In: "query", Desc: "按电子证照标识核验时：证书上印的不动产权证书号或证明号（第二要素）；同一证照24小时内不相符满5次后暂不比对"},
				{Name: "name", In: "query", Desc: "按证书号核验时：证书记载的一位权利人的全名（第二要素）；同一证书24小时内不相符满5次后暂不比对"}},
			Response: certificate.VerificationJSON{}, handle: a.verify},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/deed-tax", Action: access.DeedTaxManage, Tag: tTax,
			Summary: "按实测面积与成交价核定项目已备案合同的契税（已核定的不重复）", Params: id, Response: assessResult{}, handle: a.assessDeedTax},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/deed-tax", Action: access.DeedTaxRead, Tag: tTax, Summary: "项目的契税核定与完税",
			Params: id, Response: deedTaxList{}, handle: a.listDeedTax},
		{Method: "POST", Pattern: "/api/v1/contracts/{id}/deed-tax/payment", Action: access.DeedTaxManage, Tag: tTax,
			Summary: "税务部门推送完税（或工作人员登记完税凭证）", Params: id, Request: taxPaymentInput{}, Response: deedTaxJSON{}, handle: a.payDeedTax},
		{Method: "POST", Pattern: "/api/v1/parcel-restrictions", Action: access.ParcelRestrict, Tag: tReg,
			Summary: "登记宗地的查封、抵押（含在建工程抵押）或锁定：有则不能办理首次登记", Request: parcelRestrictionInput{}, Response: createdJSON{}, Status: 201,
			handle: a.restrictParcel},
		{Method: "POST", Pattern: "/api/v1/parcel-restrictions/{id}/lifting", Action: access.ParcelRestrict, Tag: tReg, Summary: "解除宗地限制",
			Params: id, Request: noteInput{}, Status: 204, handle: a.liftParcel},
		{Method: "POST", Pattern: "/api/v1/projects/{id}/handover-events", Action: access.HandoverManage, Tag: tHand,
			Summary: "安排交房（已竣工验收备案的幢；书面通知不少于交房前10日）", Params: id, Request: handover.Input{}, Response: handoverJSON{}, Status: 201,
			handle: a.scheduleHandover},
		{Method: "GET", Pattern: "/api/v1/projects/{id}/handover-events", Action: access.HandoverRead, Tag: tHand, Summary: "项目的交房安排",
			Params: id, Response: handoverList{}, handle: a.listHandovers},
		{Method: "GET", Pattern: "/api/v1/handover-events/{id}", Action: access.HandoverRead, Tag: tHand,
			Summary: "交房安排与批量办理进度、逐户结果（交房日、发证日、受阻原因）", Params: id, Response: handoverJSON{}, handle: a.getHandover},
		{Method: "POST", Pattern: "/api/v1/handover-events/{id}/run", Action: access.HandoverManage, Tag: tHand,
			Summary: "开始或继续批量办理（后台运行；中断后从停下处继续，已办结的户不重复）", Params: id, Response: handoverJSON{}, Status: 202,
			handle: a.runHandover},
		{Method: "POST", Pattern: "/api/v1/handover-events/{id}/pause", Action: access.HandoverManage, Tag: tHand, Summary: "暂停批量办理（本批次办完后停下）",
			Params: id, Status: 204, handle: a.pauseHandover},
		{Method: "POST", Pattern: "/api/v1/handover-events/{id}/rehearsals", Action: access.HandoverManage, Tag: tHand,
			Summary: "交房预演：按批量办理的全部规则逐户判断、不写入任何登记结果，列出受阻的户、原因与须处理的单位", Params: id,
			Response: rehearsalJSON{}, Status: 201, handle: a.rehearseHandover},
		{Method: "GET", Pattern: "/api/v1/handover-events/{id}/rehearsal", Action: access.HandoverRead, Tag: tHand,
			Summary: "最近一次交房预演，及批量办理后受阻户与办理前最后一次预演的对照（预演后新增的受阻户）", Params: id,
			Response: rehearsalView{}, handle: a.getRehearsal},
		{Method: "PUT", Pattern: "/api/v1/handover-events/{id}/units/{unit}/receiver", Action: access.HandoverManage, Tag: tHand, Summary: "登记领取钥匙的人",
			Params: append(id, Param{Name: "unit", In: "path", Required: true, Type: "integer"}), Request: receiverInput{}, Status: 204, handle: a.setReceiver},
		{Method: "GET", Pattern: "/api/v1/utility-requests", Action: access.UtilityRead, Tag: tUtil,
			Summary: "过户请求（公共事业单位：本单位的；其他：按户或项目）", Params: []Param{{Name: "unit", In: "query", Type: "integer"},
				{Name: "project", In: "query", Type: "integer"}}, Response: utilityList{}, handle: a.listUtilities},
		{Method: "POST", Pattern: "/api/v1/utility-requests/{id}/answer", Action: access.UtilityAnswer, Tag: tUtil, Summary: "答复过户：已办结或不予办理（理由）",
			Params: id, Request: utilityAnswerInput{}, Response: utilityJSON{}, handle: a.answerUtility},
		{Method: "GET", Pattern: "/api/v1/mortgages", Action: access.MortgageRead, Tag: tCert, Summary: "登记在本行名下的抵押权", Response: mortgageList{},
			handle: a.listMortgages},
	}
}

// ---- applications

// Shapes that replaced maps list their fields in key order, the order the
// maps were encoded in, so that the answers stay byte for byte the same.

// ApplicationInput is an application as the window or a partner submits it.
type ApplicationInput struct {
	Applicants []registry.Applicant `json:"applicants" doc:"申请人：{name, id_kind, id_number}，证件号码校验校验码；仅有姓名时可写作字符串"`
	Agent      string               `json:"agent,omitempty" doc:"代理人"`
	Services   []serviceInput       `json:"services" doc:"登记事项（按办理顺序）"`
}

type serviceInput struct {
	Kind       registry.ServiceKind   `json:"kind"`
	UnitID     int64                  `json:"unit_id,omitempty"`
	BuildingID int64                  `json:"building_id,omitempty" doc:"整幢首次登记"`
	ContractID int64                  `json:"contract_id,omitempty" doc:"默认为该户已备案的合同"`
	EntryID    int64                  `json:"entry_id,omitempty" doc:"注销、解封、更正所涉登记"`
	Holders    []registry.HolderInput `json:"holders,omitempty" doc:"权利人"`
	Details    map[string]string      `json:"details,omitempty" doc:"查封：authority, doc_no, seal_kind, term_start, term_end；抵押：bank, amount, term_start, term_end, no_transfer；更正、异议、注销：reason；存量房转移：price, deed_tax_voucher"`
}

func (in ApplicationInput) store(source string) (store.ApplicationInput, error) {
	out := store.ApplicationInput{Applicants: in.Applicants, Agent: in.Agent, Source: source}
	for _, s := range in.Services {
		hs, err := registry.ParseHolders(s.Holders)
		if err != nil {
			return out, err
		}
		out.Services = append(out.Services, store.ServiceInput{Kind: s.Kind, UnitID: s.UnitID, BuildingID: s.BuildingID,
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
	var in stepInput
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
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	app, err := a.DB.Step(r.Context(), identity.ActorFrom(r.Context()), id, in.Step,
		store.StepOptions{Reason: in.Reason, Delivery: in.Delivery, TrackingNo: in.TrackingNo, PaperSerial: in.PaperSerial}, a.Keys)
	if err != nil {
		return err
	}
	return a.writeApplication(w, r, app, 200)
}

// stepInput is one step of an application's services.
type stepInput struct {
	Step         registry.Step `json:"step"`
	Reason       string        `json:"reason,omitempty" doc:"退回、撤回的理由"`
	Delivery     string        `json:"delivery,omitempty" enum:"hand,developer,mail,electronic" doc:"发证的交付方式：现场领取、开发企业代领转交、邮寄、电子证照"`
	TrackingNo   string        `json:"tracking_no,omitempty" doc:"邮寄单号"`
	PaperSerial  string        `json:"paper_serial,omitempty" doc:"纸质证书印制序列号（本申请只发一本证书时；多本时用 paper_serials）"`
	PaperSerials []string      `json:"paper_serials,omitempty" doc:"按本申请证书的顺序（Application.certificates），每本证书一个印制序列号；不印纸质证书的留空字符串"`
}

type serviceJSON struct {
	ID           int64                 `json:"id"`
	Seq          int                   `json:"seq" doc:"顺序"`
	Kind         registry.ServiceKind  `json:"kind"`
	KindLabel    string                `json:"kind_label"`
	UnitID       int64                 `json:"unit_id,omitempty"`
	BuildingID   int64                 `json:"building_id,omitempty" doc:"首次登记的幢"`
	ContractID   int64                 `json:"contract_id,omitempty"`
	EntryID      int64                 `json:"entry_id,omitempty" doc:"注销、解封、更正所涉登记"`
	State        registry.ServiceState `json:"state"`
	StateLabel   string                `json:"state_label"`
	Fee          string                `json:"fee" doc:"登记费（元）"`
	DueOn        calendar.Date         `json:"due_on" doc:"办理期限（受理日起的工作日）"`
	AutoReview   bool                  `json:"auto_review" doc:"自动审核"`
	Details      map[string]string     `json:"details,omitempty" doc:"登记事项的详情，如查封机关、抵押金额"`
	ReturnReason string                `json:"return_reason,omitempty" doc:"退回补正的理由"`
}

type applicationJSON struct {
	ID           int64                 `json:"id"`
	Number       string                `json:"number" doc:"受理号"`
	Jurisdiction string                `json:"jurisdiction"`
	ProjectID    int64                 `json:"project_id,omitempty"`
	Applicants   []string              `json:"applicants"`
	Agent        string                `json:"agent,omitempty" doc:"代理人"`
	Source       string                `json:"source" enum:"counter,batch,api"`
	State        string                `json:"state" enum:"open,done,withdrawn"`
	NextStep     registry.Step         `json:"next_step,omitempty" doc:"下一步"`
	CreatedAt    time.Time             `json:"created_at"`
	Services     []serviceJSON         `json:"services"`
	Blocks       []problem.Reason      `json:"blocks" doc:"不能登簿的原因"`
	Materials    []materialJSON        `json:"materials" doc:"平台已有、引用的材料"`
	History      []applicationStepJSON `json:"history" doc:"办理过程"`
	Certificates []certListJSON        `json:"certificates"`
}

type materialJSON struct {
	Kind string `json:"kind" doc:"已有材料的类别"`
	Ref  string `json:"ref" doc:"编号"`
	Note string `json:"note"`
}

type applicationStepJSON struct {
	ServiceID int64         `json:"service_id"`
	Step      registry.Step `json:"step"`
	StepLabel string        `json:"step_label"`
	By        string        `json:"by"`
	At        time.Time     `json:"at"`
	Note      string        `json:"note,omitempty"`
}

// ToServiceJSON renders a service.
func ToServiceJSON(s registry.Service) serviceJSON {
	return serviceJSON{ID: s.ID, Seq: s.Seq, Kind: s.Kind, KindLabel: s.Kind.Label(), UnitID: s.UnitID, BuildingID: s.BuildingID,
		ContractID: s.ContractID, EntryID: s.EntryID, State: s.State, StateLabel: s.State.Label(), Fee: measure.FromCents(s.Fee).StringFixed(2),
		DueOn: s.DueOn, AutoReview: s.AutoReview, Details: s.Details, ReturnReason: s.ReturnReason}
}

func (a *API) writeApplication(w http.ResponseWriter, r *http.Request, app registry.Application, status int) error {
	ctx := r.Context()
	out := applicationJSON{ID: app.ID, Number: app.Number, Jurisdiction: app.Jurisdiction, ProjectID: app.ProjectID, Applicants: registry.ApplicantNames(app.Applicants),
		Agent: app.Agent, Source: app.Source, State: app.State, NextStep: app.Next(), CreatedAt: app.CreatedAt,
		Blocks: []problem.Reason{}, Materials: []materialJSON{}, History: []applicationStepJSON{}, Certificates: []certListJSON{}}
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
		out.History = append(out.History, applicationStepJSON{ServiceID: h.ServiceID, Step: h.Step, StepLabel: h.Step.Label(), By: h.ByName, At: h.At, Note: h.Note})
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
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	l, err := a.DB.QueueList(r.Context(), store.QueueQuery{Jurisdiction: jurisdiction, State: registry.ServiceState(r.URL.Query().Get("state")),
		Search: strings.TrimSpace(r.URL.Query().Get("q")), Page: page})
	if err != nil {
		return err
	}
	today, region := a.today(), p.Jurisdiction.Region
	out := []queueRowJSON{}
	cal := a.calendar()
	for _, q := range l.Rows {
		left, _, err := cal.WorkdaysBetween(today, q.Service.DueOn, region)
		if err != nil {
			return err
		}
		out = append(out, queueRowJSON{ApplicationID: q.Application.ID, Number: q.Application.Number, Applicants: registry.ApplicantNames(q.Application.Applicants),
			Project: q.Project, Room: q.Room, Service: ToServiceJSON(q.Service), WorkdaysLeft: left})
	}
	return writeJSON(w, 200, queueJSON{Queue: out, Total: l.Total, Page: l.Page.Number, Pages: l.Pages()})
}

type queueRowJSON struct {
	ApplicationID int64       `json:"application_id"`
	Number        string      `json:"number" doc:"受理号"`
	Applicants    []string    `json:"applicants"`
	Project       string      `json:"project"`
	Room          string      `json:"room"`
	Service       serviceJSON `json:"service"`
	WorkdaysLeft  int         `json:"workdays_left" doc:"距期限的工作日"`
}

type queueJSON struct {
	Queue []queueRowJSON `json:"queue" doc:"本页的待办，期限早的在前"`
	Total int            `json:"total" doc:"符合条件的待办总数"`
	Page  int            `json:"page" doc:"页码，从1起"`
	Pages int            `json:"pages" doc:"总页数"`
}

// ---- certificates

type certListJSON struct {
	ID        int64            `json:"id"`
	Kind      certificate.Kind `json:"kind"`
	KindLabel string           `json:"kind_label" doc:"不动产权证书 | 不动产登记证明"`
	Number    string           `json:"number" doc:"证号"`
	LicenceID string           `json:"licence_id" doc:"电子证照标识"`
	UnitID    int64            `json:"unit_id"`
	State     string           `json:"state" enum:"现势,注销"`
	Holder    string           `json:"holder" doc:"权利人（脱敏）"` // masked names
	Signed    bool             `json:"signed" doc:"已签名"`
	Delivery  string           `json:"delivery,omitempty" enum:"现场领取,开发企业代领转交,邮寄,电子证照" doc:"交付方式（已发证时）"`
}

type certificateList struct {
	Certificates []certListJSON `json:"certificates"`
}

// certificateJSON is a certificate with its content.
type certificateJSON struct {
	CancelReason string              `json:"cancel_reason"`
	CancelledAt  *time.Time          `json:"cancelled_at" doc:"注销时间；现势证照为null"`
	Certificate  certListJSON        `json:"certificate"`
	Content      certificate.Payload `json:"content" doc:"证照内容（身份证号脱敏）"`
	IssuedAt     time.Time           `json:"issued_at"`
	PaperSerial  string              `json:"paper_serial" doc:"纸质证书印制序列号"`
	SignedAt     *time.Time          `json:"signed_at" doc:"签名时间；尚未签名时为null"`
	TrackingNo   string              `json:"tracking_no" doc:"邮寄单号"`
	VerifyURL    string              `json:"verify_url" doc:"核验地址（二维码内容，含第二要素 token；尚未签名时不含）"`
}

func toCertList(c store.Certificate) certListJSON {
	var names []string
	for _, n := range strings.Split(c.Holder, "、") {
		names = append(names, code.MaskName(n))
	}
	return certListJSON{ID: c.ID, Kind: c.Kind, KindLabel: c.Kind.Label(), Number: c.Number, LicenceID: c.LicenceID, UnitID: c.UnitID,
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
	return writeJSON(w, 200, certificateList{Certificates: out})
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
	return writeJSON(w, 200, certificateJSON{Certificate: toCertList(c), Content: p, IssuedAt: c.IssuedAt, SignedAt: timePtr(c.SignedAt),
		CancelledAt: timePtr(c.CancelledAt), CancelReason: c.CancelReason, PaperSerial: c.PaperSerial, TrackingNo: c.TrackingNo,
		VerifyURL: a.VerifyURL(c)})
}

// VerifyURL is the public verification address the QR code carries: the
// licence identifier and the certificate's token (certificate.Token),
// which lets the verification answer in full.
func (a *API) VerifyURL(c store.Certificate) string {
	return certificate.VerifyURL(a.BaseURL, c.LicenceID, c.Signature)
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
	return writeSignedFile(w, fmt.Sprintf("certificate-%d.json", c.ID), file)
}

// verify answers the public about a certificate by its licence
// identifier with the QR code's token or the certificate's number as the
// second factor (store.VerifyLicence), or by its number with a holder's
// name as the second factor (store.VerifyNumber); the store audits the
// lookups that need it.
func (a *API) verify(w http.ResponseWriter, r *http.Request) error {
	key, query := r.PathValue("licence"), r.URL.Query()
	actor := identity.ActorFrom(r.Context())
	var v store.Verification
	var err error
	if _, perr := code.ParseLicenceID(key); perr == nil {
		v, err = a.DB.VerifyLicence(r.Context(), actor, store.LicenceLookup{Licence: key, Token: query.Get("token"), Number: query.Get("number"), Via: "api"})
	} else {
		v, err = a.DB.VerifyNumber(r.Context(), actor, store.NumberLookup{Number: key, Name: query.Get("name"), Via: "api"})
		if problem.KindOf(err) == problem.Invalid {
			return problem.New(problem.NotFound, "certificate.not_found", "查无此证照：既不是电子证照标识，也不是证书号")
		}
	}
	if err != nil {
		return err
	}
	// Encoded without reflection: this answer is the public's, on every
	// request, and its shape is fixed.
	body, err := v.Public().AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return err
	}
	return writeEncoded(w, 200, append(body, '\n'))
}

// ---- deed tax

type deedTaxJSON struct {
	ContractID int64      `json:"contract_id"`
	UnitID     int64      `json:"unit_id"`
	Purpose    string     `json:"purpose" doc:"房屋用途：住宅以外按本辖区税率"`
	Base       string     `json:"base" doc:"计税依据（元）"`
	Area       string     `json:"area" doc:"实测建筑面积"`
	Home       string     `json:"home" doc:"家庭住房情况"`
	Rate       string     `json:"rate" doc:"税率（小数，如0.015）"`
	RateLabel  string     `json:"rate_label" doc:"税率（百分数，如1.5%）"`
	Reason     string     `json:"reason" doc:"适用的税率规则"`
	Amount     string     `json:"amount" doc:"税额（元）"`
	Paid       bool       `json:"paid"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	Voucher    string     `json:"voucher,omitempty" doc:"完税凭证号"`
	Source     string     `json:"source,omitempty" enum:"api,staff"`
}

type deedTaxList struct {
	DeedTaxes []deedTaxJSON `json:"deed_taxes"`
	Rule      string        `json:"rule" doc:"本辖区适用的契税税率规则"`
}

type assessResult struct {
	Assessed int `json:"assessed" doc:"本次核定的合同数"`
}

type taxPaymentInput struct {
	Voucher string `json:"voucher" doc:"完税凭证号"`
}

type parcelRestrictionInput struct {
	Parcel    string `json:"parcel" doc:"宗地代码"`
	Kind      string `json:"kind" enum:"seal,mortgage,construction_mortgage,lock"`
	Authority string `json:"authority" doc:"查封机关或抵押权人"`
	DocNo     string `json:"doc_no" doc:"文书编号"`
	Note      string `json:"note,omitempty"`
}

type createdJSON struct {
	ID int64 `json:"id"`
}

type noteInput struct {
	Note string `json:"note,omitempty" doc:"说明"`
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
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := a.DB.AssessDeedTax(r.Context(), identity.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, assessResult{Assessed: n})
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
	return writeJSON(w, 200, deedTaxList{DeedTaxes: out, Rule: rule})
}

func (a *API) payDeedTax(w http.ResponseWriter, r *http.Request) error {
	var in taxPaymentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.DB.PayDeedTax(r.Context(), identity.ActorFrom(r.Context()), id, in.Voucher, "api")
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ToDeedTaxJSON(t))
}

// ---- parcels

func (a *API) restrictParcel(w http.ResponseWriter, r *http.Request) error {
	var in parcelRestrictionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := a.DB.RestrictParcel(r.Context(), identity.ActorFrom(r.Context()), in.Parcel, in.Kind, in.Authority, in.DocNo, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, createdJSON{ID: id})
}

func (a *API) liftParcel(w http.ResponseWriter, r *http.Request) error {
	var in noteInput
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
	Buildings  []int64        `json:"buildings" doc:"幢ID"`
	HeldOn     calendar.Date  `json:"held_on" doc:"交房日"`
	Place      string         `json:"place" doc:"交房地点"`
	Mode       handover.Mode  `json:"mode" doc:"onsite 现场发证 | entrusted 委托开发企业批量代办"`
	ModeLabel  string         `json:"mode_label"`
	NoticeOn   calendar.Date  `json:"notice_on" doc:"书面交付通知日"`
	State      string         `json:"state" enum:"planned,running,paused,done"`
	Total      int            `json:"total" doc:"户数"`
	Done       int            `json:"done" doc:"已办结"`
	Blocked    int            `json:"blocked" doc:"受阻"`
	SameDay    int            `json:"same_day" doc:"发证日不晚于交房日的户数"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Units      []handoverUnit `json:"units,omitempty" doc:"逐户结果（查看一次交房时）"`
}

type handoverUnit struct {
	UnitID        int64              `json:"unit_id"`
	Room          string             `json:"room"`
	State         handover.UnitState `json:"state"`
	Reasons       []string           `json:"reasons,omitempty" doc:"受阻原因（责任单位）"`
	ApplicationID int64              `json:"application_id,omitempty"`
	HandedOverOn  calendar.Date      `json:"handed_over_on,omitzero"`
	Receiver      string             `json:"receiver,omitempty" doc:"领取钥匙的人"`
	CertifiedOn   calendar.Date      `json:"certified_on,omitzero" doc:"发证日"`
	SameDay       bool               `json:"same_day"`
}

type handoverList struct {
	Events []handoverJSON `json:"events"`
}

type receiverInput struct {
	Receiver string `json:"receiver" doc:"领取钥匙的人"`
}

// ToHandoverJSON renders an event with, when given, its units.
func ToHandoverJSON(e handover.Event, units []handover.UnitOutcome) handoverJSON {
	out := handoverJSON{ID: e.ID, ProjectID: e.ProjectID, Buildings: e.Buildings, HeldOn: e.HeldOn, Place: e.Place, Mode: e.Mode,
		ModeLabel: e.Mode.Label(), NoticeOn: e.NoticeOn, State: e.State, Total: e.Total, Done: e.Done, Blocked: e.Blocked, SameDay: e.SameDay,
		StartedAt: timePtr(e.StartedAt), FinishedAt: timePtr(e.FinishedAt)}
	for _, u := range units {
		hu := handoverUnit{UnitID: u.UnitID, Room: u.Room, State: u.State, Reasons: u.Reasons, ApplicationID: u.ApplicationID,
			HandedOverOn: u.HandedOverOn, Receiver: u.Receiver, CertifiedOn: u.CertifiedOn, SameDay: u.SameDay()}
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
	return writeJSON(w, 200, handoverList{Events: out})
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
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.QueueHandover(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	if a.Wake != nil {
		a.Wake()
	}
	e, err := a.DB.HandoverEvent(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 202, ToHandoverJSON(e, nil))
}

// rehearsalJSON is one 交房预演.
type rehearsalJSON struct {
	ID       int64                `json:"id"`
	EventID  int64                `json:"event_id"`
	RunAt    time.Time            `json:"run_at"`
	Nightly  bool                 `json:"nightly" doc:"系统夜间预演"`
	Total    int                  `json:"total"`
	Ready    int                  `json:"ready" doc:"条件具备的户数"`
	Blocked  int                  `json:"blocked" doc:"受阻的户数"`
	Problems []string             `json:"problems" doc:"整批不能办理的原因"`
	Units    []rehearsalUnitJSON  `json:"units" doc:"受阻的户"`
	Owners   []rehearsalOwnerJSON `json:"owners" doc:"须处理的单位及其受阻户数"`
}

type rehearsalUnitJSON struct {
	UnitID  int64    `json:"unit_id"`
	Room    string   `json:"room"`
	Reasons []string `json:"reasons" doc:"原因（括号内为须处理的单位）"`
	Owners  []string `json:"owners" doc:"各原因须处理的单位，与 reasons 一一对应"`
}

type rehearsalOwnerJSON struct {
	Owner string  `json:"owner"`
	OrgID int64   `json:"org_id,omitempty"`
	Units []int64 `json:"units"`
}

// rehearsalView is the latest rehearsal and the comparison of the batch
// with the last one before it ran.
type rehearsalView struct {
	Rehearsal  *rehearsalJSON `json:"rehearsal" doc:"最近一次预演（无则为 null）"`
	Compared   bool           `json:"compared" doc:"批量办理已运行且此前有过预演"`
	Foreseen   int            `json:"foreseen" doc:"批量受阻户中预演已列出的户数"`
	Unforeseen []int64        `json:"unforeseen" doc:"批量受阻而预演未列出的户（预演后情况变化）"`
}

func toRehearsalJSON(r store.Rehearsal) rehearsalJSON {
	out := rehearsalJSON{ID: r.ID, EventID: r.EventID, RunAt: r.RunAt, Nightly: r.RunBy == 0, Total: r.Total, Ready: r.Ready, Blocked: r.Blocked,
		Problems: append([]string{}, r.Problems...), Units: []rehearsalUnitJSON{}, Owners: []rehearsalOwnerJSON{}}
	for _, u := range r.Units {
		ju := rehearsalUnitJSON{UnitID: u.UnitID, Room: u.Room, Reasons: u.Reasons, Owners: []string{}}
		for _, o := range u.Owners {
			ju.Owners = append(ju.Owners, o.Name)
		}
		out.Units = append(out.Units, ju)
	}
	for _, o := range r.Owners() {
		jo := rehearsalOwnerJSON{Owner: o.Party.Name, OrgID: o.Party.OrgID}
		for _, u := range o.Units {
			jo.Units = append(jo.Units, u.UnitID)
		}
		out.Owners = append(out.Owners, jo)
	}
	return out
}

func (a *API) rehearseHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rh, err := a.DB.RehearseHandover(r.Context(), identity.ActorFrom(r.Context()), a.Calendar.Get(), id, a.Keys)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, toRehearsalJSON(rh))
}

func (a *API) getRehearsal(w http.ResponseWriter, r *http.Request) error {
	e, err := a.handoverFromPath(r, access.HandoverRead)
	if err != nil {
		return err
	}
	out := rehearsalView{Unforeseen: []int64{}}
	rh, ok, err := a.DB.LatestRehearsal(r.Context(), e.ID, time.Time{})
	if err != nil {
		return err
	}
	if ok {
		j := toRehearsalJSON(rh)
		out.Rehearsal = &j
	}
	c, err := a.DB.RehearsalComparison(r.Context(), e.ID)
	if err != nil {
		return err
	}
	out.Compared, out.Foreseen = c.Rehearsed, c.Foreseen
	for _, u := range c.Unforeseen {
		out.Unforeseen = append(out.Unforeseen, u.UnitID)
	}
	return writeJSON(w, 200, out)
}

func (a *API) pauseHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.DB.PauseHandover(r.Context(), identity.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) setReceiver(w http.ResponseWriter, r *http.Request) error {
	var in receiverInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	unit, err := pathID(r, "unit")
	if err != nil {
		return err
	}
	if err := a.DB.SetReceiver(r.Context(), identity.ActorFrom(r.Context()), id, unit, in.Receiver); err != nil {
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
	Service     string     `json:"service" enum:"water,electricity,gas,network,tv"`
	Holder      string     `json:"holder" doc:"新户主（非公共事业单位查看时脱敏）"`
	State       string     `json:"state" enum:"requested,done,refused"`
	Reason      string     `json:"reason,omitempty" doc:"不予办理的理由"`
	RequestedAt *time.Time `json:"requested_at,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

type utilityList struct {
	Requests []utilityJSON `json:"requests"`
}

type utilityAnswerInput struct {
	Done   bool   `json:"done" doc:"已办结；false为不予办理"`
	Reason string `json:"reason,omitempty" doc:"不予办理的理由"`
}

type mortgageJSON struct {
	Entry   entryJSON     `json:"entry"`
	Obligor string        `json:"obligor" doc:"抵押人（脱敏）"`
	Project string        `json:"project"`
	Room    string        `json:"room"`
	Proof   *proofRefJSON `json:"proof,omitempty" doc:"电子不动产登记证明（签发中时缺省）"`
}

// proofRefJSON names a signed proof: the bank verifies it with
// GET /api/v1/verify/{licence_id}?number={number}.
type proofRefJSON struct {
	ID        int64  `json:"id"`
	LicenceID string `json:"licence_id" doc:"电子证照标识"`
	Number    string `json:"number" doc:"不动产登记证明号"`
	Signed    bool   `json:"signed" doc:"已经登记机构SM2签名"`
	State     string `json:"state" doc:"live | cancelled"`
}

type mortgageList struct {
	Mortgages []mortgageJSON `json:"mortgages"`
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
		if err := decide(r, access.UtilityRead, access.ProjectTarget(pr)); err != nil {
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
	return writeJSON(w, 200, utilityList{Requests: out})
}

func (a *API) answerUtility(w http.ResponseWriter, r *http.Request) error {
	var in utilityAnswerInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// The store decides access and refuses an answer from another
	// provider than the one asked.
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
	out := []mortgageJSON{}
	for _, m := range rows {
		j := mortgageJSON{Entry: ToEntryJSON(m.Entry, m.Status), Room: m.Room, Project: m.Project, Obligor: code.MaskName(m.Entry.Obligor.Name)}
		if c := m.Proof; c.ID != 0 {
			j.Proof = &proofRefJSON{ID: c.ID, LicenceID: c.LicenceID, Number: c.Number, Signed: len(c.Signature) > 0, State: c.State}
		}
		out = append(out, j)
	}
	return writeJSON(w, 200, mortgageList{Mortgages: out})
}

// writeSignedFile sends a signed file (an electronic certificate or a
// 查询结果证明) as a download that no cache keeps: it names a person.
func writeSignedFile(w http.ResponseWriter, name string, file []byte) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(file)
	return err
}
