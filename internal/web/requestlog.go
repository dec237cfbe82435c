package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"sync/atomic"
)

// HeaderRequestID carries a request's id: taken from the request when a
// trusted proxy set a well-formed one, else made here, and always answered.
const HeaderRequestID = "X-Request-Id"

// requestInfo is what every log line of a request names: its id, and the
// user once authentication has found one. observe puts it in the
// context before anything else runs, so that the middleware after it
// (authentication) and the handlers can fill it in and log with it.
type requestInfo struct {
	id   string
	user atomic.Int64
}

type requestKey struct{}

func requestOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestKey{}).(*requestInfo)
	return info
}

var wellFormedID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID is the id a trusted proxy gave r, when well formed, or a new
// one: a client's own would let it pass for another request in the logs.
func (s *Server) requestID(r *http.Request) string {
	if id := r.Header.Get(HeaderRequestID); s.trusted(peerAddr(r)) && wellFormedID.MatchString(id) {
		return id
	}
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// RequestLogger is l adding the request's id and user to every record
// logged with the request's context (slog's …Context methods). Wrapping
// twice adds them once.
func RequestLogger(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(requestLog); ok {
		return l
	}
	return slog.New(requestLog{l.Handler()})
}

// requestLog adds the request's id and user to every record logged with
// its context (slog's …Context methods).
type requestLog struct{ slog.Handler }

func (h requestLog) Handle(ctx context.Context, rec slog.Record) error {
	if info := requestOf(ctx); info != nil {
		rec.AddAttrs(slog.String("request_id", info.id), slog.Int64("user", info.user.Load()))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestLog) WithAttrs(as []slog.Attr) slog.Handler {
	return requestLog{h.Handler.WithAttrs(as)}
}
func (h requestLog) WithGroup(name string) slog.Handler { return requestLog{h.Handler.WithGroup(name)} }
