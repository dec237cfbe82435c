package store

import (
	"context"

	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/handover"
)

// GuideSettings reads the settings the service guide of jurisdiction states.
func (db *DB) GuideSettings(ctx context.Context, jurisdiction string) (handover.GuideSettings, error) {
	var g handover.GuideSettings
	q := db.r()
	var err error
	if g.Registration, err = registrationPolicy(ctx, q, jurisdiction); err != nil {
		return g, err
	}
	for _, e := range []struct {
		key string
		to  *credit.Effect
	}{{credit.PresalePermit, &g.PresaleEffect}, {credit.ContractFiling, &g.FilingEffect}} {
		v, err := setting(ctx, q, jurisdiction, e.key, string(credit.Refuse))
		if err != nil {
			return g, err
		}
		*e.to = credit.EffectFor(e.key, v)
	}
	if g.Departments, g.AcceptanceDays, err = acceptanceSettings(ctx, q, jurisdiction); err != nil {
		return g, err
	}
	b, err := setting(ctx, q, jurisdiction, completion.SettingBlocking, "")
	if err != nil {
		return g, err
	}
	g.Blocking, err = completion.ParseBlocking(b)
	return g, err
}
