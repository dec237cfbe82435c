package handover

import (
	"handover/internal/calendar"
	"handover/internal/problem"
)

// Input schedules a handover, as submitted by the API (JSON) or the
// project's handover page (form): dates as text.
type Input struct {
	Buildings []int64 `json:"buildings" doc:"幢ID"`
	HeldOn    string  `json:"held_on" doc:"交房日 YYYY-MM-DD"`
	Place     string  `json:"place" doc:"交房地点"`
	Mode      string  `json:"mode" enum:"onsite,entrusted" doc:"onsite 现场发证 | entrusted 委托开发企业批量代办"`
	NoticeOn  string  `json:"notice_on" doc:"书面交付通知日（不少于交房前10日）YYYY-MM-DD"`
}

// Event turns the input into an event of project, with bad dates as field
// errors (handover.invalid); the event's rules are checked when it is
// scheduled.
func (in Input) Event(project int64) (Event, error) {
	e := Event{ProjectID: project, Buildings: in.Buildings, Place: in.Place, Mode: Mode(in.Mode)}
	var f problem.Fields
	var err error
	if in.HeldOn != "" {
		if e.HeldOn, err = calendar.ParseDate(in.HeldOn); err != nil {
			f.Add("held_on", "日期格式应为YYYY-MM-DD")
		}
	}
	if in.NoticeOn != "" {
		if e.NoticeOn, err = calendar.ParseDate(in.NoticeOn); err != nil {
			f.Add("notice_on", "日期格式应为YYYY-MM-DD")
		}
	}
	return e, f.Err("handover.invalid", "交房安排有误")
}
