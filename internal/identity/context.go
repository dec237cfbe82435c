package identity

import (
	"context"

	"handover/internal/audit"
)

type ctxKey struct{}

type requestIdentity struct {
	p    *Principal
	addr string
}

// WithPrincipal returns ctx carrying the request's principal (nil for an
// anonymous request) and the client's network address.
func WithPrincipal(ctx context.Context, p *Principal, addr string) context.Context {
	return context.WithValue(ctx, ctxKey{}, requestIdentity{p, addr})
}

// PrincipalFrom returns the request's principal, or nil when anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	v, _ := ctx.Value(ctxKey{}).(requestIdentity)
	return v.p
}

// ActorFrom returns the audit actor of the request: its principal, or an
// anonymous actor, with the client's address.
func ActorFrom(ctx context.Context) audit.Actor {
	v, _ := ctx.Value(ctxKey{}).(requestIdentity)
	if v.p == nil {
		return audit.Actor{Name: "匿名", Addr: v.addr}
	}
	return audit.Actor{UserID: v.p.User.ID, Name: v.p.User.Name, OrgID: v.p.Org.ID, OrgName: v.p.Org.Name, Addr: v.addr}
}

// RequestPrincipal returns the principal of a request's context (nil when
// anonymous) and whether ctx is a request's at all: the platform's own
// jobs and commands run with no request, on the operator's authority.
func RequestPrincipal(ctx context.Context) (*Principal, bool) {
	v, ok := ctx.Value(ctxKey{}).(requestIdentity)
	return v.p, ok
}
