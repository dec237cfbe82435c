// Package inquiry is 不动产登记资料查询: who may query the register, by
// what, with which proof and purpose, and what each may be told, per
// 不动产登记资料查询暂行办法 (docs/domain.md §5.17). Every query the
// platform answers gives a 查询结果证明: the answer, signed by the
// registration authority like a certificate (SM2 over SM3), verified by
// anyone holding it, and logged with who asked, what, why, when and the
// channel.
package inquiry

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Requester is the standing of the person or body querying.
type Requester string

const (
	// Holder is a rights holder (权利人), querying the units they hold:
	// their results in full (办法 第十四条).
	Holder Requester = "holder"
	// Interested is an interested party (利害关系人) with a contract over
	// the unit (买卖、互换、赠与、租赁、抵押) or an accepted lawsuit or
	// arbitration about it: that one unit's 登记结果 (办法 第十九条、第二十条).
	Interested Requester = "interested"
	// Prospective is someone who means to buy or rent the unit, without a
	// proof: its physical state and whether it is co-owned, mortgaged,
	// pre-noticed or sealed, never who holds it (办法 第二十一条).
	Prospective Requester = "prospective"
	// StateOrgan is a court, procuratorate, public-security, supervisory
	// or other state organ querying for its case, with its letter (协助查询
	// 文书): the unit's results in full (办法 第十五条).
	StateOrgan Requester = "state_organ"
)

// Requesters lists the standings in the order forms offer them.
var Requesters = []Requester{Holder, Interested, Prospective, StateOrgan}

// Label names the standing in Chinese.
func (r Requester) Label() string {
	switch r {
	case Holder:
		return "权利人"
	case Interested:
		return "利害关系人"
	case Prospective:
		return "拟购买或承租人（无证明材料）"
	case StateOrgan:
		return "国家机关"
	}
	return string(r)
}

// Scope is what a standing may be told beyond the unit's physical state and
// its restrictions, which everyone querying a unit is told.
type Scope struct {
	Holders   bool // who holds the unit (names, ID numbers masked)
	HolderIDs bool // the holders' full ID numbers (a state organ's case needs them)
	Rights    bool // the current rights and restrictions with their numbers and particulars
}

// Scope is what r may be told (办法 第十四条至第二十一条).
func (r Requester) Scope() Scope {
	switch r {
	case Holder, Interested:
		return Scope{Holders: true, Rights: true}
	case StateOrgan:
		return Scope{Holders: true, HolderIDs: true, Rights: true}
	}
	return Scope{}
}

// By is how the unit is named. Never by a person's name: the register is
// searched by the thing, not the owner (办法 第二十三条).
type By string

const (
	ByLocation By = "location" // 坐落
	ByCertNo   By = "cert_no"  // 不动产权证书号或证明号
	ByUnitNo   By = "unit_no"  // 不动产单元号
)

// Bys lists the ways to name a unit, in the order forms offer them.
var Bys = []By{ByUnitNo, ByCertNo, ByLocation}

// Label names the way in Chinese.
func (b By) Label() string {
	switch b {
	case ByLocation:
		return "坐落"
	case ByCertNo:
		return "不动产权证书号或证明号"
	case ByUnitNo:
		return "不动产单元号"
	}
	return string(b)
}

// Basis is the proof a query rests on.
type Basis string

const (
	NoBasis  Basis = ""         // none (a prospective buyer, a holder proving themselves by ID)
	Contract Basis = "contract" // 买卖、租赁、抵押等合同
	Lawsuit  Basis = "lawsuit"  // 人民法院、仲裁机构的受理通知书
	Letter   Basis = "letter"   // 国家机关的协助查询文书（公函）
)

// Label names the proof in Chinese.
func (b Basis) Label() string {
	switch b {
	case Contract:
		return "合同"
	case Lawsuit:
		return "法院或仲裁机构受理通知书"
	case Letter:
		return "协助查询文书（公函）"
	}
	return "无"
}

// Channel is where the query was made.
type Channel string

const (
	Counter Channel = "counter" // 登记窗口
	Online  Channel = "online"  // 网上（接口）
)

// Label names the channel in Chinese.
func (c Channel) Label() string {
	if c == Online {
		return "网上查询"
	}
	return "登记窗口"
}

