package measure

import (
	"strconv"
	"strings"

	"handover/internal/problem"
)

// ParseShare reads a share written as "1/2" (or empty for none: 0, 0).
// A share that is not a fraction with a positive denominator is refused
// with contract.share.
func ParseShare(s string) (num, den int64, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	n, d, ok := strings.Cut(s, "/")
	num, err1 := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
	den, err2 := strconv.ParseInt(strings.TrimSpace(d), 10, 64)
	if !ok || err1 != nil || err2 != nil || den <= 0 {
		return 0, 0, problem.Newf(problem.Invalid, "contract.share", "份额“%s”应写作分数，如1/2", s)
	}
	return num, den, nil
}
