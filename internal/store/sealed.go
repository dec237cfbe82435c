package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/personal"
	"handover/internal/problem"
	"handover/internal/registry"
)

// Personal information at rest. Identity document numbers and phone
// numbers, and the records that carry them whole (a certificate's signed
// payload, a message to a partner, a filing's material, a cancellation's
// consents), are stored sealed (personal.Keyring.Seal) and opened as they
// are read, so that a copy of the database — a backup, a dump, a stolen
// disk — holds none of them in clear. A person is found by the blind index
// of their number (the id_index columns), never by the number.
//
// Each value is sealed bound to its table, its column and its row's
// natural key, the key the row has before it is written (a buyer's
// contract and place, a holder's entry and place, a user's login name, a
// certificate's number…), so that a sealed value moved to another column
// or another row does not open. sealedColumns lists them all; the key
// rotation (ResealPersonal) goes through that list, and the dump test
// checks that nothing outside it holds a number.

// field is the binding of a sealed value: "table.column:key".
func field(table, column string, key any) string {
	return fmt.Sprintf("%s.%s:%v", table, column, key)
}

// pair is a row key of two parts, as the binding and the rotation write it.
func pair(a, b any) string { return fmt.Sprintf("%v/%v", a, b) }

// errLocked is the refusal of every read or write of personal information
// while the keys are locked.
var errLocked = problem.New(problem.Refused, "personal.locked",
	"个人信息密钥未解锁，不能读写身份证号、电话等个人信息（启动时设置 HANDOVER_KEY_PASSPHRASE）")

// ring is the unlocked keyring (nil while locked).
func (db *DB) ring() *personal.Keyring { return db.personal.Load() }

// setRing makes ring the keyring, fetching from the database any data key
// made after it was unlocked (by a rotation in another process).
func (db *DB) setRing(ring *personal.Keyring) {
	ring.Fetch(func(id int64) (personal.Key, error) {
		// Bounded: the caller may hold a transaction, and every other
		// connection may be held by callers waiting for this key.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var k personal.Key
		err := db.sql.QueryRowContext(ctx, `SELECT id, kind, wrapped, created_at FROM personal_keys WHERE id = $1`, id).
			Scan(&k.ID, &k.Kind, &k.Wrapped, &k.CreatedAt)
		return k, err
	})
	db.personal.Store(ring)
}

