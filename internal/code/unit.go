package code

import (
	"fmt"
	"strings"
)

// UnitNumber is a 28-character 不动产单元号 (GB/T 37346-2019):
// 6 county + 3 地籍区 + 3 地籍子区 + 2 宗地特征码 + 5 宗地顺序号 + 1 定着物特征码 + 8 定着物单元编号.
// It has no check digit: validity is structural. The zero value is not a
// valid number; obtain one from ParseUnitNumber or NewHouseUnit.
type UnitNumber struct {
	County        string // 县级行政区划代码 (GB/T 2260)
	District      string // 地籍区
	Subdistrict   string // 地籍子区
	ParcelFeature string // 宗地特征码: ownership letter + parcel type letter, e.g. "GB"
	ParcelSeq     string // 宗地顺序号, 00001–99999
	Fixture       byte   // 定着物特征码: F 房屋, L 林木, Q 其他, W 无
	FixtureUnit   string // 定着物单元编号; for F: 4-digit 自然幢号 + 4-digit 户号
}

// Ownership letters (宗地特征码, first letter).
var parcelOwnership = map[byte]string{'G': "国家所有", 'J': "集体所有", 'Z': "所有权未确定或有争议"}

// Parcel type letters (宗地特征码, second letter) with the 定着物特征码 each may
// carry. An empty set means any (the standard does not restrict it).
var parcelTypes = map[byte]struct {
	name     string
	fixtures string
}{
	'A': {"集体土地所有权宗地", "W"},
	'B': {"建设用地使用权宗地（地表）", "WFQ"},
	'S': {"建设用地使用权宗地（地上）", "WFQ"},
	'X': {"建设用地使用权宗地（地下）", "WFQ"},
	'C': {"宅基地使用权宗地", "WFQ"},
	'D': {"土地承包经营权宗地（耕地）", "W"},
	'E': {"土地承包经营权宗地（林地）", "LQW"},
	'F': {"土地承包经营权宗地（草地）", "W"},
	'L': {"林地使用权宗地", "LQW"},
	'N': {"农用地使用权宗地", "W"},
	'H': {"海域使用权宗海", "WFLQ"},
	'G': {"无居民海岛使用权", "WFLQ"},
	'W': {"使用权未确定或有争议", "FLQW"},
	'Y': {"其他使用权土地、海域、海岛", "FLQW"},
}

var fixtureNames = map[byte]string{'F': "房屋等建筑物、构筑物", 'L': "森林、林木", 'Q': "其他定着物", 'W': "无定着物"}

// ParseUnitNumber validates s as a 不动产单元号. Surrounding spaces are
// ignored and letters may be lower case; the result is canonical upper case.
func ParseUnitNumber(s string) (UnitNumber, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 28 {
		return UnitNumber{}, invalid("code.unit.length", "不动产单元号应为28位，实为%d位", len([]rune(s)))
	}
	u := UnitNumber{
		County: s[0:6], District: s[6:9], Subdistrict: s[9:12], ParcelFeature: s[12:14],
		ParcelSeq: s[14:19], Fixture: s[19], FixtureUnit: s[20:28],
	}
	if err := u.validate(); err != nil {
		return UnitNumber{}, err
	}
	return u, nil
}

