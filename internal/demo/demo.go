package demo

import (
	"context"
	"time"

	"handover/internal/calendar"
	"handover/internal/store"
)

// Load loads the whole demo prefecture into an empty database, replaying
// its history from early 2025: opts.Clock moves the database clock to each
// step's moment and back to real time (a zero time) at the end.
func Load(ctx context.Context, db *store.DB, opts Options) error {
	set := opts.Clock
	if set == nil {
		set = func(time.Time) {}
	}
	defer set(time.Time{})
	set(calendar.MustDate("2025-01-06").Start().Add(9 * time.Hour))
	f, err := LoadFoundation(ctx, db, opts)
	if err != nil {
		return err
	}
	lr, err := LoadLedger(ctx, db, f, set)
	if err != nil {
		return err
	}
	if _, err = LoadContracts(ctx, db, f, lr, set); err != nil {
		return err
	}
	_, err = LoadCompletion(ctx, db, f, lr, set)
	return err
}
