package web

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"

	"handover/internal/store"
)

// sessionSince is the session key of when its user signed in (Unix
// nanoseconds), so that ending a user's sessions ends those begun before.
const sessionSince = "since"

// sessionStore keeps the page sessions in the store with the user each is
// signed in as and since when, read from the session's own data: the store
// can then end a user's sessions on every server at once (a password
// reset, a change of roles, disabling).
type sessionStore struct {
	store.Sessions
	codec scs.Codec
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	var user int64
	var since time.Time
	if _, values, err := s.codec.Decode(b); err == nil {
		user, _ = values[sessionUser].(int64)
		if ns, ok := values[sessionSince].(int64); ok {
			since = time.Unix(0, ns).UTC()
		}
	}
	return s.Sessions.CommitUser(ctx, token, b, expiry, user, since)
}
