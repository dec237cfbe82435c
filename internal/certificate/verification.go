package certificate

import "time"

// VerificationJSON is the public verification result, as the API answers
// it and the verification page shows it: the holders' names masked, never
// an ID number.
type VerificationJSON struct {
	LicenceID      string    `json:"licence_id"`
	Kind           string    `json:"kind"`
	Number         string    `json:"number"`
	SignatureValid bool      `json:"signature_valid" doc:"SM2签名有效"`
	State          string    `json:"state" enum:"现势,注销"`
	CancelReason   string    `json:"cancel_reason,omitempty"`
	Mortgaged      bool      `json:"mortgaged"`
	Sealed         bool      `json:"sealed"`
	Status         []string  `json:"status" doc:"现势 / 注销 / 已抵押 / 已查封"`
	Holders        []string  `json:"holders" doc:"权利人姓名（脱敏）"`
	UnitNo         string    `json:"unit_no"`
	Location       string    `json:"location" doc:"坐落"`
	Area           string    `json:"area"`
	RightType      string    `json:"right_type"`
	Authority      string    `json:"authority" doc:"登记机构"`
	IssuedOn       string    `json:"issued_on"`
	CheckedAt      time.Time `json:"checked_at" doc:"核验时间"`
}
