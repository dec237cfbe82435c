package handover

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/calendar"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/problem"
	"handover/internal/registry"
)

// ScheduledBuilding is what scheduling a handover looks at for one of its
// buildings: its completion filing, and another event of it not yet done.
type ScheduledBuilding struct {
	Project   int64 // the building's project (0: no such building)
	Name      string
	Filed     bool
	OpenEvent int64  // an event of the building planned, running or paused (0: none)
	OpenOn    string // its day
}

// CheckSchedule refuses a handover of project's buildings that are not the
// project's, not yet filed (竣工验收备案), or handed over by another open
// event already: one building is handed over once, by one event, so its
// flats are neither taken twice nor counted twice.
func CheckSchedule(project int64, bs []ScheduledBuilding) error {
	for _, b := range bs {
		if b.Project != project {
			return problem.New(problem.Invalid, "handover.buildings", "所选的幢不属于本项目")
		}
	}
	var r problem.Refusal
	for _, b := range bs {
		if !b.Filed {
			r.Add(problem.Reason{Rule: "handover.filing", Subject: b.Name, Message: "尚未办理竣工验收备案（测绘成果、联合验收、核实核算须先完成）",
				Basis: "《城市房地产开发经营管理条例》第十七条：竣工验收合格方可交付", Fixer: "住建部门"})
		}
		if b.OpenEvent != 0 {
			r.Add(problem.Reason{Rule: "handover.overlap", Subject: b.Name, Message: fmt.Sprintf("该幢已有尚未办结的交房安排（%s，编号%d）", b.OpenOn, b.OpenEvent),
				Basis: "同一幢的交房一次安排、一次办理，避免重复办理与重复统计", Fixer: "开发企业（在原交房安排中继续办理，或待其办结）"})
		}
	}
	return r.Err("handover.refused", "不能安排交房")
}

// CheckRun refuses to run an event already done for every flat; a done
// event with blocked flats runs again for those, whose causes may have been
// fixed since (tax paid, seal lifted).
func (e Event) CheckRun() error {
	if e.State == "done" && e.Blocked == 0 {
		return problem.New(problem.Conflict, "handover.done", "该交房批量已全部办结")
	}
	return nil
}

// Delivery is how the batch delivers the certificates: by hand at the
// event, or through the developer when the buyers entrusted it.
func (e Event) Delivery() string {
	if e.Mode == Entrusted {
		return "developer"
	}
	return "hand"
}

// BatchSale is what the batch knows of a flat's sale: the buyers who apply,
// and whether a loan's mortgage is registered with the transfer.
type BatchSale struct {
	ContractID int64
	Buyers     []registry.Applicant // as identified on the filed contract
	Loan       bool
}

// UnitPlan is what the batch does with one flat, from the one set of facts
// of its chunk: Blocked lists why it waits (each reason with who fixes
// it); else TakeOver names the service that recorded the buyers' transfer
// at the counter, whose application the batch certifies and issues; else
// Application is the combined application the batch takes and records
// (the developer's first registration when still due, the transfer, the
// loan's mortgage).
type UnitPlan struct {
	Blocked     []string
	Owners      []Party // who must act on each of Blocked, in its order
	TakeOver    int64
	Application registry.ApplicationInput
}

// block adds a reason the flat waits, with who must act on it.
func (p *UnitPlan) block(message string, who Party) {
	p.Blocked = append(p.Blocked, message+"（"+who.Name+"）")
	p.Owners = append(p.Owners, who)
}

// PlanUnit decides a flat of the batch on facts read in the chunk's
// transaction, at now: the delivery conditions of the flat (Evaluate), the
// register book's standing, and the sale the event took.
func PlanUnit(f *Facts, cal *calendar.Calendar, unit int64, sale BatchSale, now time.Time) UnitPlan {
	var book []registry.Entry
	if uf := f.UnitFacts(unit); uf != nil {
		book = uf.Book
	}
	standing := registry.Standing(book, calendar.DateOf(now))
	rep := Evaluate(f, cal, Delivery, Scope{Unit: unit}, now)
	if standing.Registered && standing.OwnerContract == sale.ContractID {
		return planRegistered(rep, book, standing)
	}
	var p UnitPlan
	needFirst := false
	for _, c := range rep.Conditions {
		if c.Rule == registry.RuleOwnership {
			needFirst = true // the combined application registers the developer's ownership first
			continue
		}
		p.block(c.Message, c.Responsible)
	}
	if len(p.Blocked) > 0 {
		return p
	}
	p.Application = registry.ApplicationInput{Applicants: sale.Buyers, Agent: f.Developer.Name, Source: "batch"}
	if needFirst {
		p.Application.Services = append(p.Application.Services, registry.ServiceInput{Kind: registry.First, UnitID: unit})
	}
	p.Application.Services = append(p.Application.Services, registry.ServiceInput{Kind: registry.Transfer, UnitID: unit, ContractID: sale.ContractID})
	if sale.Loan {
		p.Application.Services = append(p.Application.Services, registry.ServiceInput{Kind: registry.MortgageReg, UnitID: unit, ContractID: sale.ContractID})
	}
	if blocks := applicationBlocks(f, unit, p.Application, now); len(blocks) > 0 {
		var b UnitPlan
		b.BlockBy(blocks)
		return b
	}
	return p
}

