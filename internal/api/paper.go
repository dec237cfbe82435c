package api

import (
	"net/http"
	"strconv"
	"time"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
)

// paperRoutes are the registration authority's stock of paper blanks
// (证书纸), beside the registration API.
func (a *API) paperRoutes() []Route {
	j := []Param{{Name: "jurisdiction", In: "path", Required: true, Desc: "登记机构所在辖区代码，如 652301"}}
	const tag = "不动产权证书与电子证照"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/paper-stock/{jurisdiction}", Action: access.PaperRead, Tag: tag,
			Summary: "证书纸库存：各批领入的起止印制序列号、已用、作废与剩余张数，以及打印机下一批应使用的序列号",
			Params:  append(append([]Param{}, j...), Param{Name: "next", In: "query", Type: "integer", Desc: "列出几个下一批未用的序列号（默认5，至多50）"}),
			Result:  "PaperStock", handle: a.paperStock},
		{Method: "POST", Pattern: "/api/v1/paper-stock/{jurisdiction}/ranges", Action: access.PaperManage, Tag: tag,
			Summary: "领入一批证书纸：字母前缀与起止号（与任何登记机构已领入的重叠则拒绝，paper.overlap）", Params: j, Body: "PaperRangeInput",
			Result: "PaperRange", Status: 201, handle: a.receivePaper},
		{Method: "GET", Pattern: "/api/v1/paper-stock/{jurisdiction}/blanks", Action: access.PaperRead, Tag: tag,
			Summary: "已用与作废的证书纸：印制的证书或作废原因、经办人与时间，新者在前",
			Params: append(append([]Param{}, j...), Param{Name: "state", In: "query", Desc: "used | spoiled（默认两者）"},
				Param{Name: "limit", In: "query", Type: "integer", Desc: "至多几条（默认200，至多1000）"}),
			Result: "PaperBlankList", handle: a.paperBlanks},
		{Method: "POST", Pattern: "/api/v1/paper-stock/{jurisdiction}/spoiled", Action: access.PaperManage, Tag: tag,
			Summary: "登记作废的证书纸（须填原因；作废后不能再用于印制，也不能撤销；不在库存、已用或已作废的拒绝）", Params: j, Body: "PaperSpoilInput",
			Result: "PaperBlank", Status: 201, handle: a.spoilBlank},
	}
}

// paperSchemas are the schemas of the paper stock.
func paperSchemas() map[string]js {
	rng := object([]string{"id", "prefix", "first", "last", "count"}, js{"id": integer(""), "jurisdiction": str(""), "prefix": str("字母前缀"),
		"first": str("起始印制序列号"), "last": str("终止印制序列号"), "count": integer("张数"), "used": integer("已用"), "spoiled": integer("作废"),
		"remaining": integer("剩余"), "note": str("批次、调拨单号"), "received_by": str("领入人"), "received_at": dateTime("领入时间")})
	blank := object([]string{"serial", "state"}, js{"serial": str("印制序列号"), "state": str("used | spoiled"), "state_label": str("已用 | 作废"),
		"certificate_id": integer("印制的证书或证明"), "cert_no": str("证号"), "reason": str("作废原因"), "by": str("经办人"), "at": dateTime("")})
	return map[string]js{
		"PaperRange": rng,
		"PaperStock": object([]string{"jurisdiction", "received", "used", "spoiled", "remaining", "ranges"}, js{"jurisdiction": str(""),
			"authority": str("登记机构"), "received": integer("领入张数"), "used": integer("已用"), "spoiled": integer("作废"), "remaining": integer("剩余"),
			"next": array(str("下一批未用的印制序列号，按领入与编号顺序")), "ranges": array(rng)}),
		"PaperRangeInput": object([]string{"prefix", "first", "last"}, js{"prefix": str("字母前缀，1至4个字母，如 XJ"),
			"first": str("起始号：6至12位数字，或连前缀的序列号"), "last": str("终止号，位数与起始号相同；一次至多100000张"), "note": str("批次、调拨单号")}),
		"PaperBlank":      blank,
		"PaperBlankList":  object([]string{"blanks"}, js{"blanks": array(blank)}),
		"PaperSpoilInput": object([]string{"serial", "reason"}, js{"serial": str("印制序列号"), "reason": str("作废原因，如“打印卡纸”")}),
	}
}

type paperRangeJSON struct {
	ID           int64     `json:"id"`
	Jurisdiction string    `json:"jurisdiction"`
	Prefix       string    `json:"prefix"`
	First        string    `json:"first"`
	Last         string    `json:"last"`
	Count        int64     `json:"count"`
	Used         int64     `json:"used"`
	Spoiled      int64     `json:"spoiled"`
	Remaining    int64     `json:"remaining"`
	Note         string    `json:"note,omitempty"`
	ReceivedBy   string    `json:"received_by"`
	ReceivedAt   time.Time `json:"received_at"`
}

