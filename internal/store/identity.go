package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/code"
	"handover/internal/identity"
	"handover/internal/personal"
	"handover/internal/problem"
)

// ---- jurisdictions

// PutJurisdiction creates or updates a jurisdiction (set-up data).
func (db *DB) PutJurisdiction(ctx context.Context, actor audit.Actor, j identity.Jurisdiction, parent string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		var p any
		if parent != "" {
			p = parent
		}
		_, err := tx.exec(ctx, `INSERT INTO jurisdictions (code, name, kind, county, cert_place, province, region, parent)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, county = excluded.county,
				cert_place = excluded.cert_place, province = excluded.province, region = excluded.region, parent = excluded.parent`,
			j.Code, j.Name, string(j.Kind), j.County, j.CertPlace, j.Province, j.Region, p)
		if err != nil {
			return err
		}
		tx.Audit("jurisdiction.put", "jurisdiction", j.Code, j)
		return nil
	})
}

const jurisdictionColumns = `code, name, kind, county, cert_place, province, region`

func scanJurisdiction(r interface{ Scan(...any) error }) (identity.Jurisdiction, error) {
	var j identity.Jurisdiction
	var kind string
	err := r.Scan(&j.Code, &j.Name, &kind, &j.County, &j.CertPlace, &j.Province, &j.Region)
	j.Kind = identity.JurisdictionKind(kind)
	return j, err
}

