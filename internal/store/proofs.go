package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"handover/internal/audit"
	"handover/internal/certificate"
)

// proofChunk is how many proofs one round makes and signs.
const proofChunk = 200

// dueProofs queues the signed proofs of pre-notices recorded in this
// transaction, in one statement, pipelined (execPiped): the servers' proof
// issuers find them within seconds (IssueProofs). Cancelling an entry's
// certificates takes its proof off the queue (cancelQueued).
func (tx *Tx) dueProofs(ctx context.Context, jurisdiction string, entries ...int64) error {
	var rows []string
	var args []any
	for _, e := range entries {
		n := len(args)
		rows = append(rows, fmt.Sprintf("($%d, $%d, $%d)", n+1, n+2, n+3))
		args = append(args, e, jurisdiction, tx.now)
	}
	return tx.execPiped(ctx, `INSERT INTO proofs_due (entry_id, jurisdiction, queued_at) VALUES `+strings.Join(rows, ", "), nil, args...)
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
		signed := 0
		err = db.transact(ctx, audit.System(), func(tx *Tx) error {
			signed = 0
			held, err := tx.holdProofs(ctx, entries)
			if err != nil || len(held) == 0 {
				return err
			}
			var keep []toSign
			for _, c := range list {
				if held[c.entry] {
					keep = append(keep, c)
				}
			}
			if err := tx.storeSignatures(ctx, signer.KeyID, keep); err != nil {
				return err
			}
			ids, args := inList(1, slices.Sorted(maps.Keys(held)))
			if _, err := tx.exec(ctx, `DELETE FROM proofs_due WHERE entry_id IN (`+ids+`)`, args...); err != nil {
				return err
			}
			if signed = len(keep); signed > 0 {
				tx.Audit("proof.issue", "jurisdiction", j, map[string]any{"proofs": signed, "key": signer.KeyID})
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += signed
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
//
// Lock order. A transaction that ends a pre-notice (a conversion, a
// contract's cancellation, a correction) locks its unit first; then, in
// either order, it draws certificate numbers and takes the proof off the
// queue (lockUnits, cancelQueued). This one therefore takes the authority's number
// counter first, then claims only proofs whose queue row and unit no other
// transaction holds (SKIP LOCKED): it never waits while holding a row such
// a transaction wants, so the two never deadlock, and the unit lock means
// no pre-notice of the chunk ends while its proof is being made.
func (tx *Tx) proofsToSign(ctx context.Context, jurisdiction string) ([]toSign, []int64, error) {
	var due int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM proofs_due WHERE jurisdiction = $1 LIMIT 1) x`, jurisdiction).Scan(&due); err != nil || due == 0 {
		return nil, nil, err
	}
	facts := newCertificateFacts()
	issuer, err := facts.authority(ctx, tx, jurisdiction)
	if err != nil {
		return nil, nil, err
	}
	if err := tx.holdSeq(ctx, licenceSeries(issuer)); err != nil {
		return nil, nil, err
	}
	entries, err := int64s(ctx, tx.q(), `SELECT p.entry_id FROM proofs_due p JOIN register_entries e ON e.id = p.entry_id JOIN units u ON u.id = e.unit_id
		WHERE p.jurisdiction = $1 AND (p.claimed_until IS NULL OR p.claimed_until < $2)
		ORDER BY p.entry_id LIMIT `+fmt.Sprint(proofChunk)+tx.db.forUpdateOfSkipLocked("p", "u"), jurisdiction, tx.now)
	if err != nil || len(entries) == 0 {
		return nil, nil, err
	}
	ids, args := inList(2, entries)
	if _, err := tx.exec(ctx, `UPDATE proofs_due SET claimed_until = $1 WHERE entry_id IN (`+ids+`)`, append([]any{tx.now.Add(proofClaim)}, args...)...); err != nil {
		return nil, nil, err
	}
	var list []toSign
	for _, id := range entries {
		e, err := tx.db.entryByID(ctx, tx.q(), id)
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
			list = append(list, toSign{id: c.ID, entry: id, payload: c.Payload})
		}
	}
	return list, entries, nil
}

// holdProofs locks the queue rows of a signed chunk that are still there
// and that no other transaction holds. A row gone or held belongs to a
// pre-notice ended meanwhile (its transaction cancels the certificate), so
// its signature is not stored; one whose ending rolled back is claimed
// again when the claim runs out.
func (tx *Tx) holdProofs(ctx context.Context, entries []int64) (map[int64]bool, error) {
	ids, args := inList(1, entries)
	held, err := int64s(ctx, tx.q(), `SELECT entry_id FROM proofs_due WHERE entry_id IN (`+ids+`) ORDER BY entry_id`+tx.db.forUpdateSkipLocked(), args...)
	if err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(held))
	for _, e := range held {
		set[e] = true
	}
	return set, nil
}
