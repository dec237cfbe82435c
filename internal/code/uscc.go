package code

import (
	"strings"
	"unicode/utf8"
)

// USCC is a valid 18-character 统一社会信用代码 (GB 32100-2015).
type USCC struct {
	Code string
	// OrgCodeValid reports whether characters 9–17, the embedded 组织机构代码,
	// pass their own GB 11714 check. Old data has codes that fail it, so a
	// failure is a warning, not a rejection.
	OrgCodeValid bool
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar computes the check character over the first 17 characters.
func USCCCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31], true
}

var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// OrgCodeCheckChar computes the GB 11714 check character of an 8-character
// 组织机构代码 body (digits and upper-case letters A=10 … Z=35).
func OrgCodeCheckChar(body string) (byte, bool) {
	if len(body) != 8 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, false
		}
		sum += v * orgWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + r), true
	}
}

// ParseUSCC validates a 统一社会信用代码: the character set and the outer
// MOD 31 check are enforced; the inner 组织机构代码 check is reported in
// OrgCodeValid only.
func ParseUSCC(s string) (USCC, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return USCC{}, invalid("code.uscc.length", "统一社会信用代码应为18位，实为%d位", utf8.RuneCountInString(s))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccChars, s[i]) < 0 {
			return USCC{}, invalid("code.uscc.chars", "统一社会信用代码第%d位%q不是允许的字符（不含I、O、Z、S、V）", i+1, string(s[i]))
		}
	}
	if !AllDigits(s[2:8]) {
		return USCC{}, invalid("code.uscc.region", "统一社会信用代码第3–8位应为行政区划代码")
	}
	want, _ := USCCCheckChar(s[:17])
	if s[17] != want {
		return USCC{}, invalid("code.uscc.check", "统一社会信用代码校验码错误：第18位应为%c", want)
	}
	inner, ok := OrgCodeCheckChar(s[8:16])
	return USCC{Code: s, OrgCodeValid: ok && inner == s[16]}, nil
}

// Warnings lists the non-fatal findings, in Chinese.
func (u USCC) Warnings() []string {
	if u.OrgCodeValid {
		return nil
	}
	return []string{"第9–17位组织机构代码校验未通过（GB 11714），请核对；历史数据中存在此类代码，系统予以接受"}
}

// Parts names the components, for the validation API.
func (u USCC) Parts() map[string]string {
	return map[string]string{
		"department": u.Code[0:1],
		"category":   u.Code[1:2],
		"region":     u.Code[2:8],
		"org_code":   u.Code[8:17],
	}
}