// Jurisdictions lists every jurisdiction, the prefecture first, then by code.
func (db *DB) Jurisdictions(ctx context.Context) ([]identity.Jurisdiction, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT `+jurisdictionColumns+` FROM jurisdictions
		ORDER BY CASE kind WHEN 'prefecture' THEN 0 ELSE 1 END, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Jurisdiction
	for rows.Next() {
		j, err := scanJurisdiction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Jurisdiction returns one jurisdiction.
func (db *DB) Jurisdiction(ctx context.Context, code string) (identity.Jurisdiction, error) {
	j, err := scanJurisdiction(db.r().QueryRowContext(ctx, `SELECT `+jurisdictionColumns+` FROM jurisdictions WHERE code = $1`, code))
	return j, notFound(err, "jurisdiction.not_found", "辖区不存在")
}

// ---- organisations

const orgColumns = `id, name, kind, service, jurisdiction, COALESCE(uscc, ''), created_at`

func scanOrg(r interface{ Scan(...any) error }) (identity.Org, error) {
	var o identity.Org
	var kind string
	err := r.Scan(&o.ID, &o.Name, &kind, &o.Service, &o.Jurisdiction, &o.USCC, &o.CreatedAt)
	o.Kind = identity.OrgKind(kind)
	return o, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateOrg validates and creates an organisation, for whoever may manage
// the organisations of its jurisdiction.
func (db *DB) CreateOrg(ctx context.Context, actor audit.Actor, o identity.Org) (identity.Org, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := decide(ctx, access.OrgManage, access.Target{Jurisdiction: o.Jurisdiction}); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		if _, err := db.jurisdictionTx(ctx, tx, o.Jurisdiction); err != nil {
			return err
		}
		o.CreatedAt = tx.now
		id, err := tx.insertID(ctx, `INSERT INTO organisations (name, kind, service, jurisdiction, uscc, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.Name, string(o.Kind), o.Service, o.Jurisdiction, nullIfEmpty(o.USCC), o.CreatedAt)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "org.exists", "同一辖区已有同名机构，或统一社会信用代码已被使用")
		}
		if err != nil {
			return err
		}
		o.ID = id
		tx.Audit("org.create", "organisation", id, map[string]any{"after": o})
		return nil
	})
	db.identityGen.Add(1)
	return o, err
}

// decideUser decides act on user id (the target of its organisation's
// jurisdiction and the user), read with q: a user that does not exist is
// user.not_found.
func decideUser(ctx context.Context, q querier, id int64, act access.Action) error {
	var j string
	err := q.QueryRowContext(ctx, `SELECT o.jurisdiction FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1`, id).Scan(&j)
	if err != nil {
		return notFound(err, "user.not_found", "用户不存在")
	}
	return decide(ctx, act, access.Target{Jurisdiction: j, User: id})
}

func (db *DB) jurisdictionTx(ctx context.Context, tx *Tx, code string) (identity.Jurisdiction, error) {
	j, err := readOnce(&tx.known.jurisdictions, code, func() (identity.Jurisdiction, error) {
		return scanJurisdiction(tx.queryRow(ctx, `SELECT `+jurisdictionColumns+` FROM jurisdictions WHERE code = $1`, code))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return j, identity.UnknownJurisdiction(code)
	}
	return j, err
}

// jurisdictionReads are the read of jurisdiction code into what the
// transaction keeps (jurisdictionTx then reads none), for a step to send
// with its other reads (readAll); none when it is kept already.
func (tx *Tx) jurisdictionReads(code string) []pipedRead {
	if _, ok := tx.known.jurisdictions[code]; ok {
		return nil
	}
	return []pipedRead{{q: `SELECT ` + jurisdictionColumns + ` FROM jurisdictions WHERE code = $1`, args: []any{code}, row: func(r rowScanner) error {
		j, err := scanJurisdiction(r)
		if err != nil {
			return err
		}
		if tx.known.jurisdictions == nil {
			tx.known.jurisdictions = map[string]identity.Jurisdiction{}
		}
		tx.known.jurisdictions[code] = j
		return nil
	}}}
}

// Org returns one organisation.
func (db *DB) Org(ctx context.Context, id int64) (identity.Org, error) {
	o, err := scanOrg(db.r().QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	return o, notFound(err, "org.not_found", "机构不存在")
}

// orgKind reads the kind of the organisation id, with suffix appended to
// the query (a row lock, or ""). An organisation that does not exist has
// the kind "": the domain's checks, which ask for a kind, refuse it as the
// form's bad choice.
func orgKind(ctx context.Context, q querier, id int64, suffix string) (identity.OrgKind, error) {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM organisations WHERE id = $1`+suffix, id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return identity.OrgKind(kind), err
}

// OrgQuery filters ListOrgs.
type OrgQuery struct {
	Kind         identity.OrgKind
	Jurisdiction string
}

// ListOrgs lists the organisations the filter allows, by jurisdiction, kind and name.
func (db *DB) ListOrgs(ctx context.Context, f access.Filter, q OrgQuery) ([]identity.Org, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.All {
		where = append(where, `jurisdiction = `+arg(f.Jurisdiction))
	}
	if q.Kind != "" {
		where = append(where, `kind = `+arg(string(q.Kind)))
	}
	if q.Jurisdiction != "" {
		where = append(where, `jurisdiction = `+arg(q.Jurisdiction))
	}
	s := `SELECT ` + orgColumns + ` FROM organisations`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, s+` ORDER BY jurisdiction, kind, name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ---- users

const userColumns = `u.id, u.username, u.name, u.org_id, COALESCE(u.id_number, ''), u.phone, u.password_hash,
	u.disabled, u.failed_logins, u.locked_until, u.created_at`

// scanUser reads userColumns, opening the ID and phone numbers with ring.
func scanUser(ring *personal.Keyring, r interface{ Scan(...any) error }) (identity.User, error) {
	var u identity.User
	var locked sql.NullTime
	err := r.Scan(&u.ID, &u.Username, &u.Name, &u.OrgID, &u.IDNumber, &u.Phone, &u.PasswordHash,
		&u.Disabled, &u.FailedLogins, &locked, &u.CreatedAt)
	if locked.Valid {
		u.LockedUntil = locked.Time
	}
	if err == nil {
		u.IDNumber, err = openValue(ring, field("users", "id_number", u.Username), u.IDNumber)
	}
	if err == nil {
		u.Phone, err = openValue(ring, field("users", "phone", u.Username), u.Phone)
	}
	return u, err
}

func (db *DB) loadRoles(ctx context.Context, q querier, users []*identity.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := map[int64]*identity.User{}
	var ids []string
	for _, u := range users {
		byID[u.ID] = u
		u.Roles = nil
		ids = append(ids, fmt.Sprint(u.ID))
	}
	// The ids are integers from the database: safe to inline, and one query.
	rows, err := q.QueryContext(ctx, `SELECT user_id, role FROM user_roles WHERE user_id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			return err
		}
		byID[id].Roles = append(byID[id].Roles, identity.Role(r))
	}
	for _, u := range users {
		sortRoles(u.Roles)
	}
	return rows.Err()
}

func sortRoles(rs []identity.Role) {
	order := map[identity.Role]int{}
	for i, r := range identity.Roles {
		order[r] = i
	}
	sort.Slice(rs, func(i, j int) bool { return order[rs[i]] < order[rs[j]] })
}

// NewUser is the input of CreateUser.
type NewUser struct {
	User     identity.User
	Password string
	Hash     identity.HashParams
}

// CreateUser validates and creates a user with a hashed password, for
// whoever may manage the users of its organisation's jurisdiction (an
// organisation that does not exist is org.not_found). The password is
// hashed before the transaction: hashing is deliberately slow CPU work and
// must not hold the write lock; access is decided before it, and again on
// the organisation the transaction reads.
func (db *DB) CreateUser(ctx context.Context, actor audit.Actor, in NewUser) (identity.User, error) {
	u := in.User
	org, err := db.Org(ctx, u.OrgID)
	if err != nil {
		return identity.User{}, err
	}
	if err := decide(ctx, access.UserManage, access.Target{Jurisdiction: org.Jurisdiction}); err != nil {
		return identity.User{}, err
	}
	if err := identity.CheckNewPassword(in.Password); err != nil {
		return identity.User{}, err
	}
	if err := u.Validate(org); err != nil {
		return identity.User{}, err
	}
	hash, err := identity.HashPassword(in.Password, in.Hash)
	if err != nil {
		return identity.User{}, err
	}
	err = db.transact(ctx, actor, func(tx *Tx) error {
		if _, err := scanOrg(tx.queryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, u.OrgID)); err != nil {
			return notFound(err, "org.not_found", "机构不存在")
		}
		u.CreatedAt, u.PasswordHash = tx.now, hash
		number, err := sealValue(db.ring(), field("users", "id_number", u.Username), u.IDNumber)
		if err != nil {
			return err
		}
		phone, err := sealValue(db.ring(), field("users", "phone", u.Username), u.Phone)
		if err != nil {
			return err
		}
		index, _ := indexOf(db.ring(), u.IDNumber)
		id, err := tx.insertID(ctx, `INSERT INTO users (username, name, org_id, id_number, id_index, phone, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, u.Username, u.Name, u.OrgID, nullIfEmpty(number), nullIfEmpty(index), phone, hash, u.CreatedAt)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "user.exists", "用户名已存在，或该身份证号已注册")
		}
		if err != nil {
			return err
		}
		u.ID = id
		for _, r := range u.Roles {
			if _, err := tx.exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, id, string(r)); err != nil {
				return err
			}
		}
		tx.Audit("user.create", "user", id, map[string]any{"after": userSummary(u)})
		return nil
	})
	db.identityGen.Add(1)
	return u, err
}

// userSummary is what the audit trail keeps of a user: never the password
// hash, and the ID number only masked (summaryJSON masks it again anyway).
func userSummary(u identity.User) map[string]any {
	return map[string]any{"username": u.Username, "name": u.Name, "org": u.OrgID, "roles": u.Roles,
		"disabled": u.Disabled, "has_id_number": u.IDNumber != ""}
}

// User returns one user with roles.
func (db *DB) User(ctx context.Context, id int64) (identity.User, error) {
	u, err := scanUser(db.ring(), db.r().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return u, notFound(err, "user.not_found", "用户不存在")
	}
	err = db.loadRoles(ctx, db.r(), []*identity.User{&u})
	return u, err
}

// UserByName returns one user by username, or — for a valid 身份证号 —
// by ID number, so that buyers can log in with it.
func (db *DB) UserByName(ctx context.Context, username string) (identity.User, error) {
	q, arg := `SELECT `+userColumns+` FROM users u WHERE u.username = $1`, strings.ToLower(strings.TrimSpace(username))
	if c, err := code.ParseIDCard(username); err == nil {
		index, err := indexOf(db.ring(), c.Number)
		if err != nil {
			return identity.User{}, err
		}
		q, arg = `SELECT `+userColumns+` FROM users u WHERE u.id_index = $1`, index
	}
	u, err := scanUser(db.ring(), db.r().QueryRowContext(ctx, q, arg))
	if err != nil {
		return u, notFound(err, "user.not_found", "用户不存在")
	}
	err = db.loadRoles(ctx, db.r(), []*identity.User{&u})
	return u, err
}

// UserQuery filters ListUsers.
type UserQuery struct {
	OrgID int64
	Role  identity.Role
}

// ListUsers lists users of organisations the filter allows.
func (db *DB) ListUsers(ctx context.Context, f access.Filter, q UserQuery) ([]identity.User, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.All {
		where = append(where, `u.org_id IN (SELECT id FROM organisations WHERE jurisdiction = `+arg(f.Jurisdiction)+`)`)
	}
	if q.OrgID != 0 {
		where = append(where, `u.org_id = `+arg(q.OrgID))
	}
	if q.Role != "" {
		where = append(where, `u.id IN (SELECT user_id FROM user_roles WHERE role = `+arg(string(q.Role))+`)`)
	}
	s := `SELECT ` + userColumns + ` FROM users u`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r().QueryContext(ctx, s+` ORDER BY u.org_id, u.username LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		u, err := scanUser(db.ring(), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*identity.User, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, db.loadRoles(ctx, db.r(), ptrs)
}

// UpdateUser applies an administrator's change, checked against the
// user's organisation by identity, for whoever may manage the users of its
// jurisdiction. A new password is checked and hashed before the
// transaction (hashing is slow and must not hold the write lock), after
// access is decided; the transaction decides again on the user it locks.
func (db *DB) UpdateUser(ctx context.Context, actor audit.Actor, id int64, ch identity.UserChange) (identity.User, error) {
	if ch.Password != "" {
		if err := decideUser(ctx, db.r(), id, access.UserManage); err != nil {
			return identity.User{}, err
		}
	}
	hash, err := ch.NewHash()
	if err != nil {
		return identity.User{}, err
	}
	var u identity.User
	err = db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		u, err = tx.updateUser(ctx, id, ch, hash)
		return err
	})
	db.identityGen.Add(1)
	return u, err
}

// updateUser loads the user (locked) with its roles and organisation, asks
// identity to apply the change, writes what it makes and audits it.
func (tx *Tx) updateUser(ctx context.Context, id int64, ch identity.UserChange, hash string) (identity.User, error) {
	u, err := scanUser(tx.db.ring(), tx.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`+tx.db.forUpdate(), id))
	if err != nil {
		return u, notFound(err, "user.not_found", "用户不存在")
	}
	if err := tx.db.loadRoles(ctx, tx.q(), []*identity.User{&u}); err != nil {
		return u, err
	}
	before := userSummary(u)
	org, err := scanOrg(tx.queryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, u.OrgID))
	if err != nil {
		return u, err
	}
	if err := decide(ctx, access.UserManage, access.Target{Jurisdiction: org.Jurisdiction, User: u.ID}); err != nil {
		return u, err
	}
	if err := ch.Apply(&u, org, hash); err != nil {
		return u, err
	}
	if err := tx.saveUser(ctx, u, ch.Roles != nil); err != nil {
		return u, err
	}
	if ch.Unlock {
		if _, err := tx.exec(ctx, `DELETE FROM login_sources WHERE user_id = $1`, id); err != nil {
			return u, err
		}
	}
	after := userSummary(u)
	if ch.EndsSessions(hash) {
		n, err := tx.endSessions(ctx, id)
		if err != nil {
			return u, err
		}
		after["sessions_ended"] = n
	}
	after["password_changed"] = hash != ""
	after["unlocked"] = ch.Unlock
	tx.Audit("user.update", "user", id, map[string]any{"before": before, "after": after})
	return u, nil
}

// saveUser writes a user's state and password hash, and its roles when
// they changed.
func (tx *Tx) saveUser(ctx context.Context, u identity.User, roles bool) error {
	if _, err := tx.exec(ctx, `UPDATE users SET disabled = $1, failed_logins = $2, locked_until = $3, password_hash = $4 WHERE id = $5`,
		u.Disabled, u.FailedLogins, nullTime(u.LockedUntil), u.PasswordHash, u.ID); err != nil {
		return err
	}
	if !roles {
		return nil
	}
	if _, err := tx.exec(ctx, `DELETE FROM user_roles WHERE user_id = $1`, u.ID); err != nil {
		return err
	}
	for _, r := range u.Roles {
		if _, err := tx.exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, string(r)); err != nil {
			return err
		}
	}
	return nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// ---- authentication

// Authenticate checks a username and password at the store's clock,
// applying the lock-out rule; every outcome is audited. The password is
// checked outside any transaction (argon2id is slow on purpose).
func (db *DB) Authenticate(ctx context.Context, addr, username, password string) (identity.User, error) {
	bad := problem.New(problem.Unauthenticated, "auth.invalid", "用户名或密码错误")
	u, err := db.UserByName(ctx, username)
	if problem.KindOf(err) == problem.NotFound {
		if _, err := db.checkPassword(ctx, dummyHash, password); err != nil { // same cost whether or not the user exists
			return identity.User{}, err
		}
		db.RecordAudit(ctx, audit.Actor{Name: "匿名", Addr: addr}, "auth.login_failed", "user", code.RedactIDNumbers(strings.ToLower(username)), map[string]any{"reason": "unknown user"})
		return identity.User{}, bad
	}
	if err != nil {
		return identity.User{}, err
	}
	actor := audit.Actor{UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Addr: addr}
	source := identity.LoginSourceOf(addr)
	src, err := db.loginSource(ctx, u.ID, source)
	if err != nil {
		return identity.User{}, err
	}
	refused := u.CanLogin()
	if refused == nil {
		refused = src.CanTry(db.Now())
	}
	if refused != nil {
		db.RecordAudit(ctx, actor, "auth.login_refused", "user", u.ID, map[string]any{"reason": problem.CodeOf(refused)})
		return identity.User{}, refused
	}
	if d := u.FailureDelay(); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return identity.User{}, ctx.Err()
		}
	}
	ok, err := db.checkPassword(ctx, u.PasswordHash, password)
	if err != nil {
		return identity.User{}, err
	}
	var lockedMeanwhile error
	err = db.transact(ctx, actor, func(tx *Tx) error {
		cur, err := scanUser(tx.db.ring(), tx.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`+db.forUpdate(), u.ID))
		if err != nil {
			return err
		}
		// Attempts sent together all passed the check above before any
		// failed: the pair's row, locked here, decides. One that finds the
		// address locked by the others is refused, its password right or
		// not, and counts for nothing.
		src, err := lockedLoginSource(ctx, tx, u.ID, source)
		if err != nil {
			return err
		}
		if lockedMeanwhile = src.CanTry(tx.now); lockedMeanwhile != nil {
			tx.Audit("auth.login_refused", "user", u.ID, map[string]any{"reason": problem.CodeOf(lockedMeanwhile)})
			return nil
		}
		if ok {
			cur.SucceedLogin()
			tx.Audit("auth.login", "user", u.ID, nil)
			if _, err := tx.exec(ctx, `DELETE FROM login_sources WHERE user_id = $1 AND addr = $2`, u.ID, source); err != nil {
				return err
			}
			// Other addresses stay locked out: administrators still see
			// the latest of their locks.
			// (ORDER BY, not MAX: SQLite's MAX answers a timestamp as text.)
			var still time.Time
			err := tx.queryRow(ctx, `SELECT locked_until FROM login_sources WHERE user_id = $1 AND locked_until > $2
				ORDER BY locked_until DESC LIMIT 1`, u.ID, tx.now).Scan(&still)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			cur.LockedUntil = still
		} else {
			cur.FailLogin()
			if src.Fail(tx.now) {
				cur.LockedUntil = src.LockedUntil
				tx.Audit("auth.locked", "user", u.ID, map[string]any{"locked_until": src.LockedUntil, "failed_logins": cur.FailedLogins})
			} else {
				tx.Audit("auth.login_failed", "user", u.ID, map[string]any{"failed_logins": cur.FailedLogins})
			}
			if _, err := tx.exec(ctx, `UPDATE login_sources SET failures = $1, locked_until = $2, last_failed_at = $5 WHERE user_id = $3 AND addr = $4`,
				src.Failures, nullTime(src.LockedUntil), u.ID, source, tx.now); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`,
			cur.FailedLogins, nullTime(cur.LockedUntil), u.ID)
		return err
	})
	if err != nil {
		return identity.User{}, err
	}
	if lockedMeanwhile != nil {
		return identity.User{}, lockedMeanwhile
	}
	if !ok {
		return identity.User{}, bad
	}
	return u, nil
}

// loginSource reads the failures of user's account from addr (none when
// the pair has no row).
func (db *DB) loginSource(ctx context.Context, user int64, addr string) (identity.LoginSource, error) {
	var s identity.LoginSource
	var locked sql.NullTime
	err := db.r().QueryRowContext(ctx, `SELECT failures, locked_until FROM login_sources WHERE user_id = $1 AND addr = $2`, user, addr).Scan(&s.Failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.LockedUntil = locked.Time
	return s, err
}

// lockedLoginSource reads the pair's failures for update, creating its row.
func lockedLoginSource(ctx context.Context, tx *Tx, user int64, addr string) (identity.LoginSource, error) {
	if _, err := tx.exec(ctx, `INSERT INTO login_sources (user_id, addr) VALUES ($1, $2) ON CONFLICT (user_id, addr) DO NOTHING`, user, addr); err != nil {
		return identity.LoginSource{}, err
	}
	var s identity.LoginSource
	var locked sql.NullTime
	err := tx.queryRow(ctx, `SELECT failures, locked_until FROM login_sources WHERE user_id = $1 AND addr = $2`+tx.db.forUpdate(), user, addr).Scan(&s.Failures, &locked)
	s.LockedUntil = locked.Time
	return s, err
}

// checkPassword checks password against hash in one of the DB's hashing
// slots, waiting for one (or for ctx to end). A check costs 64 MiB and a
// core for a tenth of a second: unbounded, a flood of failing logins would
// take every core and the memory from everyone else's requests.
func (db *DB) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case db.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-db.hashing }()
	return identity.CheckPassword(hash, password), nil
}

// dummyHash is checked when the user does not exist, so that a wrong
// username takes as long as a wrong password.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$yHyXzWd8b+G7Nrf7IHRaN6Q7bIdHkf7lj2nUe+3vBzU"

// Principal resolves a user id to the principal of a request: the user,
// its organisation and jurisdiction, in one query. A disabled user has none.
func (db *DB) Principal(ctx context.Context, userID int64) (*identity.Principal, error) {
	row := db.r().QueryRowContext(ctx, `SELECT `+userColumns+`, o.id, o.name, o.kind, o.service, o.jurisdiction, COALESCE(o.uscc, ''), o.created_at,
		j.code, j.name, j.kind, j.county, j.cert_place, j.province, j.region
		FROM users u JOIN organisations o ON o.id = u.org_id JOIN jurisdictions j ON j.code = o.jurisdiction
		WHERE u.id = $1`, userID)
	var p identity.Principal
	var locked sql.NullTime
	var okind, jkind string
	err := row.Scan(&p.User.ID, &p.User.Username, &p.User.Name, &p.User.OrgID, &p.User.IDNumber, &p.User.Phone, &p.User.PasswordHash,
		&p.User.Disabled, &p.User.FailedLogins, &locked, &p.User.CreatedAt,
		&p.Org.ID, &p.Org.Name, &okind, &p.Org.Service, &p.Org.Jurisdiction, &p.Org.USCC, &p.Org.CreatedAt,
		&p.Jurisdiction.Code, &p.Jurisdiction.Name, &jkind, &p.Jurisdiction.County, &p.Jurisdiction.CertPlace,
		&p.Jurisdiction.Province, &p.Jurisdiction.Region)
	if errors.Is(err, sql.ErrNoRows) {
		// The session's or token's user is gone: the caller is no one.
		return nil, problem.New(problem.Unauthenticated, "auth.invalid", "登录已失效，请重新登录")
	}
	if err != nil {
		return nil, err
	}
	if p.User.Disabled {
		return nil, problem.New(problem.Unauthenticated, "auth.disabled", "账户已停用，请联系系统管理员")
	}
	if p.User.IDNumber, err = openValue(db.ring(), field("users", "id_number", p.User.Username), p.User.IDNumber); err != nil {
		return nil, err
	}
	if p.User.Phone, err = openValue(db.ring(), field("users", "phone", p.User.Username), p.User.Phone); err != nil {
		return nil, err
	}
	p.Org.Kind, p.Jurisdiction.Kind = identity.OrgKind(okind), identity.JurisdictionKind(jkind)
	p.User.PasswordHash = ""
	if err := db.loadRoles(ctx, db.r(), []*identity.User{&p.User}); err != nil {
		return nil, err
	}
	return &p, nil
}

// ---- API tokens

// Token is an API token as stored: never the token itself.
type Token struct {
	ID        int64
	UserID    int64
	Username  string
	Name      string
	Prefix    string
	CreatedAt time.Time
	RevokedAt time.Time
}

func tokenHash(token string) string {
	s := sm3.Sum([]byte(token))
	return hex.EncodeToString(s[:])
}

// CreateToken creates an API token for a user and returns it once; only its
// SM3 hash is stored. Access is decided on the user the transaction reads.
func (db *DB) CreateToken(ctx context.Context, actor audit.Actor, userID int64, name string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, err
	}
	secret := "hov_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	t := Token{UserID: userID, Name: name, Prefix: secret[:10]}
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := decideUser(ctx, tx.q(), userID, access.TokenManage); err != nil {
			return err
		}
		u := identity.User{ID: userID}
		if err := tx.queryRow(ctx, `SELECT username, disabled FROM users WHERE id = $1`, userID).Scan(&u.Username, &u.Disabled); err != nil {
			return notFound(err, "user.not_found", "用户不存在")
		}
		if err := u.MayHoldToken(); err != nil {
			return err
		}
		t.Username = u.Username
		t.CreatedAt = tx.now
		id, err := tx.insertID(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			userID, name, t.Prefix, tokenHash(secret), t.CreatedAt)
		if err != nil {
			return err
		}
		t.ID = id
		tx.Audit("token.create", "api_token", id, map[string]any{"user": userID, "name": name, "prefix": t.Prefix})
		return nil
	})
	db.identityGen.Add(1)
	return secret, t, err
}

// RevokeToken revokes a token, for whoever may manage its user's tokens;
// revoking twice is a no-op.
func (db *DB) RevokeToken(ctx context.Context, actor audit.Actor, id int64) error {
	defer db.identityGen.Add(1)
	return db.transact(ctx, actor, func(tx *Tx) error {
		var user int64
		if err := tx.queryRow(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`+tx.db.forUpdate(), id).Scan(&user); err != nil {
			return notFound(err, "token.not_found", "令牌不存在")
		}
		if err := decideUser(ctx, tx.q(), user, access.TokenManage); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, tx.now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		tx.Audit("token.revoke", "api_token", id, nil)
		return nil
	})
}

// Tokens lists the tokens of a user (0: all users).
func (db *DB) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	q := `SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if userID != 0 {
		q += ` WHERE t.user_id = $1`
		args = append(args, userID)
	}
	rows, err := db.r().QueryContext(ctx, q+` ORDER BY t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &t.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		if revoked.Valid {
			t.RevokedAt = revoked.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TokenUser resolves a bearer token to its user id; a revoked or unknown
// token is Unauthenticated.
func (db *DB) TokenUser(ctx context.Context, token string) (int64, error) {
	var id int64
	err := db.r().QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, problem.New(problem.Unauthenticated, "auth.token_invalid", "接口令牌无效或已吊销")
	}
	return id, err
}

// Token returns one token's record.
func (db *DB) Token(ctx context.Context, id int64) (Token, error) {
	var t Token
	var revoked sql.NullTime
	err := db.r().QueryRowContext(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id).
		Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &t.CreatedAt, &revoked)
	if revoked.Valid {
		t.RevokedAt = revoked.Time
	}
	return t, notFound(err, "token.not_found", "令牌不存在")
}
