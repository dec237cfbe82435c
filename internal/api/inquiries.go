package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/inquiry"
	"handover/internal/problem"
	"handover/internal/store"
)

func (a *API) inquiryRoutes() []Route {
	const tag = "不动产登记资料查询"
	return []Route{
		{Method: "POST", Pattern: "/api/v1/inquiries", Action: access.RegisterInquire, Tag: tag,
			Summary: "办理登记资料查询并出具签名的查询结果证明（不动产登记资料查询暂行办法）：按坐落、证书号或不动产单元号查询，不得按姓名；" +
				"权利人须为现势权利人，利害关系人须有合同或受理通知书，国家机关须有协助查询文书；拟购买人只得知自然状况及是否共有、抵押、预告、查封、异议",
			Request: inquiry.Request{}, Response: inquiryJSON{}, Status: 201, handle: a.createInquiry},
		{Method: "POST", Pattern: "/api/v1/me/inquiries", Action: access.RegisterInquireOwn, Tag: tag,
			Summary: "权利人网上查询本人名下一户的登记结果并取得签名的查询结果证明（办法 第十四条）：查询人为登录的实名账户本人，该户须现登记在其名下",
			Request: ownInquiryRequest{}, Response: inquiryJSON{}, Status: 201, handle: a.createOwnInquiry},
		{Method: "GET", Pattern: "/api/v1/inquiries/{id}", Action: access.InquiryRead, Tag: tag, Summary: "查询记录与查询结果证明（查看记入审计）",
			Params: []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}, Response: inquiryJSON{}, handle: a.getInquiry},
		{Method: "GET", Pattern: "/api/v1/inquiries/{id}/file", Action: access.InquiryRead, Tag: tag,
			Summary: "下载签名的查询结果证明文件（handover verify 可离线校验；查看记入审计）",
			Params:  []Param{{Name: "id", In: "path", Required: true, Type: "integer"}}, Response: certificate.File{}, handle: a.inquiryFile},
		{Method: "GET", Pattern: "/api/v1/inquiry-proofs/{number}", Action: access.CertificateVerify, Tag: tag,
			Summary: "公开核验查询结果证明：签名是否有效、出具机构与时间；给出证明二维码中的 token 时另答复查询结果",
			Params: []Param{{Name: "number", In: "path", Required: true, Desc: "查询编号，如 CX6523012026000001"},
				{Name: "token", In: "query", Desc: "证明二维码地址中的 token"}},
			Response: inquiryCheckJSON{}, handle: a.verifyInquiry},
	}
}

// ownInquiryRequest is a holder's online query of their own unit.
type ownInquiryRequest struct {
	UnitNo  string `json:"unit_no" doc:"不动产单元号"`
	Purpose string `json:"purpose" doc:"查询目的"`
}

func (a *API) createOwnInquiry(w http.ResponseWriter, r *http.Request) error {
	var in ownInquiryRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	// An unknown unit number goes on as unit 0, which InquireOwn refuses
	// as it refuses another person's unit: the answer does not tell which
	// unit numbers exist.
	ref, err := a.DB.UnitByNo(r.Context(), strings.TrimSpace(in.UnitNo))
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return err
	}
	q, err := a.DB.InquireOwn(r.Context(), identity.ActorFrom(r.Context()), ref.Unit.ID, in.Purpose, a.Keys)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, a.inquiryJSON(q))
}

// inquiryJSON is an answered query as the API gives it.
type inquiryJSON struct {
	ID        int64          `json:"id"`
	Number    string         `json:"number" doc:"查询编号"`
	UnitID    int64          `json:"unit_id"`
	Result    inquiry.Result `json:"result" doc:"查询结果证明的内容（签名范围）"`
	Signature []byte         `json:"signature" doc:"SM2签名（ASN.1，Base64）"`
	VerifyURL string         `json:"verify_url" doc:"核验地址（证明上的二维码）"`
	Request   inquiryRequest `json:"request" doc:"查询申请（身份证号码脱敏）"`
	QueriedAt time.Time      `json:"queried_at"`
}

// inquiryRequest is the request as recorded, its ID number masked.
type inquiryRequest struct {
	Requester inquiry.Requester `json:"requester"`
	Name      string            `json:"name"`
	IDNumber  string            `json:"id_number" doc:"脱敏"`
	Org       string            `json:"org,omitempty"`
	Purpose   string            `json:"purpose"`
	Basis     inquiry.Basis     `json:"basis,omitempty"`
	BasisNo   string            `json:"basis_no,omitempty"`
	By        inquiry.By        `json:"by"`
	Key       string            `json:"key"`
	Channel   inquiry.Channel   `json:"channel"`
}

