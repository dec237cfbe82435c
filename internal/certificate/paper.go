package certificate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"handover/internal/code"
	"handover/internal/problem"
)

// Paper certificates (docs/domain.md §4, §5.13) are printed on numbered blanks
// (证书纸) whose 印制序列号 is a letter prefix and a fixed number of digits,
// e.g. XJ26000001. Each registration authority keeps a stock: ranges of
// serials it received, blanks used (one per printed certificate or proof)
// and blanks spoiled (作废, with a reason). A blank is printed on or spoiled
// once; a serial outside the authority's stock is never accepted.

// Serial limits: 1–4 Latin letters, then 6–12 digits.
const (
	MaxPrefix = 4
	MinDigits = 6
	MaxDigits = 12
	// MaxRange bounds one receipt: a delivery of blanks is a few boxes; a
	// larger range is far more likely a typing error than a delivery.
	MaxRange = 100000
)

// Basis of the paper rules, shown with every refusal.
const paperBasis = "《不动产登记暂行条例实施细则》第二十条（不动产权属证书和不动产登记证明样式由自然资源部统一规定）；证书纸按印制序列号领入、使用和作废登记，作废须记明原因，不得无记录跳号"

// Serial is one blank's 印制序列号.
type Serial struct {
	Prefix string
	Number int64
	Digits int
}

// String is the serial as printed: the prefix and the zero-padded number.
func (s Serial) String() string {
	return fmt.Sprintf("%s%0*d", s.Prefix, s.Digits, s.Number)
}

// normalise folds full-width letters and digits (typed with a Chinese input
// method) to ASCII, drops spaces and upper-cases the letters.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case r == ' ' || r == '\t' || r == 0x3000:
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func validPrefix(p string) bool {
	if p == "" || len(p) > MaxPrefix {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return false
		}
	}
	return true
}

// SerialFormat says what a serial looks like, for messages.
const SerialFormat = "印制序列号应为1至4个字母前缀加6至12位数字，如 XJ26000001"

// splitSerial cuts a normalised serial into its letters and digits.
func splitSerial(s string) (prefix, digits string) {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	return s[:i], s[i:]
}

// ParseSerial reads a 印制序列号 as printed on a blank.
func ParseSerial(s string) (Serial, error) {
	n := normalise(s)
	prefix, digits := splitSerial(n)
	if !validPrefix(prefix) || !code.AllDigits(digits) || len(digits) < MinDigits || len(digits) > MaxDigits {
		return Serial{}, &problem.Error{Kind: problem.Invalid, Code: "paper.serial_invalid", Message: SerialFormat,
			Fields: map[string]string{"paper_serial": SerialFormat}}
	}
	v, _ := strconv.ParseInt(digits, 10, 64)
	return Serial{Prefix: prefix, Number: v, Digits: len(digits)}, nil
}

// Range is a range of blanks an authority received: every serial from
// First to Last with the prefix and width, by whom and when.
type Range struct {
	ID           int64
	Jurisdiction string
	Prefix       string
	First, Last  int64
	Digits       int
	Note         string // the delivery: 批次, 调拨单号
	ReceivedBy   int64
	ByName       string
	ReceivedAt   time.Time
}

