package exchange

import "handover/internal/problem"

// Replay checks a replay of an endpoint's deliveries: only dead ones
// (given up after too many attempts) are given another round, and dead is
// how many the endpoint has. With none there is nothing to replay, which
// is refused as a replay already done.
func Replay(dead int64) error {
	if dead == 0 {
		return problem.New(problem.Conflict, "delivery.none_dead", "该接收地址没有需要重新投递的事件")
	}
	return nil
}
