package store

import (
	"context"
	"fmt"
	"strings"

	"handover/internal/audit"
	"handover/internal/certificate"
)

// proofChunk is how many proofs one round makes and signs.
const proofChunk = 200

// dueProofs queues the signed proofs of pre-notices recorded in this
// transaction, in one statement: the servers' proof issuers find them
// within seconds (IssueProofs).
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
// is unlocked, a chunk at a time until none is left: each chunk's
// certificates are made in one transaction, signed outside it on every
// core, and stored in a second that takes them off the queue. A
// pre-notice ended before its proof was made (converted, cancelled) gets
// none. Proofs of a jurisdiction without a key wait for one. It returns
// how many proofs it signed.
func (db *DB) IssueProofs(ctx context.Context, keys *certificate.Keyring) (int, error) {
	total := 0
	for _, j := range keys.Jurisdictions() {
		signer, err := keys.Signer(j)
		if err != nil {
			return total, err
		}
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
				break
			}
		}
	}
	return total, nil
}

// proofsToSign makes (once) the certificates of the next proofs due in a
// jurisdiction and returns those still to sign, with every entry the
// chunk takes off the queue.
func (tx *Tx) proofsToSign(ctx context.Context, jurisdiction string) ([]toSign, []int64, error) {
	entries, err := int64s(ctx, tx.q(), `SELECT entry_id FROM proofs_due WHERE jurisdiction = $1 ORDER BY entry_id LIMIT `+fmt.Sprint(proofChunk)+tx.db.forUpdate(),
		jurisdiction)
	if err != nil || len(entries) == 0 {
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
