package completion

import "handover/internal/calendar"

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
