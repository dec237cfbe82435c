// Package measure holds the exact quantities of the domain: areas in square
// metres and money in yuan, both with exactly two decimals (平方米 to the
// hundredth, 元 to the fen), as decimal.Decimal — never float64. The store
// keeps them as integer hundredths, which both engines sum exactly.
package measure

import (
	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/problem"
)

// Hundred is the factor between a quantity and its stored integer.
var hundred = decimal.NewFromInt(100)

// FromCents turns a stored integer (hundredths) into a quantity.
func FromCents(n int64) decimal.Decimal { return decimal.New(n, -2) }

// Cents turns a quantity with at most two decimals into hundredths. It
// rounds half away from zero if more decimals slipped through; callers
// validate with Parse first.
func Cents(d decimal.Decimal) int64 { return d.Mul(hundred).Round(0).IntPart() }

// Parse reads a non-negative quantity with at most two decimals, e.g. an
// area "89.56" or an amount "1,235,000.00" (thousands separators and a
// leading ¥ are accepted). what names the quantity in the error.
func Parse(s, what string) (decimal.Decimal, error) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", " ", "").Replace(s))
	if s == "" {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.missing", "请填写%s", what)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.format", "%s“%s”不是有效的数字", what, s)
	}
	if d.IsNegative() {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.negative", "%s不能为负数", what)
	}
	if !d.Equal(d.Round(2)) {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.precision", "%s最多保留两位小数", what)
	}
	if d.GreaterThan(decimal.New(1, 13)) {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.range", "%s超出范围", what)
	}
	return d, nil
}

// ParseRatio reads a non-negative ratio with at most six decimals, such as
// a 分摊系数 (0.187654).
func ParseRatio(s, what string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.format", "%s“%s”不是有效的数字", what, s)
	}
	if d.IsNegative() || d.GreaterThan(decimal.NewFromInt(10)) {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.range", "%s应在0–10之间", what)
	}
	if !d.Equal(d.Round(6)) {
		return decimal.Zero, problem.Newf(problem.Invalid, "measure.precision", "%s最多保留六位小数", what)
	}
	return d, nil
}

// Area formats an area: 89.56 (always two decimals).
func Area(d decimal.Decimal) string { return d.StringFixed(2) }

// Money formats an amount with thousands separators: 1,235,000.00.
func Money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

var digitsUpper = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}

// MoneyUpper writes an amount in Chinese capital numerals for contracts and
// receipts (人民币大写): 1,235,000.50 → 壹佰贰拾叁万伍仟元伍角整 style.
func MoneyUpper(d decimal.Decimal) string {
	if d.IsNegative() {
		return "负" + MoneyUpper(d.Neg())
	}
	fen := Cents(d)
	yuan, jiao, f := fen/100, (fen/10)%10, fen%10
	var b strings.Builder
	if yuan > 0 {
		b.WriteString(integerUpper(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && f == 0:
		if yuan == 0 {
			return "零元整"
		}
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(digitsUpper[f] + "分")
	default:
		b.WriteString(digitsUpper[jiao] + "角")
		if f > 0 {
			b.WriteString(digitsUpper[f] + "分")
		} else {
			b.WriteString("整")
		}
	}
	return b.String()
}

// integerUpper writes a positive integer below 10^16 in capital numerals.
func integerUpper(n int64) string {
	units := []string{"", "拾", "佰", "仟"}
	groups := []string{"", "万", "亿", "万亿"}
	var parts []string
	for g := 0; n > 0; g++ {
		chunk := n % 10000
		n /= 10000
		if chunk == 0 {
			parts = append([]string{"零"}, parts...)
			continue
		}
		var s strings.Builder
		zero := false
		for i := 3; i >= 0; i-- {
			p := int64(1)
			for k := 0; k < i; k++ {
				p *= 10
			}
			dgt := (chunk / p) % 10
			if dgt == 0 {
				zero = s.Len() > 0
				continue
			}
			if zero {
				s.WriteString("零")
				zero = false
			}
			s.WriteString(digitsUpper[dgt] + units[i])
		}
		str := s.String()
		if chunk < 1000 && n > 0 {
			str = "零" + str
		}
		parts = append([]string{str + groups[g]}, parts...)
	}
	out := strings.Join(parts, "")
	for strings.Contains(out, "零零") {
		out = strings.ReplaceAll(out, "零零", "零")
	}
	out = strings.TrimSuffix(out, "零")
	return out
}
