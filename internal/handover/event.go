package handover

import (
	"strings"
	"time"
	"unicode/utf8"

	"handover/internal/calendar"
	"handover/internal/problem"
)

// Mode is how certificates reach the buyers at a handover.
type Mode string

const (
	OnSite    Mode = "onsite"    // 现场发证: the registration office issues at the handover
	Entrusted Mode = "entrusted" // 委托代办: buyers entrust the developer, who collects and delivers
)

// Label is the mode in Chinese.
func (m Mode) Label() string {
	if m == Entrusted {
		return "委托开发企业批量代办"
	}
	return "现场发证"
}

// NoticeDays is the least time between the written delivery notice and the
// handover (docs/domain.md §5.12).
const NoticeDays = 10

// Event is a handover (交房) of buildings of a project on one day.
type Event struct {
	ID         int64
	ProjectID  int64
	Buildings  []int64
	HeldOn     calendar.Date
	Place      string
	Mode       Mode
	NoticeOn   calendar.Date // the written delivery notice
	State      string        // planned, running, paused, done
	Total      int
	Done       int
	Blocked    int
	SameDay    int // of the units handed over (done and blocked), those with the certificate no later than the handover day
	CreatedBy  int64
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

// Validate checks an event before it is scheduled: the buildings, a place,
// a mode, and the written notice at least 10 days before the day.
func (e *Event) Validate() error {
	var f problem.Fields
	e.Place = strings.TrimSpace(e.Place)
	if len(e.Buildings) == 0 {
		f.Add("buildings", "请选择交房的幢")
	}
	if e.Place == "" || utf8.RuneCountInString(e.Place) > 100 {
		f.Add("place", "请填写交房地点（不超过100字）")
	}
	if e.Mode != OnSite && e.Mode != Entrusted {
		f.Add("mode", "请选择发证方式")
	}
	switch {
	case e.HeldOn.IsZero():
		f.Add("held_on", "请填写交房日期")
	case e.NoticeOn.IsZero():
		f.Add("notice_on", "请填写书面交付通知的日期")
	case e.NoticeOn.DaysUntil(e.HeldOn) < NoticeDays:
		f.Add("notice_on", "书面交付通知应于交房日10日前送达（《商品房买卖合同（预售）示范文本》第十二条）")
	}
	return f.Err("handover.invalid", "交房安排有误")
}

// HandedOver counts the event's units whose keys were handed over: those
// done and those blocked (keys without the certificate, docs/domain.md §5.12).
func (e Event) HandedOver() int { return e.Done + e.Blocked }

// EventStateLabel names an event's state.
func EventStateLabel(s string) string {
	switch s {
	case "running":
		return "办理中"
	case "paused":
		return "已暂停"
	case "done":
		return "已办结"
	}
	return "待办理"
}

// UnitState is a unit's outcome at a handover.
type UnitState string

const (
	Pending     UnitState = "pending"
	HandedOver  UnitState = "done"    // keys handed over and the transfer registered
	UnitBlocked UnitState = "blocked" // keys handed over, the certificate not: see the reasons
)

// Label is the state in Chinese.
func (s UnitState) Label() string {
	switch s {
	case HandedOver:
		return "已交房发证"
	case UnitBlocked:
		return "受阻（已交房未发证）"
	}
	return "待办理"
}

// UnitOutcome is a unit's result of a handover: handed over on D, the
// certificate issued on D' — the reform's measure is D' ≤ D.
type UnitOutcome struct {
	EventID       int64
	UnitID        int64
	ContractID    int64
	Room          string
	Buyers        string
	State         UnitState
	Reasons       []string
	ApplicationID int64
	HandedOverOn  calendar.Date
	Receiver      string
	CertifiedOn   calendar.Date
}

// SameDay reports whether the certificate came no later than the keys.
func (u UnitOutcome) SameDay() bool {
	return !u.CertifiedOn.IsZero() && !u.HandedOverOn.IsZero() && !u.CertifiedOn.After(u.HandedOverOn)
}
