package code

import (
	"sort"
	"strings"

	"handover/internal/problem"
)

// Kinds accepted by Check, as the validation API names them.
var Kinds = []string{"unit", "parcel", "idcard", "uscc", "certno", "licence-id"}

// Result is the outcome of checking one code, as the validation API returns it.
type Result struct {
	Valid     bool              `json:"valid"`
	Canonical string            `json:"canonical,omitempty"`
	ErrorCode string            `json:"error_code,omitempty"`
	Error     string            `json:"error,omitempty"`
	Warnings  []string          `json:"warnings,omitempty"`
	Parts     map[string]string `json:"parts,omitempty"`
}

// Check validates value as a code of the given kind. knownCounties, when not
// nil, restricts the county of a unit or parcel code to the jurisdictions the
// platform serves. An unknown kind is an Invalid error.
func Check(kind, value string, knownCounties map[string]bool) (Result, error) {
	var (
		canonical string
		parts     map[string]string
		warnings  []string
		err       error
	)
	switch kind {
	case "unit":
		var u UnitNumber
		if u, err = ParseUnitNumber(value); err == nil {
			canonical, parts = u.String(), u.Parts()
			err = checkCounty(u.County, knownCounties)
		}
	case "parcel":
		var p string
		if p, err = ParseParcelCode(value); err == nil {
			u, _ := ParseUnitNumber(p + "W00000000")
			canonical, parts = p, u.Parts()
			err = checkCounty(u.County, knownCounties)
		}
	case "idcard":
		var c IDCard
		if c, err = ParseIDCard(value); err == nil {
			canonical, parts = MaskIDCard(c.Number), c.Parts()
		}
	case "uscc":
		var u USCC
		if u, err = ParseUSCC(value); err == nil {
			canonical, parts, warnings = u.Code, u.Parts(), u.Warnings()
		}
	case "certno":
		var c CertNumber
		if c, err = ParseCertNumber(value); err == nil {
			canonical, parts = c.String(), c.Parts()
		}
	case "licence-id":
		var l LicenceID
		if l, err = ParseLicenceID(value); err == nil {
			canonical, parts = l.String(), l.Parts()
		}
	default:
		return Result{}, problem.Newf(problem.Invalid, "code.type", "type应为%s之一", strings.Join(Kinds, "、"))
	}
	if err != nil {
		e := problem.As(err)
		return Result{Valid: false, ErrorCode: e.Code, Error: e.Message}, nil
	}
	return Result{Valid: true, Canonical: canonical, Parts: parts, Warnings: warnings}, nil
}

func checkCounty(county string, known map[string]bool) error {
	if known == nil || known[county] {
		return nil
	}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	return invalid("code.unit.county_unknown", "县级代码%s不属于本平台辖区（%s）", county, strings.Join(names, "、"))
}
