package registry

import (
	"testing"

	"handover/internal/calendar"
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

// A correction of the effective seal keeps its place ahead of a 轮候查封
// recorded before the correction; lifting the corrected seal lets the
// waiting one take effect.
func TestCorrectedSealKeepsItsPlace(t *testing.T) {
	first := Entry{ID: 1, Kind: Seal, Detail: Detail{Authority: "甲法院"}}
	waiting := Entry{ID: 2, Kind: Seal, Detail: Detail{Authority: "乙法院", Waiting: true}}
	corrected := Entry{ID: 3, Kind: Seal, RegType: RegCorrection, Ends: 1, EndKind: Superseded, Detail: Detail{Authority: "甲法院（更正）"}}
	book := []Entry{first, waiting, corrected}
	st := Statuses(book)
	if st[3] != Current || st[2] != Temporary || st[1] != History {
		t.Errorf("statuses %v: want the corrected seal 现势, the waiting one 临时, the corrected one 历史", st)
	}
	if r := Standing(book, calendar.Date{}); !r.Sealed || !r.WaitingSeal || r.SealAuthority != "甲法院（更正）" {
		t.Errorf("standing %+v: want sealed by 甲法院（更正） with one waiting", r)
	}
	book = append(book, Entry{ID: 4, Kind: Cancellation, Ends: 3, EndKind: Cancelled})
	if st := Statuses(book); st[2] != Current {
		t.Errorf("after lifting the corrected seal the waiting one is %s, want 现势", st[2])
	}
}

// A seal whose term ended before the day asked about has lapsed: the seal
// waiting behind it takes effect, and when none waits the unit is free.
func TestSealLapses(t *testing.T) {
	first := Entry{ID: 1, Kind: Seal, Detail: Detail{Authority: "甲法院", TermEnd: "2026-03-31"}}
	waiting := Entry{ID: 2, Kind: Seal, Detail: Detail{Authority: "乙法院", Waiting: true, TermEnd: "2029-03-31"}}
	tests := []struct {
		book          []Entry
		today         string
		sealed, waits bool
		authority     string
	}{
		{[]Entry{first}, "2026-03-31", true, false, "甲法院"}, // the last day of the term
		{[]Entry{first}, "2026-04-01", false, false, ""},
		{[]Entry{first, waiting}, "2026-03-10", true, true, "甲法院"},
		{[]Entry{first, waiting}, "2026-04-01", true, false, "乙法院"},
		{[]Entry{first, waiting}, "2029-04-01", false, false, ""},
		{[]Entry{{ID: 3, Kind: Seal, Detail: Detail{Authority: "丙法院"}}}, "2099-01-01", true, false, "丙法院"}, // no term recorded
	}
	for _, tt := range tests {
		r := Standing(tt.book, calendar.MustDate(tt.today))
		if r.Sealed != tt.sealed || r.WaitingSeal != tt.waits || r.SealAuthority != tt.authority {
			t.Errorf("%d seals on %s: sealed %v waiting %v by %q, want %v %v %q", len(tt.book), tt.today, r.Sealed, r.WaitingSeal, r.SealAuthority,
				tt.sealed, tt.waits, tt.authority)
		}
	}
	if r := Standing([]Entry{first}, calendar.Date{}); !r.Sealed {
		t.Errorf("without a day the term is not checked: got unsealed")
	}
}

// How an entry ended reads in Chinese on the audit page; an unknown kind
// is shown as recorded.
func TestEndKindLabel(t *testing.T) {
	tests := []struct {
		k    EndKind
		want string
	}{
		{Superseded, "权利转移，原记载转为历史"},
		{Converted, "预告登记转为本登记，原记载转为历史"},
		{Cancelled, "注销，原记载终止"},
		{"other", "other"},
	}
	for _, tt := range tests {
		if got := tt.k.Label(); got != tt.want {
			t.Errorf("%q.Label() = %q, want %q", tt.k, got, tt.want)
		}
	}
}
