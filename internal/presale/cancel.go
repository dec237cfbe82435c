package presale

import (
	"slices"
	"strings"
	"time"

	"handover/internal/identity"
	"handover/internal/problem"
)

// Cancellation is an open or executed request to cancel a signed or filed
// contract (注销备案).
type Cancellation struct {
	ID          int64
	ContractID  int64
	Reason      string
	CourtDoc    string // the court's or arbitration body's document, when one decided
	RequestedBy int64
	RequestedAt time.Time
	DeveloperOK bool
	BuyersOK    []string // the 身份证号 of the buyers who agreed
	State       string   // open, executed
	ExecutedAt  time.Time
}

// Ready reports whether the cancellation may be executed: a court decided,
// or the developer and every buyer of c agreed.
func (x Cancellation) Ready(c Contract) bool {
	if x.CourtDoc != "" {
		return true
	}
	if !x.DeveloperOK {
		return false
	}
	for _, b := range c.Buyers {
		if !slices.Contains(x.BuyersOK, b.IDNumber) {
			return false
		}
	}
	return true
}

// CancelParty is who agrees to a cancellation: the developer, a buyer (by
// 身份证号), or housing staff with a court document.
type CancelParty struct {
	Developer bool
	Buyer     string
	CourtDoc  string
}

// CancelPlan is what one party's agreement to cancel leads to.
type CancelPlan struct {
	Cancellation Cancellation // the request with the agreement recorded
	Opened       bool         // the request is new: no request was open
	Execute      bool         // the cancellation is ready: the contract ends now
	Contract     Contract     // with Execute, the contract cancelled with its end reason
}

// Cancel decides one party's agreement to cancel contract c (注销备案).
// Only a signed or filed contract is cancelled; latest is the contract's
// newest request (nil when none), and when none is open a new one is
// opened with reason, which it needs. A buyer agrees once and only to
// the own contract. When the request is ready (a court document, or both
// parties), the contract ends at now with the reason (and the document).
func Cancel(c Contract, latest *Cancellation, party CancelParty, reason string, by int64, now time.Time) (CancelPlan, error) {
	if c.State != Signed && c.State != Filed {
		return CancelPlan{}, problem.Newf(problem.Conflict, "contract.state", "合同当前为“%s”，不需注销备案", c.State.Label())
	}
	var p CancelPlan
	if latest != nil && latest.State == "open" {
		p.Cancellation = *latest
		p.Cancellation.BuyersOK = slices.Clone(latest.BuyersOK)
	} else {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return CancelPlan{}, &problem.Error{Kind: problem.Invalid, Code: "cancellation.reason", Message: "请填写注销理由", Fields: map[string]string{"reason": "请填写注销理由"}}
		}
		p.Cancellation = Cancellation{ContractID: c.ID, Reason: reason, RequestedBy: by, RequestedAt: now, State: "open"}
		p.Opened = true
	}
	x := &p.Cancellation
	switch {
	case party.CourtDoc != "":
		x.CourtDoc = strings.TrimSpace(party.CourtDoc)
	case party.Developer:
		x.DeveloperOK = true
	case party.Buyer != "":
		if !c.HasBuyer(party.Buyer) {
			return CancelPlan{}, problem.New(problem.Forbidden, "access.denied", "您不是该合同的买受人")
		}
		if slices.Contains(x.BuyersOK, party.Buyer) {
			return CancelPlan{}, problem.New(problem.Conflict, "cancellation.agreed", "您已同意注销")
		}
		x.BuyersOK = append(x.BuyersOK, party.Buyer)
	}
	if !x.Ready(c) {
		return p, nil
	}
	c.EndReason = x.Reason
	if x.CourtDoc != "" {
		c.EndReason += "（" + x.CourtDoc + "）"
	}
	if err := c.Transition(Cancelled, now); err != nil {
		return CancelPlan{}, err
	}
	x.State, x.ExecutedAt = "executed", now
	p.Execute, p.Contract = true, c
	return p, nil
}

// CancelPartyOf says in which capacity p agrees to cancel contract c: as
// its developer, as one of its buyers, or as housing staff with a court
// document (cancellation.court_doc when missing); anyone else is refused.
func CancelPartyOf(p *identity.Principal, c Contract, courtDoc string) (CancelParty, error) {
	switch {
	case p.Has(identity.RoleDeveloper) && p.Org.ID == c.Developer:
		return CancelParty{Developer: true}, nil
	case p.Has(identity.RoleBuyer) && c.HasBuyer(p.User.IDNumber):
		return CancelParty{Buyer: p.User.IDNumber}, nil
	case p.Has(identity.RoleHousing):
		if strings.TrimSpace(courtDoc) == "" {
			return CancelParty{}, &problem.Error{Kind: problem.Invalid, Code: "cancellation.court_doc",
				Message: "住建部门注销备案须凭人民法院或仲裁机构的生效文书", Fields: map[string]string{"court_doc": "请填写文书编号"}}
		}
		return CancelParty{CourtDoc: courtDoc}, nil
	}
	return CancelParty{}, problem.New(problem.Forbidden, "access.denied", "无权注销该合同")
}
