package demo

import (
	"context"
	"fmt"
	"time"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/handover"
	"handover/internal/inquiry"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
)

// RegistrationResult is what the registration stage of the demo did.
type RegistrationResult struct {
	Event        handover.Event
	FirstEntries int // units whose first registration is recorded
	Unpaid       []int64
	Sealed       int64 // the unit a court sealed
}

// LoadRegistration completes 天山·悦府: the authority's signing key, its
// paper blanks and the jurisdiction's automatic review, the first
// registration of the filed buildings at the window, the deed tax assessed
// and (mostly) paid, a court's seal on one flat, the handover on 2026-11-27
// with the batch transfer, mortgages and certificates, the utilities asked
// and partly answered; and two applications left in the window's queue. A
// few units stay blocked for visible reasons: the seal, unpaid tax, the
// maintenance fund not paid, an area choice not made.
func LoadRegistration(ctx context.Context, db *store.DB, f *Foundation, lr *LedgerResult, cr *CompletionResult, setClock func(time.Time)) (*RegistrationResult, error) {
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	l := &registrationLoad{ctx: ctx, db: db, f: f, set: setClock, cal: cal, p: lr.Projects[0], buildings: cr.Filing.Buildings,
		res: &RegistrationResult{}, acceptor: actorOf(f, "shouli"), reviewer: actorOf(f, "shenhe"), recorder: actorOf(f, "dengbu")}
	steps := []func() error{l.keysAndReview, l.proofs, l.schedule, l.firstRegistration, l.deedTax, l.maintenance, l.seal,
		l.handoverDay, l.utilities, l.objection, l.inquiries}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return l.res, nil
}

// registrationLoad is LoadRegistration's state: the window's clerks, the
// unlocked keys and what later steps need from earlier ones.
type registrationLoad struct {
	ctx                          context.Context
	db                           *store.DB
	f                            *Foundation
	set                          func(time.Time)
	cal                          *calendar.Calendar
	p                            ledger.Project
	buildings                    []int64 // the filed buildings
	acceptor, reviewer, recorder audit.Actor
	keys                         *certificate.Keyring
	contracts                    []presale.Contract // 天山·悦府's filed contracts, before the handover
	res                          *RegistrationResult
}

// day moves the clock to a day of the story, minutes after 10:00.
func (l *registrationLoad) day(s string, minutes int) { at(l.set, calendar.MustDate(s), minutes) }

// proofs issues the signed 预告登记证明 of the contracts filed so far, as
// the server's proofs.issue job does.
func (l *registrationLoad) proofs() error {
	_, err := l.db.IssueProofs(l.ctx, l.keys)
	return err
}

// keysAndReview creates and unlocks the authority's key, turns on automatic
// review of standard cases and stocks the paper blanks.
func (l *registrationLoad) keysAndReview() error {
	admin := actorOf(l.f, "cj-admin")
	l.day("2026-11-16", 60)
	if _, err := l.db.CreateAuthorityKey(l.ctx, admin, "652301", []byte(KeyPassphrase)); err != nil {
		return err
	}
	// The prefecture's registration authority signs the register log's
	// checkpoints.
	if _, err := l.db.CreateAuthorityKey(l.ctx, actorOf(l.f, "admin"), "652300", []byte(KeyPassphrase)); err != nil {
		return err
	}
	var err error
	if l.keys, err = l.db.UnlockKeys(l.ctx, []byte(KeyPassphrase)); err != nil {
		return err
	}
	if err := l.db.PutSetting(l.ctx, admin, "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		return err
	}
	return LoadPaper(l.ctx, l.db, l.f, l.set)
}

