// Package registry is the register book (不动产登记簿) and the rules of
// registration (docs/domain.md §5.10–5.12): entries per unit that are never
// edited or deleted — a change is a new entry, an error is fixed by a 更正
// entry — and whose status (临时, 现势, 历史, 终止) follows from the entries
// recorded after them.
package registry

import (
	"cmp"
	"math/big"
	"slices"
	"time"

	"handover/internal/calendar"
	"handover/internal/ledger"

	"github.com/shopspring/decimal"
)

// Kind is what an entry records.
type Kind string

const (
	Ownership    Kind = "ownership"    // 房屋所有权 (国有建设用地使用权/房屋所有权)
	Mortgage     Kind = "mortgage"     // 抵押权
	PreNotice    Kind = "prenotice"    // 预告登记
	Seal         Kind = "seal"         // 查封
	Objection    Kind = "objection"    // 异议
	Cancellation Kind = "cancellation" // 注销: ends another entry
	Correction   Kind = "correction"   // 更正
)

// Label is the kind in Chinese.
func (k Kind) Label() string {
	switch k {
	case Ownership:
		return "所有权"
	case Mortgage:
		return "抵押权"
	case PreNotice:
		return "预告登记"
	case Seal:
		return "查封"
	case Objection:
		return "异议"
	case Cancellation:
		return "注销"
	case Correction:
		return "更正"
	}
	return string(k)
}

// Registration types (登记类型) and right types (权利类型) of the data standard.
const (
	RegFirst      = 100 // 首次登记
	RegTransfer   = 200 // 转移登记
	RegChange     = 300 // 变更登记
	RegCancel     = 400 // 注销登记
	RegCorrection = 500 // 更正登记
	RegObjection  = 600 // 异议登记
	RegPreNotice  = 700 // 预告登记
	RegSeal       = 800 // 查封登记
	RegOther      = 900 // 其他

	RightOwnership = 4  // 国有建设用地使用权/房屋（构筑物）所有权
	RightMortgage  = 37 // 抵押权
	RightObjection = 97 // 异议登记
	RightPreNotice = 96 // 预告登记
	RightSeal      = 98 // 查封登记
)

// Pre-notice kinds (预告登记种类).
const (
	PreNoticeSale     = 1 // 预售商品房买卖预告登记
	PreNoticeMortgage = 3 // 预售商品房抵押权预告登记 (预抵押)
)

// RegTypeLabel names a registration type.
func RegTypeLabel(t int) string {
	switch t {
	case RegFirst:
		return "首次登记"
	case RegTransfer:
		return "转移登记"
	case RegChange:
		return "变更登记"
	case RegCancel:
		return "注销登记"
	case RegCorrection:
		return "更正登记"
	case RegObjection:
		return "异议登记"
	case RegPreNotice:
		return "预告登记"
	case RegSeal:
		return "查封登记"
	}
	return "其他登记"
}

// PreNoticeLabel names a pre-notice kind.
func PreNoticeLabel(k int) string {
	switch k {
	case PreNoticeSale:
		return "预售商品房买卖预告登记"
	case PreNoticeMortgage:
		return "预售商品房抵押权预告登记"
	}
	return ""
}

// Holder is a rights holder (权利人) or obligor (义务人) of an entry.
type Holder struct {
	Name     string
	IDKind   string // 身份证 or 统一社会信用代码
	IDNumber string
	ShareNum int64
	ShareDen int64
}

// Share returns the holder's share, or nil when not 按份共有.
func (h Holder) Share() *big.Rat {
	if h.ShareDen == 0 {
		return nil
	}
	return big.NewRat(h.ShareNum, h.ShareDen)
}

// EndKind says how a later entry ended an earlier one.
type EndKind string

const (
	Superseded EndKind = "superseded" // the right moved on (a transfer): the old entry becomes 历史
	Converted  EndKind = "converted"  // a pre-notice became the right it secured (预转现): 历史
	Cancelled  EndKind = "cancelled"  // 注销 or 解封: the old entry is 终止
)

