package code

import (
	"fmt"
	"strings"
)

// 证照类型代码 of the real-estate registration licences: the defining
// authority's USCC followed by a three-digit type number.
const (
	LicenceTypeTitle = "11100000MB03271699001" // 不动产权证书
	LicenceTypeProof = "11100000MB03271699022" // 不动产登记证明
)

const licencePrefix = "1.2.156.3005.2."

// LicenceID is an 电子证照标识:
// 1.2.156.3005.2.{类型代码}.{颁发机构统一社会信用代码}.{流水号}.{版本号}.{校验位}.
type LicenceID struct {
	Type    string // 证照类型代码, 21 characters
	Issuer  string // 颁发机构统一社会信用代码
	Serial  string // 流水号, digits
	Version string // 版本号, three digits
}

const iso7064Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// ISO7064Mod3736 computes the ISO 7064 MOD 37,36 hybrid check character of s
// (digits and upper-case letters). ok is false for any other character.
func ISO7064Mod3736(s string) (check byte, ok bool) {
	p := 36
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(iso7064Chars, s[i])
		if v < 0 {
			return 0, false
		}
		p = (p + v) % 36
		if p == 0 {
			p = 36
		}
		p = (2 * p) % 37
	}
	return iso7064Chars[(37-p)%36], true
}

// Check is the identifier's check character.
func (l LicenceID) Check() byte {
	c, _ := ISO7064Mod3736(l.Type + l.Issuer + l.Serial + l.Version)
	return c
}

// String is the full identifier with its check character.
func (l LicenceID) String() string {
	return fmt.Sprintf("%s%s.%s.%s.%s.%c", licencePrefix, l.Type, l.Issuer, l.Serial, l.Version, l.Check())
}

// NewLicenceID builds an identifier; serial is a positive number written
// with at least 7 digits.
func NewLicenceID(typeCode, issuer string, serial int64) (LicenceID, error) {
	l := LicenceID{Type: typeCode, Issuer: issuer, Serial: fmt.Sprintf("%07d", serial), Version: "001"}
	if serial < 1 {
		return LicenceID{}, invalid("code.licence.serial", "证照流水号应为正整数")
	}
	if err := l.validate(); err != nil {
		return LicenceID{}, err
	}
	return l, nil
}

func (l LicenceID) validate() error {
	if len(l.Type) != 21 || !AllDigits(l.Type[18:]) {
		return invalid("code.licence.type", "证照类型代码应为18位机构代码加3位类型号")
	}
	if _, err := ParseUSCC(l.Type[:18]); err != nil {
		return invalid("code.licence.type", "证照类型代码的前18位不是有效的统一社会信用代码")
	}
	if _, err := ParseUSCC(l.Issuer); err != nil {
		return invalid("code.licence.issuer", "颁发机构代码不是有效的统一社会信用代码")
	}
	if len(l.Serial) < 1 || len(l.Serial) > 20 || !AllDigits(l.Serial) {
		return invalid("code.licence.serial", "证照流水号应为1–20位数字")
	}
	if len(l.Version) != 3 || !AllDigits(l.Version) {
		return invalid("code.licence.version", "版本号应为3位数字")
	}
	return nil
}

// ParseLicenceID validates an 电子证照标识, including its check character.
func ParseLicenceID(s string) (LicenceID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	rest, ok := strings.CutPrefix(s, licencePrefix)
	if !ok {
		return LicenceID{}, invalid("code.licence.prefix", "电子证照标识应以%s开头", licencePrefix)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return LicenceID{}, invalid("code.licence.format", "电子证照标识应为“前缀.类型代码.机构代码.流水号.版本号.校验位”")
	}
	l := LicenceID{Type: parts[0], Issuer: parts[1], Serial: parts[2], Version: parts[3]}
	if err := l.validate(); err != nil {
		return LicenceID{}, err
	}
	if len(parts[4]) != 1 || parts[4][0] != l.Check() {
		return LicenceID{}, invalid("code.licence.check", "电子证照标识校验位错误：应为%c", l.Check())
	}
	return l, nil
}

// Parts names the components, for the validation API.
func (l LicenceID) Parts() map[string]string {
	kind := "其他"
	switch l.Type {
	case LicenceTypeTitle:
		kind = "不动产权证书"
	case LicenceTypeProof:
		kind = "不动产登记证明"
	}
	return map[string]string{
		"type": l.Type, "kind": kind, "issuer": l.Issuer, "serial": l.Serial,
		"version": l.Version, "check": string(l.Check()),
	}
}
