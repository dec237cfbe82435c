package access

import (
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/registry"
)

// The targets of the platform's records, and the actions that depend on
// the record: pages and the API ask these, so both decide alike.

// ProjectTarget is the access target of a project's records: its
// jurisdiction and its developer.
func ProjectTarget(p ledger.Project) Target {
	return Target{Jurisdiction: p.Jurisdiction, Developer: p.Developer}
}

// CreditTarget is the access target of a developer's credit record.
func CreditTarget(developer int64) Target { return Target{Developer: developer} }

// SurveyTarget is the access target of a project's survey records: the
// project, and the surveyor it engaged.
func SurveyTarget(p ledger.Project) Target {
	return Target{Jurisdiction: p.Jurisdiction, Developer: p.Developer, Org: p.Surveyor}
}

// RegisterTarget is the access target of a unit's register book (book may
// be nil before it is read): staff by jurisdiction, the project's
// developer, the current holders and the banks holding entries on it.
func RegisterTarget(p ledger.Project, book []registry.Entry) Target {
	t := Target{Jurisdiction: p.Jurisdiction, Developer: p.Developer}
	st := registry.Statuses(book)
	for _, e := range book {
		if st[e.ID] != registry.Current {
			continue
		}
		for _, h := range e.Holders {
			if h.IDKind == "身份证" {
				t.Buyers = append(t.Buyers, h.IDNumber)
			}
		}
	}
	return t
}

// BookTarget is the access target of the register book itself: as
// RegisterTarget, except that once a buyer's ownership is registered the
// developer is no longer among its readers. It held the flat and was the
// obligor of the transfer; afterwards the book records the buyers' rights,
// which only the holders, interested parties and the staff may see
// (不动产登记资料查询暂行办法, docs/domain.md §5.17). The developer keeps
// what it needs for its own work (the certificates it hands over, the
// handover's outcome) through their own targets.
func BookTarget(p ledger.Project, book []registry.Entry) Target {
	t := RegisterTarget(p, book)
	if registry.Standing(book, calendar.Date{}).Registered {
		t.Developer = 0
	}
	return t
}

// OpinionTarget is whom a department's opinion on a case belongs to: the
// project, addressed to the organisation holding the department's latest
// task.
func OpinionTarget(c completion.Case, p ledger.Project, department string) Target {
	t := ProjectTarget(p)
	if task := c.Latest()[department]; task != nil {
		t.Org = task.OrgID
	}
	return t
}

// ReadinessTarget is the access target of a readiness question: the
// project, and for one unit (0: none) its buyers, since a buyer may ask
// about their flat.
func ReadinessTarget(p ledger.Project, f *handover.Facts, unit int64) Target {
	t := ProjectTarget(p)
	if unit == 0 || f == nil {
		return t
	}
	for _, b := range f.Buildings {
		for _, u := range b.Units {
			if u.Unit.ID == unit {
				t.Buyers = u.Contract.BuyerIDs()
			}
		}
	}
	return t
}

// StepAction is the access action a registration step needs: 受理 and 撤回
// at the window, 审核 and 退回 by the reviewer, the rest by the recorder.
func StepAction(step registry.Step) Action {
	switch step {
	case registry.StepAccept, registry.StepWithdraw:
		return RegistrationApply
	case registry.StepReview, registry.StepReview2, registry.StepReturn:
		return RegistrationReview
	}
	return RegistrationRecord
}

// MayDownload reports whether the principal may take the signed file of a
// certificate with target t. The file carries the holders' ID numbers: the
// holders, the mortgagee bank of a 证明 and registration staff may; the
// developer, who may see a certificate to hand it over, may not.
func MayDownload(p *identity.Principal, t Target) bool {
	t.Developer = 0
	return Decide(p, CertificateRead, t) == nil
}
