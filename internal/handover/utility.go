package handover

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
