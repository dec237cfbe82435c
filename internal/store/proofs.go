package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"handover/internal/audit"
	"handover/internal/certificate"
)

// proofChunk is how many proofs one round makes and signs.
const proofChunk = 200

// dueProofs queues the signed proofs of pre-notices recorded in this
// transaction, in one statement: the servers' proof issuers find them
// within seconds (IssueProofs). Cancelling an entry's certificates takes
// its proof off the queue (cancelCertificates).
func (tx *Tx) dueProofs(ctx context.Context, jurisdiction string, entries ...int64) error {
	var rows []string
	var args []any
	for _, e := range entries {
		n := len(args)
		rows = append(rows, fmt.Sprintf("($%d, $%d, $%d)", n+1, n+2, n+3))
		args = append(args, e, jurisdiction, tx.now)
	}
	_, err := tx.exec(ctx, `INSERT INTO proofs_due (entry_id, jurisdiction, queued_at) VALUES `+strings.Join(rows, ", "), args...)
	return err
}

// ProofsDue reports whether any proof waits to be issued: a read, so that
// a server can ask it every few seconds at no cost.
func (db *DB) ProofsDue(ctx context.Context) (bool, error) {
	var n int
	err := db.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM proofs_due LIMIT 1) x`).Scan(&n)
	return n > 0, err
}

// IssueProofs makes and signs the proofs due in the jurisdictions whose key
// is unlocked, a chunk at a time until none is left: each chunk is
// claimed for a minute and its certificates made in one transaction,
// signed outside it on every core, and stored in a second that takes them
// off the queue. Another server meanwhile takes other proofs; a chunk whose
// server died is taken again when its claim runs out. A pre-notice ended
// before its proof was made (converted, cancelled) gets none. Proofs of a
// jurisdiction without a key wait for one; a jurisdiction that fails does
// not hold back the others. It returns how many proofs it signed.
func (db *DB) IssueProofs(ctx context.Context, keys *certificate.Keyring) (int, error) {
	total := 0
	var errs []error
	for _, j := range keys.Jurisdictions() {
		n, err := db.issueProofsOf(ctx, keys, j)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("jurisdiction %s: %w", j, err))
		}
	}
	return total, errors.Join(errs...)
}

// issueProofsOf issues the proofs due in one jurisdiction.
func (db *DB) issueProofsOf(ctx context.Context, keys *certificate.Keyring, j string) (int, error) {
	signer, err := keys.Signer(j)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		var list []toSign
		var entries []int64
		err := db.transact(ctx, audit.System(), func(tx *Tx) (err error) {
			list, entries, err = tx.proofsToSign(ctx, j)
			return err
		})
		if err != nil || len(entries) == 0 {
			return total, err
		}
		if err := signAll(signer, list); err != nil {
			return total, err
		}
		err = db.transact(ctx, audit.System(), func(tx *Tx) error {
			if err := tx.storeSignatures(ctx, signer.KeyID, list); err != nil {
				return err
			}
			ids, args := inList(1, entries)
			_, err := tx.exec(ctx, `DELETE FROM proofs_due WHERE entry_id IN (`+ids+`)`, args...)
			if len(list) > 0 {
				tx.Audit("proof.issue", "jurisdiction", j, map[string]any{"proofs": len(list), "key": signer.KeyID})
			}
			return err
		})
		if err != nil {
			return total, err
		}
		total += len(list)
		if len(entries) < proofChunk {
			return total, nil
		}
	}
}

// proofClaim is how long a server holds the chunk it is signing.
const proofClaim = time.Minute

// proofsToSign claims the next proofs due in a jurisdiction (none claimed
// by another server), makes (once) their certificates and returns those
// still to sign, with every entry the chunk takes off the queue.
func (tx *Tx) proofsToSign(ctx context.Context, jurisdiction string) ([]toSign, []int64, error) {
	entries, err := int64s(ctx, tx.q(), `SELECT entry_id FROM proofs_due WHERE jurisdiction = $1 AND (claimed_until IS NULL OR claimed_until < $2)
		ORDER BY entry_id LIMIT `+fmt.Sprint(proofChunk)+tx.db.forUpdateSkipLocked(), jurisdiction, tx.now)
	if err != nil || len(entries) == 0 {
		return nil, nil, err
	}
	ids, args := inList(2, entries)
	if _, err := tx.exec(ctx, `UPDATE proofs_due SET claimed_until = $1 WHERE entry_id IN (`+ids+`)`, append([]any{tx.now.Add(proofClaim)}, args...)...); err != nil {
		return nil, nil, err
	}
	facts := newCertificateFacts()
	var list []toSign
	for _, id := range entries {
		e, err := entryByID(ctx, tx.q(), id)
		if err != nil {
			return nil, nil, err
		}
		var ended int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM register_entries WHERE ends_entry = $1`, id).Scan(&ended); err != nil {
			return nil, nil, err
		}
		if ended > 0 {
			continue
		}
		c, err := tx.certificateFor(ctx, facts, e, 0, jurisdiction)
		if err != nil {
			return nil, nil, err
		}
		if len(c.Signature) == 0 {
			list = append(list, toSign{id: c.ID, payload: c.Payload})
		}
	}
	return list, entries, nil
}