// NewRange checks a range as entered: the prefix, and the first and last
// serials (digits only, or the whole serial with the same prefix) of the
// same width, first not after last, at most MaxRange blanks.
func NewRange(prefix, first, last string) (Range, error) {
	var f problem.Fields
	p := normalise(prefix)
	if !validPrefix(p) {
		f.Add("prefix", "前缀应为1至4个字母，如 XJ")
	}
	num := func(field, s string) (int64, int) {
		n := normalise(s)
		if fp, d := splitSerial(n); fp != "" {
			if fp != p {
				f.Add(field, "序列号的字母前缀与所填前缀不一致")
				return 0, 0
			}
			n = d
		}
		if !code.AllDigits(n) || len(n) < MinDigits || len(n) > MaxDigits {
			f.Add(field, "应为6至12位数字（可连前缀填写）")
			return 0, 0
		}
		v, _ := strconv.ParseInt(n, 10, 64)
		return v, len(n)
	}
	a, wa := num("first", first)
	b, wb := num("last", last)
	r := Range{Prefix: p, First: a, Last: b, Digits: wa}
	if !f.Has("first") && !f.Has("last") {
		switch {
		case wa != wb:
			f.Add("last", "起止序列号的位数应相同")
		case a > b:
			f.Add("last", "终止序列号不能小于起始序列号")
		case b-a+1 > MaxRange:
			f.Add("last", fmt.Sprintf("一次领入不超过%d张，请核对起止序列号", MaxRange))
		}
	}
	return r, f.Err("paper.range_invalid", "证书纸起止序列号有误")
}

// Check validates a range given as numbers, as NewRange does text.
func (r Range) Check() error {
	v, err := NewRange(r.Prefix, r.FirstSerial(), r.LastSerial())
	if err == nil && (v.Digits != r.Digits || v.Prefix != r.Prefix) {
		err = &problem.Error{Kind: problem.Invalid, Code: "paper.range_invalid", Message: "证书纸起止序列号有误",
			Fields: map[string]string{"first": "序列号位数与前缀应与证书纸上印制的一致"}}
	}
	return err
}

// Size is the number of blanks in the range.
func (r Range) Size() int64 { return r.Last - r.First + 1 }

// Serial is the range's blank number n.
func (r Range) Serial(n int64) Serial { return Serial{Prefix: r.Prefix, Number: n, Digits: r.Digits} }

// FirstSerial and LastSerial are the range's ends as printed.
func (r Range) FirstSerial() string { return r.Serial(r.First).String() }
func (r Range) LastSerial() string  { return r.Serial(r.Last).String() }

// String names the range, e.g. XJ26000001–XJ26000500.
func (r Range) String() string { return r.FirstSerial() + "–" + r.LastSerial() }

// Contains reports whether s is one of the range's blanks.
func (r Range) Contains(s Serial) bool {
	return s.Prefix == r.Prefix && s.Digits == r.Digits && s.Number >= r.First && s.Number <= r.Last
}

// Overlaps reports whether two ranges share a number under one prefix
// (whatever their widths: XJ000001 and XJ0000001 would be the same blank
// to a reader).
func (r Range) Overlaps(o Range) bool {
	return r.Prefix == o.Prefix && r.First <= o.Last && o.First <= r.Last
}

// CheckReceive refuses a range that overlaps a range already received,
// here or by another authority: serials are unique nationwide.
func CheckReceive(r Range, existing []Range) error {
	var ref problem.Refusal
	for _, e := range existing {
		if !r.Overlaps(e) {
			continue
		}
		msg := fmt.Sprintf("与已领入的证书纸 %s 重叠", e)
		if e.Jurisdiction != r.Jurisdiction {
			msg = fmt.Sprintf("与其他登记机构（辖区%s）已领入的证书纸 %s 重叠", e.Jurisdiction, e)
		}
		ref.Add(problem.Reason{Rule: "paper.overlap", Subject: r.String(), Message: msg, Basis: paperBasis,
			Fixer: "登记中心缮证发证岗：核对调拨单上的起止序列号"})
	}
	return ref.Err("paper.overlap", "证书纸序列号与已领入的重叠，一张证书纸只能入库一次")
}

// BlankState is what became of a blank.
type BlankState string

const (
	Used    BlankState = "used"    // printed on: a certificate or proof issued on it
	Spoiled BlankState = "spoiled" // 作废: damaged or misprinted, never used again
)

// Label names the state in Chinese.
func (s BlankState) Label() string {
	if s == Spoiled {
		return "作废"
	}
	return "已用"
}

// Blank is a used or spoiled blank, by whom and when.
type Blank struct {
	Serial        string
	Jurisdiction  string
	RangeID       int64
	Number        int64
	State         BlankState
	CertificateID int64
	CertNo        string // the certificate or proof printed on it
	Reason        string // why it was spoiled
	By            int64
	ByName        string
	At            time.Time
}

