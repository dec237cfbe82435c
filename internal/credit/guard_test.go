package credit

import (
	"testing"

	"handover/internal/identity"
	"handover/internal/problem"
)

func TestList(t *testing.T) {
	tests := []struct {
		name   string
		kind   identity.OrgKind
		listed bool
		list   bool
		want   string
	}{
		{"list a developer", identity.Developer, false, true, ""},
		{"lift a listed developer", identity.Developer, true, false, ""},
		{"list a listed developer", identity.Developer, true, true, "credit.already_listed"},
		{"lift a developer not listed", identity.Developer, false, false, "credit.not_listed"},
		{"a bank is not listed", identity.Bank, false, true, "credit.invalid"},
		{"no such organisation", "", false, true, "credit.invalid"},
	}
	for _, tt := range tests {
		err := List(tt.kind, tt.listed, Listing{Developer: 3, Listed: tt.list, Reason: "r", Basis: "b"})
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
			continue
		}
		if tt.want == "credit.invalid" && problem.As(err).Fields["developer"] != "开发企业不存在" {
			t.Errorf("%s: got fields %v, want the developer named", tt.name, problem.As(err).Fields)
		}
	}
}

func TestCheckEventDeveloper(t *testing.T) {
	tests := []struct {
		kind identity.OrgKind
		want string
	}{
		{identity.Developer, ""},
		{identity.Surveyor, "credit.event_invalid"},
		{"", "credit.event_invalid"},
	}
	for _, tt := range tests {
		if got := problem.CodeOf(CheckEventDeveloper(tt.kind)); got != tt.want {
			t.Errorf("CheckEventDeveloper(%q): got code %q, want %q", tt.kind, got, tt.want)
		}
	}
}

func TestEventDecideAppeal(t *testing.T) {
	tests := []struct {
		name   string
		appeal *Appeal
		d      Decision
		note   string
		want   string
	}{
		{"no appeal", nil, Upheld, "维持", "credit.no_appeal"},
		{"uphold", &Appeal{}, Upheld, "证据确凿", ""},
		{"grant", &Appeal{}, Granted, "撤销扣分", ""},
		{"decided already", &Appeal{Decision: Upheld}, Granted, "撤销", "credit.decided"},
		{"no decision", &Appeal{}, Pending, "意见", "credit.decision"},
		{"no note", &Appeal{}, Upheld, " ", "credit.decision_note"},
	}
	for _, tt := range tests {
		err := Event{Appeal: tt.appeal}.DecideAppeal(tt.d, tt.note)
		if got := problem.CodeOf(err); got != tt.want {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.want)
		}
	}
}