func (u UnitNumber) validate() error {
	if !ValidRegionCode(u.County) {
		return invalid("code.unit.county", "第1–6位应为县级行政区划代码，%q不是有效代码", u.County)
	}
	if !AllDigits(u.District) || len(u.District) != 3 {
		return invalid("code.unit.district", "第7–9位地籍区应为3位数字")
	}
	if !AllDigits(u.Subdistrict) || len(u.Subdistrict) != 3 {
		return invalid("code.unit.subdistrict", "第10–12位地籍子区应为3位数字")
	}
	if len(u.ParcelFeature) != 2 {
		return invalid("code.unit.parcel_feature", "第13–14位宗地特征码应为2位字母")
	}
	if _, ok := parcelOwnership[u.ParcelFeature[0]]; !ok {
		return invalid("code.unit.parcel_feature", "第13位宗地特征码应为G（国家）、J（集体）或Z（未确定）")
	}
	pt, ok := parcelTypes[u.ParcelFeature[1]]
	if !ok {
		return invalid("code.unit.parcel_feature", "第14位宗地类型代码%q无效", string(u.ParcelFeature[1]))
	}
	if !AllDigits(u.ParcelSeq) || len(u.ParcelSeq) != 5 || u.ParcelSeq == "00000" {
		return invalid("code.unit.parcel_seq", "第15–19位宗地顺序号应为00001–99999")
	}
	if _, ok := fixtureNames[u.Fixture]; !ok {
		return invalid("code.unit.fixture", "第20位定着物特征码应为F、L、Q或W")
	}
	if !strings.ContainsRune(pt.fixtures, rune(u.Fixture)) {
		return invalid("code.unit.fixture", "宗地类型%s不能设定定着物特征码%s", pt.name, string(u.Fixture))
	}
	if !AllDigits(u.FixtureUnit) || len(u.FixtureUnit) != 8 {
		return invalid("code.unit.fixture_unit", "第21–28位定着物单元编号应为8位数字")
	}
	switch u.Fixture {
	case 'W':
		if u.FixtureUnit != "00000000" {
			return invalid("code.unit.fixture_unit", "无定着物（W）时第21–28位应为00000000")
		}
	case 'F':
		if u.FixtureUnit[:4] == "0000" {
			return invalid("code.unit.building", "第21–24位自然幢号不能为0000")
		}
		if u.FixtureUnit[4:] == "0000" {
			return invalid("code.unit.household", "第25–28位户号不能为0000")
		}
	}
	return nil
}

// String is the canonical 28-character form.
func (u UnitNumber) String() string {
	return u.County + u.District + u.Subdistrict + u.ParcelFeature + u.ParcelSeq + string(u.Fixture) + u.FixtureUnit
}

// Parcel is the 宗地代码: the first 19 characters.
func (u UnitNumber) Parcel() string {
	return u.County + u.District + u.Subdistrict + u.ParcelFeature + u.ParcelSeq
}

// Building is the 4-digit 自然幢号 of a house unit (F), else "".
func (u UnitNumber) Building() string {
	if u.Fixture != 'F' {
		return ""
	}
	return u.FixtureUnit[:4]
}

// Household is the 4-digit 户号 of a house unit (F), else "".
func (u UnitNumber) Household() string {
	if u.Fixture != 'F' {
		return ""
	}
	return u.FixtureUnit[4:]
}

// Parts names every component, for the validation API and pages.
func (u UnitNumber) Parts() map[string]string {
	p := map[string]string{
		"county":          u.County,
		"district":        u.District,
		"subdistrict":     u.Subdistrict,
		"parcel_feature":  u.ParcelFeature,
		"parcel_seq":      u.ParcelSeq,
		"parcel_code":     u.Parcel(),
		"fixture_feature": string(u.Fixture),
		"fixture_unit":    u.FixtureUnit,
		"ownership":       parcelOwnership[u.ParcelFeature[0]],
		"parcel_type":     parcelTypes[u.ParcelFeature[1]].name,
		"fixture":         fixtureNames[u.Fixture],
	}
	if u.Fixture == 'F' {
		p["building"] = u.Building()
		p["household"] = u.Household()
	}
	return p
}

// ParseParcelCode validates a 19-character 宗地代码.
func ParseParcelCode(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 19 {
		return "", invalid("code.parcel.length", "宗地代码应为19位，实为%d位", len([]rune(s)))
	}
	// A parcel code is valid when the parcel itself (fixture W) is a valid unit.
	if _, err := ParseUnitNumber(s + "W00000000"); err != nil {
		return "", err
	}
	return s, nil
}

// NewHouseUnit builds the 不动产单元号 of a house unit from its parcel code,
// 自然幢号 (1–9999) and 户号 (1–9999).
func NewHouseUnit(parcel string, building, household int) (UnitNumber, error) {
	p, err := ParseParcelCode(parcel)
	if err != nil {
		return UnitNumber{}, err
	}
	if building < 1 || building > 9999 {
		return UnitNumber{}, invalid("code.unit.building", "自然幢号应为1–9999，实为%d", building)
	}
	if household < 1 || household > 9999 {
		return UnitNumber{}, invalid("code.unit.household", "户号应为1–9999，实为%d", household)
	}
	if t := parcelTypes[p[13]]; !strings.ContainsRune(t.fixtures, 'F') {
		return UnitNumber{}, invalid("code.unit.fixture", "宗地类型%s不能设定房屋单元", t.name)
	}
	return ParseUnitNumber(fmt.Sprintf("%sF%04d%04d", p, building, household))
}
