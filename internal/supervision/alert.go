// Package supervision is what the prefecture sees of the reform (DOMAIN.md
// §5.16): early warnings (alerts), credit records, assessment figures and
// reports.
package supervision

import "time"

// AlertKind is what an alert warns of.
type AlertKind string

const (
	CommitmentOverdue AlertKind = "commitment_overdue" // 承诺事项逾期
	AcceptanceOverdue AlertKind = "acceptance_overdue" // 验收意见逾期
	ClockRunningOut   AlertKind = "clock_running_out"  // 20个工作日即将届满
)

// Label is the kind in Chinese.
func (k AlertKind) Label() string {
	switch k {
	case CommitmentOverdue:
		return "承诺事项逾期"
	case AcceptanceOverdue:
		return "验收意见逾期"
	case ClockRunningOut:
		return "交房即交证时限即将届满"
	}
	return string(k)
}

// Alert is an early warning (早发现、早制止、早处理) about one record, raised
// once and resolved when the cause is gone.
type Alert struct {
	ID           int64
	Kind         AlertKind
	Jurisdiction string
	ProjectID    int64
	OrgID        int64  // the organisation that must act
	Subject      string // e.g. "commitment:12"
	Message      string
	RaisedAt     time.Time
	ResolvedAt   time.Time
}

// Open reports whether the alert still stands.
func (a Alert) Open() bool { return a.ResolvedAt.IsZero() }
