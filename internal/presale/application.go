package presale

// ApplicationStateLabel names the state of a developer's application for a
// presale permit; an unknown state is shown as it is stored.
func ApplicationStateLabel(state string) string {
	switch state {
	case "submitted":
		return "待审批"
	case "issued":
		return "已核发"
	case "refused":
		return "不予许可"
	case "withdrawn":
		return "已撤回"
	}
	return state
}
