package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Sessions is the page-session store for github.com/alexedwards/scs/v2,
// kept in the platform's own database so that sessions survive a restart
// and work the same on both engines. Session rows are not history: they are
// deleted on logout and expiry.
type Sessions struct{ db *DB }

// Sessions returns the session store.
func (db *DB) Sessions() Sessions { return Sessions{db} }

func (s Sessions) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s Sessions) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// FindCtx returns an unexpired session's data; a session its user's
// sessions were ended after it began (EndSessions) is not found.
func (s Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.r().QueryRowContext(ctx, `SELECT s.data FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.token = $1 AND s.expiry > $2 AND (u.sessions_from IS NULL OR s.since >= u.sessions_from)`, token, s.db.Now()).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx writes a session of nobody in particular.
func (s Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.CommitUser(ctx, token, b, expiry, 0, time.Time{})
}

// CommitUser writes a session signed in as user (0: none yet) since the
// given time.
func (s Sessions) CommitUser(ctx context.Context, token string, b []byte, expiry time.Time, user int64, since time.Time) error {
	_, err := s.db.execWrite(ctx, `INSERT INTO sessions (token, data, expiry, user_id, since) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id, since = excluded.since`,
		token, b, expiry.UTC(), user, nullTime(since))
	return err
}

// endSessions ends every page session of user begun before now, on every
// server: the rows go, and one that a request in flight writes back is
// not found (FindCtx). It returns how many sessions it deleted.
func (tx *Tx) endSessions(ctx context.Context, user int64) (int64, error) {
	if _, err := tx.exec(ctx, `UPDATE users SET sessions_from = $1 WHERE id = $2`, nullTime(tx.now), user); err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, user)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteCtx removes a session.
func (s Sessions) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.execWrite(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return err
}

// PurgeExpiredSessions deletes expired sessions (run by the worker).
func (db *DB) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.execWrite(ctx, `DELETE FROM sessions WHERE expiry <= $1`, db.Now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