// ToPaperRangeJSON renders a range with its counts.
func ToPaperRangeJSON(r certificate.RangeStock) paperRangeJSON {
	return paperRangeJSON{ID: r.ID, Jurisdiction: r.Jurisdiction, Prefix: r.Prefix, First: r.FirstSerial(), Last: r.LastSerial(), Count: r.Size(),
		Used: r.Used, Spoiled: r.Spoiled, Remaining: r.Remaining(), Note: r.Note, ReceivedBy: r.ByName, ReceivedAt: r.ReceivedAt}
}

type paperBlankJSON struct {
	Serial        string    `json:"serial"`
	State         string    `json:"state"`
	StateLabel    string    `json:"state_label"`
	CertificateID int64     `json:"certificate_id,omitempty"`
	CertNo        string    `json:"cert_no,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

// ToPaperBlankJSON renders a used or spoiled blank.
func ToPaperBlankJSON(b certificate.Blank) paperBlankJSON {
	return paperBlankJSON{Serial: b.Serial, State: string(b.State), StateLabel: b.State.Label(), CertificateID: b.CertificateID, CertNo: b.CertNo,
		Reason: b.Reason, By: b.ByName, At: b.At}
}

// paperJurisdiction reads the path's jurisdiction and decides act on its
// registration authority's stock.
func (a *API) paperJurisdiction(r *http.Request, act access.Action) (string, error) {
	j := r.PathValue("jurisdiction")
	if _, err := a.DB.Jurisdiction(r.Context(), j); err != nil {
		return j, err
	}
	return j, decide(r, act, access.Target{Jurisdiction: j})
}

// limitQuery reads an optional positive count, at most max.
func limitQuery(r *http.Request, name string, def, max int) (int, error) {
	v, err := queryInt(r, name, int64(def))
	if err != nil {
		return 0, err
	}
	if v <= 0 || v > int64(max) {
		return 0, &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
			Fields: map[string]string{name: "应为1至" + strconv.Itoa(max) + "之间的整数"}}
	}
	return int(v), nil
}

func (a *API) paperStock(w http.ResponseWriter, r *http.Request) error {
	j, err := a.paperJurisdiction(r, access.PaperRead)
	if err != nil {
		return err
	}
	n, err := limitQuery(r, "next", 5, 50)
	if err != nil {
		return err
	}
	st, err := a.DB.PaperStock(r.Context(), j)
	if err != nil {
		return err
	}
	next, err := a.DB.NextFreeSerials(r.Context(), j, n)
	if err != nil {
		return err
	}
	ranges := []paperRangeJSON{}
	for _, rs := range st.Ranges {
		ranges = append(ranges, ToPaperRangeJSON(rs))
	}
	return writeJSON(w, 200, map[string]any{"jurisdiction": j, "authority": st.Authority, "received": st.Received(), "used": st.Used(),
		"spoiled": st.Spoiled(), "remaining": st.Remaining(), "next": append([]string{}, next...), "ranges": ranges})
}

func (a *API) receivePaper(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Prefix string `json:"prefix"`
		First  string `json:"first"`
		Last   string `json:"last"`
		Note   string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	j, err := a.paperJurisdiction(r, access.PaperManage)
	if err != nil {
		return err
	}
	rng, err := certificate.NewRange(in.Prefix, in.First, in.Last)
	if err != nil {
		return err
	}
	rng.Note = in.Note
	if rng, err = a.DB.ReceivePaper(r.Context(), identity.ActorFrom(r.Context()), j, rng); err != nil {
		return err
	}
	return writeJSON(w, 201, ToPaperRangeJSON(certificate.RangeStock{Range: rng}))
}

func (a *API) paperBlanks(w http.ResponseWriter, r *http.Request) error {
	j, err := a.paperJurisdiction(r, access.PaperRead)
	if err != nil {
		return err
	}
	state := certificate.BlankState(r.URL.Query().Get("state"))
	switch state {
	case "", certificate.Used, certificate.Spoiled:
	default:
		return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误", Fields: map[string]string{"state": "应为 used 或 spoiled"}}
	}
	limit, err := limitQuery(r, "limit", 200, 1000)
	if err != nil {
		return err
	}
	list, err := a.DB.PaperBlanks(r.Context(), j, state, limit)
	if err != nil {
		return err
	}
	out := []paperBlankJSON{}
	for _, b := range list {
		out = append(out, ToPaperBlankJSON(b))
	}
	return writeJSON(w, 200, map[string]any{"blanks": out})
}

func (a *API) spoilBlank(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Serial string `json:"serial"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	j, err := a.paperJurisdiction(r, access.PaperManage)
	if err != nil {
		return err
	}
	b, err := a.DB.SpoilBlank(r.Context(), identity.ActorFrom(r.Context()), j, in.Serial, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, ToPaperBlankJSON(b))
}
