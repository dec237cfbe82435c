package code

import (
	"strings"
	"time"
	"unicode/utf8"
)

// IDCard is a valid 18-character 公民身份号码 (GB 11643-1999).
type IDCard struct {
	Number string    // canonical: upper-case X
	Region string    // 6-digit 行政区划 of the first registration
	Birth  time.Time // date of birth, UTC midnight
	Male   bool      // odd sequence code
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

// IDCheckChar computes the check character of the first 17 digits.
func IDCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 || !AllDigits(first17) {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idChecks[sum%11], true
}

// ParseIDCard validates an 18-character 身份证号: digits, a real birth date
// (not before 1800), a province that exists, and the check character. A
// lower-case x is accepted and stored upper-case.
func ParseIDCard(s string) (IDCard, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return IDCard{}, invalid("code.idcard.length", "身份证号应为18位，实为%d位", utf8.RuneCountInString(s))
	}
	if !AllDigits(s[:17]) || !(s[17] == 'X' || (s[17] >= '0' && s[17] <= '9')) {
		return IDCard{}, invalid("code.idcard.chars", "身份证号前17位应为数字，第18位为数字或X")
	}
	if !provinces[s[:2]] {
		return IDCard{}, invalid("code.idcard.region", "身份证号前6位%q不是有效的行政区划代码", s[:6])
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1800 {
		return IDCard{}, invalid("code.idcard.birth", "身份证号第7–14位%q不是有效的出生日期", s[6:14])
	}
	want, _ := IDCheckChar(s[:17])
	if s[17] != want {
		return IDCard{}, invalid("code.idcard.check", "身份证号校验码错误：第18位应为%c", want)
	}
	return IDCard{Number: s, Region: s[:6], Birth: birth, Male: (s[16]-'0')%2 == 1}, nil
}

// Parts names the components, for the validation API.
func (c IDCard) Parts() map[string]string {
	sex := "女"
	if c.Male {
		sex = "男"
	}
	return map[string]string{"region": c.Region, "birth": c.Birth.Format("2006-01-02"), "sex": sex}
}

// MaskIDCard hides the middle of an ID number: the first four and last four
// characters stay, e.g. 6523**********1231. Anything shorter than 9
// characters is hidden entirely.
func MaskIDCard(s string) string {
	r := []rune(s)
	if len(r) < 9 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// organisationSuffixes end the names of courts, authorities, banks and
// companies: parties whose names are public and are not masked.
var organisationSuffixes = []string{"法院", "检察院", "公安局", "局", "委员会", "中心", "银行", "支行", "分行", "公司", "合作社", "事务所"}

// MaskName hides a person's name for public pages: 张三 → 张*, 张三明 → 张*明,
// 欧阳小明 → 欧**明. Characters outside the BMP (e.g. 𠮷) count as one. The
// name of an organisation (a court, a bank, a company: five characters or
// more ending in one of organisationSuffixes) is not personal data and is
// shown whole.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) >= 5 {
		for _, suffix := range organisationSuffixes {
			if strings.HasSuffix(string(r), suffix) {
				return string(r)
			}
		}
	}
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// RedactIDNumbers masks every run that looks like a 身份证号 (17 digits and a
// digit or X, or 15 digits) inside free text, for logs and exports.
func RedactIDNumbers(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' || (i > 0 && isDigit(b[i-1])) {
			i++
			continue
		}
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		n := j - i
		if n == 17 && j < len(b) && (b[j] == 'X' || b[j] == 'x') {
			j++
			n++
		}
		if n == 15 || n == 18 {
			for k := i + 4; k < j-4; k++ {
				b[k] = '*'
			}
		}
		i = j
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
