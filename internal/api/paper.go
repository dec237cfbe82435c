package api

import (
	"net/http"
	"strconv"
	"time"

	"handover/internal/access"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// paperRoutes are the registration authority's stock of paper blanks
// (证书纸), beside the registration API.
func (a *API) paperRoutes() []Route {
	j := []Param{{Name: "jurisdiction", In: "path", Required: true, Desc: "登记机构所在辖区代码，如 652301"}}
	const tag = "不动产权证书与电子证照"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/paper-stock/{jurisdiction}", Action: access.PaperRead, Tag: tag,
			Summary:  "证书纸库存：各批领入的起止印制序列号、已用、作废与剩余张数，以及打印机下一批应使用的序列号",
			Params:   append(append([]Param{}, j...), Param{Name: "next", In: "query", Type: "integer", Desc: "列出几个下一批未用的序列号（默认5，至多50）"}),
			Response: paperStockJSON{}, handle: a.paperStock},
		{Method: "POST", Pattern: "/api/v1/paper-stock/{jurisdiction}/ranges", Action: access.PaperManage, Tag: tag,
			Summary: "领入一批证书纸：字母前缀与起止号（与任何登记机构已领入的重叠则拒绝，paper.overlap）", Params: j, Request: paperRangeInput{},
			Response: paperRangeJSON{}, Status: 201, handle: a.receivePaper},
		{Method: "GET", Pattern: "/api/v1/paper-stock/{jurisdiction}/blanks", Action: access.PaperRead, Tag: tag,
			Summary: "已用与作废的证书纸：印制的证书或作废原因、经办人与时间，新者在前",
			Params: append(append([]Param{}, j...), Param{Name: "state", In: "query", Desc: "used | spoiled（默认两者）"},
				Param{Name: "limit", In: "query", Type: "integer", Desc: "至多几条（默认200，至多1000）"}),
			Response: paperBlankList{}, handle: a.paperBlanks},
		{Method: "POST", Pattern: "/api/v1/paper-stock/{jurisdiction}/spoiled", Action: access.PaperManage, Tag: tag,
			Summary: "登记作废的证书纸（须填原因；作废后不能再用于印制，也不能撤销；不在库存、已用或已作废的拒绝）", Params: j, Request: paperSpoilInput{},
			Response: paperBlankJSON{}, Status: 201, handle: a.spoilBlank},
	}
}

type paperRangeJSON struct {
	ID           int64     `json:"id"`
	Jurisdiction string    `json:"jurisdiction"`
	Prefix       string    `json:"prefix" doc:"字母前缀" example:"XJ"`
	First        string    `json:"first" doc:"起始印制序列号"`
	Last         string    `json:"last" doc:"终止印制序列号"`
	Count        int64     `json:"count" doc:"张数"`
	Used         int64     `json:"used" doc:"已用"`
	Spoiled      int64     `json:"spoiled" doc:"作废"`
	Remaining    int64     `json:"remaining" doc:"剩余"`
	Note         string    `json:"note,omitempty" doc:"批次、调拨单号"`
	ReceivedBy   string    `json:"received_by" doc:"领入人"`
	ReceivedAt   time.Time `json:"received_at" doc:"领入时间"`
}

// paperStockJSON is a registration authority's stock of blanks.
type paperStockJSON struct {
	Authority    string           `json:"authority" doc:"登记机构"`
	Jurisdiction string           `json:"jurisdiction"`
	Next         []string         `json:"next" doc:"下一批未用的印制序列号，按领入与编号顺序"`
	Ranges       []paperRangeJSON `json:"ranges"`
	Received     int64            `json:"received" doc:"领入张数"`
	Remaining    int64            `json:"remaining" doc:"剩余"`
	Spoiled      int64            `json:"spoiled" doc:"作废"`
	Used         int64            `json:"used" doc:"已用"`
}

type paperRangeInput struct {
	Prefix string `json:"prefix" doc:"字母前缀，1至4个字母，如 XJ"`
	First  string `json:"first" doc:"起始号：6至12位数字，或连前缀的序列号"`
	Last   string `json:"last" doc:"终止号，位数与起始号相同；一次至多100000张"`
	Note   string `json:"note" doc:"批次、调拨单号"`
}

type paperSpoilInput struct {
	Serial string `json:"serial" doc:"印制序列号"`
	Reason string `json:"reason" doc:"作废原因，如“打印卡纸”"`
}

type paperBlankList struct {
	Blanks []paperBlankJSON `json:"blanks"`
}

// ToPaperRangeJSON renders a range with its counts.
func ToPaperRangeJSON(r certificate.RangeStock) paperRangeJSON {
	return paperRangeJSON{ID: r.ID, Jurisdiction: r.Jurisdiction, Prefix: r.Prefix, First: r.FirstSerial(), Last: r.LastSerial(), Count: r.Size(),
		Used: r.Used, Spoiled: r.Spoiled, Remaining: r.Remaining(), Note: r.Note, ReceivedBy: r.ByName, ReceivedAt: r.ReceivedAt}
}

type paperBlankJSON struct {
	Serial        string    `json:"serial" doc:"印制序列号"`
	State         string    `json:"state" enum:"used,spoiled"`
	StateLabel    string    `json:"state_label" doc:"已用 | 作废"`
	CertificateID int64     `json:"certificate_id,omitempty" doc:"印制的证书或证明"`
	CertNo        string    `json:"cert_no,omitempty" doc:"证号"`
	Reason        string    `json:"reason,omitempty" doc:"作废原因"`
	By            string    `json:"by" doc:"经办人"`
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
	return writeJSON(w, 200, paperStockJSON{Jurisdiction: j, Authority: st.Authority, Received: st.Received(), Used: st.Used(),
		Spoiled: st.Spoiled(), Remaining: st.Remaining(), Next: append([]string{}, next...), Ranges: ranges})
}

func (a *API) receivePaper(w http.ResponseWriter, r *http.Request) error {
	var in paperRangeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	// the store decides access on the stock, then refuses a bad range
	rng, bad := certificate.NewRange(in.Prefix, in.First, in.Last)
	rng.Note = in.Note
	rng, err := a.DB.ReceivePaper(store.AfterAccess(r.Context(), bad), identity.ActorFrom(r.Context()), r.PathValue("jurisdiction"), rng)
	if err != nil {
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
	return writeJSON(w, 200, paperBlankList{Blanks: out})
}

func (a *API) spoilBlank(w http.ResponseWriter, r *http.Request) error {
	var in paperSpoilInput
	if err := decode(r, &in); err != nil {
		return err
	}
	b, err := a.DB.SpoilBlank(r.Context(), identity.ActorFrom(r.Context()), r.PathValue("jurisdiction"), in.Serial, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, ToPaperBlankJSON(b))
}
