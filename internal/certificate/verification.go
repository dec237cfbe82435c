package certificate

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// VerificationJSON is the public verification result, as the API answers
// it and the verification page shows it: the holders' names masked, never
// an ID number. A limited answer (an identifier without its second
// factor: Verification.Limit) has only the identifier that was asked
// about, the kind, signature, state, authority and date: no holders, flat,
// mortgage or seal, nor the cancellation's reason.
type VerificationJSON struct {
	LicenceID      string    `json:"licence_id,omitempty" doc:"电子证照标识（按证书号的限定答复不含）"`
	Kind           string    `json:"kind"`
	Number         string    `json:"number,omitempty" doc:"证书号（按电子证照标识的限定答复不含：证书号是第二要素）"`
	SignatureValid bool      `json:"signature_valid" doc:"SM2签名有效"`
	State          string    `json:"state" enum:"现势,注销"`
	CancelReason   string    `json:"cancel_reason,omitempty"`
	Mortgaged      *bool     `json:"mortgaged,omitempty" doc:"现已抵押（限定答复不含）"`
	Sealed         *bool     `json:"sealed,omitempty" doc:"现已查封（限定答复不含）"`
	Status         []string  `json:"status" doc:"现势 / 注销，完整答复另有 已抵押 / 已查封"`
	Holders        []string  `json:"holders,omitempty" doc:"权利人姓名（脱敏；限定答复不含）"`
	UnitNo         string    `json:"unit_no,omitempty"`
	Location       string    `json:"location,omitempty" doc:"坐落"`
	Area           string    `json:"area,omitempty"`
	RightType      string    `json:"right_type,omitempty"`
	Authority      string    `json:"authority" doc:"登记机构"`
	IssuedOn       string    `json:"issued_on,omitempty" doc:"登簿日期"`
	CheckedAt      time.Time `json:"checked_at" doc:"核验时间"`
	Limited        bool      `json:"limited" doc:"限定答复：只给出电子证照标识或证书号而无相符的第二要素（二维码中的token、证书号或权利人全名）时，只答证照是否存在、种类、签名是否有效、现势或注销、登记机构与登簿日期，以及其登记簿记载在登记簿日志中的叶序号（不含个人信息）"`
	LogIndex       *uint64   `json:"log_index,omitempty" doc:"该证登记簿记载在登记簿日志中的叶序号（已记入已签检查点时；可凭 /api/v1/log/proofs/inclusion 取包含证明）"`
}

// AppendJSON appends v's JSON encoding to b: byte for byte what
// encoding/json writes for v with HTML escaping off (as the API encodes),
// without reflection, for the public verification that answers every
// request afresh. The error is the time's (a year outside 0–9999).
func (v VerificationJSON) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	b = appendStringField(b, "licence_id", v.LicenceID, true)
	b = appendStringField(b, "kind", v.Kind, false)
	b = appendStringField(b, "number", v.Number, true)
	b = append(b, `,"signature_valid":`...)
	b = strconv.AppendBool(b, v.SignatureValid)
	b = appendStringField(b, "state", v.State, false)
	b = appendStringField(b, "cancel_reason", v.CancelReason, true)
	b = appendBoolField(b, "mortgaged", v.Mortgaged)
	b = appendBoolField(b, "sealed", v.Sealed)
	b = append(b, `,"status":`...)
	b = appendJSONStrings(b, v.Status)
	if len(v.Holders) > 0 {
		b = append(b, `,"holders":`...)
		b = appendJSONStrings(b, v.Holders)
	}
	b = appendStringField(b, "unit_no", v.UnitNo, true)
	b = appendStringField(b, "location", v.Location, true)
	b = appendStringField(b, "area", v.Area, true)
	b = appendStringField(b, "right_type", v.RightType, true)
	b = appendStringField(b, "authority", v.Authority, false)
	b = appendStringField(b, "issued_on", v.IssuedOn, true)
	b = append(b, `,"checked_at":`...)
	at, err := v.CheckedAt.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, at...)
	b = append(b, `,"limited":`...)
	b = strconv.AppendBool(b, v.Limited)
	if v.LogIndex != nil {
		b = append(b, `,"log_index":`...)
		b = strconv.AppendUint(b, *v.LogIndex, 10)
	}
	return append(b, '}'), nil
}

// appendStringField appends `,"key":"value"` — without the comma when it
// would be the object's first member — or nothing for an empty value
// when the field is omitempty.
func appendStringField(b []byte, key, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	return appendJSONString(b, value)
}

// appendBoolField appends `,"key":true` or false, or nothing for nil (an
// omitempty pointer). It follows another member.
func appendBoolField(b []byte, key string, value *bool) []byte {
	if value == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":`...)
	return strconv.AppendBool(b, *value)
}

// appendJSONStrings appends a list of strings as encoding/json does: null
// for a nil slice.
func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as encoding/json quotes a string with
// HTML escaping off: '"' and '\\' escaped, control characters as \b, \f,
// \n, \r, \t or \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each
// byte of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
