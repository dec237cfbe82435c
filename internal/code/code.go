// Package code parses, validates and formats the identifiers of the domain:
// 不动产单元号 (GB/T 37346-2019), 公民身份号码 (GB 11643-1999), 统一社会信用代码
// (GB 32100-2015), 不动产权证书号 and 不动产证明号, and the 电子证照标识
// (GB/T 36904 style). Every parser returns a *problem.Error of kind Invalid
// with a stable code and a Chinese message; none of them panics on any input
// (each has a fuzz target).
package code

import "handover/internal/problem"

func invalid(code, format string, args ...any) error {
	return problem.Newf(problem.Invalid, code, format, args...)
}

// provinces are the GB/T 2260 province-level prefixes (first two digits).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// ValidRegionCode reports whether s is six digits under a GB/T 2260 province.
func ValidRegionCode(s string) bool {
	return len(s) == 6 && AllDigits(s) && provinces[s[:2]]
}

// AllDigits reports whether s is one or more ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