// RefreshPersonal takes up a data key made since the keys were unlocked
// (handover personal rotate, run beside the server): values are sealed
// with it from then on. The server calls it every minute; it costs one
// query when there is none.
func (db *DB) RefreshPersonal(ctx context.Context) (bool, error) {
	ring := db.ring()
	if ring == nil {
		return false, nil
	}
	var newest int64
	if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM personal_keys WHERE kind = 'data'`).Scan(&newest); err != nil {
		return false, err
	}
	if newest <= ring.Active() {
		return false, nil
	}
	keys, err := db.personalKeys(ctx)
	if err != nil {
		return false, err
	}
	next, err := personal.Unlock(keys, db.passphrase)
	if err != nil {
		return false, err
	}
	db.setRing(next)
	return true, nil
}

// keys is the unlocked keyring, or personal.locked.
func (db *DB) keys() (*personal.Keyring, error) {
	ring := db.ring()
	if ring == nil {
		return nil, errLocked
	}
	return ring, nil
}

// Keyring is the unlocked keyring of personal information (nil while
// locked), for another handle on the same database (Options.Keyring).
func (db *DB) Keyring() *personal.Keyring { return db.ring() }

// PersonalUnlocked says whether personal information can be read and
// written.
func (db *DB) PersonalUnlocked() bool { return db.ring() != nil }

// unlockPersonal opens the keys with the passphrase of Options; on a
// database that has none yet it makes a data key and the index key first.
// Without a passphrase it leaves the keys locked.
func (db *DB) unlockPersonal(ctx context.Context) error {
	if db.ring() != nil || len(db.passphrase) == 0 {
		return nil
	}
	keys, err := db.personalKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		if keys, err = db.makePersonalKeys(ctx, false); err != nil {
			return err
		}
	}
	ring, err := personal.Unlock(keys, db.passphrase)
	if err != nil {
		return err
	}
	db.setRing(ring)
	return db.completeSealing(ctx)
}

// completeSealing seals, once, what a database from before the platform
// sealed holds in clear, and fills its blind indexes; then records that
// it did (personal_sealing), so that a clear value is refused from then
// on. Interrupted, it runs again at the next unlock.
func (db *DB) completeSealing(ctx context.Context) error {
	var done int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM personal_sealing`).Scan(&done); err != nil || done > 0 {
		return err
	}
	db.log.Info("sealing the personal information stored in clear before the platform sealed it")
	if _, err := db.reseal(ctx, audit.System(), 1000, nil, true); err != nil {
		return fmt.Errorf("seal the personal information stored in clear: %w", err)
	}
	return db.transact(ctx, audit.System(), func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO personal_sealing (id, done_at) VALUES (1, $1) ON CONFLICT DO NOTHING`, tx.now)
		return err
	})
}

// UnlockPersonal opens the database's existing keys with passphrase (it
// makes none: a database without keys is refused, personal.no_key).
func (db *DB) UnlockPersonal(ctx context.Context, passphrase []byte) error {
	keys, err := db.personalKeys(ctx)
	if err != nil {
		return err
	}
	ring, err := personal.Unlock(keys, passphrase)
	if err != nil {
		return err
	}
	db.passphrase = passphrase
	db.setRing(ring)
	return db.completeSealing(ctx)
}

// passphraseOpensASigningKey refuses db.passphrase unless it opens one of
// the authorities' signing keys (a database without any passes).
func (db *DB) passphraseOpensASigningKey(ctx context.Context, tx *Tx) error {
	keys, err := db.keysOf(ctx, tx.q())
	if err != nil || len(keys) == 0 {
		return err
	}
	for _, k := range keys {
		if _, err := certificate.Unlock(k, db.passphrase); err == nil {
			return nil
		}
	}
	return problem.New(problem.Refused, "personal.locked",
		"HANDOVER_KEY_PASSPHRASE 打不开本库任何一把签名密钥：为免以输错的口令加密全库个人信息，未生成个人信息密钥（请核对口令）")
}

// MakeDemoKeys makes the keys of a new database with passphrase — the
// demo's, when the demo is loaded without one — and refuses a database
// that already holds people's data: its keys must be made with the
// operator's passphrase, not a public one.
func (db *DB) MakeDemoKeys(ctx context.Context, passphrase []byte) error {
	keys, err := db.personalKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return db.UnlockPersonal(ctx, passphrase)
	}
	db.passphrase = passphrase
	if keys, err = db.makePersonalKeys(ctx, true); err != nil {
		db.passphrase = nil
		return err
	}
	ring, err := personal.Unlock(keys, passphrase)
	if err != nil {
		return err
	}
	db.setRing(ring)
	return db.completeSealing(ctx)
}

func (db *DB) personalKeys(ctx context.Context) ([]personal.Key, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, wrapped, created_at FROM personal_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []personal.Key
	for rows.Next() {
		var k personal.Key
		if err := rows.Scan(&k.ID, &k.Kind, &k.Wrapped, &k.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// makePersonalKeys makes the first data key and the index key. Two
// processes starting on one new database at once both try; the index
// key's unique index lets one win, and the other reads the winner's.
func (db *DB) makePersonalKeys(ctx context.Context, onlyEmpty bool) ([]personal.Key, error) {
	now := db.Now()
	data, err := personal.NewKey(personal.DataKey, db.passphrase, now, db.keyCost)
	if err != nil {
		return nil, err
	}
	index, err := personal.NewKey(personal.IndexKey, db.passphrase, now, db.keyCost)
	if err != nil {
		return nil, err
	}
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		// Sealed values without keys: the keys were deleted, or a restore
		// left them out. New keys would not open them; say so instead.
		var sealed []string
		for _, c := range sealedColumns {
			pattern := "pi1:%"
			if c.applicants {
				pattern = `%"pi1:%`
			}
			sealed = append(sealed, `EXISTS (SELECT 1 FROM `+c.table+` WHERE `+c.column+` LIKE '`+pattern+`')`)
		}
		var lost, held bool
		if err := tx.queryRow(ctx, `SELECT `+strings.Join(sealed, " OR ")).Scan(&lost); err != nil {
			return err
		}
		if lost {
			return problem.New(problem.Refused, "personal.keys_lost",
				"数据库中有加密的个人信息，却没有其密钥（personal_keys 被删除或恢复不完整）：请从完整的备份恢复，切勿另生成密钥")
		}
		// A database with no one in it yet has nothing stored in clear.
		if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM contract_buyers)
			OR EXISTS (SELECT 1 FROM register_holders) OR EXISTS (SELECT 1 FROM outbox)`).Scan(&held); err != nil {
			return err
		}
		if held && onlyEmpty {
			return problem.New(problem.Refused, "personal.locked", "数据库已有数据而尚无个人信息密钥：请设置 HANDOVER_KEY_PASSPHRASE，以其生成密钥并加密已存的个人信息")
		}
		if held {
			// The whole database is about to be sealed under this
			// passphrase: a mistyped one would lock it for good. It must
			// open a signing key of the database, where there is one.
			if err := db.passphraseOpensASigningKey(ctx, tx); err != nil {
				return err
			}
		} else if _, err := tx.exec(ctx, `INSERT INTO personal_sealing (id, done_at) VALUES (1, $1) ON CONFLICT DO NOTHING`, tx.now); err != nil {
			return err
		}
		for _, k := range []*personal.Key{&index, &data} {
			if k.ID, err = tx.insertID(ctx, `INSERT INTO personal_keys (kind, wrapped, created_at) VALUES ($1, $2, $3)`, k.Kind, k.Wrapped, tx.now); err != nil {
				return err
			}
			tx.Audit("personal.key_create", "personal_key", k.ID, map[string]any{"kind": k.Kind})
		}
		return nil
	})
	if err == nil {
		return []personal.Key{index, data}, nil // held in memory: unlocking them costs no unwrapping
	}
	if !isUniqueViolation(err) {
		return nil, err
	}
	return db.personalKeys(ctx) // another process made them first
}

// RotatePersonalKey makes a new data key, wrapped with the passphrase the
// keys were unlocked with; values are sealed with it from now on, and
// ResealPersonal re-seals the stored ones.
func (db *DB) RotatePersonalKey(ctx context.Context, actor audit.Actor) (int64, error) {
	if _, err := db.keys(); err != nil {
		return 0, err
	}
	if len(db.passphrase) == 0 {
		return 0, problem.New(problem.Refused, "personal.locked", "轮换个人信息密钥须以口令解锁（设置 HANDOVER_KEY_PASSPHRASE）")
	}
	k, err := personal.NewKey(personal.DataKey, db.passphrase, db.Now(), db.keyCost)
	if err != nil {
		return 0, err
	}
	err = db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if k.ID, err = tx.insertID(ctx, `INSERT INTO personal_keys (kind, wrapped, created_at) VALUES ($1, $2, $3)`, k.Kind, k.Wrapped, tx.now); err != nil {
			return err
		}
		tx.Audit("personal.key_rotate", "personal_key", k.ID, map[string]any{"kind": k.Kind})
		return nil
	})
	if err != nil {
		return 0, err
	}
	keys, err := db.personalKeys(ctx)
	if err != nil {
		return 0, err
	}
	ring, err := personal.Unlock(keys, db.passphrase)
	if err != nil {
		return 0, err
	}
	db.setRing(ring)
	return k.ID, nil
}

// A sealedColumn is a column that holds personal information sealed.
type sealedColumn struct {
	table, column string
	pk            []string // the columns that find the row
	key           string   // SQL of the row's natural key, as field binds it
	index         string   // the column of the blind index, if any
	indexNull     bool     // the blind index of no number is NULL (a unique index), not ''
	applicants    bool     // a JSON list of applicants, each id_number sealed in it
}

// sealedColumns is every column that holds personal information.
var sealedColumns = []sealedColumn{
	{table: "users", column: "id_number", pk: []string{"id"}, key: "username", index: "id_index", indexNull: true},
	{table: "users", column: "phone", pk: []string{"id"}, key: "username"},
	{table: "contract_buyers", column: "id_number", pk: []string{"contract_id", "seq"}, key: pairSQL("contract_id", "seq"), index: "id_index"},
	{table: "contract_buyers", column: "phone", pk: []string{"contract_id", "seq"}, key: pairSQL("contract_id", "seq")},
	{table: "register_holders", column: "id_number", pk: []string{"entry_id", "seq"}, key: pairSQL("entry_id", "seq"), index: "id_index"},
	{table: "register_entries", column: "obligor_id", pk: []string{"id"}, key: "CAST(unit_id AS TEXT)"},
	{table: "inquiries", column: "id_number", pk: []string{"id"}, key: "number", index: "id_index"},
	{table: "inquiries", column: "payload", pk: []string{"id"}, key: "number"},
	{table: "applications", column: "applicants", pk: []string{"id"}, key: "number", applicants: true},
	{table: "services", column: "details", pk: []string{"id"}, key: pairSQL("application_id", "seq")},
	{table: "certificates", column: "payload", pk: []string{"id"}, key: "cert_no"},
	{table: "outbox", column: "payload", pk: []string{"id"}, key: "aggregate"},
	{table: "filing_materials", column: "content", pk: []string{"id"}, key: pairSQL("contract_id", "kind")},
	{table: "contract_cancellations", column: "buyers_ok", pk: []string{"id"}, key: "CAST(contract_id AS TEXT)"},
}

func pairSQL(a, b string) string {
	return "CAST(" + a + " AS TEXT) || '/' || CAST(" + b + " AS TEXT)"
}

// Resealed counts what ResealPersonal did to one column.
type Resealed struct {
	Table, Column string
	Rows          int // rows read
	Changed       int // rows re-sealed or newly indexed
}

// ResealPersonal re-seals, in transactions of batch rows, every stored
// value not sealed with the active data key — after RotatePersonalKey, or
// a value stored in clear before the platform sealed — and fills a missing
// blind index. It is resumable: run again, it passes over what is done. A
// value that does not open (moved, or changed without the key) stops it,
// naming the row. progress, if set, is told after every batch.
func (db *DB) ResealPersonal(ctx context.Context, actor audit.Actor, batch int, progress func(Resealed)) ([]Resealed, error) {
	return db.reseal(ctx, actor, batch, progress, false)
}

// reseal is ResealPersonal; clearToo seals values in clear too, as the
// first unlock of a database from before does (completeSealing). After
// it, a value in clear was written past the store: re-sealing it would
// launder it, so the pass stops and names the row.
func (db *DB) reseal(ctx context.Context, actor audit.Actor, batch int, progress func(Resealed), clearToo bool) ([]Resealed, error) {
	ring, err := db.keys()
	if err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = 1000
	}
	var out []Resealed
	for _, c := range sealedColumns {
		r := Resealed{Table: c.table, Column: c.column}
		var cursor []any
		for {
			n, changed, next, err := db.resealBatch(ctx, actor, ring, c, cursor, batch, clearToo)
			if err != nil {
				return out, fmt.Errorf("%s.%s: %w", c.table, c.column, err)
			}
			r.Rows, r.Changed = r.Rows+n, r.Changed+changed
			if progress != nil {
				progress(r)
			}
			if n < batch {
				break
			}
			cursor = next
		}
		out = append(out, r)
	}
	return out, nil
}

// resealBatch re-seals the batch rows of c after cursor (the last row's
// primary key; nil: from the start). A batch with nothing to change is
// only read; one with changes is read again and written in one
// transaction, its rows locked until it commits (PostgreSQL), so that a
// row changed between the read and the write keeps its change.
func (db *DB) resealBatch(ctx context.Context, actor audit.Actor, ring *personal.Keyring, c sealedColumn, cursor []any, batch int, clearToo bool) (n, changed int, next []any, err error) {
	n, todo, next, err := resealScan(ctx, db.r(), ring, c, cursor, batch, "", clearToo)
	if err != nil || len(todo) == 0 {
		return n, 0, next, err
	}
	pk := strings.Join(c.pk, ", ")
	err = db.transact(ctx, actor, func(tx *Tx) error {
		changed = 0
		var err error
		if n, todo, next, err = resealScan(ctx, tx.q(), ring, c, cursor, batch, db.forUpdate(), clearToo); err != nil {
			return err
		}
		for _, ch := range todo {
			set, args := c.column+" = $1", []any{ch.value}
			if c.index != "" {
				var idx any = ch.index
				if c.indexNull && ch.index == "" {
					idx = nil
				}
				set, args = set+", "+c.index+" = $2", append(args, idx)
			}
			if _, err := tx.exec(ctx, `UPDATE `+c.table+` SET `+set+` WHERE (`+pk+`) = (`+placeholders(len(args)+1, len(ch.pk))+`)`,
				append(args, ch.pk...)...); err != nil {
				return err
			}
			changed++
		}
		if changed > 0 {
			tx.Audit("personal.reseal", "personal_key", ring.Active(), map[string]any{"table": c.table, "column": c.column, "rows": changed})
		}
		return nil
	})
	return n, changed, next, err
}

// resealChange is a row of a batch whose value or index changes.
type resealChange struct {
	pk           []any
	value, index string
}

// resealScan reads the batch rows of c after cursor and works out which
// change; lock is appended to the query (FOR UPDATE, or "").
func resealScan(ctx context.Context, q querier, ring *personal.Keyring, c sealedColumn, cursor []any, batch int, lock string, clearToo bool) (n int, todo []resealChange, next []any, err error) {
	pk := strings.Join(c.pk, ", ")
	index := "''"
	if c.index != "" {
		index = "COALESCE(" + c.index + ", '')"
	}
	where, args := "", []any{}
	if cursor != nil {
		where, args = "WHERE ("+pk+") > ("+placeholders(1, len(cursor))+")", cursor
	}
	rows, err := q.QueryContext(ctx, `SELECT `+pk+`, `+c.key+`, COALESCE(`+c.column+`, ''), `+index+` FROM `+c.table+` `+where+
		` ORDER BY `+pk+` LIMIT `+fmt.Sprint(batch)+lock, args...)
	if err != nil {
		return 0, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		pkv := make([]any, len(c.pk))
		ptrs := make([]any, len(c.pk)+3)
		for i := range pkv {
			ptrs[i] = &pkv[i]
		}
		var key, stored, oldIndex string
		ptrs[len(c.pk)], ptrs[len(c.pk)+1], ptrs[len(c.pk)+2] = &key, &stored, &oldIndex
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, nil, err
		}
		n++
		next = pkv
		value, idx, err := reseal(ring, c, key, stored, clearToo)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%v: %w", pkv, err)
		}
		if value != stored || idx != oldIndex {
			todo = append(todo, resealChange{pkv, value, idx})
		}
	}
	return n, todo, next, rows.Err()
}

// reseal is the stored value of c in the row of key sealed with the
// active key, and the blind index of its number (for a column that has
// one).
func reseal(ring *personal.Keyring, c sealedColumn, key, stored string, clearToo bool) (value, index string, err error) {
	if c.applicants {
		value, err := resealApplicants(ring, key, stored, clearToo)
		return value, "", err
	}
	if stored != "" && !clearToo && !personal.IsSealed(stored) {
		return "", "", errClear
	}
	f := field(c.table, c.column, key)
	clear, err := ring.Open(f, stored)
	if err != nil {
		return "", "", err
	}
	if c.index != "" {
		index = ring.Index(clear)
	}
	if personal.KeyOf(stored) >= ring.Active() {
		return stored, index, nil // sealed with this key, or a newer one another process made
	}
	return ring.Seal(f, clear), index, nil
}

// sealApplicants is an application's applicants as stored: the JSON list,
// each ID number in it sealed, so that the list stays searchable by name.
func sealApplicants(ring *personal.Keyring, number string, list []registry.Applicant) string {
	sealed := make([]registry.Applicant, len(list))
	for i, a := range list {
		a.IDNumber = ring.Seal(applicantField(number, i), a.IDNumber)
		sealed[i] = a
	}
	b, _ := json.Marshal(sealed)
	return string(b)
}

// openApplicants reads stored applicants (sealApplicants).
func openApplicants(ring *personal.Keyring, number, stored string) ([]registry.Applicant, error) {
	var list []registry.Applicant
	json.Unmarshal([]byte(stored), &list) // a list not as written reads as no applicants, as before
	for i := range list {
		id, err := openValue(ring, applicantField(number, i), list[i].IDNumber)
		if err != nil {
			return nil, err
		}
		list[i].IDNumber = id
	}
	return list, nil
}

// applicantField binds an applicant's number to its application and its
// place in the list.
func applicantField(number string, i int) string {
	return field("applications", "applicants", pair(number, i+1))
}

// resealApplicants is stored applicants with each number sealed by the
// active key.
func resealApplicants(ring *personal.Keyring, number, stored string, clearToo bool) (string, error) {
	var list []registry.Applicant
	if err := json.Unmarshal([]byte(stored), &list); err != nil {
		return stored, nil // not a list: nothing of a person's to seal
	}
	changed := false
	for i := range list {
		if list[i].IDNumber == "" {
			continue
		}
		if !clearToo && !personal.IsSealed(list[i].IDNumber) {
			return "", errClear
		}
		f := applicantField(number, i)
		clear, err := ring.Open(f, list[i].IDNumber)
		if err != nil {
			return "", err
		}
		if personal.KeyOf(list[i].IDNumber) >= ring.Active() {
			continue
		}
		list[i].IDNumber, changed = ring.Seal(f, clear), true
	}
	if !changed {
		return stored, nil
	}
	b, _ := json.Marshal(list)
	return string(b), nil
}

// sealValue is value sealed for f; an empty value stays empty.
func sealValue(ring *personal.Keyring, f, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	if ring == nil {
		return "", errLocked
	}
	return ring.Seal(f, value), nil
}

// openValue is a stored value opened. Once the keys are unlocked every
// stored value is sealed (Migrate seals what was stored before the
// platform sealed, before anything reads it), so a value in clear is one
// written past the store and is refused as tampering. While the keys are
// locked, a value that is not sealed (empty, or from a database never
// sealed) still reads and a sealed one is refused.
func openValue(ring *personal.Keyring, f, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	if ring == nil {
		if personal.IsSealed(stored) {
			return "", errLocked
		}
		return stored, nil
	}
	if !personal.IsSealed(stored) {
		return "", errClear
	}
	return ring.Open(f, stored)
}

// errClear refuses a value stored in clear where the store seals.
var errClear = problem.New(problem.Invalid, "personal.sealed", "应加密存储的个人信息以明文存放：记录可能被绕过系统改动，请由系统管理员核查")

// indexOf is the blind index of an identity document number ("" for none).
func indexOf(ring *personal.Keyring, number string) (string, error) {
	if number == "" {
		return "", nil
	}
	if ring == nil {
		return "", errLocked
	}
	return ring.Index(number), nil
}

// BuyerColumns are the columns of contract_buyers that SealedBuyer fills,
// for the synthetic data that InsertRows writes.
var BuyerColumns = []string{"contract_id", "seq", "name", "id_number", "id_index"}

// SealedBuyer is a buyer's row of BuyerColumns, the number sealed and
// indexed as the store writes it.
func SealedBuyer(ring *personal.Keyring, contract int64, seq int, name, number string) ([]any, error) {
	sealed, err := sealValue(ring, field("contract_buyers", "id_number", pair(contract, seq)), number)
	if err != nil {
		return nil, err
	}
	index, _ := indexOf(ring, number)
	return []any{contract, seq, name, sealed, index}, nil
}

// SealedEventPayload is an event's payload as the outbox stores it, for
// the synthetic events that tests write past the store.
func SealedEventPayload(ring *personal.Keyring, aggregate, payload string) (string, error) {
	return sealValue(ring, field("outbox", "payload", aggregate), payload)
}