// Request is one query as the requester made it.
type Request struct {
	Requester Requester `json:"requester" enum:"holder,interested,prospective,state_organ" doc:"查询人身份"`
	Name      string    `json:"name" doc:"查询人姓名（国家机关为经办人）"`
	IDNumber  string    `json:"id_number" doc:"查询人身份证号码"`
	Org       string    `json:"org,omitempty" doc:"国家机关名称（国家机关查询时必填）"`
	Purpose   string    `json:"purpose" doc:"查询目的"`
	Basis     Basis     `json:"basis,omitempty" enum:",contract,lawsuit,letter" doc:"证明材料"`
	BasisNo   string    `json:"basis_no,omitempty" doc:"证明材料编号（合同编号、案号、文书编号）"`
	By        By        `json:"by" enum:"location,cert_no,unit_no" doc:"查询方式"`
	Key       string    `json:"key" doc:"坐落、证书号或不动产单元号"`
	Channel   Channel   `json:"channel,omitempty" enum:"counter,online" doc:"查询渠道"`
}

// Normalise trims what people type around the values.
func (q Request) Normalise() Request {
	for _, s := range []*string{&q.Name, &q.IDNumber, &q.Org, &q.Purpose, &q.BasisNo, &q.Key} {
		*s = strings.TrimSpace(*s)
	}
	q.IDNumber = strings.ToUpper(q.IDNumber)
	if q.Channel == "" {
		q.Channel = Counter
	}
	return q
}

// minPurpose is the shortest purpose taken: a word like "查询" says nothing.
const minPurpose = 4

// Check validates a request before anything is looked up: the standing,
// the requester's identity, a purpose, the proof the standing needs, and a
// unit named by location, certificate number or unit number.
func (q Request) Check() error {
	var f problem.Fields
	switch q.Requester {
	case Holder, Interested, Prospective, StateOrgan:
	default:
		f.Add("requester", "请选择查询人身份：权利人、利害关系人、拟购买或承租人、国家机关")
	}
	if q.Name == "" || utf8.RuneCountInString(q.Name) > 50 {
		f.Add("name", "请填写查询人姓名（50字以内）")
	}
	if _, err := code.ParseIDCard(q.IDNumber); err != nil {
		f.Add("id_number", "查询人身份证号码无效")
	}
	if n := utf8.RuneCountInString(q.Purpose); n < minPurpose || n > 200 {
		f.Add("purpose", "请写明查询目的（4至200字），如“购房前了解房屋是否抵押”")
	}
	switch q.Requester {
	case Interested:
		if q.Basis != Contract && q.Basis != Lawsuit {
			f.Add("basis", "利害关系人须提交合同或法院、仲裁机构的受理通知书")
		}
	case StateOrgan:
		if q.Basis != Letter {
			f.Add("basis", "国家机关查询须出具协助查询文书")
		}
		if q.Org == "" {
			f.Add("org", "请填写国家机关名称")
		}
	}
	if q.Basis != NoBasis && q.BasisNo == "" {
		f.Add("basis_no", "请填写证明材料的编号（合同编号、案号或文书编号）")
	}
	switch q.By {
	case ByLocation, ByCertNo, ByUnitNo:
	default:
		f.Add("by", "请按坐落、不动产权证书号或不动产单元号查询（不得按权利人姓名查询）")
	}
	if q.Channel != Counter && q.Channel != Online {
		f.Add("channel", "查询渠道应为 counter（登记窗口）或 online（网上）")
	}
	if q.Key == "" || utf8.RuneCountInString(q.Key) > 200 {
		f.Add("key", "请填写要查询的坐落、证书号或不动产单元号")
	}
	return f.Err("inquiry.invalid", "查询申请填写有误")
}

// NotHolder refuses a holder's query of a unit they do not hold.
func NotHolder(unitNo string) error {
	var r problem.Refusal
	r.Add(problem.Reason{Rule: "inquiry.holder", Subject: unitNo, Message: "查询人不是该不动产的现势权利人，不能以权利人身份查询",
		Basis: "不动产登记资料查询暂行办法 第十四条", Fixer: "查询人（以利害关系人身份并提交证明材料查询）"})
	return r.Err("inquiry.refused", "不能以权利人身份查询该不动产")
}

// ResultHolder is a rights holder as a result shows them.
type ResultHolder struct {
	Name     string `json:"name"`
	IDKind   string `json:"id_kind"`
	IDNumber string `json:"id_number"` // a person's masked unless the standing needs it whole
	Share    string `json:"share,omitempty"`
}

// Right is one current right or restriction on the unit.
type Right struct {
	Kind       string `json:"kind"`              // 国有建设用地使用权及房屋所有权, 抵押权, 预告登记, 查封 …
	CertNo     string `json:"cert_no,omitempty"` // its certificate or proof number
	RecordedOn string `json:"recorded_on"`       // 登簿日期
	Detail     string `json:"detail,omitempty"`  // amount, term, sealing authority
}

