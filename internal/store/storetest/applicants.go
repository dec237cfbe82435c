package storetest

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"handover/internal/code"
	"handover/internal/registry"
)

// Applicants identifies counter applicants by name, as a test needs them:
// a body (a name ending in 院, 司, 局 or 中心) by a valid 统一社会信用代码, a
// person by a valid 身份证号, each the same for the same name.
func Applicants(names ...string) []registry.Applicant {
	out := make([]registry.Applicant, len(names))
	for i, n := range names {
		h := fnv.New32a()
		h.Write([]byte(n))
		sum := h.Sum32()
		if strings.HasSuffix(n, "院") || strings.HasSuffix(n, "司") || strings.HasSuffix(n, "局") || strings.HasSuffix(n, "中心") {
			body := fmt.Sprintf("%08d", sum%100000000)
			inner, _ := code.OrgCodeCheckChar(body)
			first := "91652301" + body + string(inner)
			check, _ := code.USCCCheckChar(first)
			out[i] = registry.Applicant{Name: n, IDKind: registry.USCCKind, IDNumber: first + string(check)}
			continue
		}
		birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(sum%14000))
		first := fmt.Sprintf("652301%s%03d", birth.Format("20060102"), sum%1000)
		check, _ := code.IDCheckChar(first)
		out[i] = registry.Applicant{Name: n, IDKind: registry.IDCardKind, IDNumber: first + string(check)}
	}
	return out
}