// CheckBlank is the rule a blank passes before a certificate is printed on
// it or it is spoiled: within a range the authority of jurisdiction
// received, and neither used nor spoiled. stock holds the ranges under the
// serial's prefix (any authority's); prior is the blank's record, nil when
// none. It returns the blank's range, or the reasons it may not be used.
func CheckBlank(s Serial, jurisdiction string, stock []Range, prior *Blank) (Range, []problem.Reason) {
	serial := s.String()
	var in Range
	found := false
	for _, r := range stock {
		if r.Contains(s) && r.Jurisdiction == jurisdiction {
			in, found = r, true
			break
		}
	}
	var out []problem.Reason
	if !found {
		out = append(out, problem.Reason{Rule: "paper.not_in_stock", Subject: serial, Message: "印制序列号" + serial + "不在本登记机构的证书纸库存中",
			Basis: paperBasis, Fixer: "登记中心缮证发证岗：核对证书纸上的序列号，或先在“证书纸库存”登记领入该批证书纸"})
	}
	if prior != nil {
		switch prior.State {
		case Spoiled:
			out = append(out, problem.Reason{Rule: "paper.spoiled", Subject: serial, Message: "印制序列号" + serial + "的证书纸已作废（" + prior.Reason + "）",
				Basis: paperBasis, Fixer: "登记中心缮证发证岗：改用下一张未用的证书纸"})
		default:
			msg := "印制序列号" + serial + "的证书纸已使用"
			if prior.CertNo != "" {
				msg += "（" + prior.CertNo + "）"
			}
			out = append(out, problem.Reason{Rule: "paper.used", Subject: serial, Message: msg, Basis: paperBasis,
				Fixer: "登记中心缮证发证岗：改用下一张未用的证书纸"})
		}
	}
	return in, out
}

// UsedInRace is the refusal of a blank another issue or spoilage took
// between the check and the write: the serial's unique key refused it.
func UsedInRace(serial string) error {
	return RefuseBlanks([]problem.Reason{{Rule: "paper.used", Subject: serial, Message: "印制序列号" + serial + "的证书纸已被同时办理的另一笔业务使用",
		Basis: paperBasis, Fixer: "登记中心缮证发证岗：改用下一张未用的证书纸"}})
}

// RefuseBlanks is the refusal of the blanks that failed CheckBlank, under
// the rule of the first reason (paper.not_in_stock, paper.used,
// paper.spoiled), with every reason listed.
func RefuseBlanks(reasons []problem.Reason) error {
	if len(reasons) == 0 {
		return nil
	}
	msg := reasons[0].Message
	if len(reasons) > 1 {
		msg = fmt.Sprintf("%d个印制序列号不可用", len(reasons))
	}
	return &problem.Error{Kind: problem.Refused, Code: reasons[0].Rule, Message: msg, Reasons: reasons,
		Fields: map[string]string{"paper_serial": msg}}
}

// SplitSerials reads the serials of an issue, one per certificate in the
// order of the application's certificates, separated by commas; an empty
// position is a certificate not printed on paper. All positions empty (or
// none) is nil: nothing is printed.
func SplitSerials(s string) []string {
	list := strings.Split(strings.ReplaceAll(s, "，", ","), ",")
	some := false
	for i := range list {
		list[i] = normalise(list[i])
		some = some || list[i] != ""
	}
	if !some {
		return nil
	}
	return list
}

// JoinSerials is the inverse of SplitSerials.
func JoinSerials(list []string) string {
	for _, s := range list {
		if strings.TrimSpace(s) != "" {
			return strings.Join(list, ",")
		}
	}
	return ""
}

