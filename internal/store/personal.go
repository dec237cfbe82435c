package store

import (
	"cmp"
	"context"
	"encoding/json"
	"time"
)

// PersonalView is one view of a person's data by someone else, as the audit
// trail recorded it (personal.view): who, of which organisation, when, which
// record, and through which channel.
type PersonalView struct {
	At         time.Time
	Actor      string
	Org        string
	RecordType string // contract, application, certificate, certificate_file, user, inquiry, inquiry_file
	RecordID   string
	Via        string // page, api; for a register query its channel (counter, online)
	Purpose    string // why, when the viewer had to say (a register query's purpose)
}

// PersonalViewsOf lists, newest first and at most limit, the views by
// others of the records that hold the data of the person with idNumber:
// the contracts naming them as a buyer, the registration applications of
// those contracts, the certificates naming them as a holder, their own
// user account, and the register queries whose answer named them as a
// holder (with the query's purpose). A person's own views are not
// recorded, and their own queries are not listed, so none of theirs is.
func (db *DB) PersonalViewsOf(ctx context.Context, idNumber string, limit int) ([]PersonalView, error) {
	index, err := indexOf(db.ring(), idNumber)
	if err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, `SELECT a.at, a.actor_name, a.actor_org_name, a.record_type, a.record_id, a.summary
		FROM audit_events a WHERE (a.action = 'register.inquire' AND a.record_type = 'inquiry' AND a.record_id IN (SELECT CAST(q.id AS TEXT)
			FROM inquiries q JOIN register_holders h ON h.entry_id = q.disclosed_entry WHERE q.disclosed_entry <> 0 AND h.id_index = $1
			AND q.id_index <> $1))
		OR a.action = 'personal.view' AND (
			(a.record_type = 'contract' AND a.record_id IN (SELECT CAST(b.contract_id AS TEXT) FROM contract_buyers b WHERE b.id_index = $1))
			OR (a.record_type = 'application' AND a.record_id IN (SELECT CAST(s.application_id AS TEXT) FROM services s
				JOIN contract_buyers b ON b.contract_id = s.contract_id WHERE b.id_index = $1))
			OR (a.record_type IN ('certificate', 'certificate_file') AND a.record_id IN (SELECT CAST(c.id AS TEXT) FROM certificates c
				JOIN register_holders h ON h.entry_id = c.entry_id WHERE h.id_index = $1))
			OR (a.record_type = 'user' AND a.record_id IN (SELECT CAST(u.id AS TEXT) FROM users u WHERE u.id_index = $1))
			OR (a.record_type IN ('inquiry', 'inquiry_file') AND a.record_id IN (SELECT CAST(q.id AS TEXT) FROM inquiries q
				JOIN register_holders h ON h.entry_id = q.disclosed_entry WHERE q.disclosed_entry <> 0 AND h.id_index = $1)))
		ORDER BY a.id DESC LIMIT $2`, index, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonalView
	for rows.Next() {
		var v PersonalView
		var summary string
		if err := rows.Scan(&v.At, &v.Actor, &v.Org, &v.RecordType, &v.RecordID, &summary); err != nil {
			return nil, err
		}
		var s struct {
			Via     string `json:"via"`
			Channel string `json:"channel"`
			Purpose string `json:"query_purpose"`
		}
		json.Unmarshal([]byte(summary), &s) // a summary without these leaves them empty
		v.Via, v.Purpose = cmp.Or(s.Via, s.Channel), s.Purpose
		out = append(out, v)
	}
	return out, rows.Err()
}
