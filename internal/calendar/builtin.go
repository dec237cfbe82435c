package calendar

import (
	"embed"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/6tail/lunar-go/HolidayUtil"
)

//go:embed notices/*.txt
var builtinNotices embed.FS

// lunarYears are the years for which github.com/6tail/lunar-go carries the
// State Council's complete arrangement (its table starts with the make-up
// days of late 2001 and ends with the 2027 notice).
const firstLunarYear, lastLunarYear = 2002, 2027

// Builtin returns the notices shipped with the platform: the national
// arrangements from lunar-go, then the regional notices embedded in the
// binary. Notices an administrator loads later replace these per scope and
// year.
func Builtin() ([]Notice, error) {
	var out []Notice
	for y := firstLunarYear; y <= lastLunarYear; y++ {
		out = append(out, lunarNotice(y))
	}
	files, err := fs.Glob(builtinNotices, "notices/*.txt")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		b, err := builtinNotices.ReadFile(name)
		if err != nil {
			return nil, err
		}
		n, err := ParseNotice(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// lunarNotice converts lunar-go's table for one year into a national notice.
func lunarNotice(year int) Notice {
	n := Notice{
		Scope: National, ScopeName: "全国", Year: year,
		Title:  strconv.Itoa(year) + "年国务院办公厅部分节假日安排",
		Source: "国务院办公厅通知（内置数据：github.com/6tail/lunar-go）",
	}
	l := HolidayUtil.GetHolidaysByYear(year)
	for e := l.Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		d, err := ParseDate(h.GetDay())
		if err != nil || d.Year() != year {
			continue
		}
		name := h.GetName()
		if h.IsWork() {
			name += "调休上班"
		}
		n.Rules = append(n.Rules, Rule{From: d, To: d, Off: !h.IsWork(), Name: name})
	}
	return n
}
