package demo

import (
	"context"
	"fmt"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/handover"
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
	res := &RegistrationResult{}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	p := lr.Projects[0]
	day := func(s string, minutes int) { at(setClock, calendar.MustDate(s), minutes) }
	admin, acceptor, reviewer, recorder := actorOf(f, "cj-admin"), actorOf(f, "shouli"), actorOf(f, "shenhe"), actorOf(f, "dengbu")
	taxes, housing, dev := actorOf(f, "shuiwu"), actorOf(f, "zhujian"), actorOf(f, "kaifa")

	// The authority's key, and automatic review of standard cases.
	day("2026-11-16", 60)
	if _, err := db.CreateAuthorityKey(ctx, admin, "652301", []byte(KeyPassphrase)); err != nil {
		return nil, err
	}
	keys, err := db.UnlockKeys(ctx, []byte(KeyPassphrase))
	if err != nil {
		return nil, err
	}
	if err := db.PutSetting(ctx, admin, "652301", registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
		return nil, err
	}
	if err := LoadPaper(ctx, db, f, setClock); err != nil {
		return nil, err
	}

	// The developer gives notice and schedules the handover of every filed
	// building for 2026-11-27, on site.
	day("2026-11-16", 120)
	res.Event, err = db.ScheduleHandover(ctx, dev, handover.Event{ProjectID: p.ID, Buildings: cr.Filing.Buildings, HeldOn: calendar.MustDate("2026-11-27"),
		Place: "天山·悦府售楼部一层交付大厅", Mode: handover.OnSite, NoticeOn: calendar.MustDate("2026-11-16")})
	if err != nil {
		return nil, err
	}

	// First registration of the filed buildings at the window: one
	// application, reviewed and recorded by different clerks.
	day("2026-11-17", 0)
	in := store.ApplicationInput{Applicants: []string{f.Orgs["dev1"].Name}, Agent: "吴强", Source: "counter"}
	for _, b := range cr.Filing.Buildings {
		in.Services = append(in.Services, store.ServiceInput{Kind: registry.First, BuildingID: b})
	}
	first, err := db.CreateApplication(ctx, acceptor, cal, in)
	if err != nil {
		return nil, err
	}
	if first.Services[0].State == registry.Accepted {
		day("2026-11-17", 90)
		if first, err = db.Step(ctx, reviewer, first.ID, registry.StepReview, store.StepOptions{}, keys); err != nil {
			return nil, err
		}
	}
	day("2026-11-18", 0)
	if _, err = db.Step(ctx, recorder, first.ID, registry.StepRecord, store.StepOptions{}, keys); err != nil {
		return nil, fmt.Errorf("demo first registration: %w", err)
	}

	// The tax bureau assesses the deed tax on the measured areas; the
	// buyers pay, all but three.
	day("2026-11-18", 120)
	if _, err := db.AssessDeedTax(ctx, taxes, p.ID); err != nil {
		return nil, err
	}
	contracts, err := db.ListContracts(ctx, access.Filter{All: true}, store.ContractQuery{ProjectID: p.ID, State: presale.Filed, Limit: 5000})
	if err != nil {
		return nil, err
	}
	assessed, err := db.DeedTaxes(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for i, a := range assessed {
		if i%600 == 123 {
			res.Unpaid = append(res.Unpaid, a.UnitID)
			continue
		}
		day("2026-11-19", i%600)
		if _, err := db.PayDeedTax(ctx, taxes, a.ContractID, fmt.Sprintf("电子完税凭证 365230126%07d", a.ContractID), "api"); err != nil {
			return nil, err
		}
	}

	// Notified of the handover, the buyers who had not paid the maintenance
	// fund pay it (the flats filed since the accounting are added to it),
	// all but three.
	day("2026-11-20", 0)
	if _, err := db.PrepareAccounting(ctx, housing, p.ID); err != nil {
		return nil, err
	}
	maint, err := db.AccountingItems(ctx, p.ID, true)
	if err != nil {
		return nil, err
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
		day("2026-11-20", i%480)
		if _, err := db.PayMaintenance(ctx, housing, it.ID, fmt.Sprintf("维修资金交存凭证 WX2026B%05d", i+1)); err != nil {
			return nil, err
		}
	}

	// A court seals one flat for its buyer's debt.
	sealed := contracts[len(contracts)/3]
	res.Sealed = sealed.UnitID
	day("2026-11-24", 30)
	seal, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: []string{"昌吉市人民法院"}, Agent: "执行法官 马云飞",
		Services: []store.ServiceInput{{Kind: registry.SealReg, UnitID: sealed.UnitID, Details: map[string]string{"authority": "昌吉市人民法院",
			"doc_no": "（2026）新2301执保1187号", "seal_kind": "查封", "term_start": "2026-11-24", "term_end": "2029-11-23"}}}})
	if err != nil {
		return nil, err
	}
	day("2026-11-24", 60)
	if seal, err = db.Step(ctx, reviewer, seal.ID, registry.StepReview, store.StepOptions{}, keys); err != nil {
		return nil, err
	}
	day("2026-11-24", 90)
	if _, err = db.Step(ctx, recorder, seal.ID, registry.StepRecord, store.StepOptions{}, keys); err != nil {
		return nil, err
	}

	// The handover day: the batch registers, certifies and issues on site.
	day("2026-11-27", -60)
	if res.Event, err = db.RunHandover(ctx, dev, cal, res.Event.ID, keys, nil); err != nil {
		return nil, fmt.Errorf("demo handover batch: %w", err)
	}

	// The water company answers the first requests; one it cannot do yet.
	day("2026-11-27", 300)
	water := f.Orgs["652301/water"]
	reqs, err := db.UtilityRequests(ctx, 0, water.ID, 0)
	if err != nil {
		return nil, err
	}
	for i, r := range reqs {
		if i >= 40 {
			break
		}
		done, reason := true, ""
		if i == 7 {
			done, reason = false, "户表为旧式机械表，须新户主到营业厅办理换表后过户"
		}
		if _, err := db.AnswerUtility(ctx, actorOf(f, "gongshui"), r.ID, done, reason); err != nil {
			return nil, err
		}
	}

	// Left in the window's queue: an objection awaiting review.
	day("2026-11-28", 30)
	objected := contracts[len(contracts)/2]
	if _, err := db.CreateApplication(ctx, acceptor, cal, store.ApplicationInput{Applicants: []string{"马建华"},
		Services: []store.ServiceInput{{Kind: registry.ObjectReg, UnitID: objected.UnitID, Details: map[string]string{
			"reason": "申请人主张该户系其与买受人共同出资购买，请求登记为共有"}}}}); err != nil {
		return nil, err
	}
	return res, nil
}
