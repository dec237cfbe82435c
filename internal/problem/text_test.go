package problem

import "testing"

func TestCheckText(t *testing.T) {
	tests := []struct {
		field, value string
		bad          bool
		name         string // the field as the refusal names it
	}{
		{"name", "昌吉·天山府 3号楼\t1单元\r\n", false, ""},
		{"name", "", false, ""},
		{"name", "天山\x00府", true, "name"},
		{"name", "\x00", true, "name"},
		{"address", "昌吉\xff市", true, "address"},
		{"address", "\xe6\x98", true, "address"}, // a cut-off 昌
		{"na\x00me", "na\x00me", true, "na␀me"},  // a bad key names itself
		{"na\xffme", "\x00", true, "na�me"},
		{"name", "王\x01五", true, "name"},
		{"name", "王五\x1b[31m", true, "name"},
		{"name", "王五\x7f", true, "name"},
		{"note", "第一行\n第二行", false, ""},
	}
	for _, tt := range tests {
		err := CheckText(tt.field, tt.value)
		if !tt.bad {
			if err != nil {
				t.Errorf("CheckText(%q, %q) = %v, want nil", tt.field, tt.value, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Kind != Invalid || e.Code != CodeInvalidText || e.Fields[tt.name] == "" || e.Message != "字段“"+tt.name+"”含有不可见的控制字符或无效的编码，请删除后重试" {
			t.Errorf("CheckText(%q, %q) = %#v, want an Invalid %s naming %q", tt.field, tt.value, err, CodeInvalidText, tt.name)
		}
	}
}
