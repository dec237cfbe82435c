package store

import (
	"context"

	"handover/internal/access"
	"handover/internal/identity"
)

// decide asks access whether the request's principal may do action on the
// record target, which the transaction has just loaded (and locked): every
// transport — page, API, batch — gets the check once, on the row it
// changes. A call outside any request (the platform's jobs and commands,
// run on the operator's authority) is not a principal's and is not
// checked; an anonymous request is refused like any principal without the
// role.
func decide(ctx context.Context, action access.Action, target access.Target) error {
	p, request := identity.RequestPrincipal(ctx)
	if !request {
		return nil
	}
	return access.Decide(p, action, target)
}