// applicationBlocks runs the registration rules of every service of the
// combined application, each as if the earlier ones were recorded (the
// counter's rules: registry's ServiceBlocks), on the chunk's facts of the
// flat: the batch asks them once, here, through the one loader, and the
// store takes the application on this answer. An application registry
// refuses to take is left to the store, which refuses it the same way.
func applicationBlocks(f *Facts, unit int64, in registry.ApplicationInput, now time.Time) []problem.Reason {
	a, err := registry.Take(in, 0, now)
	uf, building := f.UnitFacts(unit), f.buildingOf(unit)
	if err != nil || uf == nil {
		return nil
	}
	filed := false
	for _, fl := range f.Filings {
		filed = filed || slices.Contains(fl.Buildings, building)
	}
	var out []problem.Reason
	for _, s := range a.Services {
		// The sale's deed tax counts for the services that carry it out.
		rf := uf.registration(f, filed, calendar.DateOf(now))
		rf.ContractID, rf.DeedTaxPaid = s.ContractID, s.ContractID != 0 && uf.Contract.ID == s.ContractID && uf.DeedTaxPaid
		out = append(out, a.ServiceBlocks(s, building, []int64{unit}, map[int64]registry.UnitFacts{unit: rf})...)
	}
	return out
}

// planRegistered: the buyers' transfer under this sale is already in the
// book (registered at the counter before the event). The handover
// conditions that are not registration rules (the maintenance fund, the
// area decision) still apply, and a loan's 预抵押 must have converted (a
// counter transfer without it leaves the bank's mortgage to do); then the
// batch takes over the application that recorded the transfer (a 更正
// since is followed back to it).
func planRegistered(rep Report, book []registry.Entry, standing ledger.Register) UnitPlan {
	var p UnitPlan
	for _, c := range rep.Conditions {
		if !registry.TransferRule(c.Rule) {
			p.block(c.Message, c.Responsible)
		}
	}
	if standing.PreMortgage && !standing.Mortgaged {
		p.block("按揭贷款的抵押权尚未登记（预抵押尚未转为抵押权登记）", Party{Kind: identity.Registry, Name: "登记机构：在窗口办理抵押权登记"})
	}
	if len(p.Blocked) > 0 {
		return p
	}
	p.TakeOver = registry.Origin(book, standing.OwnershipID).ServiceID
	if p.TakeOver == 0 {
		p.NoApplication()
	}
	return p
}

// NoApplication blocks a flat whose transfer was recorded without an
// application of the platform: its certificate is issued at the counter.
func (p *UnitPlan) NoApplication() {
	p.block("该户的转移登记没有本平台的登记申请，不能纳入批量发证", Party{Kind: identity.Registry, Name: "登记机构：在窗口发证"})
}

// BlockBy adds the reasons registration refused the flat's application
// with, each with who fixes it (FixerParty).
func (p *UnitPlan) BlockBy(reasons []problem.Reason) {
	for _, r := range reasons {
		p.block(r.Message, FixerParty(r.Fixer))
	}
}

// FixerParty is the party a registration rule's fixer names, by the kind
// of organisation its text begins with (the rules write who fixes a
// refusal first: "开发企业（申请首次登记…）", "买受人（…）", "住建部门…",
// "登记机构…"), so that a rehearsal's alert reaches it; a party outside
// the platform (the court that sealed the flat, a mortgagee, the holder of
// a pre-notice) keeps no kind.
func FixerParty(fixer string) Party {
	p := Party{Name: fixer}
	for _, k := range []struct {
		prefix string
		kind   identity.OrgKind
	}{{"开发企业", identity.Developer}, {"买受人", identity.Individual}, {"住建部门", identity.Housing},
		{"登记机构", identity.Registry}, {"受理人员", identity.Registry}} {
		if strings.HasPrefix(fixer, k.prefix) {
			p.Kind = k.kind
			break
		}
	}
	return p
}
