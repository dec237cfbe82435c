package handover

import (
	"handover/internal/problem"
	"handover/internal/registry"
	"slices"
	"strings"
)

// UtilityStateLabel names the state of a utility account-transfer request
// (水电气过户): requested (办理中), done (已过户) or refused (不予办理).
func UtilityStateLabel(state string) string {
	switch state {
	case "done":
		return "已过户"
	case "refused":
		return "不予办理"
	}
	return "办理中"
}

// Answer is a provider's answer to a request to move a flat's account to
// its new holders: the state it leaves the request in, and the reason of
// a refusal.
type Answer struct {
	State  string // done or refused
	Reason string
}

// AnswerUtility decides a provider's answer to a request in state, already
// answered with prevReason when not "requested", addressed to provider;
// org is the answering organisation (0: the platform itself). A refusal
// states its reason; only the addressee answers; a request is answered
// once — the same answer sent again (a provider's system retrying) changes
// nothing (again), a different one is refused.
func AnswerUtility(state, prevReason string, provider, org int64, done bool, reason string) (a Answer, again bool, err error) {
	a = Answer{State: "refused", Reason: strings.TrimSpace(reason)}
	if done {
		a.State, a.Reason = "done", "" // done needs no reason; one typed for a refusal is not kept
	}
	if !done && a.Reason == "" {
		return a, false, &problem.Error{Kind: problem.Invalid, Code: "utility.reason", Message: "不予办理须说明理由", Fields: map[string]string{"reason": "必填"}}
	}
	if org != 0 && org != provider {
		return a, false, problem.New(problem.Forbidden, "access.denied", "该过户申请不是发给本单位的")
	}
	if state == "requested" {
		return a, false, nil
	}
	if state == a.State && prevReason == a.Reason {
		return a, true, nil
	}
	return a, false, problem.New(problem.Conflict, "utility.answered", "该过户申请已作出不同答复")
}

// CheckReceiver names who received a flat's keys; it is required.
func CheckReceiver(receiver string) (string, error) {
	receiver = strings.TrimSpace(receiver)
	if receiver == "" {
		return "", &problem.Error{Kind: problem.Invalid, Code: "handover.receiver", Message: "请填写领取钥匙的人", Fields: map[string]string{"receiver": "必填"}}
	}
	return receiver, nil
}

// CheckAutoReview refuses a batch in a jurisdiction whose policy does not
// review the batch's matters (first registration, transfer, mortgage)
// automatically: the batch records without a clerk, so each must be.
func CheckAutoReview(p registry.Policy) error {
	for _, k := range []registry.ServiceKind{registry.First, registry.Transfer, registry.MortgageReg} {
		if !slices.Contains(p.AutoReview, k) {
			return problem.Newf(problem.Refused, "handover.auto_review", "本辖区未对“%s”启用自动审核（配置 %s），批量交房须逐件人工审核",
				k.Label(), registry.SettingAutoReview)
		}
	}
	return nil
}
