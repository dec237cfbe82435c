package code

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CertKind separates the two numbering series of a registration authority.
type CertKind int

const (
	Title CertKind = 1 // 不动产权证书: ownership
	Proof CertKind = 2 // 不动产登记证明: mortgage, pre-notice, objection …
)

func (k CertKind) word() string {
	if k == Proof {
		return "不动产证明"
	}
	return "不动产权"
}

// String is the Chinese name of the series.
func (k CertKind) String() string {
	if k == Proof {
		return "不动产登记证明"
	}
	return "不动产权证书"
}

var provinceAbbr = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"

// CertNumber is a 不动产权证书号 or 不动产证明号, e.g. 新(2026)昌吉市不动产权第0000123号.
type CertNumber struct {
	Province string // one-character abbreviation, e.g. 新
	Year     int
	Place    string // 市县全称, e.g. 昌吉市
	Kind     CertKind
	Seq      int // 1–9,999,999
}

// String formats the number strictly: half-width brackets, 7-digit sequence.
func (c CertNumber) String() string {
	return fmt.Sprintf("%s(%04d)%s%s第%07d号", c.Province, c.Year, c.Place, c.Kind.word(), c.Seq)
}

// Validate checks a number before it is issued.
func (c CertNumber) Validate() error {
	if utf8.RuneCountInString(c.Province) != 1 || !strings.Contains(provinceAbbr, c.Province) {
		return invalid("code.certno.province", "省区市简称%q无效", c.Province)
	}
	if c.Year < 2015 || c.Year > 9999 {
		return invalid("code.certno.year", "年份%d无效", c.Year)
	}
	if c.Place == "" || strings.ContainsAny(c.Place, "()（）第号 ") {
		return invalid("code.certno.place", "市县名称%q无效", c.Place)
	}
	if c.Kind != Title && c.Kind != Proof {
		return invalid("code.certno.kind", "证书种类无效")
	}
	if c.Seq < 1 || c.Seq > 9999999 {
		return invalid("code.certno.seq", "流水号应为1–9999999")
	}
	return nil
}

// ParseCertNumber reads a certificate number leniently, as old data writes
// them: full-width or half-width brackets, spaces anywhere, 6 to 8 digits.
func ParseCertNumber(s string) (CertNumber, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '（':
			return '('
		case r == '）':
			return ')'
		}
		return r
	}, s)
	bad := func() (CertNumber, error) {
		return CertNumber{}, invalid("code.certno.format", "证书号格式应为“新(2026)昌吉市不动产权第0000123号”")
	}
	prov, size := utf8.DecodeRuneInString(s)
	if prov == utf8.RuneError || !strings.ContainsRune(provinceAbbr, prov) {
		return bad()
	}
	rest := s[size:]
	if !strings.HasPrefix(rest, "(") || len(rest) < 6 || rest[5] != ')' {
		return bad()
	}
	year, err := strconv.Atoi(rest[1:5])
	if err != nil || !AllDigits(rest[1:5]) {
		return bad()
	}
	rest = rest[6:]
	var c CertNumber
	var place string
	if i := strings.Index(rest, "不动产证明第"); i > 0 {
		c.Kind, place, rest = Proof, rest[:i], rest[i+len("不动产证明第"):]
	} else if i := strings.Index(rest, "不动产权第"); i > 0 {
		c.Kind, place, rest = Title, rest[:i], rest[i+len("不动产权第"):]
	} else {
		return bad()
	}
	digits, ok := strings.CutSuffix(rest, "号")
	if !ok || len(digits) < 6 || len(digits) > 8 || !AllDigits(digits) {
		return bad()
	}
	c.Province, c.Year, c.Place = string(prov), year, place
	c.Seq, _ = strconv.Atoi(digits)
	// Old numbers may have 8 digits: check everything but the strict range.
	check := c
	check.Seq = min(c.Seq, 9999999)
	if err := check.Validate(); err != nil {
		return CertNumber{}, err
	}
	return c, nil
}

// Parts names the components, for the validation API.
func (c CertNumber) Parts() map[string]string {
	return map[string]string{
		"province": c.Province,
		"year":     strconv.Itoa(c.Year),
		"place":    c.Place,
		"kind":     c.Kind.String(),
		"seq":      strconv.Itoa(c.Seq),
		"strict":   c.String(),
	}
}