// Label says in Chinese how the earlier entry ended.
func (k EndKind) Label() string {
	switch k {
	case Superseded:
		return "权利转移，原记载转为历史"
	case Converted:
		return "预告登记转为本登记，原记载转为历史"
	case Cancelled:
		return "注销，原记载终止"
	}
	return string(k)
}

// Entry is one entry of the register book.
type Entry struct {
	ID            int64
	UnitID        int64
	Kind          Kind
	RegType       int
	RightType     int
	PreNoticeKind int
	Holders       []Holder
	Obligor       Holder
	Ownership     string          // 共有方式
	Amount        decimal.Decimal // 取得价格 / 被担保主债权数额, 元
	CertNo        string          // 不动产权证书号 or 不动产证明号
	ContractID    int64
	Ends          int64 // the entry this one ends, if any
	EndKind       EndKind
	Note          string // 附记
	Detail        Detail // a mortgage's, seal's or objection's particulars
	ServiceID     int64  // the registration service that recorded it (0: filing, batch before services)
	RecordedBy    int64
	RecordedAt    time.Time
}

// Detail holds the particulars of mortgages, seals and objections.
type Detail struct {
	TermStart  string // 债务履行期限 / 查封期限, YYYY-MM-DD
	TermEnd    string
	Rank       int    // 抵押顺位
	NoTransfer bool   // 抵押合同约定不得转让 (带押过户 refused)
	Authority  string // 查封机关 / 异议申请人
	DocNo      string // 法律文书编号
	SealKind   string // 查封, 预查封, 轮候查封
	Waiting    bool   // 轮候: effective when the earlier seals are lifted
}

// Status is an entry's status (权属状态), derived from the entries after it.
type Status string

const (
	Temporary  Status = "temporary"  // 临时
	Current    Status = "current"    // 现势
	History    Status = "history"    // 历史
	Terminated Status = "terminated" // 终止
)

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case Temporary:
		return "临时"
	case Current:
		return "现势"
	case History:
		return "历史"
	case Terminated:
		return "终止"
	}
	return string(s)
}

// Statuses derives each entry's status from the book: an entry ended by a
// later one is 历史 (superseded or converted) or 终止 (cancelled); a
// 注销 entry itself is 历史 once recorded (it only records the ending).
func Statuses(book []Entry) map[int64]Status {
	out := map[int64]Status{}
	for _, e := range book {
		out[e.ID] = Current
		if e.Kind == Cancellation {
			out[e.ID] = History
		}
	}
	for _, e := range book {
		if e.Ends == 0 {
			continue
		}
		out[e.Ends] = EndedStatus(e.EndKind)
	}
	// A waiting seal (轮候查封) is 临时 while an earlier seal stands and takes
	// effect, in order, when the earlier ones are lifted. A seal's place in
	// the queue is its first recording's: a 更正 of a seal keeps the place
	// of the seal it corrects.
	var seals []Entry
	for _, e := range book {
		if e.Kind == Seal && out[e.ID] == Current {
			seals = append(seals, e)
		}
	}
	slices.SortStableFunc(seals, func(a, b Entry) int { return cmp.Compare(rootOf(book, a).ID, rootOf(book, b).ID) })
	sealed := false
	for _, e := range seals {
		if sealed && rootOf(book, e).Detail.Waiting {
			out[e.ID] = Temporary
		}
		sealed = true
	}
	return out
}

// EndedStatus is the status of an entry another ended: 终止 when it was
// cancelled (注销, 解封), 历史 when the right moved on or converted.
func EndedStatus(k EndKind) Status {
	if k == Cancelled {
		return Terminated
	}
	return History
}

// Origin returns the entry id as first recorded: a 更正 followed back to the
// entry it corrects (the zero Entry when id is not in the book).
func Origin(book []Entry, id int64) Entry {
	i := slices.IndexFunc(book, func(x Entry) bool { return x.ID == id })
	if i < 0 {
		return Entry{}
	}
	return rootOf(book, book[i])
}

