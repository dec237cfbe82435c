package registry

// A restriction on a parcel (宗地的查封、抵押、在建工程抵押、锁定) holds back the
// first registration of its buildings (RuleFirstParcel); these are its
// kinds as recorded and their names.

// ParcelRestrictionKinds are the kinds of restriction a parcel may carry.
var ParcelRestrictionKinds = []string{"seal", "mortgage", "construction_mortgage", "lock"}

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
