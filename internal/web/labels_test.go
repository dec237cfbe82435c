package web

import (
	"testing"

	"handover/internal/problem"
)

// A page's refusal of bad text names the field by its label, numbered
// fields (unit_no_2) included; an unknown field keeps its name.
func TestLabelField(t *testing.T) {
	tests := []struct{ field, want string }{
		{"unit_no_2", "“不动产单元号”一栏含有不可见的控制字符或无效的编码，请删除后重新提交"},
		{"applicants", "“申请人”一栏含有不可见的控制字符或无效的编码，请删除后重新提交"},
		{"workbook", "字段“workbook”含有不可见的控制字符或无效的编码，请删除后重试"},
	}
	for _, tt := range tests {
		err := labelField(problem.CheckText(tt.field, "a\x00b"))
		if e := problem.As(err); e.Message != tt.want || e.Code != problem.CodeInvalidText || e.Fields[tt.field] == "" {
			t.Errorf("labelField(%s) = %q (%s, fields %v), want %q", tt.field, e.Message, e.Code, e.Fields, tt.want)
		}
	}
}
