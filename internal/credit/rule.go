package credit

import (
	"fmt"
	"time"

	"handover/internal/calendar"
)

// The rule's part of the restriction list, and the records the platform
// writes by itself. The store reads the facts, asks these functions and
// writes what they return, so every path (a staff finding, an appeal's
// decision, the worker's evaluation) lists and lifts alike.

// Standing is a developer's newest restriction-list entry: whether it is
// listed, on what basis, and when it was decided (zero: never listed).
type Standing struct {
	Listed bool
	Basis  string
	At     time.Time
}

// ByPerson reports whether there is an entry and a person decided it (a
// staff decision, with or without a document as its basis, or an
// appeal's), not the scoring rule.
func (s Standing) ByPerson() bool { return !s.At.IsZero() && s.Basis != AutomaticBasis }

// RuleListing is what the scoring rule decides about a developer's listing
// given its assessment now and its standing: a developer at D that is not
// listed is listed; a listing the rule made is lifted once the score is
// above D again; a listing decided by staff is left to staff. A person's
// decision stands against the rule that did not make it: a developer a
// person took off the list at D is not listed again by the rule until a
// record counted in its score is made after that decision (something the
// person did not weigh). ok is false when the rule changes nothing.
func RuleListing(developer int64, a Assessment, s Standing) (l Listing, ok bool) {
	switch {
	case a.Level == LevelD && !s.Listed && (!s.ByPerson() || a.CountedSince(s.At)):
		return Listing{Developer: developer, Listed: true, Basis: AutomaticBasis,
			Reason: fmt.Sprintf("信用评分%d分，%s", a.Score, a.Level.Label())}, true
	case a.Level != LevelD && s.Listed && s.Basis == AutomaticBasis:
		return Listing{Developer: developer, Listed: false, Basis: AutomaticBasis,
			Reason: fmt.Sprintf("信用评分回升至%d分（%s）", a.Score, a.Level.Label())}, true
	}
	return Listing{}, false
}

// LateProject is a project whose planned delivery day has passed, with the
// sold (filed) units not yet handed over.
type LateProject struct {
	ProjectID    int64
	Name         string
	Developer    int64
	Jurisdiction string
	Planned      calendar.Date
	Waiting      int // filed contracts whose unit is not handed over
}

// LateDeliveryEvent is the record of a late delivery (逾期交付): one per
// project, when sold units still wait after the planned day.
func LateDeliveryEvent(f LateProject) (Event, bool) {
	if f.Waiting <= 0 {
		return Event{}, false
	}
	return Event{Developer: f.Developer, Jurisdiction: f.Jurisdiction, Kind: LateDelivery,
		Subject:     fmt.Sprintf("project:%d:late_delivery", f.ProjectID),
		Description: fmt.Sprintf("%s计划于%s交付，逾期后仍有%d户已售房屋未交付", f.Name, f.Planned, f.Waiting)}, true
}

// LateClock is a completion filing's 20-working-day clock (竣工验收备案后20个
// 工作日办证) with the units still uncertified.
type LateClock struct {
	FilingID     int64
	Name         string // the project's
	Developer    int64
	Jurisdiction string
	Due          calendar.Date
	DaysLeft     int // working days left; negative: run out
	Uncertified  int
}

// LateCertificateEvent is the record of a late certificate (逾期办证): one per
// filing, when its clock has run out with sold units uncertified.
func LateCertificateEvent(f LateClock) (Event, bool) {
	if f.DaysLeft >= 0 || f.Uncertified <= 0 {
		return Event{}, false
	}
	return Event{Developer: f.Developer, Jurisdiction: f.Jurisdiction, Kind: LateCertificate,
		Subject:     fmt.Sprintf("filing:%d:late_certificate", f.FilingID),
		Description: fmt.Sprintf("%s竣工验收备案后20个工作日（%s届满）仍有%d户未取得不动产权证书", f.Name, f.Due, f.Uncertified)}, true
}

// Cancellation is an executed cancellation of a filed contract (注销备案).
type Cancellation struct {
	ID           int64
	Contract     string // the contract's number
	Developer    int64
	Jurisdiction string
	Reason       string
}

// CancellationEvent is the record of a cancelled filed contract: one per
// cancellation.
func CancellationEvent(c Cancellation) Event {
	return Event{Developer: c.Developer, Jurisdiction: c.Jurisdiction, Kind: ContractCancelled, Subject: fmt.Sprintf("cancellation:%d", c.ID),
		Description: fmt.Sprintf("网签合同%s注销备案（%s）", c.Contract, c.Reason)}
}