// rootOf follows an entry's corrections back to the entry first recorded.
func rootOf(book []Entry, e Entry) Entry {
	for range book {
		if e.RegType != RegCorrection || e.Ends == 0 {
			break
		}
		i := slices.IndexFunc(book, func(x Entry) bool { return x.ID == e.Ends })
		if i < 0 {
			break
		}
		e = book[i]
	}
	return e
}

// Live returns the book's current entries of a kind.
func Live(book []Entry, kind Kind) []Entry {
	st := Statuses(book)
	var out []Entry
	for _, e := range book {
		if e.Kind == kind && st[e.ID] == Current {
			out = append(out, e)
		}
	}
	return out
}

// Standing summarises what the book says of its unit on the day today,
// from its current entries: whose ownership stands, and which
// pre-notices, mortgages, seals and objections are in force. It is the
// only place these facts are derived; the 楼盘表, the contract checks, the
// registration rules, the readiness view and the public pages all read
// them from here.
//
// A seal whose term ended before today without being renewed has lapsed
// (最高人民法院《关于人民法院民事执行中查封、扣押、冻结财产的规定》：期限届满
// 未办理延期手续的，查封的效力消灭), though its entry stays in the book until
// its 注销 is recorded; the first seal waiting behind it then takes effect.
// A zero today checks no term.
func Standing(book []Entry, today calendar.Date) ledger.Register {
	st := Statuses(book)
	var r ledger.Register
	for _, e := range book {
		if st[e.ID] != Current || e.Kind == Seal {
			continue // seals below, in their queue
		}
		switch e.Kind {
		case Ownership:
			// The newest current ownership decides (there is one; a unique
			// index and the per-unit lock keep it so).
			r.OwnershipID, r.OwnerContract = e.ID, e.ContractID
			r.DeveloperOwns = ownerWasFirst(book, e)
			r.Registered = !r.DeveloperOwns
			r.CoOwned = e.Ownership == "共同共有" || e.Ownership == "按份共有"
		case PreNotice:
			if e.PreNoticeKind == PreNoticeMortgage {
				r.PreMortgage = true
			} else {
				r.PreNotice = true
			}
		case Mortgage:
			r.Mortgaged = true
		case Objection:
			r.Objection = true
		}
	}
	// The seals not lifted, in their queue: the first that has not lapsed
	// restrains the unit, the others wait behind it.
	for _, e := range sealQueue(book, st) {
		if Lapsed(e, today) {
			continue
		}
		if !r.Sealed {
			r.Sealed, r.SealAuthority = true, e.Detail.Authority
		} else {
			r.WaitingSeal = true
		}
	}
	return r
}

// Holders are the holders of the ownership that stands in the book, as
// Standing found it (st.OwnershipID); none when no ownership stands.
func Holders(book []Entry, st ledger.Register) []Holder {
	for _, e := range book {
		if e.ID == st.OwnershipID && st.OwnershipID != 0 {
			return e.Holders
		}
	}
	return nil
}

// Lapsed reports whether a seal's term ended before today (a zero today:
// never).
func Lapsed(e Entry, today calendar.Date) bool {
	if e.Kind != Seal || today.IsZero() || e.Detail.TermEnd == "" {
		return false
	}
	end, err := calendar.ParseDate(e.Detail.TermEnd)
	return err == nil && end.Before(today)
}

// sealQueue lists the seals not lifted (现势 or 临时), each at its first
// recording's place.
func sealQueue(book []Entry, st map[int64]Status) []Entry {
	var seals []Entry
	for _, e := range book {
		if e.Kind == Seal && (st[e.ID] == Current || st[e.ID] == Temporary) {
			seals = append(seals, e)
		}
	}
	slices.SortStableFunc(seals, func(a, b Entry) int { return cmp.Compare(rootOf(book, a).ID, rootOf(book, b).ID) })
	return seals
}

// ownerWasFirst reports whether a correction entry corrects (through any
// chain of corrections) a first registration: the corrected ownership is
// still the developer's.
func ownerWasFirst(book []Entry, e Entry) bool { return rootOf(book, e).RegType == RegFirst }
