package handover

import (
	"strconv"
	"strings"

	"handover/internal/guide"
	"handover/internal/problem"
)

// SettingRehearsalDays is how many working days before a handover its
// batch is rehearsed every night (交房预演), and its blocked flats warned
// of to whoever must act.
const (
	SettingRehearsalDays = "handover.rehearsal_days"
	DefaultRehearsalDays = 10
)

// ParseRehearsalDays reads the rehearsal setting ("" for the default).
func ParseRehearsalDays(s string) (int, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultRehearsalDays, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 30 {
		return 0, problem.Newf(problem.Invalid, SettingRehearsalDays, "预演起始应为交房日前1–30个工作日，实为“%s”", s)
	}
	return n, nil
}

// Settings are the values of this package's rules that a jurisdiction
// sets (docs/domain.md §5.12): from when before a handover its batch is
// rehearsed.
func Settings() []guide.Setting {
	return []guide.Setting{{Key: SettingRehearsalDays, Group: "交房", Label: "交房预演自交房日前多少个工作日开始（每晚一次）", Unit: "工作日",
		Default: strconv.Itoa(DefaultRehearsalDays), Hint: "1–30",
		Basis: "《昌吉州“交房即交证”改革实施方案》：问题早发现、早处理；受阻户须在交房日前由责任单位处理",
		Check: func(v string) error { _, err := ParseRehearsalDays(v); return err }}}
}
