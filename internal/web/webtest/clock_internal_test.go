package webtest

import (
	"testing"
	"time"
)

// A shared template's note gives back the demo's clock as it was: the same
// instant, the same zone name and offset.
func TestClockNoteRoundTrip(t *testing.T) {
	tests := []time.Time{
		time.Date(2026, 11, 20, 17, 30, 0, 123456789, time.FixedZone("CST", 8*3600)),
		time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC),
	}
	for _, at := range tests {
		got, err := readClock(writeClock(at))
		if err != nil {
			t.Fatalf("readClock(writeClock(%v)): %v", at, err)
		}
		gotName, gotOff := got.Zone()
		wantName, wantOff := at.Zone()
		if !got.Equal(at) || gotName != wantName || gotOff != wantOff || got.String() != at.String() {
			t.Errorf("got %v (%s %d), want %v (%s %d)", got, gotName, gotOff, at, wantName, wantOff)
		}
	}
	if _, err := readClock("not a time"); err == nil {
		t.Errorf("readClock of a broken note: got no error")
	}
}