// Result is the 查询结果证明: the answer as signed. The field order is
// fixed: its JSON encoding is canonical.
type Result struct {
	Number      string         `json:"number"` // 查询编号
	Requester   string         `json:"requester"`
	Name        string         `json:"name"`
	IDNumber    string         `json:"id_number"` // the requester's, masked
	Org         string         `json:"org,omitempty"`
	Purpose     string         `json:"purpose"`
	Basis       string         `json:"basis"`
	BasisNo     string         `json:"basis_no,omitempty"`
	By          string         `json:"by"`
	Key         string         `json:"key"`
	UnitNo      string         `json:"unit_no"`
	Location    string         `json:"location"`
	Use         string         `json:"use"`
	Area        string         `json:"area"`
	CoOwned     bool           `json:"co_owned"`
	Mortgaged   bool           `json:"mortgaged"`
	PreNoticed  bool           `json:"pre_noticed"`
	Sealed      bool           `json:"sealed"`
	Objection   bool           `json:"objection"`
	Registered  bool           `json:"registered"` // a buyer's ownership is registered (else the developer holds it, or none)
	Holders     []ResultHolder `json:"holders,omitempty"`
	Rights      []Right        `json:"rights,omitempty"`
	Channel     string         `json:"channel"`
	Authority   string         `json:"authority"`
	AuthorityID string         `json:"authority_uscc"`
	QueriedAt   string         `json:"queried_at"`
}

// Canonical is the result as signed.
func (r Result) Canonical() []byte {
	b, _ := json.Marshal(r)
	return b
}

// Limit removes from a result what the standing may not be told: a
// prospective buyer learns neither the holders nor the rights' particulars;
// only a state organ sees whole ID numbers.
func Limit(r Result, s Scope) Result {
	r.Holders = slices.Clone(r.Holders)
	if !s.Holders {
		r.Holders = nil
	}
	if !s.HolderIDs {
		for i, h := range r.Holders {
			if h.IDKind != registry.USCCKind {
				r.Holders[i].IDNumber = code.MaskIDCard(h.IDNumber)
			}
		}
	}
	if !s.Rights {
		r.Rights = nil
	}
	return r
}

// numberPattern is a 查询编号: CX, the jurisdiction's six-digit code, the
// year and a six-digit serial (store.Inquire).
var numberPattern = regexp.MustCompile(`^CX\d{6}\d{4}\d{6,}$`)

// IsNumber reports whether s (trimmed, either case) is a 查询编号, so that
// one verification form takes certificates and query proofs alike.
func IsNumber(s string) bool { return numberPattern.MatchString(strings.ToUpper(strings.TrimSpace(s))) }

// VerifyURL is the public verification address of a 查询结果证明, which
// its QR code carries: base (the platform's external address), the number
// and the token (certificate.Token of the number and the signature).
func VerifyURL(base, number, token string) string {
	return strings.TrimRight(base, "/") + "/verify/inquiry/" + url.PathEscape(number) + "?token=" + token
}

// YesNo is a flag of a result in Chinese.
func YesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Allowed checks what the unit found must satisfy for the request: a
// holder queries as holder only a unit whose current ownership names them
// (r is the whole answer, before Limit).
func (q Request) Allowed(r Result) error {
	if q.Requester != Holder {
		return nil
	}
	for _, h := range r.Holders {
		if strings.EqualFold(h.IDNumber, q.IDNumber) {
			return nil
		}
	}
	return NotHolder(r.UnitNo)
}

// FileFormat names the exported 查询结果证明: the signed result in the
// envelope of an electronic certificate, so that `handover verify FILE`
// checks it offline as it checks a certificate.
const FileFormat = "handover-inquiry/1"

// Export writes the signed file of a result.
func Export(payload, sig []byte, authorityPEM string) []byte {
	return certificate.ExportAs(FileFormat, payload, sig, authorityPEM)
}

// CheckFile verifies an exported result against a trusted authority
// certificate ("" trusts the one in the file, which only proves the file
// was not changed since signing) and returns what was signed.
func CheckFile(raw []byte, trustedPEM string) (Result, error) {
	var r Result
	signed, err := certificate.OpenFile(raw, FileFormat, trustedPEM)
	if err != nil {
		return r, err
	}
	// The format is not signed, only the payload: a certificate's signed
	// payload relabelled as a query proof must not read as one (it would
	// say 抵押：无 查封：无). Its fields differ (kind, licence_id …), so it is
	// refused here, as is anything without a query number.
	if err := certificate.DecodeSigned(signed, &r); err != nil || !IsNumber(r.Number) || r.QueriedAt == "" {
		return r, problem.New(problem.Invalid, "certificate.file", "文件内容不是查询结果证明")
	}
	return r, nil
}
