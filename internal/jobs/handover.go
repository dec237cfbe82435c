package jobs

import (
	"context"
	"encoding/json"
	"time"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/problem"
	"handover/internal/store"
)

// HandleHandover registers the handover batch: a batch queued from a page
// or the API runs here with the authorities' keys; a crash or restart
// resumes it where it stopped. A refusal that a retry cannot cure (no key,
// the policy changed) pauses the batch for the developer to see and resume
// instead of retrying; a database too busy to serialise it is retried.
func (w *Worker) HandleHandover(cal *calendar.Source, keys *certificate.Keyring) {
	w.Handle(store.JobHandover, func(ctx context.Context, payload string) error {
		var j store.HandoverJob
		if err := json.Unmarshal([]byte(payload), &j); err != nil {
			return err
		}
		_, err := w.db.RunHandover(ctx, j.Actor, cal.Get(), j.Event, keys, nil)
		if problem.Is(err, "db.busy") {
			// The database lost the same race five times in a row: a
			// passing condition, not the developer's to resume. The job
			// runs again after its backoff.
			return err
		}
		switch problem.KindOf(err) {
		case problem.Refused, problem.Conflict, problem.Invalid:
			w.log.Warn("handover batch stopped", "event", j.Event, "err", err)
			if perr := w.db.PauseHandover(ctx, j.Actor, j.Event); perr != nil && !problem.Is(perr, "handover.not_running") {
				return perr
			}
			return nil
		}
		return err
	})
}

// HandleProofs issues the signed 预告登记证明 that contract filings queue:
// every two seconds each server looks (a read) and, when some are due,
// makes and signs them (store.IssueProofs; the servers take different
// proofs, or wait for each other, through the queue's row locks).
func (w *Worker) HandleProofs(keys *certificate.Keyring) {
	w.EveryHere(2*time.Second, func(ctx context.Context) {
		due, err := w.db.ProofsDue(ctx)
		if err != nil || !due {
			return
		}
		n, err := w.db.IssueProofs(ctx, keys)
		if n > 0 {
			w.log.Info("proofs issued", "proofs", n)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Error("issuing proofs", "err", err)
		}
	})
}
