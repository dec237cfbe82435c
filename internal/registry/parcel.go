package registry

import "handover/internal/problem"

// A restriction on a parcel (宗地的查封、抵押、在建工程抵押、锁定) holds back the
// first registration of its buildings (RuleFirstParcel); these are its
// kinds as recorded and their names.

// CheckParcelRestriction refuses a kind of parcel restriction the
// register does not know: a seal, a mortgage of the land, a mortgage of
// the works in progress, a lock.
func CheckParcelRestriction(kind string) error {
	if ParcelRestrictionLabel(kind) == kind {
		return problem.New(problem.Invalid, "parcel.kind", "限制类型应为查封、抵押、在建工程抵押或锁定")
	}
	return nil
}

// ParcelRestrictionLabel names a kind of parcel restriction; an unknown
// kind is shown as it is recorded.
func ParcelRestrictionLabel(kind string) string {
	switch kind {
	case "seal":
		return "查封"
	case "mortgage":
		return "土地抵押"
	case "construction_mortgage":
		return "在建工程抵押"
	case "lock":
		return "锁定"
	}
	return kind
}
