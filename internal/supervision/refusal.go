package supervision

import (
	"slices"
	"strings"
	"time"

	"handover/internal/presale"
)

// The refused attempts the store records (Tx.attempting) are named by
// their action; these are the names the unit page and the repeated-refusal
// alert show.

// AttemptLabel names an attempted action in Chinese; an action without a
// name is shown as it is recorded.
func AttemptLabel(action string) string {
	switch action {
	case "contract.draft":
		return "起草网签合同"
	case "contract.send", "contract.confirm":
		return "签订网签合同"
	case "contract.file":
		return "合同备案"
	case "registration.record":
		return "登簿"
	case "registration.accept":
		return "受理登记"
	case "fund.withdraw":
		return "支取预售资金"
	}
	return action
}

// Attempt is one refused attempt on a unit: what, when, and the rules
// that refused it.
type Attempt struct {
	Action string
	At     time.Time
	Rules  []string
}

// Suspicious reports whether a refused attempt suggests a second sale or
// an irregular registration: it was refused by a rule on the unit's
// standing (another live contract, a lock, a seal, a registration to
// another, no permit), on the developer, or on a registration, or names no
// rule at all. A draft refused only for its own terms (a mistyped ID
// number, shares that do not add up, a missing clause) is its developer
// correcting it, and does not count (presale.TermRule).
func (a Attempt) Suspicious() bool {
	for _, r := range a.Rules {
		if !presale.TermRule(r) {
			return true
		}
	}
	return len(a.Rules) == 0
}

// TallyRefusals counts a unit's suspicious refused attempts within the
// thresholds' window before now (RefusalHours): how many, the newest, and
// what was attempted, each named once in the order first seen. The rest of the
// facts (the unit's project, room and supervisor) are the caller's.
func TallyRefusals(unit int64, attempts []Attempt, t Thresholds, now time.Time) RefusalFacts {
	since := now.Add(-time.Duration(t.RefusalHours) * time.Hour)
	f := RefusalFacts{UnitID: unit}
	var actions []string
	for _, a := range attempts {
		if a.At.Before(since) || !a.Suspicious() {
			continue
		}
		f.Count++
		f.Last = a.At
		if l := AttemptLabel(a.Action); !slices.Contains(actions, l) {
			actions = append(actions, l)
		}
	}
	f.Actions = strings.Join(actions, "、")
	return f
}
