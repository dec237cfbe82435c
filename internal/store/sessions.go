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

// FindCtx returns an unexpired session's data.
func (s Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.r().QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`, token, s.db.Now()).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx writes a session.
func (s Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.execWrite(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, b, expiry.UTC())
	return err
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
