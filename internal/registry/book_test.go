package registry

import (
	"testing"
)

// An entry's status follows from the entries after it: a pre-notice ended
// by a cancellation is 终止, one converted to the right it secured is 历史,
// and what nothing ends is 现势.
func TestStatuses(t *testing.T) {
	book := []Entry{
		{ID: 1, Kind: PreNotice, PreNoticeKind: PreNoticeSale},
		{ID: 2, Kind: PreNotice, PreNoticeKind: PreNoticeMortgage},
		{ID: 3, Kind: Cancellation, Ends: 2, EndKind: Cancelled},
		{ID: 4, Kind: Ownership, Ends: 1, EndKind: Converted},
		{ID: 5, Kind: Mortgage},
	}
	want := map[int64]Status{1: History, 2: Terminated, 3: History, 4: Current, 5: Current}
	got := Statuses(book)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("entry %d: got %s, want %s", id, got[id], w)
		}
	}
	tests := []struct {
		kind Kind
		ids  []int64
	}{
		{PreNotice, nil},
		{Ownership, []int64{4}},
		{Mortgage, []int64{5}},
		{Seal, nil},
	}
	for _, tt := range tests {
		var ids []int64
		for _, e := range Live(book, tt.kind) {
			ids = append(ids, e.ID)
		}
		if len(ids) != len(tt.ids) || (len(ids) > 0 && ids[0] != tt.ids[0]) {
			t.Errorf("live %s: got %v, want %v", tt.kind, ids, tt.ids)
		}
	}
}

func TestHolderShare(t *testing.T) {
	if (Holder{}).Share() != nil {
		t.Errorf("a holder without a share: got a share")
	}
	if s := (Holder{ShareNum: 2, ShareDen: 6}).Share(); s.RatString() != "1/3" {
		t.Errorf("share 2/6: got %s, want 1/3", s.RatString())
	}
}
