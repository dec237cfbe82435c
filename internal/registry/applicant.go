package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"handover/internal/code"
	"handover/internal/problem"
)

// The kinds of identity document a party shows: a person's 居民身份证, a
// body's 统一社会信用代码.
const (
	IDCardKind = "身份证"
	USCCKind   = "统一社会信用代码"
)

// Applicant is a person or body applying for registration, identified by
// its document (《不动产登记暂行条例》第十六条: an application carries the
// applicant's proof of identity). An application taken before
// applicants were identified on the platform has a name only.
type Applicant struct {
	Name     string `json:"name" doc:"姓名或名称"`
	IDKind   string `json:"id_kind,omitempty" doc:"身份证（默认，18位）| 统一社会信用代码"`
	IDNumber string `json:"id_number,omitempty" doc:"证件号码（窗口受理时必填，校验校验码）"`
}

// UnmarshalJSON reads an applicant as an object or, as older applications
// and API callers wrote it, as a bare name.
func (a *Applicant) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*a = Applicant{Name: name}
		return nil
	}
	type plain Applicant
	return json.Unmarshal(b, (*plain)(a))
}

// Named is applicants known by name alone (a court, a test's party).
func Named(names ...string) []Applicant {
	out := make([]Applicant, len(names))
	for i, n := range names {
		out[i] = Applicant{Name: n}
	}
	return out
}

// ApplicantNames is the applicants' names, as a page or a record joins them.
func ApplicantNames(as []Applicant) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

// OtherIDKinds are the identity documents other than a 身份证 and a
// 统一社会信用代码 that registration accepts from a person: their numbers are checked for form
// only, as they carry no check digit the platform can verify. (Residents
// of Hong Kong, Macao and Taiwan and foreigners buy and register flats on
// these.)
var OtherIDKinds = []string{"护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "港澳台居民居住证", "外国人永久居留身份证"}

// CheckID checks an identity document's number and returns it in its
// canonical form (upper-case letters) with its kind: a 身份证号 by its birth
// date, region and check digit (GB 11643), a 统一社会信用代码 by its check
// character (GB 32100), another document (OtherIDKinds) by its form. With
// no kind, an 18-character number is whichever of a 身份证号 and a 统一社会
// 信用代码 it is valid as (a code may be all digits but its last); the
// message says in Chinese what is wrong.
func CheckID(kind, number string) (canonical, kindOut, message string) {
	number = strings.ToUpper(strings.TrimSpace(number))
	if kind == "" {
		if _, _, msg := CheckID(IDCardKind, number); msg == "" || len(number) != 18 {
			return CheckID(IDCardKind, number)
		}
		if n, k, msg := CheckID(USCCKind, number); msg == "" {
			return n, k, ""
		}
		if !code.AllDigits(number[:17]) {
			return CheckID(USCCKind, number)
		}
		return CheckID(IDCardKind, number)
	}
	switch kind {
	case IDCardKind:
		c, err := code.ParseIDCard(number)
		if err != nil {
			return number, kind, problem.As(err).Message
		}
		return c.Number, kind, ""
	case USCCKind:
		u, err := code.ParseUSCC(number)
		if err != nil {
			return number, kind, problem.As(err).Message
		}
		return u.Code, kind, ""
	}
	if slices.Contains(OtherIDKinds, kind) {
		if len(number) < 5 || len(number) > 20 || strings.IndexFunc(number, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') }) >= 0 {
			return number, kind, kind + "号码应为5至20位字母或数字"
		}
		return number, kind, ""
	}
	return number, kind, fmt.Sprintf("证件类型“%s”不受理，应为身份证、统一社会信用代码或%s", kind, strings.Join(OtherIDKinds, "、"))
}

// IsIDKind tells whether s names an identity document registration accepts.
func IsIDKind(s string) bool {
	return s == IDCardKind || s == USCCKind || slices.Contains(OtherIDKinds, s)
}

// checkApplicants trims the applicants and checks each one's document,
// adding every problem to f under "applicants" (one message naming each
// applicant at fault, so that a clerk fixes them all at once). A counter
// application needs every applicant's document; a batch takes the buyers
// already identified on their filed contract.
func checkApplicants(in []Applicant, needID bool, f *problem.Fields) []Applicant {
	var out []Applicant
	var wrong []string
	for _, a := range in {
		a.Name = strings.TrimSpace(a.Name)
		if a.Name == "" && strings.TrimSpace(a.IDNumber) == "" {
			continue
		}
		at := fmt.Sprintf("第%d位申请人", len(out)+1)
		if a.Name != "" {
			at += "“" + a.Name + "”"
		}
		switch {
		case a.Name == "":
			wrong = append(wrong, at+"缺少姓名或名称")
		case strings.TrimSpace(a.IDNumber) == "" && needID:
			wrong = append(wrong, at+"缺少证件号码（身份证号或统一社会信用代码）")
		case strings.TrimSpace(a.IDNumber) != "":
			var msg string
			if a.IDNumber, a.IDKind, msg = CheckID(a.IDKind, a.IDNumber); msg != "" {
				wrong = append(wrong, at+"："+msg)
			}
		}
		out = append(out, a)
	}
	switch {
	case len(out) == 0:
		f.Add("applicants", "请填写申请人")
	case len(wrong) > 0:
		f.Add("applicants", strings.Join(wrong, "；"))
	}
	return out
}
