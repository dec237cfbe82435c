package completion

import (
	"strings"
	"testing"

	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/problem"
)

func TestDecideArea(t *testing.T) {
	// Forecast 100 m² (套内 80 m²) at 10,000 元/m², priced by 建筑面积.
	contract := presale.Contract{PriceBasis: presale.ByGross, UnitPrice: d("10000"), TotalPrice: d("1000000")}
	unit := func(measured ledger.Areas) ledger.Unit {
		return ledger.Unit{Forecast: areas("100", "80"), Measured: measured}
	}
	tests := []struct {
		name    string
		unit    ledger.Unit
		decided string
		choice  string
		want    string
	}{
		{"keep beyond the band", unit(areas("105", "84")), "", "keep", ""},
		{"rescind beyond the band", unit(areas("96.99", "77.6")), "", "rescind", ""},
		{"no choice", unit(areas("105", "84")), "", "", "area.choice"},
		{"an unknown choice", unit(areas("105", "84")), "", "sell", "area.choice"},
		{"not measured", unit(ledger.Areas{}), "", "keep", "area.not_measured"},
		{"within the band", unit(areas("103", "82.4")), "", "rescind", "area.within"},
		{"chosen already", unit(areas("105", "84")), "keep", "rescind", "area.decided"},
		{"a bad choice before the state", unit(ledger.Areas{}), "keep", "x", "area.choice"},
	}
	for _, tt := range tests {
		s, err := DecideArea(AreaFacts{Contract: contract, Unit: tt.unit, Decided: tt.decided}, tt.choice)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if err == nil && !s.MayRescind {
			t.Errorf("%s: got settlement %+v, want one the buyer may rescind", tt.name, s)
		}
	}
	if e := problem.As(AreaDecided()); e.Kind != problem.Conflict || e.Message != "买受人已作出选择" {
		t.Errorf("AreaDecided: got %v (kind %v)", e, e.Kind)
	}
}

func TestItemPayMaintenance(t *testing.T) {
	tests := []struct {
		name    string
		item    Item
		voucher string
		want    string
	}{
		{"a maintenance fund paid", Item{Kind: Maintenance, Due: d("12000")}, "维修资金收据001", ""},
		{"not the maintenance fund", Item{Kind: LandPremium, Due: d("12000")}, "收据", "accounting.kind"},
		{"no voucher", Item{Kind: Maintenance, Due: d("12000")}, " ", "accounting.refused"},
		{"cleared already", Item{Kind: Maintenance, Due: d("12000"), ClearedAt: now}, "收据", "accounting.cleared"},
	}
	for _, tt := range tests {
		it := tt.item
		err := it.PayMaintenance(tt.voucher, 5, now)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if err == nil && (!it.Paid.Equal(it.Due) || it.Evidence != tt.voucher || it.ClearedBy != 5 || !it.Cleared()) {
			t.Errorf("%s: got %+v, want paid in full with the voucher and cleared by 5", tt.name, it)
		}
	}
}

func TestCheckAttachment(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		size     int
		want     string
		wantName string
	}{
		{"a file", " 验收意见.pdf ", 1024, "", "验收意见.pdf"},
		{"at the limit", "a.pdf", MaxAttachment, "", "a.pdf"},
		{"over the limit", "a.pdf", MaxAttachment + 1, "attachment.invalid", ""},
		{"empty", "a.pdf", 0, "attachment.invalid", ""},
		{"no name", "  ", 10, "attachment.invalid", ""},
		{"a name of 120 characters", strings.Repeat("验", 120), 10, "", strings.Repeat("验", 120)},
		{"a name too long", strings.Repeat("验", 121), 10, "attachment.invalid", ""},
	}
	for _, tt := range tests {
		name, err := CheckAttachment(tt.file, tt.size)
		if got := problem.CodeOf(err); got != tt.want || err == nil && name != tt.wantName {
			t.Errorf("%s: got %q, %v, want %q, code %q", tt.name, name, err, tt.wantName, tt.want)
		}
	}
}

func TestCheckSurveyor(t *testing.T) {
	tests := []struct {
		kind identity.OrgKind
		want string
	}{
		{identity.Surveyor, ""},
		{identity.Developer, "project.surveyor"},
		{"", "project.surveyor"},
	}
	for _, tt := range tests {
		if got := problem.CodeOf(CheckSurveyor(tt.kind)); got != tt.want {
			t.Errorf("CheckSurveyor(%q): got code %q, want %q", tt.kind, got, tt.want)
		}
	}
}

func TestCaseRecordAs(t *testing.T) {
	tests := []struct {
		name   string
		org    int64
		result Result
		want   string
	}{
		{"the department's own organisation", 31, Pass, ""},
		{"the platform", 0, Fail, ""},
		{"another organisation", 32, Pass, "access.denied"},
		{"another organisation's bad opinion is refused as bad first", 32, "maybe", "acceptance.result"},
	}
	for _, tt := range tests {
		c := newCase("planning", "fire")
		c.Tasks[1].OrgID = 31
		task, err := c.RecordAs(tt.org, "fire", tt.result, "消防车道不足", 9, now)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if err != nil {
			if c.Tasks[1].Result != Pending || c.State != Inspecting {
				t.Errorf("%s: refused, but the task is %q and the case %q", tt.name, c.Tasks[1].Result, c.State)
			}
			if tt.want == "access.denied" && problem.As(err).Message != "只能由fire部门出具该意见" {
				t.Errorf("%s: got message %q, want the department named", tt.name, problem.As(err).Message)
			}
			continue
		}
		if task.Result != tt.result || task.DecidedBy != 9 {
			t.Errorf("%s: got %+v, want %q by 9", tt.name, task, tt.result)
		}
	}
}
