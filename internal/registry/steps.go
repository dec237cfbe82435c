package registry

import "handover/internal/problem"

// CheckOpen refuses a step on an application already done or withdrawn.
func (a Application) CheckOpen() error {
	if a.State != "open" {
		return problem.New(problem.Conflict, "application.closed", "该申请已办结或撤回")
	}
	return nil
}

// AppliesTo reports whether the step moves a service in state st: 重新受理
// a returned one, 审核 an accepted one, 复审 a reviewed one, 退回补正 one not
// yet recorded, 发证 a certified one, 撤回 one not yet recorded. 登簿 and
// 缮证 move the application as a whole (CheckRecordable, the certificates).
func (step Step) AppliesTo(st ServiceState) bool {
	switch step {
	case StepAccept:
		return st == ReturnedSt
	case StepReview:
		return st == Accepted
	case StepReview2:
		return st == Reviewed
	case StepReturn:
		return st == Accepted || st == Reviewed || st == Approved
	case StepIssue:
		return st == Certified
	case StepWithdraw:
		return st != Recorded && st != Certified && st != Issued && st != Withdrawn
	}
	return false
}

// Move applies the step, done by user under policy, to every service it
// applies to (Service.Apply: the order of the steps, the segregation of
// duties) and returns their indexes; it refuses a step that moves nothing.
// On a refusal no service is left half moved: the caller writes nothing.
func (a *Application) Move(step Step, user int64, policy Policy, reason string) ([]int, error) {
	var moved []int
	for i := range a.Services {
		s := &a.Services[i]
		if !step.AppliesTo(s.State) {
			continue
		}
		if err := s.Apply(step, user, policy, reason); err != nil {
			return nil, err
		}
		moved = append(moved, i)
	}
	if len(moved) == 0 {
		return nil, problem.Newf(problem.Conflict, "registration.step", "没有可以%s的事项", step.Label())
	}
	return moved, nil
}

// CheckRecordable refuses to record (登簿) an application unless every
// service still to record is approved and one is: its services are
// recorded together, in order, or none is.
func (a Application) CheckRecordable() error {
	approved := 0
	for _, s := range a.Services {
		switch s.State {
		case Approved:
			approved++
		case Withdrawn, Recorded, Certified, Issued:
		default:
			return problem.Newf(problem.Conflict, "registration.step", "%s尚未审核通过（%s），不能登簿", s.Kind.Label(), s.State.Label())
		}
	}
	if approved == 0 {
		return problem.New(problem.Conflict, "registration.step", "没有待登簿的事项")
	}
	return nil
}

// CheckCertifiable refuses to certify (缮证) an application none of whose
// services is recorded and waiting for its certificates.
func (a Application) CheckCertifiable() error {
	for _, s := range a.Services {
		if s.State == Recorded {
			return nil
		}
	}
	return problem.New(problem.Conflict, "registration.step", "没有待缮证的事项")
}

// Settle sets the application's state from its services' after a step:
// withdrawn when every service is, done when every one is issued or
// withdrawn, else open. It reports whether the state changed.
func (a *Application) Settle() bool {
	done, withdrawn := true, true
	for _, s := range a.Services {
		done = done && (s.State == Issued || s.State == Withdrawn)
		withdrawn = withdrawn && s.State == Withdrawn
	}
	state := a.State
	switch {
	case withdrawn:
		state = "withdrawn"
	case done:
		state = "done"
	}
	changed := state != a.State
	a.State = state
	return changed
}
