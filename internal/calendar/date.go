package calendar

import (
	"database/sql/driver"
	"fmt"
	"time"

	"handover/internal/problem"
)

// China is the platform's civil time zone (UTC+8, the official time of the
// whole country, Xinjiang included). A fixed zone needs no tz database.
var China = time.FixedZone("CST", 8*3600)

// Date is a civil date without a time of day. The zero value is "no date".
// It is stored as TEXT "2006-01-02" on both engines, which sorts correctly.
type Date struct{ t time.Time } // UTC midnight

// NewDate returns the date; out-of-range parts normalise as time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the date of the instant t in China's civil time.
func DateOf(t time.Time) Date {
	y, m, d := t.In(China).Date()
	return NewDate(y, m, d)
}

// ParseDate reads "2006-01-02". 0001-01-01 is refused: it is the zero
// value, which reads (and is stored) as no date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.IsZero() {
		return Date{}, problem.Newf(problem.Invalid, "date.format", "日期%q格式应为YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// MustDate is ParseDate for constants in tests and fixtures; it panics on a bad date.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Chinese formats the date as 2026年3月5日.
func (d Date) Chinese() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.t.Year(), d.t.Month(), d.t.Day())
}

func (d Date) IsZero() bool                 { return d.t.IsZero() }
func (d Date) Year() int                    { return d.t.Year() }
func (d Date) Month() time.Month            { return d.t.Month() }
func (d Date) Day() int                     { return d.t.Day() }
func (d Date) Weekday() time.Weekday        { return d.t.Weekday() }
func (d Date) AddDays(n int) Date           { return Date{d.t.AddDate(0, 0, n)} }
func (d Date) Before(o Date) bool           { return d.t.Before(o.t) }
func (d Date) After(o Date) bool            { return d.t.After(o.t) }
func (d Date) Compare(o Date) int           { return d.t.Compare(o.t) }
func (d Date) Weekend() bool                { w := d.t.Weekday(); return w == time.Saturday || w == time.Sunday }
func (d Date) DaysUntil(o Date) int         { return int(o.t.Sub(d.t).Hours() / 24) }
func (d Date) Start() time.Time             { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, China) }
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores the date as TEXT, NULL when zero.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a TEXT date (or NULL).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	case time.Time:
		*d = NewDate(v.Year(), v.Month(), v.Day())
		return nil
	}
	return fmt.Errorf("calendar.Date: cannot scan %T", src)
}
