package store

import (
	"context"

	"handover/internal/access"
	"handover/internal/completion"
	"handover/internal/identity"
	"handover/internal/ledger"
)

// decide asks access whether the request's principal may do action on the
// record target, which the transaction has just loaded (and locked): every
// transport — page, API, batch — gets the check once, on the row it
// changes. A call outside any request (the platform's jobs and commands,
// run on the operator's authority) is not a principal's and is not
// checked; an anonymous request is refused like any principal without the
// role.
//
// A form problem the transport found before the call (AfterAccess) is
// returned once access is granted, so that whoever lacks the right is told
// so first, and nothing is written either way.
func decide(ctx context.Context, action access.Action, target access.Target) error {
	if p, request := identity.RequestPrincipal(ctx); request {
		if err := access.Decide(p, action, target); err != nil {
			return err
		}
	}
	return formProblem(ctx)
}

type formProblemKey struct{}

// AfterAccess returns ctx carrying problem, a form's bad field found by the
// transport before it calls the store (a number that is not one, a choice
// left empty, a file too large): the store's use case refuses the call
// with it right after deciding access, before writing anything. A nil
// problem leaves ctx as it is.
func AfterAccess(ctx context.Context, problem error) context.Context {
	if problem == nil {
		return ctx
	}
	return context.WithValue(ctx, formProblemKey{}, problem)
}

func formProblem(ctx context.Context) error {
	err, _ := ctx.Value(formProblemKey{}).(error)
	return err
}

// readProject reads project id in the transaction, without locking it (the
// row changed is another's: an item, a commitment, a survey, a case).
func readProject(ctx context.Context, tx *Tx, id int64) (ledger.Project, error) {
	p, err := scanProject(tx.queryRow(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = $1`, id))
	return p, notFound(err, "project.not_found", "项目不存在")
}

// decideProject decides act on project id, the project of the row the
// transaction has locked.
func (tx *Tx) decideProject(ctx context.Context, id int64, act access.Action) error {
	if _, request := identity.RequestPrincipal(ctx); !request {
		return formProblem(ctx)
	}
	p, err := readProject(ctx, tx, id)
	if err != nil {
		return err
	}
	return decide(ctx, act, access.ProjectTarget(p))
}

// decideCase decides act on a joint acceptance the transaction has locked:
// its project, and for a department's opinion (department not "") the
// organisation holding the department's latest task.
func (tx *Tx) decideCase(ctx context.Context, c completion.Case, act access.Action, department string) error {
	if department == "" {
		return tx.decideProject(ctx, c.ProjectID, act)
	}
	p, err := readProject(ctx, tx, c.ProjectID)
	if err != nil {
		return err
	}
	return decide(ctx, act, access.OpinionTarget(c, p, department))
}

// decideSurvey decides act on a survey the transaction has locked: its
// project, and the surveyor that made it.
func (tx *Tx) decideSurvey(ctx context.Context, s completion.Survey, act access.Action) error {
	p, err := readProject(ctx, tx, s.ProjectID)
	if err != nil {
		return err
	}
	t := access.SurveyTarget(p)
	t.Org = s.Surveyor
	return decide(ctx, act, t)
}
