package audit

import (
	"slices"
	"testing"
)

func TestActionLabel(t *testing.T) {
	tests := []struct{ action, want string }{
		{"auth.login", "登录"},
		{"contract.draft", "起草网签合同"},
		{"application.record", "登簿"},
		{"register.seal", "记载登记簿：查封"},
		{"presale.revoked", "撤销预售许可"},
		{"no.such", "no.such"}, // an action without a name is shown as recorded
	}
	for _, tt := range tests {
		if got := ActionLabel(tt.action); got != tt.want {
			t.Errorf("ActionLabel(%q) = %q, want %q", tt.action, got, tt.want)
		}
	}
}

// The audit page's search finds actions by their Chinese name; a code or a
// prefix of codes is left to the store as typed.
func TestMatchActions(t *testing.T) {
	tests := []struct {
		text  string
		codes []string
		code  string
	}{
		{"", nil, ""},
		{" 登录 ", []string{"auth.locked", "auth.login", "auth.login_failed", "auth.login_refused", "auth.logout"}, ""},
		{"网签合同备案", []string{"contract.file"}, ""},
		{"预售许可", []string{"presale.apply", "presale.issue", "presale.refuse", "presale.reinstated", "presale.revoked", "presale.suspended"}, ""},
		{"user.", nil, "user."},
		{"Auth.Login", nil, "auth.login"},
		{"没有这样的操作", nil, ""},
	}
	for _, tt := range tests {
		codes, code := MatchActions(tt.text)
		if !slices.Equal(codes, tt.codes) || code != tt.code {
			t.Errorf("MatchActions(%q) = %v, %q; want %v, %q", tt.text, codes, code, tt.codes, tt.code)
		}
	}
}

func TestRecordName(t *testing.T) {
	tests := []struct{ kind, id, name, want string }{
		{"user", "1", "", "用户 #1"},
		{"user", "1", "张建国", "用户 张建国（#1）"},
		{"unit", "2092", "锦绣花园 1号楼 101", "户 锦绣花园 1号楼 101（#2092）"},
		{"parcel", "652301001002GB00123", "", "宗地 652301001002GB00123"},
		{"jurisdiction", "652301", "昌吉市", "辖区 昌吉市（652301）"},
		{"request", "GET /admin/users", "", "请求 GET /admin/users"},
		{"alerts", "0", "", "全部预警"},
		{"mystery", "7", "", "mystery #7"},
	}
	for _, tt := range tests {
		if got := RecordName(tt.kind, tt.id, tt.name); got != tt.want {
			t.Errorf("RecordName(%q, %q, %q) = %q, want %q", tt.kind, tt.id, tt.name, got, tt.want)
		}
	}
}

func TestFieldAndValueLabels(t *testing.T) {
	if got := FieldLabel("reason"); got != "理由" {
		t.Errorf("FieldLabel(reason) = %q", got)
	}
	if got := FieldLabel("no_such_key"); got != "no_such_key" {
		t.Errorf("FieldLabel(no_such_key) = %q", got)
	}
	tests := []struct{ key, value, want string }{
		{"reason", "unknown user", "用户名不存在"},
		{"reason", "auth.disabled", "账户已停用"},
		{"via", "page", "页面"},
		{"note", "page", "page"}, // a value is named only under its own key
	}
	for _, tt := range tests {
		if got := ValueLabel(tt.key, tt.value); got != tt.want {
			t.Errorf("ValueLabel(%q, %q) = %q, want %q", tt.key, tt.value, got, tt.want)
		}
	}
}
