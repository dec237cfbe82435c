package registry

import (
	"fmt"
	"strings"

	"handover/internal/measure"
	"handover/internal/problem"
)

// HolderInput is a rights holder as entered (API JSON or a page's lines).
type HolderInput struct {
	Name     string `json:"name"`
	IDKind   string `json:"id_kind,omitempty" doc:"身份证（默认）| 统一社会信用代码"`
	IDNumber string `json:"id_number"`
	Share    string `json:"share,omitempty" doc:"按份共有份额，如 1/2"` // "1/2"; empty for 共同共有 or a sole holder
}

// ParseHolders turns entered holders into register holders, with every
// bad identity document (CheckID: 身份证 or 统一社会信用代码, read from the
// number when no kind is given) and every bad share named by its position
// (application.holders).
func ParseHolders(in []HolderInput) ([]Holder, error) {
	var out []Holder
	var f problem.Fields
	for i, h := range in {
		rh := Holder{Name: strings.TrimSpace(h.Name)}
		var msg string
		if rh.IDNumber, rh.IDKind, msg = CheckID(h.IDKind, h.IDNumber); msg != "" {
			f.Add(fmt.Sprintf("holders[%d].id_number", i), fmt.Sprintf("第%d位权利人“%s”：%s", i+1, rh.Name, msg))
		}
		n, d, err := measure.ParseShare(h.Share)
		if err != nil || (d != 0 && (n <= 0 || n > d)) {
			f.Add(fmt.Sprintf("holders[%d].share", i), "份额应写作如 1/2")
		}
		rh.ShareNum, rh.ShareDen = n, d
		out = append(out, rh)
	}
	return out, f.Err("application.holders", "权利人有误")
}
