// Package credit is the developers' credit system (诚信体系): the
// restriction list (限制清单) and the effect a listing has on what a
// developer may do, configured per jurisdiction ("一处失信、处处受限").
package credit

import (
	"strings"
	"time"
	"unicode/utf8"

	"handover/internal/problem"
)

// Effect is what a listing does to one kind of request in a jurisdiction.
type Effect string

const (
	Refuse Effect = "refuse" // the request is refused by rule
	Review Effect = "review" // the request needs an extra review by staff
	Ignore Effect = "none"   // no effect
)

// Label is the effect in Chinese.
func (e Effect) Label() string {
	switch e {
	case Refuse:
		return "直接拒绝"
	case Review:
		return "加强审查"
	}
	return "不受影响"
}

// ParseEffect reads a configured effect; unknown values mean Refuse, the
// strict default.
func ParseEffect(s string) Effect {
	switch Effect(strings.TrimSpace(s)) {
	case Review:
		return Review
	case Ignore:
		return Ignore
	}
	return Refuse
}

// Matters a listing can affect; each is a setting key per jurisdiction.
const (
	PresalePermit  = "credit.effect.presale_permit"  // 预售许可
	ContractFiling = "credit.effect.contract_filing" // 合同备案
	FundWithdrawal = "credit.effect.fund_withdrawal" // 预售资金支取
)

// Effects lists the effects a jurisdiction may give a listing on the matter
// named by key. A contract is filed by the automatic check alone, with no
// staff step to hold it for, so a listing either refuses its filing or
// does not affect it; the permit and the withdrawals have a staff decision
// that a listing can make stricter.
func Effects(key string) []Effect {
	if key == ContractFiling {
		return []Effect{Refuse, Ignore}
	}
	return []Effect{Refuse, Review, Ignore}
}

// EffectFor reads the configured effect of key; a value the matter does not
// offer (or none) means Refuse, the strict default.
func EffectFor(key, s string) Effect {
	e := ParseEffect(s)
	for _, ok := range Effects(key) {
		if e == ok {
			return e
		}
	}
	return Refuse
}

// Listing is one entry of a developer's restriction history: listed or lifted.
type Listing struct {
	ID        int64
	Developer int64
	Name      string // developer's name, for display
	Listed    bool   // true: put on the list; false: lifted
	Reason    string
	Basis     string // the decision or rule that listed it
	By        int64
	ByName    string
	At        time.Time
}

// Validate checks a listing decision.
func (l *Listing) Validate() error {
	var f problem.Fields
	l.Reason, l.Basis = strings.TrimSpace(l.Reason), strings.TrimSpace(l.Basis)
	if l.Developer == 0 {
		f.Add("developer", "请选择开发企业")
	}
	if l.Reason == "" || utf8.RuneCountInString(l.Reason) > 500 {
		f.Add("reason", "请填写理由（不超过500字）")
	}
	if utf8.RuneCountInString(l.Basis) > 200 {
		f.Add("basis", "依据不超过200字")
	}
	return f.Err("credit.invalid", "限制清单决定有误")
}

// Transition checks that a listing changes the developer's state: a listed
// developer cannot be listed again, an unlisted one cannot be lifted.
func Transition(currentlyListed bool, l Listing) error {
	if l.Listed && currentlyListed {
		return problem.New(problem.Conflict, "credit.already_listed", "该企业已在限制清单中")
	}
	if !l.Listed && !currentlyListed {
		return problem.New(problem.Conflict, "credit.not_listed", "该企业不在限制清单中")
	}
	return nil
}