// schedule has the developer give notice and schedule the handover of
// every filed building for 2026-11-27, on site.
func (l *registrationLoad) schedule() error {
	l.day("2026-11-16", 120)
	var err error
	l.res.Event, err = l.db.ScheduleHandover(l.ctx, actorOf(l.f, "kaifa"), handover.Event{ProjectID: l.p.ID, Buildings: l.buildings, HeldOn: calendar.MustDate("2026-11-27"),
		Place: "天山·悦府售楼部一层交付大厅", Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-11-16")})
	return err
}

// firstRegistration registers the filed buildings at the window: one
// application, reviewed (unless reviewed automatically) and recorded by
// different clerks.
func (l *registrationLoad) firstRegistration() error {
	l.day("2026-11-17", 0)
	in := store.ApplicationInput{Applicants: []registry.Applicant{{Name: l.f.Orgs["dev1"].Name, IDKind: registry.USCCKind,
		IDNumber: l.f.Orgs["dev1"].USCC}}, Agent: "吴强", Source: "counter"}
	for _, b := range l.buildings {
		in.Services = append(in.Services, store.ServiceInput{Kind: registry.First, BuildingID: b})
	}
	first, err := l.db.CreateApplication(l.ctx, l.acceptor, l.cal, in)
	if err != nil {
		return err
	}
	if first.Services[0].State == registry.Accepted {
		l.day("2026-11-17", 90)
		if first, err = l.db.Step(l.ctx, l.reviewer, first.ID, registry.StepReview, store.StepOptions{}, l.keys); err != nil {
			return err
		}
	}
	l.day("2026-11-18", 0)
	if _, err = l.db.Step(l.ctx, l.recorder, first.ID, registry.StepRecord, store.StepOptions{}, l.keys); err != nil {
		return fmt.Errorf("demo first registration: %w", err)
	}
	return nil
}

// deedTax has the tax bureau assess the deed tax on the measured areas;
// the buyers pay, all but three.
func (l *registrationLoad) deedTax() error {
	taxes := actorOf(l.f, "shuiwu")
	l.day("2026-11-18", 120)
	if _, err := l.db.AssessDeedTax(l.ctx, taxes, l.p.ID); err != nil {
		return err
	}
	var err error
	l.contracts, err = l.db.ListContracts(l.ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: l.p.ID, State: presale.Filed, Limit: 5000})
	if err != nil {
		return err
	}
	assessed, err := l.db.DeedTaxes(l.ctx, l.p.ID)
	if err != nil {
		return err
	}
	for i, a := range assessed {
		if i%600 == 123 {
			l.res.Unpaid = append(l.res.Unpaid, a.UnitID)
			continue
		}
		l.day("2026-11-19", i%600)
		if _, err := l.db.PayDeedTax(l.ctx, taxes, a.ContractID, fmt.Sprintf("电子完税凭证 365230126%07d", a.ContractID), "api"); err != nil {
			return err
		}
	}
	return nil
}

// maintenance: notified of the handover, the buyers who had not paid the
// maintenance fund pay it (the flats filed since the accounting are added
// to it), all but three.
func (l *registrationLoad) maintenance() error {
	housing := actorOf(l.f, "zhujian")
	l.day("2026-11-20", 0)
	if _, err := l.db.PrepareAccounting(l.ctx, housing, l.p.ID); err != nil {
		return err
	}
	maint, err := l.db.AccountingItems(l.ctx, l.p.ID, true)
	if err != nil {
		return err
	}
	left := 3
	for i, it := range maint {
		if it.Cleared() {
			continue
		}
		if left > 0 {
			left--
			continue
		}
		l.day("2026-11-20", i%480)
		if _, err := l.db.PayMaintenance(l.ctx, housing, it.ID, fmt.Sprintf("维修资金交存凭证 WX2026B%05d", i+1)); err != nil {
			return err
		}
	}
	return nil
}

// seal has a court seal one flat for its buyer's debt, reviewed and
// recorded at the window.
func (l *registrationLoad) seal() error {
	sealed := l.contracts[len(l.contracts)/3]
	l.res.Sealed = sealed.UnitID
	l.day("2026-11-24", 30)
	seal, err := l.db.CreateApplication(l.ctx, l.acceptor, l.cal, store.ApplicationInput{Applicants: []registry.Applicant{court()}, Agent: "执行法官 马云飞",
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: sealed.UnitID, Details: map[string]string{"authority": "昌吉市人民法院",
			"doc_no": "（2026）新2301执保1187号", "seal_kind": "查封", "term_start": "2026-11-24", "term_end": "2029-11-23"}}}})
	if err != nil {
		return err
	}
	l.day("2026-11-24", 60)
	if seal, err = l.db.Step(l.ctx, l.reviewer, seal.ID, registry.StepReview, store.StepOptions{}, l.keys); err != nil {
		return err
	}
	l.day("2026-11-24", 90)
	_, err = l.db.Step(l.ctx, l.recorder, seal.ID, registry.StepRecord, store.StepOptions{}, l.keys)
	return err
}

