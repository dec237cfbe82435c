package completion

import (
	"handover/internal/calendar"
	"handover/internal/problem"
)

// ClockDays is the promise of the reform: handover with the certificate
// within 20 working days of the completion filing (docs/domain.md §5.7).
const ClockDays = 20

// Due is the clock's due day in cal as it stands, in the calendar region
// of the filing's jurisdiction: the ClockDays-th working day after FiledOn
// (docs/domain.md §6: a deadline computed before a calendar change is
// recomputed after it).
func (f Filing) Due(cal *calendar.Calendar, region string) (calendar.Deadline, error) {
	return cal.AddWorkdays(f.FiledOn, ClockDays, region)
}

// ClockDue is the due day of the clock of a filing made on filedOn, in cal
// as it stands: what lists and alerts compare today with.
func ClockDue(cal *calendar.Calendar, filedOn calendar.Date, region string) (calendar.Date, error) {
	dl, err := Filing{FiledOn: filedOn}.Due(cal, region)
	return dl.Due, err
}

// WorkdaysLeft counts the working days after today up to and including
// due in region: negative when the clock is overdue (the days overdue),
// with the calendar's warnings (a region's holidays not loaded).
func WorkdaysLeft(cal *calendar.Calendar, today, due calendar.Date, region string) (int, []string, error) {
	return cal.WorkdaysBetween(today, due, region)
}

// Clock is a filing's clock on a day: its due day in the calendar as it
// stands, the working days left after that day up to the due day
// (negative when overdue), and whether it is overdue.
type Clock struct {
	FilingID     int64
	FiledOn      calendar.Date
	DueOn        calendar.Date
	WorkdaysLeft int
	Overdue      bool
}

// ClockOn is the filing's clock on today in region, with the calendar's
// warnings. Should the calendar fail now, the due day computed at the
// filing stands and the failure is a warning.
func (f Filing) ClockOn(cal *calendar.Calendar, region string, today calendar.Date) (Clock, []string) {
	due := f.DueOn
	dl, err := f.Due(cal, region)
	if err == nil {
		due = dl.Due
	}
	left, warnings, err2 := WorkdaysLeft(cal, today, due, region)
	if err == nil {
		err = err2
	}
	warnings = append(dl.Warnings, warnings...)
	if err != nil {
		warnings = append(warnings, problem.As(err).Message)
	}
	return Clock{FilingID: f.ID, FiledOn: f.FiledOn, DueOn: due, WorkdaysLeft: left, Overdue: today.After(due)}, warnings
}