// CheckSerials checks the serials of an issue against the certificates it
// issues: one position per certificate, each serial well formed, none twice.
// It returns the parsed serials (zero for a position left empty).
func CheckSerials(list []string, certificates int) ([]Serial, error) {
	if len(list) != certificates {
		msg := fmt.Sprintf("本申请发证%d本（每本不动产权证书、登记证明各用一张证书纸），请按顺序为每本各填一个印制序列号（不印纸质的留空），现为%d本填写", certificates, len(list))
		return nil, &problem.Error{Kind: problem.Invalid, Code: "paper.count", Message: msg, Fields: map[string]string{"paper_serial": msg}}
	}
	out := make([]Serial, len(list))
	seen := map[string]int{}
	var f problem.Fields
	for i, s := range list {
		if s == "" {
			continue
		}
		v, err := ParseSerial(s)
		if err != nil {
			f.Add("paper_serial", fmt.Sprintf("第%d本：%s", i+1, SerialFormat))
			continue
		}
		if j, ok := seen[v.String()]; ok {
			msg := fmt.Sprintf("第%d本与第%d本填了同一个印制序列号%s：一张证书纸只印一本证书", j+1, i+1, v)
			return nil, &problem.Error{Kind: problem.Invalid, Code: "paper.duplicate", Message: msg, Fields: map[string]string{"paper_serial": msg}}
		}
		seen[v.String()] = i
		out[i] = v
	}
	return out, f.Err("paper.serial_invalid", SerialFormat)
}

// RangeStock is a range with what became of its blanks.
type RangeStock struct {
	Range
	Used, Spoiled int64
}

// Remaining is the number of blanks of the range neither used nor spoiled.
func (r RangeStock) Remaining() int64 { return r.Size() - r.Used - r.Spoiled }

// Stock is an authority's paper: its ranges in the order received.
type Stock struct {
	Jurisdiction string
	Authority    string // the registration centre's name
	Ranges       []RangeStock
}

// Received, Used, Spoiled and Remaining total the ranges.
func (s Stock) Received() (n int64) {
	for _, r := range s.Ranges {
		n += r.Size()
	}
	return n
}

func (s Stock) Used() (n int64) {
	for _, r := range s.Ranges {
		n += r.Used
	}
	return n
}

func (s Stock) Spoiled() (n int64) {
	for _, r := range s.Ranges {
		n += r.Spoiled
	}
	return n
}

func (s Stock) Remaining() int64 { return s.Received() - s.Used() - s.Spoiled() }

// NextFree lists up to n serials of the stock neither used nor spoiled, in
// the order received and numbered: the blanks the printer takes next.
// taken(rangeID) lists the numbers of a range already used or spoiled, in
// ascending order; it is asked only of ranges with blanks left.
func (s Stock) NextFree(n int, taken func(rangeID int64) ([]int64, error)) ([]string, error) {
	var out []string
	for _, r := range s.Ranges {
		if len(out) >= n {
			break
		}
		if r.Remaining() <= 0 {
			continue
		}
		nums, err := taken(r.ID)
		if err != nil {
			return nil, err
		}
		i := 0
		for v := r.First; v <= r.Last && len(out) < n; v++ {
			for i < len(nums) && nums[i] < v {
				i++
			}
			if i < len(nums) && nums[i] == v {
				continue
			}
			out = append(out, r.Serial(v).String())
		}
	}
	return out, nil
}

// CheckSpoil checks what spoiling a blank (作废) needs before the stock is
// asked: a well-formed serial and a reason of at most 200 characters. It
// returns the serial and the trimmed reason, or every bad field at once.
func CheckSpoil(serial, reason string) (Serial, string, error) {
	reason = strings.TrimSpace(reason)
	var f problem.Fields
	s, err := ParseSerial(serial)
	if err != nil {
		f.Add("serial", SerialFormat)
	}
	switch n := len([]rune(reason)); {
	case n == 0:
		f.Add("reason", "请填写作废原因，如“打印卡纸”")
	case n > 200:
		f.Add("reason", "不超过200字")
	}
	return s, reason, f.Err("paper.spoil_invalid", "请填写印制序列号与作废原因")
}