func (a *API) inquiryJSON(q store.Inquiry) inquiryJSON {
	return inquiryJSON{ID: q.ID, Number: q.Number, UnitID: q.UnitID, Result: q.Result, Signature: q.Signature,
		VerifyURL: q.VerifyURL(a.BaseURL), QueriedAt: q.QueriedAt,
		Request: inquiryRequest{Requester: q.Request.Requester, Name: q.Request.Name, IDNumber: q.Result.IDNumber, Org: q.Request.Org,
			Purpose: q.Request.Purpose, Basis: q.Request.Basis, BasisNo: q.Request.BasisNo, By: q.Request.By, Key: q.Request.Key, Channel: q.Request.Channel}}
}

func (a *API) createInquiry(w http.ResponseWriter, r *http.Request) error {
	var in inquiry.Request
	if err := decode(r, &in); err != nil {
		return err
	}
	in = in.Normalise()
	if err := in.Check(); err != nil {
		return err
	}
	scope, err := access.JurisdictionScope(principal(r), access.RegisterInquire)
	if err != nil {
		return err
	}
	ref, err := a.DB.InquiryUnit(r.Context(), scope, in.By, in.Key)
	if err != nil {
		return err
	}
	q, err := a.DB.Inquire(r.Context(), identity.ActorFrom(r.Context()), in, ref.Unit.ID, a.Keys)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, a.inquiryJSON(q))
}

func (a *API) getInquiry(w http.ResponseWriter, r *http.Request) error {
	q, err := a.loadInquiry(r, "inquiry")
	if err != nil {
		return err
	}
	return writeJSON(w, 200, a.inquiryJSON(q))
}

// inquiryFile is the signed 查询结果证明 as a file that `handover verify`
// checks offline.
func (a *API) inquiryFile(w http.ResponseWriter, r *http.Request) error {
	q, err := a.loadInquiry(r, "inquiry_file")
	if err != nil {
		return err
	}
	file, err := a.DB.InquiryFile(r.Context(), q)
	if err != nil {
		return err
	}
	return writeSignedFile(w, fmt.Sprintf("inquiry-%s.json", q.Number), file)
}

// loadInquiry reads the query of the path for a registration clerk of its
// jurisdiction, or the person who made it online. Holders' data seen by
// anyone but who asked is logged as a view of recordType (the record, or
// its file): the query itself is the disclosure on record.
func (a *API) loadInquiry(r *http.Request, recordType string) (store.Inquiry, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Inquiry{}, err
	}
	q, err := a.DB.InquiryByID(r.Context(), id)
	if err != nil {
		return q, err
	}
	if err := decide(r, access.InquiryRead, access.Target{Jurisdiction: q.Jurisdiction, User: q.QueriedBy}); err != nil {
		return q, err
	}
	if len(q.Result.Holders) > 0 && q.QueriedBy != identity.ActorFrom(r.Context()).UserID {
		if err := a.viewedPersonalData(r, recordType, q.ID, nil); err != nil {
			return q, err
		}
	}
	return q, nil
}

// inquiryCheckJSON is the public verification of a 查询结果证明.
type inquiryCheckJSON struct {
	Number         string          `json:"number"`
	SignatureValid bool            `json:"signature_valid"`
	Authority      string          `json:"authority"`
	QueriedAt      string          `json:"queried_at"`
	Full           bool            `json:"full" doc:"token 相符，答复查询结果"`
	Result         *inquiry.Result `json:"result,omitempty" doc:"查询结果（仅 token 相符时）"`
}

func (a *API) verifyInquiry(w http.ResponseWriter, r *http.Request) error {
	c, err := a.DB.VerifyInquiry(r.Context(), r.PathValue("number"), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	// An invalid signature is an answer, as for certificates: the page and
	// the API say so (signature_valid false) and show no result.
	out := inquiryCheckJSON{Number: c.Inquiry.Number, SignatureValid: c.SignatureValid, Authority: c.Inquiry.Result.Authority,
		QueriedAt: c.Inquiry.Result.QueriedAt, Full: c.Full}
	if c.Full {
		res := c.Inquiry.Result
		out.Result = &res
	}
	return writeJSON(w, 200, out)
}
