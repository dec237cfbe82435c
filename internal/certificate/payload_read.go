package certificate

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// shown is what verification shows of a payload: the holders' names (not
// yet masked) and the unit's particulars.
type shown struct {
	names                                                []string
	unitNo, location, area, rightType, authority, issued string
}

// shownOf is what verification shows of p.
func shownOf(p Payload) shown {
	s := shown{unitNo: p.UnitNo, location: p.Location, area: p.Area, rightType: p.RightType, authority: p.Authority, issued: p.IssuedOn}
	for _, h := range p.Holders {
		s.names = append(s.names, h.Name)
	}
	return s
}

// readShown reads what verification shows of a payload, as
// json.Unmarshal into a Payload would: through encoding/json's reflection
// only when the payload is not as Canonical writes it. The fast path
// takes exactly one form — Payload's keys, each at most once, every value
// a string without escapes (holders an array of holder objects of the
// same kind), no whitespace — and leaves anything else to
// encoding/json, which also decides the error of a payload that is not
// JSON.
func readShown(b []byte) (shown, error) {
	if s, ok := readCanonical(b); ok {
		return s, nil
	}
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		return shown{}, err
	}
	return shownOf(p), nil
}

// payloadKeys are Payload's JSON keys, each with its bit in the set of
// keys seen.
var payloadKeys = map[string]uint32{
	"kind": 1 << 0, "number": 1 << 1, "licence_id": 1 << 2, "holders": 1 << 3, "ownership": 1 << 4, "obligor": 1 << 5,
	"unit_no": 1 << 6, "location": 1 << 7, "right_type": 1 << 8, "right_nature": 1 << 9, "use": 1 << 10, "area": 1 << 11,
	"term": 1 << 12, "amount": 1 << 13, "matter": 1 << 14, "notes": 1 << 15, "authority": 1 << 16, "authority_uscc": 1 << 17,
	"issued_on": 1 << 18,
}

// holderKeys are Holder's JSON keys, likewise.
var holderKeys = map[string]uint32{"name": 1 << 0, "id_kind": 1 << 1, "id_number": 1 << 2, "share": 1 << 3}

// readCanonical is readShown's fast path; ok is false when b is not in
// the one form it takes.
func readCanonical(b []byte) (s shown, ok bool) {
	r := canonicalReader{b: b}
	var seen uint32
	if !r.byte('{') {
		return s, false
	}
	for first := true; !r.peek('}'); first = false {
		if !first && !r.byte(',') {
			return s, false
		}
		key, ok := r.str()
		if !ok || !r.byte(':') {
			return s, false
		}
		bit := payloadKeys[string(key)]
		if bit == 0 || seen&bit != 0 {
			return s, false
		}
		seen |= bit
		if string(key) == "holders" {
			if s.names, ok = r.holders(); !ok {
				return s, false
			}
			continue
		}
		v, ok := r.str()
		if !ok {
			return s, false
		}
		switch string(key) {
		case "unit_no":
			s.unitNo = string(v)
		case "location":
			s.location = string(v)
		case "area":
			s.area = string(v)
		case "right_type":
			s.rightType = string(v)
		case "authority":
			s.authority = string(v)
		case "issued_on":
			s.issued = string(v)
		}
	}
	return s, r.byte('}') && r.i == len(r.b)
}

// canonicalReader reads the one form readCanonical takes.
type canonicalReader struct {
	b []byte
	i int
}

func (r *canonicalReader) peek(c byte) bool { return r.i < len(r.b) && r.b[r.i] == c }

func (r *canonicalReader) byte(c byte) bool {
	if !r.peek(c) {
		return false
	}
	r.i++
	return true
}

// str reads a string that needs no unescaping — valid UTF-8 with no
// control character, quote or backslash inside — and returns its bytes
// (within the payload: copied only when kept).
func (r *canonicalReader) str() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	n := bytes.IndexByte(r.b[r.i:], '"')
	if n < 0 {
		return nil, false
	}
	v := r.b[r.i : r.i+n]
	for _, c := range v {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
	}
	if !utf8.Valid(v) {
		return nil, false
	}
	r.i += n + 1
	return v, true
}

// holders reads the holders' array (not null), keeping each name.
func (r *canonicalReader) holders() ([]string, bool) {
	if !r.byte('[') {
		return nil, false
	}
	var names []string
	for first := true; !r.peek(']'); first = false {
		if !first && !r.byte(',') {
			return nil, false
		}
		if !r.byte('{') {
			return nil, false
		}
		var seen uint32
		name := ""
		for firstKey := true; !r.peek('}'); firstKey = false {
			if !firstKey && !r.byte(',') {
				return nil, false
			}
			key, ok := r.str()
			if !ok || !r.byte(':') {
				return nil, false
			}
			bit := holderKeys[string(key)]
			if bit == 0 || seen&bit != 0 {
				return nil, false
			}
			seen |= bit
			v, ok := r.str()
			if !ok {
				return nil, false
			}
			if string(key) == "name" {
				name = string(v)
			}
		}
		r.i++ // '}'
		names = append(names, name)
	}
	r.i++ // ']'
	return names, true
}
