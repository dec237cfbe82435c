package demo

import (
	"context"

	"handover/internal/store"
)

// Load loads the whole demo prefecture into an empty database.
func Load(ctx context.Context, db *store.DB, opts Options) error {
	_, err := LoadFoundation(ctx, db, opts)
	return err
}