// handoverDay runs the batch: it registers, certifies and issues on site.
func (l *registrationLoad) handoverDay() error {
	l.day("2026-11-27", -60)
	var err error
	if l.res.Event, err = l.db.RunHandover(l.ctx, actorOf(l.f, "kaifa"), l.cal, l.res.Event.ID, l.keys, nil); err != nil {
		return fmt.Errorf("demo handover batch: %w", err)
	}
	return nil
}

// utilities has the water company answer the first 40 requests; one it
// cannot do yet.
func (l *registrationLoad) utilities() error {
	l.day("2026-11-27", 300)
	water := l.f.Orgs["652301/water"]
	reqs, err := l.db.UtilityRequests(l.ctx, 0, water.ID, 0)
	if err != nil {
		return err
	}
	for i, r := range reqs {
		if i >= 40 {
			break
		}
		done, reason := true, ""
		if i == 7 {
			done, reason = false, "户表为旧式机械表，须新户主到营业厅办理换表后过户"
		}
		if _, err := l.db.AnswerUtility(l.ctx, actorOf(l.f, "gongshui"), r.ID, done, reason); err != nil {
			return err
		}
	}
	return nil
}

// objection leaves an objection awaiting review in the window's queue.
func (l *registrationLoad) objection() error {
	l.day("2026-11-28", 30)
	objected := l.contracts[len(l.contracts)/2]
	_, err := l.db.CreateApplication(l.ctx, l.acceptor, l.cal, store.ApplicationInput{Applicants: []registry.Applicant{{Name: "马建华", IDNumber: "652301197805122417"}},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: objected.UnitID, Details: map[string]string{
			"reason": "申请人主张该户系其与买受人共同出资购买，请求登记为共有"}}}})
	return err
}

// inquiries answers two register queries at the window the day after the
// handover: someone thinking of buying a handed-over flat second-hand (told
// only its state), and the court that sealed a flat, with its letter (told
// everything, holders' ID numbers whole).
func (l *registrationLoad) inquiries() error {
	l.day("2026-11-28", 60)
	flat, err := l.db.Unit(l.ctx, l.contracts[1].UnitID)
	if err != nil {
		return err
	}
	sealed, err := l.db.Unit(l.ctx, l.res.Sealed)
	if err != nil {
		return err
	}
	for _, q := range []struct {
		unit int64
		req  inquiry.Request
	}{
		{flat.Unit.ID, inquiry.Request{Requester: inquiry.Prospective, Name: "赵磊", IDNumber: "652301198802153212", Purpose: "拟购买该房屋，了解是否抵押、查封",
			By: inquiry.ByLocation, Key: flat.Project.Address + " " + flat.Building.Name + flat.Unit.Room}},
		{sealed.Unit.ID, inquiry.Request{Requester: inquiry.StateOrgan, Name: "马骏", IDNumber: "65230119850708121X", Org: "昌吉市人民法院",
			Purpose: "执行案件查明被执行人名下不动产", Basis: inquiry.Letter, BasisNo: "（2026）新2301执1187号协助查询通知书",
			By: inquiry.ByUnitNo, Key: sealed.Unit.UnitNo}},
	} {
		if _, err := l.db.Inquire(l.ctx, l.acceptor, q.req, q.unit, l.keys); err != nil {
			return fmt.Errorf("demo register query: %w", err)
		}
	}
	return nil
}

// court is the county court that seals a flat in the demo, by its
// 统一社会信用代码 (category 11: a state organ).
func court() registry.Applicant {
	return registry.Applicant{Name: "昌吉市人民法院", IDKind: registry.USCCKind, IDNumber: USCC("11", "652301", "01305526")}
}
